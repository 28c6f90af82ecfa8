"""A process's leases: one owner id, what it holds, renewed while it works.

``Ownership`` wraps the :class:`~bridge.ledger.leases.LeaseStore` for one process: one
owner id (``host:pid:random``), the set of leases it holds, and a renewal thread that
extends them every third of ``runtime.lease_seconds`` while the process lives. A
process that dies stops renewing: its leases expire and another process takes the work
over. Renewal that finds a lease taken over (this process was stalled past its lease)
drops it from the held set and logs ``lease_lost``; :meth:`holds` then answers False,
so the worker can check it between records or batches.

For ERP shipments and other units, flows use :func:`holding`::

    with holding(ownership, f"shipment:{shipment_id}") as mine:
        if mine:
            ...  # probe Magento, post, record
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from bridge.errors import LedgerBusyError
from bridge.ledger.leases import LeaseStore, owner_id

__all__ = ["Ownership", "holding"]

log = structlog.get_logger("bridge.leases")


def _dead_here(owner: str) -> bool:
    """True when ``owner`` (``host:pid:random``) was a process of this host that is gone."""
    parts = owner.split(":")
    if len(parts) < 3 or ":".join(parts[:-2]) != socket.gethostname():
        return False
    try:
        os.kill(int(parts[-2]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False


class Ownership:
    """The leases of this process, renewed in the background while held.

    Args:
        leases: The ledger's lease store.
        ttl: Lease time in seconds (``runtime.lease_seconds``).
        owner: The owner id (default: a new :func:`owner_id`).
    """

    def __init__(
        self, leases: LeaseStore, ttl: float, owner: str | None = None
    ) -> None:
        self.leases = leases
        self.ttl = ttl
        self.owner = owner or owner_id()
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def try_hold(self, name: str) -> bool:
        """Acquire (or extend) the lease ``name``; False when another live owner holds it."""
        if not self.leases.acquire(name, self.owner, self.ttl):
            holder = self.leases.holder(name)
            if holder is None or not _dead_here(holder.owner):
                return False
            # Its owner was a process on this host that no longer runs (SIGKILL,
            # restart): no need to wait for the lease to expire.
            if not self.leases.take_over(name, holder.owner, self.owner, self.ttl):
                return False
        with self._lock:
            self._held.add(name)
        self._ensure_renewing()
        return True

    def holds(self, name: str) -> bool:
        """True while this process still holds ``name`` (not lost to a takeover)."""
        with self._lock:
            return name in self._held

    def let_go(self, name: str) -> None:
        """Release ``name`` (no-op when not held)."""
        with self._lock:
            held = name in self._held
            self._held.discard(name)
        if held:
            self.leases.release(name, self.owner)

    def renew(self) -> list[str]:
        """Extend every held lease now; returns (and forgets) the ones lost."""
        with self._lock:
            names = sorted(self._held)
        lost = self.leases.renew(names, self.owner, self.ttl)
        if lost:
            with self._lock:
                self._held.difference_update(lost)
            for name in lost:
                log.error("lease_lost", record_key=name, status=self.owner)
        return lost

    def close(self) -> None:
        """Stop renewing and release every held lease (a clean stop hands work over)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ttl)
        with self._lock:
            names = sorted(self._held)
            self._held.clear()
        for name in names:
            try:
                self.leases.release(name, self.owner)
            except LedgerBusyError:  # it expires on its own
                log.warning("lease_not_released", record_key=name)

    def _ensure_renewing(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._renew_loop, name="bridge-lease-renewal", daemon=True
            )
            self._thread.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.renew()
            except Exception:  # the next round tries again; expiry is the backstop
                log.warning("lease_renewal_failed", exc_info=True)


@contextmanager
def holding(owner: Ownership | None, name: str) -> Iterator[bool]:
    """Hold the lease ``name`` for the block, and let it go after.

    Yields:
        False when another live owner holds it (nothing is held then); True when
        this process holds it, or when ``owner`` is None (one process, no leases).
    """
    if owner is None:
        yield True
        return
    if not owner.try_hold(name):
        yield False
        return
    try:
        yield True
    finally:
        owner.let_go(name)
