"""The Ledger: one database, brought to the head schema, and the domain stores.

``Ledger`` only composes: the :class:`~bridge.ledger.database.Database` (engine,
transactions, clock, error translation) and one store per domain, each working on
that database. Opening a ledger migrates it (``bridge.ledger.migrate``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from bridge.ledger import migrate
from bridge.ledger.calls import CallStore
from bridge.ledger.database import Database
from bridge.ledger.files import FileStore
from bridge.ledger.items import ItemStore
from bridge.ledger.leases import LeaseStore
from bridge.ledger.orders import OrderExportStore
from bridge.ledger.products import ProductStateStore
from bridge.ledger.remote import RemoteStore
from bridge.ledger.shipments import ShipmentStore
from bridge.ledger.staging import StagingStore
from bridge.ledger.stock import StockStateStore
from bridge.support.clock import utcnow

__all__ = ["Ledger", "utcnow"]


class Ledger:
    """The bridge's memory: files, records, and each flow's idempotency state.

    Args:
        url: SQLAlchemy URL (``sqlite:////abs/path.db`` or ``postgresql+psycopg://…``).
        now: Clock, injectable for tests (S7.6).

    Raises:
        ConfigError: Unusable URL, or a ledger written by a newer release.
    """

    def __init__(self, url: str, *, now: Callable[[], datetime] = utcnow) -> None:
        """Open the database, migrate it to the head revision, build the stores."""
        self.db = Database(url, now=now)
        try:
            #: What opening did to the schema (for logs and tests).
            self.migration = migrate.upgrade(self.db)
        except BaseException:
            self.db.close()
            raise
        self.files = FileStore(self.db)
        self.products = ProductStateStore(self.db)
        self.stock = StockStateStore(self.db)
        self.shipments = ShipmentStore(self.db)
        self.orders = OrderExportStore(self.db)
        self.remote = RemoteStore(self.db)
        self.staging = StagingStore(self.db)
        self.leases = LeaseStore(self.db)
        self.calls = CallStore(self.db)
        self.items = ItemStore(self.db)

    @property
    def url(self) -> str:
        """The database URL."""
        return self.db.url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (tests and tools; stores use ``db``)."""
        return self.db.engine

    def now(self) -> datetime:
        """The ledger's clock."""
        return self.db.now()

    def schema_revision(self) -> str | None:
        """Return the schema revision the database is at (for status and doctor)."""
        with self.db.translate(), self.db.engine.connect() as conn:
            return migrate.current_revision(conn)

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """Open a transaction; commits on success, rolls back on error."""
        with self.db.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group the store calls of this thread inside the block in one transaction.

        For short runs of ledger-only work; see ``Database.transaction``.
        """
        with self.db.transaction():
            yield

    def close(self) -> None:
        """Release pooled connections."""
        self.db.close()
