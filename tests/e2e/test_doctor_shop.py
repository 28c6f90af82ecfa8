"""`bridge doctor` against a shop set up wrong: websites, attribute set, EAN, MSI, limits.

Each wrong set-up comes from bad settings or from the sandbox's ``/sandbox/config``;
each test also sees that doctor sent Magento nothing but GET requests.
"""

from __future__ import annotations

import socket
import sqlite3
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from bridge.cli import cli
from bridge.ledger import Ledger
from tests.e2e.conftest import BridgeHome


def _doctor(home: BridgeHome) -> Result:
    return CliRunner().invoke(cli, ["doctor", "--config", str(home.config)])


def _line(result: Result, name: str) -> str:
    """The report line of check ``name``."""
    for line in result.output.splitlines():
        status, _, rest = line.partition(" ")
        if rest.strip().startswith(f"{name}:"):
            return f"{status} {rest.strip()}"
    raise AssertionError(f"no {name!r} line in:\n{result.output}")


def _setting(home: BridgeHome, section: str, line: str) -> None:
    """Add ``line`` at the top of ``[section]`` in the home's bridge.toml."""
    text = home.config.read_text()
    home.config.write_text(text.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1))


def _shop(home: BridgeHome, **config: Any) -> None:
    httpx.post(home.sandbox_url + "/sandbox/config", json=config, timeout=30)


def _only_gets(home: BridgeHome) -> None:
    methods = {r["method"] for r in home.requests() if r["path"].startswith("/rest/")}
    assert methods == {"GET"}, methods


@pytest.fixture
def initialised(home: BridgeHome) -> BridgeHome:
    """The home with its folders in place, as `bridge init` leaves them."""
    assert CliRunner().invoke(cli, ["init", str(home.root)]).exit_code == 0
    return home


def test_correct_shop_structure_is_ok(initialised: BridgeHome) -> None:
    """The default websites, set 4 with ean, source default and limit 20 are all OK."""
    result = _doctor(initialised)
    assert result.exit_code == 0, result.output
    for name in (
        "magento websites",
        "magento attribute set",
        "magento EAN attribute",
        "magento MSI source",
        "magento input limit",
        "ledger schema",
    ):
        assert _line(result, name).startswith("OK "), result.output
    _only_gets(initialised)


def test_unknown_website_fails_naming_the_shops_websites(
    initialised: BridgeHome,
) -> None:
    """A website id the shop lacks fails and lists the websites it has."""
    _setting(initialised, "magento", "website_ids = [1, 7]")
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _line(result, "magento websites")
    assert line.startswith("FAIL ")
    assert "[7]" in line
    assert "1 (base)" in line
    _only_gets(initialised)


def test_unknown_attribute_set_fails(initialised: BridgeHome) -> None:
    """An attribute set id the shop lacks fails with the setting to fix."""
    _setting(initialised, "magento", "attribute_set_id = 99")
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _line(result, "magento attribute set")
    assert line.startswith("FAIL ")
    assert "magento.attribute_set_id 99" in line
    _only_gets(initialised)


def test_ean_attribute_missing_from_the_set_fails(initialised: BridgeHome) -> None:
    """A shop whose attribute set lacks the EAN attribute fails on that line."""
    _shop(initialised, attributes=["color"])
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _line(result, "magento EAN attribute")
    assert line.startswith("FAIL ")
    assert "'ean' is not in attribute set 4" in line
    _only_gets(initialised)


def test_missing_msi_source_fails_until_the_shop_has_it(
    initialised: BridgeHome,
) -> None:
    """A configured source the shop lacks fails; once it exists the check is OK."""
    _setting(initialised, "magento", 'source_code = "wh-north"')
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _line(result, "magento MSI source")
    assert line.startswith("FAIL ")
    assert "'wh-north' does not exist; the shop has default" in line
    _shop(initialised, sources=["wh-north"])
    assert _line(_doctor(initialised), "magento MSI source").startswith("OK ")
    _only_gets(initialised)


def test_batch_size_over_the_input_limit_warns(initialised: BridgeHome) -> None:
    """A batch_size over Magento's default input limit of 20 warns with the fix."""
    _setting(initialised, "magento", "batch_size = 50")
    result = _doctor(initialised)
    assert result.exit_code == 0, result.output
    line = _line(result, "magento input limit")
    assert line.startswith("WARN ")
    assert "magento.batch_size = 20" in line
    _only_gets(initialised)


def _stamp(home: BridgeHome, revision: str) -> None:
    """Open the home's ledger (created at head), then stamp it ``revision``."""
    Ledger(f"sqlite:///{home.root / 'var' / 'bridge.db'}").close()
    with sqlite3.connect(home.root / "var" / "bridge.db") as db:
        db.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_ledger_at_this_codes_revision_is_ok(initialised: BridgeHome) -> None:
    """A ledger this release migrated is at its head revision: OK."""
    Ledger(f"sqlite:///{initialised.root / 'var' / 'bridge.db'}").close()
    assert _line(_doctor(initialised), "ledger schema").startswith(
        "OK ledger schema: at revision"
    )


def test_ledger_from_a_newer_release_fails(initialised: BridgeHome) -> None:
    """A ledger at a revision this code does not know fails and is not migrated."""
    _stamp(initialised, "9999")
    result = _doctor(initialised)
    assert result.exit_code == 1
    assert "a newer release wrote it" in _line(result, "ledger schema")
    with sqlite3.connect(initialised.root / "var" / "bridge.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "9999",
        )


def test_ledger_behind_this_code_warns_and_is_left_as_it_is(
    initialised: BridgeHome,
) -> None:
    """A ledger at an older revision warns that starting the bridge upgrades it."""
    _stamp(initialised, "0001")
    result = _doctor(initialised)
    line = _line(result, "ledger schema")
    assert line.startswith("WARN ledger schema: at revision 0001, behind")
    with sqlite3.connect(initialised.root / "var" / "bridge.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "0001",
        )


def test_unreachable_ledger_fails(initialised: BridgeHome) -> None:
    """A PostgreSQL ledger on a closed port fails as unreachable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://bridge:x@127.0.0.1:{port}/bridge"
    with initialised.config.open("a") as cfg:
        cfg.write(f'[ledger]\nurl = "{url}"\n')
    result = _doctor(initialised)
    assert result.exit_code == 1
    line = _line(result, "ledger schema")
    assert line.startswith("FAIL ledger schema: ledger unreachable")
