"""Who may vote: ``invites`` (signed invite links, their expiry and uses),
``access_voters`` (the identities invites and sign-ins gave) and ``access_sessions``.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("max_uses", sa.Integer),
        sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
    )
    op.create_table(
        "access_voters",
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("invite_id", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("voter_key", name="pk_access_voters"),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"], ondelete="SET NULL",
                                name="fk_access_voters_invite_id_invites"),
    )
    op.create_index("ix_access_voters_invite_id", "access_voters", ["invite_id"])
    op.create_table(
        "access_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_sessions"),
        sa.ForeignKeyConstraint(["voter_key"], ["access_voters.voter_key"], ondelete="CASCADE",
                                name="fk_access_sessions_voter_key_access_voters"),
    )
    op.create_index("ix_access_sessions_voter_key", "access_sessions", ["voter_key"])


def downgrade() -> None:
    op.drop_index("ix_access_sessions_voter_key", table_name="access_sessions")
    op.drop_table("access_sessions")
    op.drop_index("ix_access_voters_invite_id", table_name="access_voters")
    op.drop_table("access_voters")
    op.drop_table("invites")
