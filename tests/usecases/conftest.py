"""A bridge home on tmp_path wired to the session sandbox, and its use cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bridge.config import Settings, load_config
from bridge.usecases import Operations
from tests.e2e.conftest import write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "erp"


@dataclass
class Home:
    """A bridge folder with its settings and an open ``Operations``."""

    root: Path
    sandbox_url: str
    settings: Settings
    ops: Operations

    def drop(self, kind: str, name: str, data: bytes | str) -> Path:
        """Write a file into an inbox as an ERP should: temp name, then rename."""
        folder = self.root / "inbox" / kind
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
        final = folder / name
        tmp.replace(final)
        return final

    def reconfigure(self, overrides: dict[str, Any]) -> None:
        """Reload the settings with ``overrides`` on top and reopen the use cases."""
        self.ops.close()
        self.settings = load_config(self.root / "bridge.toml", overrides=overrides)
        self.ops = Operations(self.settings)


def products_xml(*skus: str, qty: int | None = None) -> str:
    """A products file with one product per SKU."""
    extra = f"<qty>{qty}</qty>" if qty is not None else ""
    items = "".join(
        f"<product><sku>{s}</sku><name>Widget {s}</name><price>12.50</price>"
        f"{extra}</product>\n"
        for s in skus
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n{items}</products>\n'


@pytest.fixture
def home(tmp_path: Path, sandbox: Any) -> Iterator[Home]:
    """A bridge home on tmp_path wired to a freshly reset sandbox."""
    write_config(tmp_path, sandbox.url)
    settings = load_config(tmp_path / "bridge.toml")
    h = Home(tmp_path, sandbox.url, settings, Operations(settings))
    yield h
    h.ops.close()
