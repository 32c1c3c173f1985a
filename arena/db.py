"""Engine creation and schema upgrades.

``make_engine`` takes an already-normalised async URL (``Settings.resolved_database_url``)
and tunes SQLite for a web app (WAL, a busy timeout, foreign keys). ``upgrade`` runs the
Alembic migrations shipped inside the package, so ``arena db upgrade`` works from a wheel.

The commands open their database with ``open_migrated`` (read and change data, never
create anything) or ``open_and_upgrade`` (``serve``, ``db upgrade``): a database that is
missing, unreachable, refused or not migrated is one ``ConfigError`` that says what to do,
never a driver's traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arena.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

log = logging.getLogger("arena")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        for pool_only in ("pool_size", "max_overflow", "pool_pre_ping", "pool_recycle"):
            kwargs.pop(pool_only, None)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # Switching a fresh file to WAL needs it alone, and SQLite may answer "locked"
            # at once, without its busy timeout, while another connection opens it too.
            # WAL is kept in the file: ``upgrade`` sets it, waiting its turn.
            with contextlib.suppress(sqlite3.OperationalError):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoint; WAL keeps commits
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # No overflow: a connection opened for a burst and closed after it costs PostgreSQL a
    # process start each time, which under a sustained burst cost more than waiting for
    # one of the pool's (ARENA_DB_POOL_SIZE).
    require_postgres_driver()
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_pre_ping", False)  # ARENA_DB_PRE_PING: three round trips a checkout
    kwargs.setdefault("pool_recycle", 1800)  # before idle cut-offs of proxies and firewalls
    return create_async_engine(url, **kwargs)


def require_postgres_driver() -> None:
    """asyncpg is the ``postgres`` extra: without it, say which install fixes it (SQLAlchemy
    would only say that a module is missing, from inside a worker)."""
    try:
        importlib.import_module("asyncpg")
    except ImportError:
        raise ConfigError("PostgreSQL needs the asyncpg driver: pip install 'arena[postgres]'"
                          " (or use a sqlite:/// ARENA_DATABASE_URL)") from None


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade_sync(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


def _current_sync(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


# Any fixed number: the key of the advisory lock that serialises migrations.
_MIGRATION_LOCK = 0x6172656E61  # "arena"


# Alembic keeps its running migration context in module globals, so two upgrades in one
# process (one per event loop) must not interleave at their awaits.
_upgrade_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate to ``revision``. Servers starting at once on one database take turns: the
    first migrates, the others then find the schema current and do nothing."""
    lock = _upgrade_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if engine.dialect.name == "sqlite":
            await _sqlite_wal(engine)
        await _upgrade(engine, revision)


async def _sqlite_wal(engine: AsyncEngine, wait_s: float = 30.0) -> None:
    """Put the file in WAL mode, retrying while other processes hold it."""
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        try:
            async with engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode=WAL")).scalar()
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        else:
            if str(mode).lower() not in ("wal", "memory"):  # :memory: has no WAL
                log.warning("SQLite stays in journal mode %s (no WAL on this file system?)",
                            mode)
            return
        if time.monotonic() > deadline:
            log.warning("SQLite: the file stayed locked %.0f s; WAL not set", wait_s)
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


async def _upgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        elif conn.dialect.name == "sqlite":
            # Take the write lock first: two deferred transactions that both read, then
            # both try to write, deadlock until the busy timeout.
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        await conn.run_sync(_upgrade_sync, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current_sync)


def public_url(url: str) -> str:
    """The URL as it may be printed: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or ``:memory:``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return head


def cannot_open(exc: BaseException, url: str) -> ConfigError:
    """A driver's failure to reach a database as one line with what to do about it."""
    root: BaseException = exc
    while isinstance(root, DBAPIError) and isinstance(root.orig, BaseException):
        root = root.orig
    if root.__cause__ is not None and type(root).__module__.startswith("sqlalchemy"):
        root = root.__cause__  # the asyncpg adapter wraps the driver's own error
    lines = str(root).strip().splitlines()
    said = lines[0] if lines else type(root).__name__
    name = type(root).__name__
    if isinstance(root, ConnectionRefusedError) or "Connect call failed" in said:
        hint = "is the database server running? check the host and port in ARENA_DATABASE_URL"
    elif name == "InvalidCatalogNameError" or said.startswith("database"):
        hint = "create the database (createdb) or fix its name in ARENA_DATABASE_URL"
    elif name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError") or \
            said.startswith(("role", "password")):
        hint = "check the user and password in ARENA_DATABASE_URL"
    elif isinstance(root, TimeoutError):
        said = "no answer in time"
        hint = "is the database server reachable from here?"
    elif isinstance(root, sqlite3.Error):
        hint = "check the path in ARENA_DATABASE_URL (or ARENA_DATA_DIR) and its permissions"
    else:
        hint = "check ARENA_DATABASE_URL"
    return ConfigError(f"the database at {public_url(url)} cannot be opened ({said}); {hint}")


_OPEN_ERRORS = (OSError, DBAPIError, sqlite3.Error, TimeoutError)


async def _revision_or_error(engine: AsyncEngine, url: str) -> str | None:
    try:
        async with asyncio.timeout(30):
            return await current_revision(engine)
    except _OPEN_ERRORS as exc:
        raise cannot_open(exc, url) from None
    except Exception as exc:  # asyncpg's own errors (not importable without the extra)
        if type(exc).__module__.startswith("asyncpg"):
            raise cannot_open(exc, url) from None
        raise


def _sqlite_revision_read_only(path: Path, url: str) -> str | None:
    """The revision of a SQLite file, read without writing to it (opening it the usual way
    would switch it to WAL): None when it holds no arena tables."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise cannot_open(exc, url) from None
    except sqlite3.Error as exc:  # "file is not a database"
        raise cannot_open(exc, url) from None
    return str(row[0]) if row else None


def _require_head(revision: str | None, url: str) -> None:
    if revision is None:
        raise ConfigError(f"the database at {public_url(url)} holds no arena tables: run "
                          "`arena db upgrade` first (or check ARENA_DATABASE_URL)")
    if revision != head_revision():
        raise ConfigError(f"the database at {public_url(url)} is at revision {revision}, "
                          "not this arena's; run `arena db upgrade`")


async def open_migrated(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine on a database an arena already made and migrated. Nothing is created: a
    missing SQLite file stays missing, and a SQLite file is checked before it is opened
    for writing."""
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"no arena database at {path}: start the arena once (arena "
                              "serve) or run `arena db upgrade`, or point ARENA_DATABASE_URL "
                              "(or ARENA_DATA_DIR) at the existing one")
        _require_head(_sqlite_revision_read_only(path, url), url)
        return make_engine(url, **kwargs)
    engine = make_engine(url, **kwargs)
    try:
        _require_head(await _revision_or_error(engine, url), url)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def open_and_upgrade(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine on the database, created if it is a new SQLite file, and migrated."""
    try:
        engine = make_engine(url, **kwargs)
    except OSError as exc:  # the SQLite file's folder cannot be made
        raise cannot_open(exc, url) from None
    try:
        await _revision_or_error(engine, url)  # reachable at all: one line if not
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine
