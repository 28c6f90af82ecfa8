"""Test support for the products and stock flows: real files, ledger and sandbox.

Each test gets a ``CatalogEnv``: settings pointing at the session sandbox on its real
port, a SQLite ledger file under ``tmp_path``, the real Magento client and adapters,
and helpers to write ERP files, read them with the real ``RecordReader``, open a
``FileContext`` the way the pipeline does, and look at what the sandbox saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import CsvOptions, Settings, load_config
from bridge.flows.apply_products import ApplyProductsFlow
from bridge.flows.apply_stock import ApplyStockFlow
from bridge.flows.base import FileContext, FlowResult
from bridge.formats import RecordReader, validate_file
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, ProductsAdapter, StockAdapter
from bridge.models.erp import Kind
from tests.conftest import SANDBOX_TOKEN

MTIME = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@dataclass
class CatalogEnv:
    """Everything a products/stock flow test works with."""

    tmp: Path
    url: str
    settings: Settings
    ledger: Ledger
    client: MagentoClient
    http: httpx.Client
    closers: list[Any] = field(default_factory=list)

    def configure(self, **magento: Any) -> None:
        """Rebuild settings and client with extra ``[magento]`` keys."""
        self.client.close()
        self.settings = _settings(self.url, **magento)
        self.client = MagentoClient(self.settings.magento)

    def products_flow(self) -> ApplyProductsFlow:
        """The products flow wired as the runtime wires it."""
        return ApplyProductsFlow(
            self.settings,
            self.ledger,
            ProductsAdapter(self.client),
            StockAdapter(self.client),
        )

    def stock_flow(self) -> ApplyStockFlow:
        """The stock flow wired as the runtime wires it."""
        return ApplyStockFlow(self.settings, self.ledger, StockAdapter(self.client))

    def write(self, name: str, content: str, encoding: str = "utf-8") -> Path:
        """Write an ERP file under tmp_path."""
        path = self.tmp / name
        path.write_bytes(content.encode(encoding))
        return path

    def run(
        self,
        flow: ApplyProductsFlow | ApplyStockFlow,
        path: Path,
        *,
        csv: CsvOptions | None = None,
        mtime: datetime = MTIME,
        force: bool = False,
        file_id: int | None = None,
        reread: bool = True,
    ) -> FlowResult:
        """Validate ``path``, then apply it through ``flow`` like the pipeline does.

        A given ``file_id`` (from ``start``) is reused: the pipeline's retry of a
        file left pending by an outage. ``reread=False`` gives the flow no way back
        to the file (callers that build their own context), so it keeps records.
        """
        kind: Kind = flow.kind
        options = csv or CsvOptions()
        checked = validate_file(path, kind, csv=options)
        assert not checked.issues, checked.issues
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if file_id is None:
            file_id = self.start(path, kind, mtime=mtime, force=force)
        ctx = FileContext(
            file_id=file_id,
            kind=kind,
            name=path.name,
            sha256=sha,
            path=path,
            fmt=checked.fmt,
            generated=checked.generated,
            mtime=mtime,
            force=force,
            # The clock reads no earlier than the file's mtime: a file cannot be
            # received before it was written, and stock checks dates against it.
            now=lambda: max(mtime, datetime.now(UTC)),
            reread=(lambda: RecordReader(path, kind, csv=options)) if reread else None,
        )
        return flow.apply(ctx, RecordReader(path, kind, csv=options))

    def start(
        self, path: Path, kind: Kind, *, mtime: datetime = MTIME, force: bool = False
    ) -> int:
        """Register a received file in the ledger, as the pipeline does on claim."""
        return self.ledger.files.start(
            kind=kind,
            name=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            size=path.stat().st_size,
            source="local",
            received_at=mtime,
            work_path=str(path),
            forced=force,
        )

    # -- the sandbox ---------------------------------------------------------------
    def requests(self) -> list[dict[str, Any]]:
        """Every Magento request the sandbox saw since the last ``forget``."""
        seen = self.http.get("/sandbox/requests").json()
        return [r for r in seen if "/V1/" in r["path"]]

    def writes(self, part: str = "/V1/") -> list[dict[str, Any]]:
        """The non-GET Magento requests seen whose path contains ``part``."""
        return [
            r for r in self.requests() if r["method"] != "GET" and part in r["path"]
        ]

    def forget(self) -> None:
        """Clear the sandbox's request log."""
        self.http.delete("/sandbox/requests").raise_for_status()

    def faults(self, **plan: Any) -> None:
        """Arm (or with no arguments clear) a sandbox fault plan."""
        self.http.post("/sandbox/faults", json=plan).raise_for_status()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call Magento's REST API as staff would (the Admin, an integration)."""
        answer = self.http.request(
            method,
            f"/rest{path}",
            json=body,
            headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        )
        answer.raise_for_status()
        return answer.json()

    def product(self, sku: str) -> dict[str, Any]:
        """The product as Magento now has it (all store views)."""
        product: dict[str, Any] = self.admin("GET", f"/all/V1/products/{sku}")
        return product

    def source_qty(self, sku: str, source: str = "default") -> tuple[float, int]:
        """The MSI quantity and status of ``sku`` at ``source``."""
        params = {
            "searchCriteria[filter_groups][0][filters][0][field]": "sku",
            "searchCriteria[filter_groups][0][filters][0][value]": sku,
            "searchCriteria[filter_groups][1][filters][0][field]": "source_code",
            "searchCriteria[filter_groups][1][filters][0][value]": source,
        }
        answer = self.http.get(
            "/rest/V1/inventory/source-items",
            params=params,
            headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        )
        answer.raise_for_status()
        (item,) = answer.json()["items"]
        return float(item["quantity"]), int(item["status"])


def attrs(product: dict[str, Any]) -> dict[str, Any]:
    """A product's custom attributes as ``{code: value}``."""
    return {
        a["attribute_code"]: a["value"] for a in product.get("custom_attributes", [])
    }


def _settings(url: str, **magento: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": url,
        "token": SANDBOX_TOKEN,
        "concurrency": 4,
        "max_retries": 0,
        "backoff_initial_seconds": 0,
    }
    values.update(magento)
    return load_config(None, overrides={"magento": values})


@pytest.fixture
def env(sandbox: Any, tmp_path: Path) -> Iterator[CatalogEnv]:
    """A fresh ledger and client against the reset session sandbox."""
    settings = _settings(sandbox.url)
    ledger = Ledger("sqlite:///" + str(tmp_path / "bridge.db"))
    client = MagentoClient(settings.magento)
    http = httpx.Client(base_url=sandbox.url, timeout=30)
    catalog = CatalogEnv(tmp_path, sandbox.url, settings, ledger, client, http)
    catalog.faults()
    try:
        yield catalog
    finally:
        catalog.faults()
        catalog.client.close()
        http.close()
        ledger.close()


def products_xml(rows: list[dict[str, Any]], generated: str | None = None) -> str:
    """Render a products XML file from dicts of field values."""
    gen = f' generated="{generated}"' if generated else ""
    body = "".join(
        "<product>"
        + "".join(f"<{k}>{v}</{k}>" for k, v in row.items())
        + "</product>\n"
        for row in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<products{gen}>\n{body}</products>\n'
    )
