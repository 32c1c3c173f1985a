"""Initial schema: battles, turns, answers, votes, pair_counts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "battles",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64)),
        sa.Column("model_a", sa.String(100), nullable=False),
        sa.Column("model_b", sa.String(100), nullable=False),
        sa.Column("propensity", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("turn_count", sa.Integer, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_battles"),
    )
    op.create_index("ix_battles_voter_created", "battles", ["voter_key", "created_at"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("battle_id", sa.String(32), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.ForeignKeyConstraint(["battle_id"], ["battles.id"],
                                name="fk_turns_battle_id_battles"),
        sa.UniqueConstraint("battle_id", "idx", "attempt", name="uq_turns_battle_idx_attempt"),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("turn_id", sa.Integer, nullable=False),
        sa.Column("side", sa.String(1), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(40)),
        sa.Column("finish_reason", sa.String(40)),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
        sa.Column("ttft_ms", sa.Float),
        sa.Column("total_ms", sa.Float),
        sa.Column("leak_term", sa.String(100)),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.ForeignKeyConstraint(["turn_id"], ["turns.id"], name="fk_answers_turn_id_turns"),
        sa.UniqueConstraint("turn_id", "side", name="uq_answers_turn_side"),
    )
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("battle_id", sa.String(32), nullable=False),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64)),
        sa.Column("model_a", sa.String(100), nullable=False),
        sa.Column("model_b", sa.String(100), nullable=False),
        sa.Column("winner", sa.String(16), nullable=False),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("excluded_reason", sa.String(40)),
        sa.Column("leak_side", sa.String(2)),
        sa.Column("propensity", sa.Float, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("conv_metadata", sa.JSON),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("seconds_to_vote", sa.Float),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_votes"),
        sa.ForeignKeyConstraint(["battle_id"], ["battles.id"],
                                name="fk_votes_battle_id_battles"),
        sa.UniqueConstraint("battle_id", name="uq_votes_battle_id"),
    )
    op.create_index("ix_votes_counted_created", "votes", ["counted", "created_at"])
    op.create_table(
        "pair_counts",
        sa.Column("model_a", sa.String(100), nullable=False),
        sa.Column("model_b", sa.String(100), nullable=False),
        sa.Column("wins_a", sa.Integer, nullable=False),
        sa.Column("wins_b", sa.Integer, nullable=False),
        sa.Column("ties", sa.Integer, nullable=False),
        sa.Column("both_bad", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("model_a", "model_b", name="pk_pair_counts"),
    )


def downgrade() -> None:
    for name in ("pair_counts", "votes", "answers", "turns", "battles"):
        op.drop_table(name)
