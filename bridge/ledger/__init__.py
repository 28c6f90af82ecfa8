"""The ledger: SQLAlchemy Core tables and the ``Ledger`` facade."""

from __future__ import annotations

from bridge.ledger.core import Ledger, utcnow

__all__ = ["Ledger", "utcnow"]
