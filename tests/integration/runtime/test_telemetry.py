"""The runtime's telemetry on the sandbox: invoices counted, a mismatch alerted, health."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bridge.config import load_config
from bridge.runtime import Service, build
from tests.e2e.conftest import write_config
from tests.unit.alerts._receivers import WebhookReceiver


def _products(sku: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<products><product>'
        f"<sku>{sku}</sku><name>Widget</name><price>100</price><qty>10</qty>"
        "</product></products>\n"
    )


def _drop(root: Path, kind: str, name: str, text: str) -> None:
    folder = root / "inbox" / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f".{name}.part").write_text(text)
    (folder / f".{name}.part").replace(folder / name)


def test_an_invoice_is_counted_and_a_differing_amount_alerted(
    tmp_path: Path, sandbox: Any
) -> None:
    """A shipment's invoice counts in the metrics; the ERP's other amount is alerted."""
    hook = WebhookReceiver()
    hook.start()
    try:
        write_config(
            tmp_path,
            sandbox.url,
            f'[alerts]\nwebhook_url = "{hook.url}"\n[http]\nlisten = "127.0.0.1:8099"\n',
        )
        settings = load_config(tmp_path / "bridge.toml")
        comps = build(settings)
        try:
            service = Service(comps)
            _drop(tmp_path, "products", "p.xml", _products("TEL-1"))
            service.run_once()
            order = httpx.post(
                f"{sandbox.url}/sandbox/orders",
                json={
                    "customer": {"email": "a@example.com", "firstname": "A"},
                    "items": [
                        {"sku": "TEL-1", "qty": 1, "price": 100, "tax_percent": 25}
                    ],
                    "shipping_amount": 0,
                    "payment_method": "checkmo",
                    "invoice_fee": 0,
                },
                timeout=10,
            ).json()
            number = order["increment_id"]
            csv = (
                "shipment_id,order_number,sku,qty,tracking_number,invoice_amount\n"
                f"DN-T,{number},TEL-1,1,T1,99.00\n"
            )
            _drop(tmp_path, "shipments", "s.csv", csv)
            service.run_once()
            assert comps.telemetry.alerts.flush(30)
            text = comps.telemetry.metrics.render().decode()
            health = comps.telemetry.components()
        finally:
            comps.close()
    finally:
        hook.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }
    captured = [
        v for (n, _l), v in samples.items() if n == "bridge_invoices_captured_total"
    ]
    assert captured == [1.0]
    assert samples[("bridge_invoice_amount_mismatches_total", ())] == 1.0
    mismatch = [p for p in hook.payloads() if p["event"] == "invoice_amount_mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0]["link"] == f"http://127.0.0.1:8099/audit/order/{number}"
    assert all(c.up for name, c in health.items() if name != "sftp")
