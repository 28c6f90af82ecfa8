"""The operations console, /healthz and /metrics: a web presenter beside ``bridge.cli``.

It renders the views of ``bridge.usecases`` (it never reads the ledger itself) and the
runtime's telemetry; ``bridge run`` serves it with ``ConsoleServer`` when
``[http] listen`` is set. See docs/operations.md.
"""

from __future__ import annotations

from bridge.console.app import SESSION_COOKIE, build_app, health_report
from bridge.console.security import LoginThrottle, hash_password, verify_user
from bridge.console.server import ConsoleServer

__all__ = [
    "SESSION_COOKIE",
    "ConsoleServer",
    "LoginThrottle",
    "build_app",
    "hash_password",
    "health_report",
    "verify_user",
]
