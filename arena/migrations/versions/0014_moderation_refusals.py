"""The prompts the moderation hook refused, for the operator console.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_refusals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64)),
        sa.Column("battle_id", sa.String(32)),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_refusals"),
    )
    op.create_index("ix_moderation_refusals_at", "moderation_refusals", ["at"])


def downgrade() -> None:
    op.drop_index("ix_moderation_refusals_at", table_name="moderation_refusals")
    op.drop_table("moderation_refusals")
