"""A claimed file has one owner: the service leaves another process's file alone.

Two wired bridges (as ``bridge run`` and ``bridge process`` would be) share one root
and one ledger and talk to the sandbox on a real port; the only fake is the ledger's
clock, which the test moves to let a lease expire.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import Settings, load_config
from bridge.folders.base import Candidate
from bridge.runtime.pipeline import lease_name
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN

STOCK = b"sku;qty\nLEASE-1;4\n"


class Clock:
    """The ledger's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def settings(tmp_path: Path, sandbox: Any) -> Settings:
    """Settings of one installation with a known product in the sandbox."""
    httpx.post(
        sandbox.url + "/rest/all/V1/products",
        json={"product": {"sku": "LEASE-1", "name": "N", "price": 1}},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    ).raise_for_status()
    return load_config(
        None,
        overrides={
            "magento": {"base_url": sandbox.url, "token": SANDBOX_TOKEN},
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
        },
    )


@pytest.fixture
def two(settings: Settings) -> Iterator[tuple[Components, Components, Clock]]:
    """Two processes' wiring on the same folders and ledger, with one shared clock."""
    clock = Clock()
    first, second = build(settings, now=clock), build(settings, now=clock)
    try:
        yield first, second, clock
    finally:
        second.close()
        first.close()


def _claim_like_process(comps: Components, received: datetime) -> Any:
    path = comps.settings.root / "inbox" / "stock" / "s.csv"
    path.write_bytes(STOCK)
    os.utime(path, (1.0e9, 1.0e9))
    st = path.stat()
    cand = Candidate("stock", "s.csv", path, st.st_size, st.st_mtime_ns)
    claimed = comps.inbox.claim(cand, comps.pipeline.work_dir, received)
    assert claimed is not None
    return claimed


def _archived(comps: Components) -> list[str]:
    return sorted(p.name for p in (comps.settings.root / "archive").rglob("*.csv"))


def test_service_leaves_a_file_that_another_process_just_claimed(
    two: tuple[Components, Components, Clock],
) -> None:
    """A file renamed into var/work by `bridge process` is not resumed by the service."""
    service_side, process_side, clock = two
    claimed = _claim_like_process(process_side, clock())
    tick = Service(service_side).tick(export=False)
    assert [o.status for o in tick.outcomes] == ["held"]
    assert claimed.path.exists()
    assert _archived(service_side) == []
    outcome = process_side.pipeline.process(claimed)
    assert outcome.status == "done"
    assert len(_archived(service_side)) == 1


def test_service_leaves_a_file_under_a_live_lease_and_takes_it_after_expiry(
    two: tuple[Components, Components, Clock],
) -> None:
    """A leased work file is skipped while the lease lives and taken over once it expired."""
    service_side, process_side, clock = two
    claimed = _claim_like_process(process_side, clock() - timedelta(hours=1))
    ledger = process_side.ledger
    assert ledger.leases.acquire(lease_name(claimed), "dead-host:1:ab", 30)
    service = Service(service_side)
    assert [o.status for o in service.tick(export=False).outcomes] == ["held"]
    clock.at += timedelta(seconds=31)
    assert [o.status for o in service.tick(export=False).outcomes] == ["done"]
    assert len(_archived(service_side)) == 1
    assert ledger.leases.holder(lease_name(claimed)) is None


def test_an_orphaned_work_file_without_lease_is_resumed(
    two: tuple[Components, Components, Clock],
) -> None:
    """A work file older than a lease time that no lease names is resumed (owner died)."""
    service_side, process_side, clock = two
    _claim_like_process(process_side, clock() - timedelta(seconds=31))
    tick = Service(service_side).tick(export=False)
    assert [o.status for o in tick.outcomes] == ["done"]
