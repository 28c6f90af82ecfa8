"""Bring a ledger's schema to the head revision, once, whoever starts first.

``Ledger(url)`` calls :func:`upgrade` before any store touches the database:

* a brand-new database gets every revision from the base (the first release's
  schema, ``0001``) to the head;
* a database with the first release's tables but no ``alembic_version`` (written by
  that release, which had no migrations) is stamped as the base and upgraded in
  place, keeping its rows;
* a database stamped with a revision this code does not know (written by a newer
  release) is refused with one ``ConfigError`` line.

Two processes starting at once must not both migrate. The check, the stamp and the
revisions run in one transaction that holds the database's write lock: SQLite's
``BEGIN IMMEDIATE`` (the second process waits for the first to commit, then finds the
schema at head), PostgreSQL's ``pg_advisory_xact_lock``. Both databases have
transactional DDL, so a migration that fails leaves the ledger as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from bridge.errors import ConfigError, LedgerBusyError
from bridge.ledger.database import Database, create_engine, display_url

__all__ = [
    "BASE_REVISION",
    "Upgrade",
    "alembic_config",
    "current_revision",
    "head",
    "knows",
    "peek_revision",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The schema of the first release (commit 1478415), which had no version table.
BASE_REVISION = "0001"
#: Any number that is the same in every process: the key of the advisory lock.
_PG_LOCK_KEY = 0x6272_6964_6765  # "bridge"
#: How long a starting process waits for another one's migration (SQLite).
_SQLITE_WAIT_MS = 600_000


@dataclass(frozen=True)
class Upgrade:
    """What opening a ledger did to its schema.

    Attributes:
        before: The revision found (None: a new database, or the first release's,
            which had no version table; ``stamped`` tells them apart).
        after: The revision the database is at now (the head).
        stamped: The first release's tables were found and stamped as the base.
        ran: This process ran the revisions (False: nothing to do, or another
            process did it while this one waited for the lock).
    """

    before: str | None
    after: str
    stamped: bool = False
    ran: bool = False


def alembic_config(connection: Connection | None = None, url: str = "") -> Config:
    """Return an Alembic configuration for the packaged migrations (no ini file).

    Args:
        connection: Run on this open connection (inside the caller's transaction).
        url: Otherwise, the database URL (for a developer's ``command.revision``).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """Return the head revision this code knows."""
    found = _script().get_current_head()
    assert found is not None
    return found


def current_revision(conn: Connection) -> str | None:
    """Return the revision a database is stamped with (None when unstamped)."""
    return MigrationContext.configure(conn).get_current_revision()


def knows(revision: str) -> bool:
    """True when ``revision`` is one of this code's migrations."""
    return revision in {rev.revision for rev in _script().walk_revisions()}


def peek_revision(url: str) -> str | None:
    """Read the revision of the ledger at ``url`` without migrating it (doctor).

    Raises:
        ConfigError: ``url`` is not a database URL this bridge can use.
        LedgerBusyError: The database cannot be reached or read.
    """
    try:
        db = Database(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"ledger.url is not usable: {exc}", key="ledger.url") from exc
    try:
        with db.translate(), db.engine.connect() as conn:
            return current_revision(conn)
    except sa.exc.DBAPIError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        raise LedgerBusyError(f"cannot reach {display_url(url)}: {text}") from exc
    finally:
        db.close()


def upgrade(db: Database) -> Upgrade:
    """Bring ``db`` to the head revision (see the module docstring).

    Returns:
        What was found and done.

    Raises:
        ConfigError: The ledger was written by a newer release.
    """
    with db.translate(), db.engine.connect() as conn:
        current = current_revision(conn)
    if current == head():
        return Upgrade(before=current, after=current)
    _refuse_unknown(db, current)
    with _locked(db) as conn:
        current = current_revision(conn)  # another process may have done it
        _refuse_unknown(db, current)
        if current == head():
            return Upgrade(before=current, after=current)
        stamped = current is None and sa.inspect(conn).has_table("files")
        if stamped:
            command.stamp(alembic_config(conn), BASE_REVISION)
        command.upgrade(alembic_config(conn), "head")
    return Upgrade(before=current, after=head(), stamped=stamped, ran=True)


def _refuse_unknown(db: Database, current: str | None) -> None:
    known = {rev.revision for rev in _script().walk_revisions()}
    if current is not None and current not in known:
        raise ConfigError(
            f"ledger {display_url(db.url)} has schema revision {current}, which this "
            f"bridge does not know (its newest is {head()}): it was written by a "
            "newer release; run that release or a newer one",
            key="ledger.url",
        )


@contextmanager
def _locked(db: Database) -> Iterator[Connection]:
    """Yield a connection in a transaction that holds the migration lock."""
    if db.dialect == "sqlite":
        engine = _immediate_engine(db.url)
        try:
            with db.translate(), engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()
        return
    with db.translate(), db.engine.begin() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
        yield conn


def _immediate_engine(url: str) -> Engine:
    """An SQLite engine whose transactions start with ``BEGIN IMMEDIATE``.

    The driver's own transaction handling is switched off so that the DDL of the
    revisions runs inside that transaction too (SQLAlchemy's documented recipe).
    """
    engine = create_engine(url)

    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout={_SQLITE_WAIT_MS}")

    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    sa.event.listen(engine, "connect", _connect)
    sa.event.listen(engine, "begin", _begin)
    return engine
