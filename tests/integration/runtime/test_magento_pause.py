"""Refused credentials and a wrong base URL pause every Magento flow and lose nothing.

Runs the real wiring against the sandbox on a real port; the only fake is the
service's monotonic clock, moved by hand past the probe interval (S7.6).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.config import Settings, load_config
from bridge.runtime.pause import PROBE_SECONDS
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN
from tests.e2e.conftest import write_config

HEADER = (
    "shipment_id,order_number,sku,qty,tracking_number,carrier_code,carrier_title,"
    "shipped_at,invoice_amount\n"
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _settings(root: Path, base_url: str, token: str = SANDBOX_TOKEN) -> Settings:
    cfg = write_config(root, base_url)
    text = cfg.read_text().replace(f'token = "{SANDBOX_TOKEN}"', f'token = "{token}"')
    cfg.write_text(text)
    return load_config(cfg)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A bridge folder with its inboxes."""
    for kind in ("products", "stock", "shipments"):
        (tmp_path / "inbox" / kind).mkdir(parents=True)
    return tmp_path


def _build(settings: Settings) -> Iterator[Components]:
    built = build(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def comps(root: Path, sandbox: Any) -> Iterator[Components]:
    """The real runtime wired to the sandbox with the right token."""
    yield from _build(_settings(root, sandbox.url))


def _order(sandbox: Any) -> dict[str, Any]:
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [{"sku": "P-1", "qty": 2, "price": 100, "tax_percent": 25}],
        "shipping_amount": 49,
        "payment_method": "checkmo",
    }
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=30)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def _product(sandbox: Any, sku: str) -> None:
    httpx.post(
        f"{sandbox.url}/rest/all/V1/products",
        json={"product": {"sku": sku, "name": "N", "price": 1}},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    ).raise_for_status()


def _drop(root: Path, kind: str, name: str, text: str) -> None:
    path = root / "inbox" / kind / name
    path.write_text(text)
    os.utime(path, (1.0e9, 1.0e9))


def _writes(sandbox: Any, suffix: str) -> int:
    log = httpx.get(f"{sandbox.url}/sandbox/requests", timeout=30).json()
    return sum(1 for e in log if e["method"] == "POST" and e["path"].endswith(suffix))


def _revoke(sandbox: Any, revoked: bool) -> None:
    httpx.post(
        f"{sandbox.url}/sandbox/integration", json={"revoked": revoked}, timeout=30
    ).raise_for_status()


def _below(root: Path, top: str) -> list[Path]:
    return [p for p in (root / top).rglob("*") if p.is_file()]


def test_invoice_refused_leaves_shipment_open_then_invoices_it(
    comps: Components, root: Path, sandbox: Any
) -> None:
    """A 401 on the invoice keeps the file pending and paused; a probe resumes it."""
    order = _order(sandbox)
    httpx.post(
        f"{sandbox.url}/sandbox/faults",
        json={"status": 401, "count": 1, "paths": "/invoice$"},
        timeout=30,
    ).raise_for_status()
    row = f"DN-1,{order['increment_id']},P-1,2,T-1,dhl,DHL,2026-11-26T10:00:00Z,\n"
    _drop(root, "shipments", "dn.csv", HEADER + row)
    clock = Clock()
    service = Service(comps, monotonic=clock)

    first = service.tick(export=False)
    assert [o.status for o in first.outcomes] == ["pending"]
    assert "refused the credentials (HTTP 401)" in first.paused
    assert sandbox.url in first.paused
    assert _below(root, "failed") == []
    step = comps.ledger.shipments.get("DN-1")
    assert step is not None
    assert step.state == "shipped"

    clock.t += 1
    assert service.tick(export=False).outcomes == []  # paused: nothing is tried
    clock.t += PROBE_SECONDS
    resumed = service.tick(export=False)
    assert [o.status for o in resumed.outcomes] == ["done"]
    assert resumed.paused == ""
    assert (_writes(sandbox, "/ship"), _writes(sandbox, "/invoice")) == (1, 2)
    step = comps.ledger.shipments.get("DN-1")
    assert step is not None
    assert step.state == "invoiced"


