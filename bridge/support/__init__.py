"""Small helpers with no bridge dependencies, importable from every layer.

One helper per idea: each module holds the single implementation of something that
several packages need (files written atomically, "never overwrite" names, backoff ...),
so that the copies cannot drift apart.
"""

from __future__ import annotations

from bridge.support.clock import as_utc, utcnow
from bridge.support.jsonvalues import json_number

__all__ = ["as_utc", "json_number", "utcnow"]
