"""Files that change under a running bridge: written slowly in place, or replaced.

An ERP that writes straight into the inbox (no temp name, no done file) must not have
a half-written file taken; an ERP that replaces a file again and again must see the
last version win, each taken version applied whole, and nothing quarantined.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.hostile._running import RunningBridge, running_service

SKUS = [f"RACE-{i}" for i in range(6)]


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, sandbox_server: Any
) -> Iterator[RunningBridge]:
    """One `bridge run` whose read lock wants files unchanged for 0.5 s."""
    root = tmp_path_factory.mktemp("races")
    with running_service(root, sandbox_server.url, stable_seconds=0.5) as b:
        yield b


@pytest.fixture
def bridge(service: RunningBridge, sandbox: Any) -> RunningBridge:
    """The running service over a reset sandbox holding the RACE-* products."""
    for sku in SKUS:
        service.home.magento(
            "POST",
            "/rest/all/V1/products",
            json={
                "product": {"sku": sku, "name": sku, "price": 1, "attribute_set_id": 4}
            },
        )
    return service


def _qty(bridge: RunningBridge, sku: str) -> float:
    return float(bridge.home.magento("GET", f"/rest/V1/stockItems/{sku}")["qty"])


def test_file_written_slowly_in_place_is_taken_only_when_complete(
    bridge: RunningBridge,
) -> None:
    """Rows appended every 0.2 s (each prefix a valid file) are applied once, whole."""
    path = bridge.home.root / "inbox" / "stock" / "slow.csv"
    rows = [f"{sku},{10 + i}\n" for i, sku in enumerate(SKUS)]
    with path.open("w") as fh:
        fh.write("sku,qty\n")
        for row in rows:
            fh.write(row)
            fh.flush()
            time.sleep(0.2)
            assert path.exists(), "taken while still being written"
    where, archived = bridge.outcome("stock", "slow.csv")
    assert where == "archive"
    assert archived.read_text() == "sku,qty\n" + "".join(rows)
    assert [_qty(bridge, s) for s in SKUS] == [10.0 + i for i in range(len(SKUS))]
    assert bridge.alive()


def test_file_replaced_again_and_again_ends_with_the_last_version(
    bridge: RunningBridge,
) -> None:
    """Each taken version is applied whole; the last replacement's values win."""
    inbox = bridge.home.root / "inbox" / "stock"
    versions = [
        "sku;qty\n" + "".join(f"{sku};{v * 100 + i}\n" for i, sku in enumerate(SKUS))
        for v in range(1, 9)
    ]
    for v, text in enumerate(versions):
        tmp = inbox / ".again.csv.tmp"
        tmp.write_text(text)
        tmp.replace(inbox / "again.csv")
        time.sleep(0.1 if v < len(versions) - 1 else 0)
    bridge.wait_for(lambda: not (inbox / "again.csv").exists(), "last version taken")
    work = bridge.home.root / "var" / "work" / "stock"
    bridge.wait_for(lambda: not any(work.iterdir()), "work folder empty")
    archived = sorted(bridge.home.root.glob("archive/stock/**/*_again.csv*"))
    assert archived, "nothing archived"
    assert all(p.read_text() in versions for p in archived)
    assert archived[-1].read_text() == versions[-1]
    assert bridge.home.files("failed") == []
    assert [_qty(bridge, s) for s in SKUS] == [800.0 + i for i in range(len(SKUS))]
