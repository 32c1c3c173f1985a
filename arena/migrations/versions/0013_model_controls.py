"""Operators' live controls of the roster's models: a model paused or retired from the
console is out of new battles on every worker within seconds, without a restart.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_controls",
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("model", name="pk_model_controls"),
    )


def downgrade() -> None:
    op.drop_table("model_controls")
