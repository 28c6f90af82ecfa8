"""Configuration: TOML plus BRIDGE_* environment, one clear line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from bridge.config import load_config
from bridge.errors import ConfigError
from bridge.runtime.templates import CONFIG_TEMPLATE


def test_template_loads_with_spec_defaults(tmp_path: Path) -> None:
    """The file `bridge init` writes is valid and carries SPEC §5's defaults."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(CONFIG_TEMPLATE)
    s = load_config(cfg)
    assert s.magento.batch_size == 20
    assert s.magento.inventory == "msi"
    assert s.folders.stable_seconds == 2
    assert s.orders.format == "xml"
    assert s.root == tmp_path.resolve()
    assert s.ledger_url == f"sqlite:///{tmp_path.resolve()}/var/bridge.db"


def test_environment_overrides_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BRIDGE_<SECTION>__<KEY> wins over the file, nested sections included."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(
        '[magento]\nconcurrency = 3\n[folders.csv.stock]\nencoding = "cp1252"\n'
    )
    monkeypatch.setenv("BRIDGE_MAGENTO__CONCURRENCY", "7")
    monkeypatch.setenv("BRIDGE_MAGENTO__TOKEN", "s3cret")
    s = load_config(cfg)
    assert s.magento.concurrency == 7
    assert s.magento.token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)
    assert s.folders.csv.for_kind("stock").encoding == "cp1252"
    assert s.folders.csv.for_kind("products").encoding == "utf-8"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[magento]\ntimeout_seconds = "soon"\n', "magento.timeout_seconds"),
        ("[magento]\ntokn = 'x'\n", "magento.tokn"),
        ('[orders]\nformat = "json"\n', "orders.format"),
        ('[orders]\ninvoice_fee = "sometimes"\n', "orders.invoice_fee"),
        ('[folders.csv]\ndecimal_separator = ";"\n', "folders.csv.decimal_separator"),
    ],
)
def test_bad_key_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    """A wrong value or unknown key raises ConfigError naming the key."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert key in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    """Every command turns a bad config into exit code 2 and one line on stderr."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text("[magento]\nconcurrency = 0\n")
    result = CliRunner().invoke(cli, ["status", "--config", str(cfg)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert "magento.concurrency" in lines[0]


def test_cli_missing_config_exits_2(tmp_path: Path) -> None:
    """An explicit --config that does not exist is a config error, not a crash."""
    result = CliRunner().invoke(
        cli, ["status", "--config", str(tmp_path / "nope.toml")]
    )
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_init_writes_config_and_folders(tmp_path: Path) -> None:
    """`bridge init DIR` writes bridge.toml and the folders, and never overwrites."""
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    for sub in ("inbox/products", "inbox/stock", "inbox/shipments", "outbox/orders"):
        assert (tmp_path / sub).is_dir()
    (tmp_path / "bridge.toml").write_text("# mine\n")
    assert runner.invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "bridge.toml").read_text() == "# mine\n"
