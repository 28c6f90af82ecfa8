"""The metric families of SPEC §8: names, labels, values, and a valid exposition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from structlog.testing import capture_logs

from bridge.errors import (
    LedgerBusyError,
    MagentoAuthError,
    MagentoRequestError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.metrics import BridgeMetrics, StateSnapshot, request_outcome
from tests.unit.metrics._promtool import PROMTOOL, promtool


def busy_metrics() -> BridgeMetrics:
    """Metrics after a little of everything (also used by the documentation test)."""
    state = StateSnapshot(
        pending_files={"products": 2, "shipments": 0, "stock": 1},
        oldest_pending_age_seconds=125.0,
        failed_files={"products": 1, "shipments": 0, "stock": 0},
        export_cursor_lag_seconds=61.5,
        components_up={"magento": True, "sftp": False, "ledger": True},
    )
    m = BridgeMetrics(lambda: state, version="1.2.3")
    m.observe_file("products", "done")
    m.observe_file("products", "done")
    m.observe_file("stock", "partial")
    m.observe_records("stock", "applied", 318)
    m.observe_records("stock", "rejected", 2)
    m.observe_records("stock", "unchanged", 0)
    m.observe_request("ok", 0.08)
    m.observe_request("ok", 0.3)
    m.observe_request("unavailable", 30.0)
    m.observe_order_exported(3)
    m.observe_order_export_failed()
    m.observe_invoice("SEK", Decimal("298.00"))
    m.observe_invoice("SEK", Decimal("100.50"))
    m.observe_invoice_mismatch()
    m.observe_alert("webhook", "sent")
    return m


def _samples(m: BridgeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(m.render().decode()):
        for s in family.samples:
            assert isinstance(s, Sample)
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_exposition_parses_and_passes_promtool() -> None:
    """The output parses with prometheus_client's parser and, where installed, passes promtool."""
    m = busy_metrics()
    text = m.render()
    names = {f.name for f in text_string_to_metric_families(text.decode())}
    assert {
        "bridge_files",
        "bridge_records",
        "bridge_magento_requests",
        "bridge_magento_request_duration_seconds",
        "bridge_pending_files",
        "bridge_oldest_pending_file_age_seconds",
        "bridge_orders_exported",
        "bridge_invoices_captured",
        "bridge_invoiced_amount",
        "bridge_export_cursor_lag_seconds",
    } <= names
    if PROMTOOL is not None:
        code, output = promtool("check", "metrics", stdin=text)
        assert (code, output) == (0, "")


def test_counted_values_are_exposed() -> None:
    """Counters, the histogram and the state gauges carry the observed values and labels."""
    s = _samples(busy_metrics())
    assert s[("bridge_files_total", (("kind", "products"), ("outcome", "done")))] == 2
    assert (
        s[("bridge_records_total", (("kind", "stock"), ("outcome", "applied")))] == 318
    )
    assert (
        "bridge_records_total",
        (("kind", "stock"), ("outcome", "unchanged")),
    ) not in s
    assert s[("bridge_magento_requests_total", (("outcome", "ok"),))] == 2
    ok = (("outcome", "ok"),)
    assert s[("bridge_magento_request_duration_seconds_count", ok)] == 2
    assert (
        s[("bridge_magento_request_duration_seconds_bucket", (("le", "0.1"), *ok))] == 1
    )
    assert s[("bridge_magento_request_duration_seconds_sum", ok)] == pytest.approx(0.38)
    assert s[("bridge_orders_exported_total", ())] == 3
    assert s[("bridge_order_export_failures_total", ())] == 1
    assert s[("bridge_invoices_captured_total", (("currency", "SEK"),))] == 2
    assert s[("bridge_invoiced_amount_total", (("currency", "SEK"),))] == 398.5
    assert s[("bridge_invoice_amount_mismatches_total", ())] == 1
    assert s[("bridge_pending_files", (("kind", "products"),))] == 2
    assert s[("bridge_pending_files", (("kind", "shipments"),))] == 0
    assert s[("bridge_oldest_pending_file_age_seconds", ())] == 125
    assert s[("bridge_failed_files", (("kind", "products"),))] == 1
    assert s[("bridge_export_cursor_lag_seconds", ())] == 61.5
    assert s[("bridge_component_up", (("component", "sftp"),))] == 0
    assert s[("bridge_component_up", (("component", "magento"),))] == 1
    assert (
        s[("bridge_alerts_total", (("channel", "webhook"), ("outcome", "sent")))] == 1
    )
    assert s[("bridge_info", (("version", "1.2.3"),))] == 1


def test_state_is_read_at_each_scrape_not_at_registration() -> None:
    """Building the metrics does not call state(); every render calls it once."""
    calls: list[int] = []

    def state() -> StateSnapshot:
        calls.append(1)
        return StateSnapshot(oldest_pending_age_seconds=float(len(calls)))

    m = BridgeMetrics(state)
    assert calls == []
    m.render()
    assert _samples(m)[("bridge_oldest_pending_file_age_seconds", ())] == 2
    assert len(calls) == 2


def test_state_error_leaves_gauges_out_and_is_logged() -> None:
    """A busy ledger during a scrape drops the state gauges for that scrape only."""

    def state() -> StateSnapshot:
        raise LedgerBusyError("database is locked")

    m = BridgeMetrics(state)
    m.observe_file("stock", "done")
    with capture_logs() as logs:
        s = _samples(m)
    assert ("bridge_oldest_pending_file_age_seconds", ()) not in s
    assert s[("bridge_files_total", (("kind", "stock"), ("outcome", "done")))] == 1
    assert [e["event"] for e in logs] == ["metrics_state_failed"]


def test_instances_do_not_share_a_registry() -> None:
    """Two BridgeMetrics in one process count separately (no global registry)."""
    a, b = BridgeMetrics(), BridgeMetrics()
    a.observe_file("stock", "done")
    assert ("bridge_files_total", (("kind", "stock"), ("outcome", "done"))) in _samples(
        a
    )
    assert (
        "bridge_files_total",
        (("kind", "stock"), ("outcome", "done")),
    ) not in _samples(b)


def test_no_state_function_means_no_state_gauges() -> None:
    """Without state(), only the counted families are exposed."""
    names = {
        f.name
        for f in text_string_to_metric_families(BridgeMetrics().render().decode())
    }
    assert "bridge_pending_files" not in names
    assert "bridge_files" in names


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (RecordRejectedError("unknown SKU", record_key="A"), "rejected"),
        (MagentoAuthError("no", status_code=401), "auth_refused"),
        (MagentoUnavailableError("down", status_code=503), "unavailable"),
        (MagentoRequestError("bad", status_code=405), "error"),
        (ValueError("bug"), "error"),
    ],
)
def test_request_outcome_from_error(error: BaseException | None, outcome: str) -> None:
    """Each Magento error class maps to one outcome label."""
    assert request_outcome(error) == outcome
