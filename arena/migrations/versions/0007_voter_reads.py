"""An index for the vote caps: a voter's votes that were not too fast, counted on each vote
to decide whether its cookie is established.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_votes_voter_too_fast", "votes", ["voter_key", "too_fast"])


def downgrade() -> None:
    op.drop_index("ix_votes_voter_too_fast", table_name="votes")
