"""The board over time: ``board_snapshots``, one row per snapshot of a board (daily, at
most one per UTC day and board, or on demand).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("variant", sa.String(100), nullable=False),
        sa.Column("scheduled_day", sa.Date),
        sa.Column("last_vote_id", sa.Integer, nullable=False),
        sa.Column("counted_votes", sa.Integer, nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_board_snapshots"),
        sa.UniqueConstraint("variant", "scheduled_day", name="uq_board_snapshots_variant_day"),
    )
    op.create_index("ix_board_snapshots_taken_at", "board_snapshots", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_board_snapshots_taken_at", table_name="board_snapshots")
    op.drop_table("board_snapshots")
