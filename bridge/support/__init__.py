"""Tiny pure helpers importable from every layer (no I/O, no third-party imports)."""

from __future__ import annotations

from bridge.support.clock import as_utc, utcnow
from bridge.support.jsonvalues import json_number

__all__ = ["as_utc", "json_number", "utcnow"]
