"""The CLI's plain-text renderings of the use-case views (no I/O: strings out).

``bridge status``, ``bridge audit`` and ``bridge process`` print what these return. The
layout is the one operators and scripts know; times are UTC.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.support.clock import as_utc
from bridge.usecases.file_views import HeldView
from bridge.usecases.views import (
    CallEntry,
    FileAudit,
    FileCalls,
    FileEntry,
    OrderAudit,
    ProcessView,
    ResolveView,
    RetryView,
    ShipmentStepView,
    SkuAudit,
    StatusView,
)

__all__ = [
    "render_file_audit",
    "render_order_audit",
    "render_process",
    "render_resolve",
    "render_retry",
    "render_sku_audit",
    "render_status",
    "render_status_json",
]

_TIME = "%Y-%m-%d %H:%M:%S UTC"


def _t(value: datetime | None, empty: str = "-") -> str:
    """A time in UTC, saying so."""
    return empty if value is None else f"{as_utc(value):{_TIME}}"


def _file_line(row: FileEntry) -> str:
    return (
        f"  #{row.id} {_t(row.received_at)} {row.kind}/{row.name}: "
        f"{row.status} (applied {row.records_applied}, rejected "
        f"{row.records_rejected}, unchanged {row.records_unchanged})"
    )


def _status_files(view: StatusView) -> list[str]:
    counts = view.files_by_status
    out = [
        "",
        "files by outcome: "
        + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"),
    ]
    if view.last_files:
        out += ["", "last files:", *(_file_line(r) for r in view.last_files)]
    if view.last_errors:
        out += ["", "last errors:"]
        out += [
            f"  {_t(ev.at)} {ev.flow} {ev.event}: {ev.message}"
            for ev in view.last_errors
        ]
    if view.attention:
        out += [
            "",
            f"needs attention ({view.attention_total} failed or partly applied file(s);"
            " `bridge retry ID` or `bridge resolve ID --note TEXT`):",
        ]
        for r in view.attention:
            out.append(_file_line(r))
            out += [
                f"    line {rec.line or '-'} {rec.key}: {rec.outcome}: {rec.message}"
                for rec in r.records
            ]
    return out


def _status_service(view: StatusView) -> list[str]:
    svc = view.service
    if svc.host is None:
        line = "service: not running (no `bridge run` has written a heartbeat)"
    else:
        state = "running" if svc.running else "NOT RUNNING"
        line = (
            f"service: {state} (last heartbeat {_t(svc.last_beat)} from "
            f"{svc.host} pid {svc.pid})"
        )
    out = [line]
    if svc.paused_until is not None:
        out.append(
            f"  Magento flows paused until {_t(svc.paused_until)}: {svc.pause_reason}"
        )
    reasons = view.attention_reasons
    out.append(
        "needs attention: " + "; ".join(reasons)
        if reasons
        else "healthy: nothing to do"
    )
    return out


def _status_export(view: StatusView) -> list[str]:
    st = view.export
    out = [
        "",
        f"order export: cursor {_t(st.cursor)}, last poll {_t(st.last_poll, 'never')}, "
        f"{st.exported} exported, {st.comments_pending} Magento comment(s) pending",
    ]
    if st.failures:
        out.append("orders that could not be exported (retried every poll):")
        out += [
            f"  {f.order_number}: {f.reason} ({f.attempts} attempt(s))"
            for f in st.failures
        ]
    if view.mismatches:
        out += ["", "shipments whose invoice differs from the ERP's invoice_amount:"]
        out += [
            f"  {m.shipment_id} (order {m.order_number}): {m.reason}"
            for m in view.mismatches
        ]
    for title, rows in (
        (
            "deliveries uncertain (a ship/invoice call without a clear answer):",
            view.uncertain,
        ),
        ("delivery notes in conflict (came back different):", view.conflicts),
        ("deliveries shipped but not invoiced (open):", view.not_invoiced),
        ("invoices held, ERP amount differs (bridge resolve --shipment):", view.held),
    ):
        if rows:
            out += ["", title]
            out += [
                f"  {d.shipment_id} (order {d.order_number}): {d.detail}" for d in rows
            ]
    return out


def render_status(view: StatusView) -> str:
    """``bridge status``: folders, files, errors, attention, export, SFTP."""
    out = [f"root: {view.root}   (at {_t(view.at)}; all times UTC)"]
    out += _status_service(view)
    out += ["", "inbox (waiting to be taken):"]
    out += [
        f"  {c.kind:<10} pending {c.pending:>5}   processing {c.processing:>5}   "
        f"failed (unresolved) {c.failed_entries:>5}"
        for c in view.folders
    ]
    out += _status_files(view)
    out += _status_export(view)
    if view.sftp is not None:
        sftp = view.sftp
        out.append("")
        if sftp.state is None:
            out.append(f"sftp {sftp.name}: not contacted yet")
        else:
            err = f" ({sftp.error})" if sftp.error else ""
            out.append(f"sftp {sftp.name}: {sftp.state} since {_t(sftp.since)}{err}")
    if view.leases:
        out += ["", "leases (work a process holds now):"]
        out += [
            f"  {x.name}: {x.owner} since {_t(x.acquired_at)}, until {_t(x.expires_at)}"
            for x in view.leases
        ]
    return "\n".join(out)


def render_sku_audit(view: SkuAudit) -> str:
    """``bridge audit sku``."""
    out = [f"SKU {view.sku}"]
    for r in view.history:
        line = f" line {r.line}" if r.line else ""
        msg = f": {r.message}" if r.message else ""
        out.append(
            f"  {_t(r.at)} {r.kind} {r.outcome} from "
            f"{r.file_name} (file #{r.file_id}{line}){msg}"
        )
    if view.product is not None:
        p = view.product
        out.append(
            f"  product: last {p.action} at {_t(p.applied_at)} "
            f"(file #{p.file_id}), core data {p.fields}"
        )
    if not view.found:
        out.append("  nothing known about this SKU")
    return "\n".join(out)


def _shipment_line(step: ShipmentStepView) -> str:
    money = ""
    if step.grand_total is not None:
        money = (
            f" captured {step.grand_total} (freight {step.shipping_amount}, "
            f"fee {step.fee})"
        )
    line = (
        f"  ERP shipment {step.shipment_id}: {step.state}; Magento shipment "
        f"#{step.magento_shipment_id or '-'} from {step.ship_file or '-'}, "
        f"invoice #{step.invoice_id or '-'} from {step.invoice_file or '-'}"
        f"{money}"
    )
    if step.mismatch:
        line += f"\n    MISMATCH: {step.mismatch_reason}"
    return line


def render_order_audit(view: OrderAudit) -> str:
    """``bridge audit order``."""
    out = [f"order {view.number}"]
    if view.export is not None:
        e = view.export
        out.append(
            f"  exported {_t(e.exported_at)} as {e.file_name} "
            f"(sha256 {e.sha256[:12]}…, Magento entity {e.entity_id}, "
            f"comment {e.comment_state})"
        )
    out += [_shipment_line(s) for s in view.shipments]
    out += [
        f"  {_t(r.at)} {r.record_key} {r.outcome} from {r.file_name}: {r.message}"
        for r in view.history
    ]
    if not view.found:
        out.append("  nothing known about this order")
    return "\n".join(out)


def _file_block(row: FileEntry) -> list[str]:
    out = [
        f"  #{row.id} received {_t(row.received_at)} kind {row.kind} "
        f"sha256 {row.sha256[:12]}… status {row.status}",
        f"    records {row.records_total}: applied {row.records_applied}, unchanged "
        f"{row.records_unchanged}, rejected {row.records_rejected}, "
        f"stale {row.records_skipped}",
    ]
    if row.final_path:
        out.append(f"    now at {row.final_path}")
    if row.report_path:
        out.append(f"    report {row.report_path}")
    if row.last_error:
        out.append(f"    note: {row.last_error}")
    if row.resolution is not None:
        res = row.resolution
        out.append(f"    {res.action} {_t(res.at)} by {res.who}: {res.note}")
    out += [
        f"    line {rec.line} {rec.key}: {rec.outcome}: {rec.message}"
        for rec in row.records
    ]
    return out


def _call_line(call: CallEntry) -> str:
    outcome = " ".join(str(v) for v in (call.status, call.error) if v is not None)
    extra = f" record {call.record_key}" if call.record_key else ""
    if call.document_id is not None:
        extra += f" -> document #{call.document_id}"
    if call.attempt > 1:
        extra += f" (attempt {call.attempt})"
    return (
        f"      {_t(call.at)} {call.method} {call.path}: {outcome}{extra}, "
        f"{call.duration_ms} ms"
    )


def _calls_block(calls: FileCalls) -> list[str]:
    if not calls.recorded and not calls.dropped:
        return []
    dropped = f", {calls.dropped} more not stored" if calls.dropped else ""
    out = [
        f"    Magento calls {calls.recorded} ({calls.failed} failed){dropped}"
        + ("; writes and failures:" if calls.shown else "")
    ]
    out += [_call_line(c) for c in calls.shown]
    if calls.more:
        out.append(f"      ... {calls.more} more on the console's file page")
    return out


def render_file_audit(view: FileAudit) -> str:
    """``bridge audit file``."""
    out = [f"file {view.name}"]
    calls = {c.file_id: c for c in view.calls}
    for row in view.files:
        out += _file_block(row)
        if row.id in calls:
            out += _calls_block(calls[row.id])
    if not view.found:
        out.append("  no file of that name was received")
    return "\n".join(out)


def render_process(view: ProcessView) -> list[str]:
    """``bridge process``: the file's outcome, where it went, its first issues."""
    if view.status == "pending":
        return [f"{view.name}: pending ({view.error}); `bridge run` resumes it"]
    if view.status == "taken":
        return [f"{view.name}: taken by another bridge process; see `bridge status`"]
    if view.status == "held":
        return [
            f"{view.name}: held by another bridge process (its lease); "
            "that process finishes it, see `bridge status`"
        ]
    if view.status in ("planned", "would-reject"):
        return _render_plan(view)
    where = f" -> {view.final_path}" if view.final_path else ""
    out = [f"{view.kind}/{view.name}: {view.status}{where}"]
    if view.report_path and view.status in ("failed", "partial"):
        out.append(f"  report: {view.report_path}")
    out += [f"  {issue}" for issue in view.issues[:20]]
    return out


