"""The small database object every store works on: engine, transactions, clock.

SQLite (default, WAL mode, busy timeout) or PostgreSQL by URL. A locked SQLite
database is translated once, here, into ``LedgerBusyError`` (S4.2). Stores take a
``Database``, never the ``Ledger`` that composes them, so no store depends on another
and the schema (``bridge.ledger.tables``) is complete as soon as the package is
imported.

``Database.transaction()`` groups the store calls a thread makes inside it into one
transaction: each store's ``begin()`` joins it instead of opening its own. It is for
short runs of ledger-only work (a file's bookkeeping), never around a Magento call.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bridge.errors import ConfigError, LedgerBusyError
from bridge.support.clock import utcnow

__all__ = ["Database", "display_url"]


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # The busy timeout first: switching a fresh file to WAL needs a lock that a
    # second process starting at the same moment may hold.
    cur.execute("PRAGMA busy_timeout=10000")
    _switch_to_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _switch_to_wal(cur: sqlite3.Cursor, *, patience: float = 10.0) -> None:
    """Put the database in WAL mode, waiting for a process that is doing the same.

    SQLite answers ``database is locked`` at once, without consulting the busy
    timeout, when two connections switch a fresh file to WAL together (the second
    would otherwise deadlock on the first's lock upgrade), so the wait is ours.
    """
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        else:
            return


def display_url(url: str) -> str:
    """Return ``url`` with any password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def create_engine(url: str) -> Engine:
    """Create an engine for a ledger URL (SQLite pragmas included).

    Raises:
        ConfigError: The URL names no usable database or driver.
    """
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
        raise ConfigError(
            f"ledger.url: cannot use {display_url(url)!r}: {exc}", key="ledger.url"
        ) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """One engine, its transactions, the clock, and driver-error translation.

    Args:
        url: SQLAlchemy URL (``sqlite:////abs/path.db`` or ``postgresql+psycopg://…``).
        now: Clock, injectable for tests (S7.6).
    """

    def __init__(self, url: str, *, now: Callable[[], datetime] = utcnow) -> None:
        """Create the engine; no connection is made yet."""
        self.url = url
        self.now = now
        self.engine: Engine = create_engine(url)
        # The transaction this thread opened with ``transaction()``, if any.
        self._open = threading.local()

    @property
    def dialect(self) -> str:
        """The SQL dialect's name (``sqlite`` or ``postgresql``)."""
        return str(self.engine.dialect.name)

    @contextlib.contextmanager
    def translate(self) -> Iterator[None]:
        """Translate driver errors into the bridge's error tree."""
        try:
            yield
        except OperationalError as exc:
            text = str(exc.orig) if exc.orig is not None else str(exc)
            if "locked" in text or "busy" in text:
                raise LedgerBusyError(f"ledger busy: {text}") from exc
            raise

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """Open a transaction; commits on success, rolls back on error.

        Inside ``transaction()`` (same thread) it joins that one instead.
        """
        joined: Connection | None = getattr(self._open, "conn", None)
        if joined is not None:
            yield joined
            return
        with self.translate(), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for every ``begin()`` of this thread inside the block.

        Commits when the block ends, rolls everything back on an error. Nested
        calls join the outer block. Other threads are not affected.
        """
        if getattr(self._open, "conn", None) is not None:
            with self.begin() as conn:
                yield conn
            return
        with self.begin() as conn:
            self._open.conn = conn
            try:
                yield conn
            finally:
                self._open.conn = None

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
