"""The ledger: SQLAlchemy Core tables, Alembic migrations, the stores, the ``Ledger``.

Importing this package declares every table on ``metadata`` (``_schema.py``).
"""

from __future__ import annotations

from bridge.ledger.core import Ledger
from bridge.ledger.database import Database
from bridge.support.clock import utcnow

__all__ = ["Database", "Ledger", "utcnow"]
