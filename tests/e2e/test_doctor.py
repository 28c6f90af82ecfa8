"""`bridge doctor`: read-only preflight against the sandbox; one line per check, exit 0/1."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli import cli
from tests.e2e.conftest import BridgeHome


def _doctor(home: BridgeHome, *extra: str) -> Result:
    return CliRunner().invoke(cli, ["doctor", *extra, "--config", str(home.config)])


def _lines(result: Result) -> dict[str, str]:
    """Check name -> its line, from the text report."""
    found: dict[str, str] = {}
    for line in result.output.splitlines():
        status, _, rest = line.partition(" ")
        found[rest.strip().split(": ", 1)[0]] = f"{status} {rest.strip()}"
    return found


def _set(home: BridgeHome, key: str, value: str) -> None:
    """Replace ``key = ...`` in the home's bridge.toml (first occurrence)."""
    lines = home.config.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
    lines[at] = f"{key} = {value}"
    home.config.write_text("\n".join(lines) + "\n")


def _only_gets(home: BridgeHome) -> None:
    """Every request to Magento's REST API was a GET (the test's /sandbox/ calls aside)."""
    methods = {r["method"] for r in home.requests() if r["path"].startswith("/rest/")}
    assert methods == {"GET"}, methods


@pytest.fixture
def initialised(home: BridgeHome) -> BridgeHome:
    """The home with its folders in place, as `bridge init` leaves them."""
    assert CliRunner().invoke(cli, ["init", str(home.root)]).exit_code == 0
    return home


def test_correct_setup_is_all_ok_with_get_requests_only(
    initialised: BridgeHome,
) -> None:
    """Against a correct sandbox every check is OK, exit 0, and only GETs were sent."""
    result = _doctor(initialised)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) >= 10
    assert all(line.startswith("OK ") for line in lines), result.output
    assert any("Magento_Sales::actions_view" in line for line in lines)
    assert initialised.requests()
    _only_gets(initialised)
    assert not (initialised.root / "var" / "bridge.db").exists()


def test_json_report_has_every_check(initialised: BridgeHome) -> None:
    """--json prints one object with ok and each check's status, found and fix."""
    result = _doctor(initialised, "--json")
    report = json.loads(result.output)
    assert report["ok"] is True
    assert {c["status"] for c in report["checks"]} == {"OK"}
    assert {"name", "status", "found", "fix"} <= set(report["checks"][0])


def test_refused_token_fails_naming_the_bearer_setting(initialised: BridgeHome) -> None:
    """A wrong token is one FAIL that points at the 2.4.4 bearer setting; exit 1."""
    _set(initialised, "token", '"not-the-token"')
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _lines(result)["magento credentials"]
    assert line.startswith("FAIL ")
    assert "standalone Bearer tokens" in line
    _only_gets(initialised)


def test_resource_not_granted_fails_for_that_resource_only(
    initialised: BridgeHome,
) -> None:
    """A 401 on shipments alone names Magento_Sales::shipment as missing."""
    initialised.faults({"status": 401, "count": 5, "paths": "/V1/shipments"})
    result = _doctor(initialised)
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines["magento credentials"].startswith("OK ")
    assert lines["magento resource Magento_Sales::shipment"].startswith("FAIL ")
    assert lines["magento resource Magento_Sales::actions_view"].startswith("OK ")
    _only_gets(initialised)


def test_missing_msi_route_suggests_legacy_inventory(initialised: BridgeHome) -> None:
    """A 404 on the MSI route says MSI is absent and names inventory = legacy."""
    initialised.faults({"status": 404, "count": 5, "paths": "/V1/inventory/"})
    result = _doctor(initialised)
    line = _lines(result)["magento resource Magento_InventoryApi::source"]
    assert line.startswith("FAIL ")
    assert 'magento.inventory = "legacy"' in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_magento_fails_once_without_retrying(
    initialised: BridgeHome,
) -> None:
    """A closed port is one FAIL naming the URL; no credential or resource lines follow."""
    url = f"http://127.0.0.1:{_free_port()}"
    _set(initialised, "base_url", f'"{url}"')
    result = _doctor(initialised)
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines["magento"].startswith(f"FAIL magento: cannot reach {url}")
    assert "magento credentials" not in lines


def test_tls_problem_is_named(initialised: BridgeHome) -> None:
    """https:// to a plain-HTTP port fails as a TLS problem, not as a timeout."""
    port = initialised.sandbox_url.rsplit(":", 1)[1]
    _set(initialised, "base_url", f'"https://127.0.0.1:{port}"')
    result = _doctor(initialised)
    assert result.exit_code == 1
    assert _lines(result)["magento"].startswith("FAIL magento: TLS failed")


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(301)
        self.send_header("Location", "https://shop.example.com" + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    """A local server that answers every GET with 301 to an https address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_redirect_is_named_with_its_fix(
    initialised: BridgeHome, redirecting: str
) -> None:
    """A base_url that redirects fails with the advice to use the target address."""
    _set(initialised, "base_url", f'"{redirecting}"')
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _lines(result)["magento"]
    assert line.startswith("FAIL magento:")
    assert "redirect (HTTP 301)" in line


def test_unknown_order_state_warns_without_failing(initialised: BridgeHome) -> None:
    """orders.states = ["pending"] warns that pending is a status of state new; exit 0."""
    text = initialised.config.read_text()
    initialised.config.write_text(
        text.replace("[orders]\n", '[orders]\nstates = ["pending"]\n', 1)
    )
    result = _doctor(initialised)
    assert result.exit_code == 0, result.output
    line = _lines(result)["order states"]
    assert line.startswith("WARN ")
    assert "'pending' is the status of state 'new'" in line


def test_missing_folders_fail_and_are_not_created(home: BridgeHome) -> None:
    """Without `bridge init` the folders FAIL with the fix, and doctor creates none."""
    result = _doctor(home)
    assert result.exit_code == 1
    assert _lines(result)["local folders"].startswith("FAIL ")
    assert "bridge init" in result.output
    assert sorted(p.name for p in home.root.iterdir()) == ["bridge.toml"]


def test_unwritable_ledger_folder_fails(
    initialised: BridgeHome, tmp_path: Path
) -> None:
    """A SQLite ledger in a folder that does not exist is a FAIL (nothing is created)."""
    missing = tmp_path / "nowhere" / "bridge.db"
    initialised.config.write_text(
        initialised.config.read_text() + f'[ledger]\nurl = "sqlite:///{missing}"\n'
    )
    result = _doctor(initialised)
    assert _lines(result)["ledger"].startswith("FAIL ")
    assert not missing.parent.exists()
