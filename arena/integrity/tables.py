"""The tables of the integrity defences, on the arena's one ``MetaData`` (so Alembic and
``metadata.create_all`` see them with the rest).

``vote_caps`` holds one counter per (key, fixed window): counted votes of a voter, an
identity or an address network in one UTC day, and spent proof-of-work challenges (a
counter that must reach exactly 1). ``vote_cap_members`` holds the distinct established
voters seen behind an address in a window, which is what lets an honest crowd behind one
NAT vote more than one person could. Both are small: rows older than a window are pruned.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, String, Table

from arena.tables import metadata

vote_caps = Table(
    "vote_caps",
    metadata,
    Column("key", String(200), nullable=False),
    Column("window_start", BigInteger, nullable=False),  # Unix seconds, UTC window start
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("key", "window_start", name="pk_vote_caps"),
)

vote_cap_members = Table(
    "vote_cap_members",
    metadata,
    Column("key", String(200), nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("member", String(200), nullable=False),
    PrimaryKeyConstraint("key", "window_start", "member", name="pk_vote_cap_members"),
)