def _render_plan(view: ProcessView) -> list[str]:
    """``bridge process --dry-run``: one line per record, changed fields below it."""
    out = [f"{view.kind}/{view.name}: dry run, nothing applied ({view.status})"]
    for e in view.plan:
        detail = f": {e.detail}" if e.detail else ""
        out.append(f"  line {e.line} {e.key}: {e.action}{detail}")
        out += [
            f"    {name}: {old if old is not None else '-'} -> {new}"
            for name, old, new in e.changes
        ]
    return out


def render_retry(view: RetryView) -> str:
    """``bridge retry``: where the copy went, or why nothing was done."""
    if view.refused is not None:
        return f"file #{view.file_id}: not retried: {view.refused}"
    return (
        f"file #{view.file_id}: copied back as {view.copy}; the failed copy stays at "
        f"{view.evidence}; the service (or `bridge run --once`) takes it"
    )


def render_resolve_held(view: HeldView) -> str:
    """``bridge resolve --shipment``: what became of the held invoice."""
    if view.refused is not None:
        return f"shipment {view.shipment_id}: not {view.action}d: {view.refused}"
    return f"shipment {view.shipment_id}: {view.detail}"


def render_resolve(view: ResolveView) -> str:
    """``bridge resolve``: the recorded resolution, or why nothing was done."""
    if view.refused is not None or view.resolution is None:
        return f"file #{view.file_id}: not resolved: {view.refused}"
    res = view.resolution
    return (
        f"file #{view.file_id} {view.name}: resolved by {res.who} at "
        f"{_t(res.at)}: {res.note}"
    )


def _facts(value: Any) -> Any:
    """A view as JSON-ready data: times ISO 8601 with their zone, paths as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _facts(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(k): _facts(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_facts(v) for v in value]
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def render_status_json(view: StatusView) -> str:
    """``bridge status --json``: the same facts as ``render_status``, one object."""
    facts = _facts(view)
    facts["pending_files"] = view.pending_files
    facts["attention_reasons"] = list(view.attention_reasons)
    facts["needs_attention"] = view.needs_attention
    return json.dumps(facts, sort_keys=True)
