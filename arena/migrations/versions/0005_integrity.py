"""Counters of the integrity defences: daily vote caps, spent proof-of-work challenges and
the established voters seen behind an address.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote_caps",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_vote_caps"),
    )
    op.create_table(
        "vote_cap_members",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("member", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", "member", name="pk_vote_cap_members"),
    )


def downgrade() -> None:
    op.drop_table("vote_cap_members")
    op.drop_table("vote_caps")
