"""Drop ``pair_counts``: an aggregate written on every vote and read by nothing.

The leaderboard cannot use per-pair counts (style control, categories, inverse-propensity
weights and the bootstrap need each vote's row), and it reads only the votes newer than
its last refresh anyway, so the aggregate saved no work; it cost an upsert, and a lock on
the pair's row, in every vote. ``arena db check`` now checks the votes' own invariants.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("pair_counts")


def downgrade() -> None:
    op.create_table(
        "pair_counts",
        sa.Column("model_a", sa.String(100), nullable=False),
        sa.Column("model_b", sa.String(100), nullable=False),
        sa.Column("wins_a", sa.Integer, nullable=False, server_default="0"),
        sa.Column("wins_b", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ties", sa.Integer, nullable=False, server_default="0"),
        sa.Column("both_bad", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("model_a", "model_b", name="pk_pair_counts"),
    )
    # Refill it from the votes, so a downgraded deployment's check still passes.
    op.execute(
        "INSERT INTO pair_counts (model_a, model_b, wins_a, wins_b, ties, both_bad) "
        "SELECT model_a, model_b, "
        "SUM(CASE WHEN winner = 'a' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN winner = 'b' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN winner = 'tie' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN winner = 'both_bad' THEN 1 ELSE 0 END) "
        "FROM votes WHERE counted GROUP BY model_a, model_b")
