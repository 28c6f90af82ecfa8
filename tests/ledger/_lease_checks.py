"""Lease checks shared by the SQLite and the PostgreSQL tests (one behaviour, two databases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bridge.ledger import Ledger


class Clock:
    """A settable clock for the ledger."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def check_one_owner_until_expiry(url: str) -> None:
    """A held lease is refused to others, extended by its owner, taken over after expiry."""
    clock = Clock()
    ledger = Ledger(url, now=clock)
    try:
        leases = ledger.leases
        assert leases.acquire("shipment:D1", "a", 30)
        assert not leases.acquire("shipment:D1", "b", 30)
        clock.at += timedelta(seconds=20)
        assert leases.renew(["shipment:D1"], "a", 30) == []
        clock.at += timedelta(seconds=20)
        assert not leases.acquire("shipment:D1", "b", 30)
        clock.at += timedelta(seconds=11)
        assert leases.acquire("shipment:D1", "b", 30)
        assert leases.renew(["shipment:D1"], "a", 30) == ["shipment:D1"]
        holder = leases.holder("shipment:D1")
        assert holder is not None
        assert holder.owner == "b"
        leases.release("shipment:D1", "a")
        assert [x.owner for x in leases.held("shipment:")] == ["b"]
        leases.release("shipment:D1", "b")
        assert leases.holder("shipment:D1") is None
        assert leases.acquire("shipment:D1", "a", 30)
    finally:
        ledger.close()


def _race(gate: threading.Barrier, won: list[str], i: int, ledger: Ledger) -> None:
    gate.wait()
    if ledger.leases.acquire("orders:export", f"owner{i}", 30):
        won.append(f"owner{i}")


def check_racing_owners_get_one_lease(url: str, contenders: int = 8) -> None:
    """Owners racing for a free and then for an expired lease: exactly one wins each time."""
    clock = Clock()
    ledgers = [Ledger(url, now=clock) for _ in range(contenders)]
    try:
        for round_ in range(2):
            won: list[str] = []
            gate = threading.Barrier(contenders)

            threads = [
                threading.Thread(target=_race, args=(gate, won, i, ledger))
                for i, ledger in enumerate(ledgers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(won) == 1, (round_, won)
            clock.at += timedelta(seconds=31)
    finally:
        for ledger in ledgers:
            ledger.close()
