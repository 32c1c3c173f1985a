"""The arena's tables (SQLAlchemy Core). Alembic migrations in ``arena/migrations`` create
them; this module is the single description the store's queries are written against.

A battle has turns; a turn has one answer per side; each regenerate adds a new *attempt*
of the latest turn (old attempts are kept, never overwritten). A battle has at most one
vote (unique ``votes.battle_id``). The value lists of the status, winner and reason
columns are the types of ``arena.types``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

battles = Table(
    "battles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("voter_key", String(64), nullable=False),  # sha256 of the voter cookie
    Column("ip_hash", String(64)),  # HMAC of the client IP, never the IP itself
    Column("model_a", String(100), nullable=False),
    Column("model_b", String(100), nullable=False),
    Column("propensity", Float, nullable=False),  # P(this unordered pair) when sampled
    # active → voted; a battle is never deleted.
    Column("status", String(16), nullable=False, default="active"),
    Column("turn_count", Integer, nullable=False, default=0),
    Column("categories", JSON, nullable=False, default=list),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_battles_voter_created", battles.c.voter_key, battles.c.created_at)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("battle_id", String(32), ForeignKey("battles.id"), nullable=False),
    Column("idx", Integer, nullable=False),  # 0-based turn number
    Column("attempt", Integer, nullable=False, default=0),  # regenerate → attempt + 1
    Column("prompt", Text, nullable=False),
    # pending → running → done | failed | incomplete
    Column("status", String(16), nullable=False, default="pending"),
    Column("claimed_at", DateTime(timezone=True)),
    # A running turn's runner renews this while it streams; once it has passed, the
    # runner is taken for dead and the turn is settled as incomplete.
    Column("lease_until", DateTime(timezone=True)),
    # Each side's text so far ({"a": ..., "b": ...}), written with each renewal.
    Column("partial", JSON),
    Column("finished_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("battle_id", "idx", "attempt", name="uq_turns_battle_idx_attempt"),
)
Index("ix_turns_status_lease", turns.c.status, turns.c.lease_until)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("turn_id", Integer, ForeignKey("turns.id"), nullable=False),
    Column("side", String(1), nullable=False),
    Column("model", String(100), nullable=False),
    Column("text", Text, nullable=False, default=""),
    # done | error | incomplete
    Column("status", String(16), nullable=False),
    Column("error_code", String(40)),
    Column("finish_reason", String(40)),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("ttft_ms", Float),
    Column("total_ms", Float),
    Column("leak_term", String(100)),  # set when this text gives its model away
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("turn_id", "side", name="uq_answers_turn_side"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("battle_id", String(32), ForeignKey("battles.id"), nullable=False, unique=True),
    Column("voter_key", String(64), nullable=False),
    Column("ip_hash", String(64)),
    Column("model_a", String(100), nullable=False),
    Column("model_b", String(100), nullable=False),
    Column("winner", String(16), nullable=False),  # a | b | tie | both_bad
    Column("counted", Boolean, nullable=False),
    Column("excluded_reason", String(40)),
    Column("leak_side", String(2)),  # a | b | ab
    Column("propensity", Float, nullable=False),
    Column("turns", Integer, nullable=False),
    Column("conv_metadata", JSON),
    Column("categories", JSON, nullable=False, default=list),
    Column("seconds_to_vote", Float),  # from the last answer finishing to the vote
    # sooner than a person could have read the answers (ARENA_FAST_VOTE_WORDS_PER_S)
    Column("too_fast", Boolean),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # An operator's pinned decision (counted | excluded), which the detection job keeps;
    # NULL: the rules and the detection job decide.
    Column("review", String(16)),
    Column("review_note", Text),
    Column("reviewed_at", DateTime(timezone=True)),
)
Index("ix_votes_counted_created", votes.c.counted, votes.c.created_at)
# a voter's read votes (not too fast) decide whether its cookie is established (vote caps)
Index("ix_votes_voter_too_fast", votes.c.voter_key, votes.c.too_fast)

# Values the whole deployment shares, e.g. the key of the IP hash: every worker must hash
# an address the same way, across restarts too.
settings_table = Table(
    "instance",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)


# --- the integrity defences -------------------------------------------------------------
# ``vote_caps`` holds one counter per (key, fixed window): counted votes of a voter, an
# identity or an address network in one UTC day, and spent proof-of-work challenges (a
# counter that must reach exactly 1). ``vote_cap_members`` holds the distinct established
# voters seen behind an address in a window, which is what lets an honest crowd behind one
# NAT vote more than one person could. Both are small: rows older than a window are pruned.

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


# --- the board over time -----------------------------------------------------------------
# One row per snapshot of a board: when it was taken, the newest vote it had seen, and the
# listed models' ratings, intervals and votes as one JSON list (a snapshot is written once
# and always read whole, so a child row per model would only multiply the rows: 36,500 a
# year at 100 models instead of 365). ``scheduled_day`` is the UTC day of a daily
# snapshot and NULL for one taken on demand: the unique key lets exactly one worker's
# daily insert through, and NULLs never collide, so on-demand snapshots are unlimited.

board_snapshots = Table(
    "board_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("variant", String(100), nullable=False),  # which board: "default" so far
    Column("scheduled_day", Date),  # the UTC day of a daily snapshot; NULL: on demand
    Column("last_vote_id", Integer, nullable=False),
    Column("counted_votes", Integer, nullable=False),
    # [{"model", "rating", "ci_low", "ci_high", "votes", "rank"}, ...] in board order
    Column("models", JSON, nullable=False),
    # The public record (arena/record.py): the digest of the exact counted votes the board
    # was computed from, and the method and settings; NULL before migration 0011.
    Column("votes_sha256", String(64)),
    Column("method", JSON),
    UniqueConstraint("variant", "scheduled_day", name="uq_board_snapshots_variant_day"),
)
Index("ix_board_snapshots_taken_at", board_snapshots.c.taken_at)


# --- who may vote (arena.access) ------------------------------------------------------------
# ``invites``: one row per invite link (its public id is in the signed link; ``uses`` is
# raised by one conditional UPDATE per opening, so two workers racing for the last use
# cannot both win). ``access_voters``: every identity an invite or a sign-in gave, by its
# voter key (an invite's: random, one per opening; a sign-in's: the keyed hash of issuer
# and subject — never an e-mail); the detection job reads it to know who is not a cookie.
# ``access_sessions``: a browser's session, by the sha256 of its cookie's token.

invites = Table(
    "invites",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("label", String(200)),  # e.g. a class's name, shown to the operator and the voter
    Column("max_uses", Integer),  # NULL: any number
    Column("uses", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

access_voters = Table(
    "access_voters",
    metadata,
    Column("voter_key", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),  # "invite" | "sso"
    Column("invite_id", String(32), ForeignKey("invites.id", ondelete="SET NULL")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_access_voters_invite_id", access_voters.c.invite_id)

access_sessions = Table(
    "access_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("voter_key", String(64),
           ForeignKey("access_voters.voter_key", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_access_sessions_voter_key", access_sessions.c.voter_key)


# Battles their voters chose to share after the vote (ARENA_SHARE_BATTLES): the slug is
# the permalink's unguessable part, never the battle id (which the voter's page holds).
shared_battles = Table(
    "shared_battles",
    metadata,
    Column("slug", String(32), primary_key=True),
    Column("battle_id", String(32), ForeignKey("battles.id"), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The operator console's audit log (arena/admin.py): one row per console action.
admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),  # "token:<the name given at sign-in>"
    Column("action", String(60), nullable=False),  # e.g. "vote.review"
    Column("target", String(100), nullable=False),  # e.g. the battle id
    Column("before", JSON),
    Column("after", JSON),
    Column("note", Text),  # the operator's written reason
)
Index("ix_admin_audit_at", admin_audit.c.at)

# Operators' live controls (arena/battles/controls.py): a row per model the console
# changed; no row (or a NULL value), the model plays as the roster says.
model_controls = Table(
    "model_controls",
    metadata,
    Column("model", String(100), primary_key=True),
    Column("state", String(16), nullable=False),  # active | paused | retired
    Column("weight", Float),
    Column("max_tokens", Integer),
    Column("temperature", Float),
    Column("system_prompt", Text),
    Column("note", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Prompts the moderation hook refused (arena/moderation.py), for the console: the prompt
# as sent (its first MAX_REFUSED_CHARS characters) and the policy's reason.
moderation_refusals = Table(
    "moderation_refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("voter_key", String(64), nullable=False),
    Column("ip_hash", String(64)),
    Column("battle_id", String(32)),  # set for a follow-up turn's prompt
    Column("prompt", Text, nullable=False),
    Column("reason", String(300), nullable=False),
)
Index("ix_moderation_refusals_at", moderation_refusals.c.at)
