"""Deployment settings: list keys from the environment, and no silent ledger in a stray folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.config import load_config
from bridge.errors import ConfigError

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.mark.parametrize(
    ("value", "states"),
    [
        ("new", ["new"]),
        ("new,processing", ["new", "processing"]),
        (" new , processing ", ["new", "processing"]),
        ('["new", "holded"]', ["new", "holded"]),
    ],
)
def test_list_key_from_environment_takes_words_or_json(
    monkeypatch: pytest.MonkeyPatch, value: str, states: list[str]
) -> None:
    """BRIDGE_ORDERS__STATES accepts one word, comma-separated words or a JSON list."""
    monkeypatch.setenv("BRIDGE_ORDERS__STATES", value)
    assert load_config(None).orders.states == states


def test_integer_list_from_environment_is_converted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BRIDGE_MAGENTO__WEBSITE_IDS=1,2 gives the integers 1 and 2."""
    monkeypatch.setenv("BRIDGE_MAGENTO__WEBSITE_IDS", "1,2")
    assert load_config(None).magento.website_ids == [1, 2]


def test_undecodable_environment_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A section value that is not JSON is a ConfigError naming the variable, no traceback."""
    monkeypatch.setenv("BRIDGE_FOLDERS__CSV", "latin-1")
    with pytest.raises(ConfigError) as info:
        load_config(None)
    message = str(info.value)
    assert message.startswith("environment: BRIDGE_FOLDERS__CSV: not valid JSON")
    assert "\n" not in message


def test_bad_list_item_from_environment_names_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list item of the wrong type names the key and the item's position."""
    monkeypatch.setenv("BRIDGE_MAGENTO__WEBSITE_IDS", "1,two")
    with pytest.raises(ConfigError) as info:
        load_config(None)
    assert str(info.value).startswith("environment: magento.website_ids.1:")


def test_cli_with_list_from_environment_exits_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bridge status` with BRIDGE_ORDERS__STATES=new runs instead of crashing."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["init", "."]).exit_code == 0
    monkeypatch.setenv("BRIDGE_ORDERS__STATES", "new")
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["run", "--once"],
        ["export-orders"],
        ["audit", "sku", "X-1"],
        ["process", str(SAMPLES / "stock.xml")],
    ],
    ids=lambda a: a[0],
)
def test_command_outside_a_bridge_folder_refuses_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Without ./bridge.toml or --config a command exits 2 and creates nothing here."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [
        f"bridge: error: no bridge.toml in {tmp_path}: run this in a bridge folder, "
        "pass --config FILE, or create one with `bridge init`"
    ]
    assert list(tmp_path.iterdir()) == []


def test_validate_needs_no_bridge_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bridge validate` checks a file anywhere, on the default CSV settings."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(SAMPLES / "stock.csv")])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []


def test_folder_root_from_environment_counts_as_a_bridge_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BRIDGE_FOLDERS__ROOT names the folder, so a config-less command runs there."""
    home = tmp_path / "home"
    assert CliRunner().invoke(cli, ["init", str(home)]).exit_code == 0
    (home / "bridge.toml").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("BRIDGE_FOLDERS__ROOT", str(home))
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 0, result.output
    assert (home / "var" / "bridge.db").is_file()
    assert list(elsewhere.iterdir()) == []
