"""An operator's pinned decision on a vote, which the rigging detection job never
overrides: ``votes.review`` (counted | excluded), its note and when it was made.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("review", sa.String(16)))
        batch.add_column(sa.Column("review_note", sa.Text))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("review_note")
        batch.drop_column("review")
