"""The public record: each board snapshot keeps the digest of the exact votes it was
computed from and the method and settings used, so a reader can check it later.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("board_snapshots") as batch:
        # NULL for the snapshots taken before the record existed: they cannot be checked.
        batch.add_column(sa.Column("votes_sha256", sa.String(64)))
        batch.add_column(sa.Column("method", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("board_snapshots") as batch:
        batch.drop_column("method")
        batch.drop_column("votes_sha256")