def test_revoked_token_pauses_until_restored(
    comps: Components, root: Path, sandbox: Any
) -> None:
    """A revoked token pauses every flow; the file resumes once the token is restored."""
    _product(sandbox, "REV-1")
    _revoke(sandbox, True)
    _drop(root, "stock", "s.csv", "sku;qty\nREV-1;4\n")
    clock = Clock()
    service = Service(comps, monotonic=clock)

    first = service.tick(export=True)
    assert [o.status for o in first.outcomes] == ["pending"]
    assert first.paused
    assert first.had_problems
    clock.t += PROBE_SECONDS
    still = service.tick(export=True)
    assert still.paused
    assert still.outcomes == []
    assert _below(root, "failed") == []

    _revoke(sandbox, False)
    clock.t += PROBE_SECONDS
    resumed = service.tick(export=True)
    assert resumed.paused == ""
    assert [o.status for o in resumed.outcomes] == ["done"]


def test_token_replaced_in_config_is_taken_while_paused(
    root: Path, sandbox: Any
) -> None:
    """A token corrected in bridge.toml during a pause is read by the next probe."""
    wrong = _settings(root, sandbox.url, token="stale-token")
    for comps in _build(wrong):
        _product(sandbox, "REPL-1")
        _drop(root, "stock", "s.csv", "sku;qty\nREPL-1;4\n")
        clock = Clock()
        service = Service(
            comps,
            monotonic=clock,
            reload=lambda: load_config(root / "bridge.toml").magento,
        )
        assert service.tick(export=False).paused
        _settings(root, sandbox.url)  # the operator fixes the token
        clock.t += PROBE_SECONDS
        resumed = service.tick(export=False)
        assert resumed.paused == ""
        assert [o.status for o in resumed.outcomes] == ["done"]


def test_status_shows_the_pause_with_url_and_status(
    comps: Components, root: Path, sandbox: Any
) -> None:
    """`bridge status` (text and --json) names Magento's URL and the 401 while paused."""
    _product(sandbox, "ST-1")
    _revoke(sandbox, True)
    _drop(root, "stock", "s.csv", "sku;qty\nST-1;4\n")
    service = Service(comps, monotonic=Clock())
    service.tick(export=False)
    service.beat(0.2)
    config = str(root / "bridge.toml")

    text = CliRunner().invoke(cli, ["status", "--config", config])
    assert "paused" in text.output
    assert "HTTP 401" in text.output
    assert sandbox.url in text.output
    data = json.loads(
        CliRunner().invoke(cli, ["status", "--json", "--config", config]).output
    )
    assert "HTTP 401" in json.dumps(data)


def test_wrong_base_url_is_a_configuration_error_and_pauses(
    root: Path, sandbox: Any
) -> None:
    """A base_url where every path 404s pauses, names magento.base_url, fails nothing."""
    for comps in _build(_settings(root, sandbox.url + "/shop")):
        _product(sandbox, "URL-1")
        _drop(root, "stock", "s.csv", "sku;qty\nURL-1;4\n")
        summary = Service(comps, monotonic=Clock()).tick(export=False)
        assert [o.status for o in summary.outcomes] == ["pending"]
        assert "magento.base_url" in summary.paused
        assert "404" in summary.paused
        assert _below(root, "failed") == []


def test_doctor_names_base_url_when_every_path_404s(root: Path, sandbox: Any) -> None:
    """`bridge doctor` fails magento.base_url when even storeViews answers 404."""
    _settings(root, sandbox.url + "/shop")
    result = CliRunner().invoke(cli, ["doctor", "--config", str(root / "bridge.toml")])
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "storeViews" in x)
    assert line.startswith("FAIL magento.base_url")


def test_run_once_exits_1_while_paused(root: Path, sandbox: Any) -> None:
    """`bridge run --once` with refused credentials exits 1 and leaves the file pending."""
    _settings(root, sandbox.url, token="stale-token")
    _product(sandbox, "ONCE-1")
    _drop(root, "stock", "s.csv", "sku;qty\nONCE-1;4\n")
    result = CliRunner().invoke(
        cli, ["run", "--once", "--config", str(root / "bridge.toml")]
    )
    assert result.exit_code == 1, result.output
    assert "Magento flows paused" in result.output
    assert _below(root, "failed") == []
    assert _below(root, "var/work")


def test_process_with_refused_credentials_leaves_the_file_pending(
    root: Path, sandbox: Any
) -> None:
    """`bridge process` answered 401 says pending, exits 1 and sends nothing to failed/."""
    _settings(root, sandbox.url, token="stale-token")
    _product(sandbox, "PROC-1")
    _drop(root, "stock", "s.csv", "sku;qty\nPROC-1;4\n")
    result = CliRunner().invoke(
        cli,
        [
            "process",
            str(root / "inbox" / "stock" / "s.csv"),
            "--config",
            str(root / "bridge.toml"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "pending" in result.output
    assert "refused the credentials" in result.output
    assert _below(root, "failed") == []
