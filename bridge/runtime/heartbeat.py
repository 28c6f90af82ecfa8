"""The service's heartbeat: proof in the ledger that a ``bridge run`` is alive.

Each pass of the service loop writes one small JSON value into the ledger's ``kv``
table under ``service/heartbeat/<host>:<pid>``: when, which host and process, how long
its loop sleeps between passes, and whether Magento flows are paused (until when, and
why). ``bridge status`` reads every heartbeat and calls a service *running* while its
latest one is fresh: younger than ``STALE_TICKS`` of its own intervals plus a grace.
Several services (hosts sharing one PostgreSQL ledger) each keep their own value.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from bridge.ledger import Ledger
from bridge.support.clock import as_utc

__all__ = ["STALE_TICKS", "Heartbeat", "read_heartbeats", "write_heartbeat"]

PREFIX = "service/heartbeat/"
STALE_TICKS = 3
"""A heartbeat older than this many of its intervals (plus ``GRACE``) is stale."""
GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class Heartbeat:
    """One service's last sign of life.

    Attributes:
        host: The host name the service runs on.
        pid: Its process id.
        at: When it last finished a pass (UTC).
        interval_seconds: How long it waits between passes.
        paused_until: Magento flows paused until then (UTC), or None.
        pause_reason: Why they are paused.
    """

    host: str
    pid: int
    at: datetime
    interval_seconds: float
    paused_until: datetime | None = None
    pause_reason: str = ""

    def fresh(self, now: datetime) -> bool:
        """True while the service counts as running at ``now``."""
        limit = timedelta(seconds=self.interval_seconds * STALE_TICKS) + GRACE
        return now - self.at <= limit

    def paused(self, now: datetime) -> bool:
        """True while its Magento flows are paused at ``now``."""
        return self.paused_until is not None and self.paused_until > now


def write_heartbeat(
    ledger: Ledger,
    interval_seconds: float,
    *,
    paused_until: datetime | None = None,
    pause_reason: str = "",
) -> Heartbeat:
    """Record that this process is alive now; return what was written."""
    beat = Heartbeat(
        host=socket.gethostname(),
        pid=os.getpid(),
        at=as_utc(ledger.now()),
        interval_seconds=interval_seconds,
        paused_until=paused_until,
        pause_reason=pause_reason if paused_until else "",
    )
    value = {
        "host": beat.host,
        "pid": beat.pid,
        "at": beat.at.isoformat(),
        "interval_seconds": beat.interval_seconds,
        "paused_until": paused_until.isoformat() if paused_until else None,
        "pause_reason": beat.pause_reason,
    }
    ledger.files.set_value(f"{PREFIX}{beat.host}:{beat.pid}", json.dumps(value))
    return beat


def _decode(value: str) -> Heartbeat | None:
    try:
        data = json.loads(value)
        until = data.get("paused_until")
        return Heartbeat(
            host=str(data["host"]),
            pid=int(data["pid"]),
            at=as_utc(datetime.fromisoformat(str(data["at"]))),
            interval_seconds=float(data["interval_seconds"]),
            paused_until=as_utc(datetime.fromisoformat(until)) if until else None,
            pause_reason=str(data.get("pause_reason") or ""),
        )
    except (ValueError, KeyError, TypeError):
        return None  # a value this code cannot read says nothing about liveness


def read_heartbeats(ledger: Ledger) -> list[Heartbeat]:
    """Every service heartbeat in the ledger, newest first."""
    values = ledger.files.values_under(PREFIX).values()
    beats = [b for b in map(_decode, values) if b is not None]
    return sorted(beats, key=lambda b: b.at, reverse=True)
