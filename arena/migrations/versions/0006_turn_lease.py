"""A lease on each running turn, and the text its runner has streamed so far.

A runner renews ``lease_until`` every second or two while it streams, writing each
side's text so far into ``partial`` in the same statement. A worker killed mid-stream
stops renewing; any worker then sees the lease run out within seconds and settles the
turn as ``incomplete`` with that text, instead of waiting for a fixed age and losing it.
Turns left running before this revision have no lease and keep the old age rule.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Chained to 0004 on its own branch; at the merge it follows 0005 ("0005_integrity").
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("partial", sa.JSON))
    # The sweep looks for running turns whose lease ran out, on every worker, every lease.
    op.create_index("ix_turns_status_lease", "turns", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_turns_status_lease", table_name="turns")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("partial")
        batch.drop_column("lease_until")
