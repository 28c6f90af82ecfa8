"""``bridge status`` and ``bridge audit``: read-only views of the ledger and folders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.folders.readlock import is_ignored_name
from bridge.kinds import KINDS as KINDS  # the status rows: one per kind
from bridge.ledger import Ledger

__all__ = ["render_audit", "render_status"]


def _count_entries(folder: Path, done_suffix: str = "") -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if not is_ignored_name(p.name, done_suffix))


def _epoch(value: int | None) -> str:
    if value is None:
        return "-"
    seconds = value / 1e9 if value > 10**12 else value
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _one_line(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def render_status(settings: Settings) -> str:
    """Render the service's state: folders, files by status, last runs and errors."""
    root = settings.root
    ledger = Ledger(settings.ledger_url)
    try:
        out = [f"root: {root}", "", "inbox (waiting to be taken):"]
        suffix = settings.folders.done_suffix
        for kind in KINDS:
            waiting = _count_entries(root / "inbox" / kind, suffix)
            processing = _count_entries(root / "var" / "work" / kind, suffix)
            failed = _count_entries(root / "failed" / kind)
            out.append(
                f"  {kind:<10} pending {waiting:>5}   processing {processing:>5}   "
                f"failed/ entries {failed:>5}"
            )
        counts = ledger.files.status_counts()
        out.append("")
        out.append(
            "files by outcome: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet")
        )
        recent = ledger.files.recent(10)
        if recent:
            out.append("")
            out.append("last files:")
            for row in recent:
                out.append(
                    f"  #{row.id} {row.received_at:%Y-%m-%d %H:%M:%S} {row.kind}/{row.name}: "
                    f"{row.status} (applied {row.records_applied}, rejected "
                    f"{row.records_rejected}, unchanged {row.records_unchanged})"
                )
        errors = ledger.files.recent_events(10, level="error")
        if errors:
            out.append("")
            out.append("last errors:")
            for ev in errors:
                out.append(
                    f"  {ev['at']:%Y-%m-%d %H:%M:%S} {ev['flow']} {ev['event']}: {ev['message']}"
                )
        out.extend(_export_status(ledger))
        mismatches = ledger.shipments.mismatches()
        if mismatches:
            out.append("")
            out.append("shipments whose invoice differs from the ERP's invoice_amount:")
            out.extend(
                f"  {m['shipment_id']} (order {m['order_number']}): "
                f"{m['mismatch_reason']}"
                for m in mismatches[:20]
            )
        if settings.sftp.host:
            from bridge.folders.sftp import ENDPOINT

            name = f"{settings.sftp.username}@{settings.sftp.host}:{settings.sftp.port}"
            state = ledger.remote.endpoint_state(ENDPOINT)
            out.append("")
            if state is None:
                out.append(f"sftp {name}: not contacted yet")
            else:
                err = f" ({state.error})" if state.error else ""
                out.append(f"sftp {name}: {state.state} since {state.since}{err}")
        return "\n".join(out)
    finally:
        ledger.close()


def _export_status(ledger: Ledger) -> list[str]:
    st = ledger.orders.status()
    out = [
        "",
        f"order export: cursor {st.cursor or '-'}, last poll {st.last_poll or 'never'}, "
        f"{st.exported} exported, {st.comments_pending} Magento comment(s) pending",
    ]
    if st.failures:
        out.append("orders that could not be exported (retried every poll):")
        out.extend(
            f"  {f.order_number}: {f.reason} ({f.attempts} attempt(s))"
            for f in st.failures[:20]
        )
    return out


def _shipment_line(step: dict[str, Any]) -> str:
    money = ""
    if step.get("grand_total") is not None:
        money = (
            f" captured {step['grand_total']} (freight {step.get('shipping_amount')}, "
            f"fee {step.get('fee')})"
        )
    line = (
        f"  ERP shipment {step['shipment_id']}: {step['state']}; Magento shipment "
        f"#{step.get('magento_shipment_id') or '-'} from {step.get('ship_file') or '-'}, "
        f"invoice #{step.get('invoice_id') or '-'} from {step.get('invoice_file') or '-'}"
        f"{money}"
    )
    if step.get("mismatch"):
        line += f"\n    MISMATCH: {step.get('mismatch_reason')}"
    return line


