"""The public record: each board snapshot keeps the digest of the exact votes it was
computed from and the method and settings used, so a reader can check it later; and
``shared_battles``, the battles their voters chose to share (``ARENA_SHARE_BATTLES``).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("board_snapshots") as batch:
        # NULL for the snapshots taken before the record existed: they cannot be checked.
        batch.add_column(sa.Column("votes_sha256", sa.String(64)))
        batch.add_column(sa.Column("method", sa.JSON))
    op.create_table(
        "shared_battles",
        sa.Column("slug", sa.String(32), nullable=False),
        sa.Column("battle_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_shared_battles"),
        sa.ForeignKeyConstraint(["battle_id"], ["battles.id"],
                                name="fk_shared_battles_battle_id_battles"),
        sa.UniqueConstraint("battle_id", name="uq_shared_battles_battle_id"),
    )


def downgrade() -> None:
    op.drop_table("shared_battles")
    with op.batch_alter_table("board_snapshots") as batch:
        batch.drop_column("method")
        batch.drop_column("votes_sha256")
