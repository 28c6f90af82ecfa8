"""The Ledger: one SQLAlchemy engine, transactions, and the domain stores.

SQLite (default, WAL mode, busy timeout) or PostgreSQL by URL. A locked SQLite database
is translated once, here, into ``LedgerBusyError`` (S4.2).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bridge.errors import ConfigError, LedgerBusyError
from bridge.ledger._schema import metadata

__all__ = ["Ledger", "utcnow"]


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class Ledger:
    """The bridge's memory: files, records, and each flow's idempotency state.

    Args:
        url: SQLAlchemy URL (``sqlite:////abs/path.db`` or ``postgresql+psycopg://…``).
        now: Clock, injectable for tests (S7.6).
    """

    def __init__(self, url: str, *, now: Callable[[], datetime] = utcnow) -> None:
        self.url = url
        self.now = now
        if url.startswith("sqlite:///") and not url.endswith(":memory:"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = sa.create_engine(url, future=True)
        except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
            raise ConfigError(
                f"ledger.url: cannot use {url!r}: {exc}", key="ledger.url"
            ) from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        # Import the domain stores here so their tables join the metadata.
        from bridge.ledger.files import FileStore
        from bridge.ledger.orders import OrderExportStore
        from bridge.ledger.products import ProductStateStore
        from bridge.ledger.remote import RemoteStore
        from bridge.ledger.shipments import ShipmentStore
        from bridge.ledger.stock import StockStateStore

        with self.translate():
            metadata.create_all(self.engine)
        self.files = FileStore(self)
        self.products = ProductStateStore(self)
        self.stock = StockStateStore(self)
        self.shipments = ShipmentStore(self)
        self.orders = OrderExportStore(self)
        self.remote = RemoteStore(self)

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
        """Open a transaction; commits on success, rolls back on error."""
        with self.translate(), self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