def render_audit(settings: Settings, what: str, key: str) -> tuple[str, bool]:
    """Render the audit trail of a SKU, an order or a file; say whether anything is known."""
    ledger = Ledger(settings.ledger_url)
    try:
        if what == "sku":
            return _audit_sku(ledger, key)
        if what == "order":
            return _audit_order(ledger, key)
        return _audit_file(ledger, key)
    finally:
        ledger.close()


def _audit_sku(ledger: Ledger, sku: str) -> tuple[str, bool]:
    rows = ledger.files.history(sku, ["products", "stock"])
    out = [f"SKU {sku}"]
    for r in rows:
        line = f" line {r['line']}" if r["line"] else ""
        msg = f": {r['message']}" if r["message"] else ""
        out.append(
            f"  {r['at']:%Y-%m-%d %H:%M:%S} {r['kind']} {r['outcome']} from "
            f"{r['name']} (file #{r['file_id']}{line}){msg}"
        )
    extra: list[str] = []
    product = ledger.products.get(sku)
    if product is not None:
        extra.append(
            f"  product: last {product.action} at {product.applied_at:%Y-%m-%d %H:%M:%S} "
            f"(file #{product.file_id}), core data {product.fields}"
        )
    for stock in ledger.stock.for_sku(sku) if hasattr(ledger.stock, "for_sku") else []:
        extra.append(
            f"  stock at source {stock.source}: qty {stock.qty} as of "
            f"{_epoch(stock.as_of)} (file #{stock.file_id})"
        )
    out.extend(extra)
    found = bool(rows or extra)
    if not found:
        out.append("  nothing known about this SKU")
    return "\n".join(out), found


def _audit_order(ledger: Ledger, number: str) -> tuple[str, bool]:
    out = [f"order {number}"]
    extra: list[str] = []
    export = ledger.orders.find(number)
    if export is not None:
        extra.append(
            f"  exported {export.exported_at:%Y-%m-%d %H:%M:%S} as {export.file_name} "
            f"(sha256 {export.sha256[:12]}…, Magento entity {export.entity_id}, "
            f"comment {export.comment_state})"
        )
    rows: list[dict[str, Any]] = []
    for step in ledger.shipments.for_order(number):
        extra.append(_shipment_line(step))
        rows.extend(
            ledger.files.history(str(step.get("shipment_id", "")), ["shipments"])
        )
    out.extend(extra)
    for r in rows:
        out.append(
            f"  {r['at']:%Y-%m-%d %H:%M:%S} {r['record_key']} {r['outcome']} from "
            f"{r['name']}: {r['message']}"
        )
    found = bool(extra or rows)
    if not found:
        out.append("  nothing known about this order")
    return "\n".join(out), found


def _audit_file(ledger: Ledger, name: str) -> tuple[str, bool]:
    rows = ledger.files.by_name(name)
    out = [f"file {name}"]
    for row in rows:
        out.append(
            f"  #{row.id} received {row.received_at:%Y-%m-%d %H:%M:%S} kind {row.kind} "
            f"sha256 {row.sha256[:12]}… status {row.status}"
        )
        out.append(
            f"    records {row.records_total}: applied {row.records_applied}, unchanged "
            f"{row.records_unchanged}, rejected {row.records_rejected}, stale {row.records_skipped}"
        )
        if row.final_path:
            out.append(f"    now at {row.final_path}")
        if row.report_path:
            out.append(f"    report {row.report_path}")
        if row.last_error:
            out.append(f"    note: {row.last_error}")
        for rec in ledger.files.records_of(
            row.id, ["rejected", "stale", "duplicate", "warning"]
        ):
            out.append(f"    line {rec.line} {rec.key}: {rec.outcome}: {rec.message}")
    if not rows:
        out.append("  no file of that name was received")
    return "\n".join(out), bool(rows)
