"""Operators' live controls of the roster's models: a model paused or retired from the
console is out of new battles on every worker within seconds, and its weight, token
limit, temperature and system prompt can be changed the same way, without a restart.

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
        sa.Column("weight", sa.Float),
        sa.Column("max_tokens", sa.Integer),
        sa.Column("temperature", sa.Float),
        sa.Column("system_prompt", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("model", name="pk_model_controls"),
    )


def downgrade() -> None:
    op.drop_table("model_controls")
