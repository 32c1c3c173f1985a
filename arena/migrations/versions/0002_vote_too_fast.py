"""Flag votes cast sooner than a person could read the answers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("too_fast", sa.Boolean))


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("too_fast")
