"""No file stops the service: unsafe names are quarantined, unwritable folders retried.

Runs the real wiring against the sandbox on a real port, with real files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import load_config
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN

STOCK = b"sku;qty\nNAME-1;4\n"


@pytest.fixture
def comps(tmp_path: Path, sandbox: Any) -> Iterator[Components]:
    """The real runtime on tmp_path, with a known product in the sandbox."""
    httpx.post(
        sandbox.url + "/rest/all/V1/products",
        json={"product": {"sku": "NAME-1", "name": "N", "price": 1}},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    ).raise_for_status()
    settings = load_config(
        None,
        overrides={
            "magento": {"base_url": sandbox.url, "token": SANDBOX_TOKEN},
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
        },
    )
    built = build(settings)
    try:
        yield built
    finally:
        built.close()


def _drop(comps: Components, raw_name: bytes, data: bytes) -> None:
    folder = comps.settings.root / "inbox" / "stock"
    (folder / os.fsdecode(raw_name)).write_bytes(data)


def test_unsafe_names_are_quarantined_and_the_rest_goes_on(comps: Components) -> None:
    """Long, non-UTF-8 and control-character names go to failed/ with their bytes."""
    unsafe = [b"x" * 240 + b".csv", b"lev\xe9rans.csv", b"tab\there.csv"]
    for name in unsafe:
        _drop(comps, name, STOCK)
    _drop(comps, b"good.csv", STOCK)
    service = Service(comps)
    first = service.tick(export=False)
    assert sorted(o.status for o in first.outcomes).count("failed") == 3
    assert [o.status for o in first.outcomes if o.name == "good.csv"] == ["done"]
    failed = comps.settings.root / "failed" / "stock"
    reports = sorted(failed.glob("*.report.txt"))
    assert len(reports) == 3
    text = "\n".join(r.read_text("utf-8") for r in reports)
    for name in unsafe:
        assert name.hex() in text
    assert list((comps.settings.root / "inbox" / "stock").iterdir()) == []
    second = service.tick(export=False)
    assert second.outcomes == []
    events = comps.ledger.files.recent_events(50)
    assert not [e for e in events if "unexpected_error" in str(e)]


def test_unwritable_archive_is_retried_and_names_the_path(comps: Components) -> None:
    """An archive folder that cannot be made leaves the file pending, path named, no traceback."""
    (comps.settings.root / "archive").write_bytes(b"not a folder")
    _drop(comps, b"s.csv", STOCK)
    tick = Service(comps).tick(export=False)
    [outcome] = tick.outcomes
    assert outcome.status == "pending"
    assert outcome.error is not None
    assert "archive" in outcome.error
    events = [str(e) for e in comps.ledger.files.recent_events(50)]
    assert any("folder_unavailable" in e for e in events)
    assert not any("unexpected_error" in e for e in events)
