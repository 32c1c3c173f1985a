"""Is this worker fit to take traffic? ``/readyz`` asks: the database answers, within a
few seconds, and its schema is the revision this arena's code was written for.

A database that a restore put back at an older revision, or that a newer arena has
already migrated, would fail requests one by one in ways a voter cannot act on; a load
balancer that reads ``/readyz`` sends them elsewhere instead. What went wrong is said in
words for the operator; the public answer never carries the database's address.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import cache

from sqlalchemy.ext.asyncio import AsyncEngine

from arena.db import MIGRATIONS_DIR, current_revision

log = logging.getLogger("arena.ops")

READY_TIMEOUT_S = 3.0  # a probe's own timeout is often 1-5 s; a slow database is not ready


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    code: str  # "ready", or why not: a machine-readable error code
    message: str
    revision: str | None  # the database's, when it could be read


@cache
def _revisions() -> tuple[str | None, frozenset[str]]:
    """(head, every revision this code ships), read from the migrations once a process."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(cfg)
    return scripts.get_current_head(), frozenset(s.revision for s in scripts.walk_revisions())


async def check(engine: AsyncEngine, timeout_s: float = READY_TIMEOUT_S) -> Readiness:
    head, known = _revisions()
    try:
        async with asyncio.timeout(timeout_s):
            revision = await current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - any failure to read means "not ready"
        why = "no answer in time" if isinstance(exc, TimeoutError) else type(exc).__name__
        log.warning("not ready: the database cannot be reached (%s: %s)", why, exc)
        return Readiness(False, "database_unavailable",
                         f"The database cannot be reached ({why}); see the server's log",
                         None)
    if revision == head:
        return Readiness(True, "ready", "ready", revision)
    if revision is None:
        return Readiness(False, "migrations_pending", "The database holds no arena tables: "
                         "run `arena db upgrade`", None)
    if revision in known:
        return Readiness(False, "migrations_pending", f"The database is at revision "
                         f"{revision}, this arena needs {head}: run `arena db upgrade`",
                         revision)
    return Readiness(False, "schema_unknown", f"The database is at revision {revision}, "
                     f"which this arena (at {head}) does not know: a newer arena migrated "
                     "it; run that version", revision)
