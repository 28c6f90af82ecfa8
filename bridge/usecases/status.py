"""The ``status`` use case: the service's state from the ledger and the folders.

Failed files and rejected records are listed until an operator resolves them, each
once; whether a service runs comes from its heartbeat (``runtime.heartbeat``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.flows.invoice_open_deliveries import next_invoice_try
from bridge.folders.readlock import is_ignored_name
from bridge.kinds import KINDS as KINDS  # the status rows: one per kind
from bridge.ledger import Ledger
from bridge.ledger.files import FileRow
from bridge.ledger.resolutions import ResolutionStore
from bridge.models.status import RecordOutcome
from bridge.runtime.heartbeat import read_heartbeats
from bridge.support.clock import as_utc
from bridge.usecases._rows import file_entry
from bridge.usecases.views import (
    DeliveryView,
    ErrorEvent,
    ExportFailureView,
    ExportView,
    FileEntry,
    FolderCounts,
    LeaseView,
    MismatchView,
    ServiceView,
    SftpView,
    StatusView,
)

__all__ = ["status"]

LAST_FILES = 10
LAST_ERRORS = 10
LIST_LIMIT = 20
"""Export failures, mismatches and files needing attention shown at most."""
ALL_UNRESOLVED = 100_000
"""Unresolved files read to count them per kind (far beyond any real backlog)."""


def _count_entries(folder: Path, done_suffix: str = "") -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if not is_ignored_name(p.name, done_suffix))


def _folders(settings: Settings, unresolved: Counter[str]) -> tuple[FolderCounts, ...]:
    """Entries per kind; ``failed_entries`` counts unresolved files once each.

    A failed file lies in ``failed/`` beside its report (and a partly applied one's
    rejects beside theirs), so counting directory entries counted each twice and
    never forgot a resolved one: the ledger's unresolved files are the count.
    """
    root, suffix = settings.root, settings.folders.done_suffix
    return tuple(
        FolderCounts(
            kind=kind,
            pending=_count_entries(root / "inbox" / kind, suffix),
            processing=_count_entries(root / "var" / "work" / kind, suffix),
            failed_entries=unresolved[kind],
        )
        for kind in KINDS
    )


def _service(ledger: Ledger, now: datetime) -> ServiceView:
    beats = read_heartbeats(ledger)
    if not beats:
        return ServiceView(running=False)
    live = [b for b in beats if b.fresh(now)]
    beat = live[0] if live else beats[0]
    return ServiceView(
        running=bool(live),
        host=beat.host,
        pid=beat.pid,
        last_beat=beat.at,
        interval_seconds=beat.interval_seconds,
        paused_until=beat.paused_until if beat.paused(now) else None,
        pause_reason=beat.pause_reason if beat.paused(now) else "",
    )


def _attention_entry(ledger: Ledger, row: FileRow) -> FileEntry:
    """An unresolved file; a partly applied one lists the records it rejected."""
    if not row.records_rejected:
        return file_entry(row)
    rejected = ledger.files.records_of(row.id, [RecordOutcome.REJECTED])
    return file_entry(row, records=rejected[:LIST_LIMIT])


def _export(ledger: Ledger) -> ExportView:
    st = ledger.orders.status()
    return ExportView(
        cursor=st.cursor,
        last_poll=st.last_poll,
        exported=st.exported,
        comments_pending=st.comments_pending,
        failures=tuple(
            ExportFailureView(f.order_number, f.reason, f.attempts)
            for f in st.failures[:LIST_LIMIT]
        ),
    )


def _error(ev: dict[str, Any]) -> ErrorEvent:
    return ErrorEvent(
        as_utc(ev["at"]), str(ev["flow"]), str(ev["event"]), str(ev["message"] or "")
    )


def _sftp(settings: Settings, ledger: Ledger) -> SftpView | None:
    if not settings.sftp.host:
        return None
    from bridge.folders.sftp import ENDPOINT

    sftp = settings.sftp
    name = f"{sftp.username}@{sftp.host}:{sftp.port}"
    state = ledger.remote.endpoint_state(ENDPOINT)
    if state is None:
        return SftpView(name, None)
    return SftpView(name, state.state, state.since, state.error)


def _deliveries(
    settings: Settings, ledger: Ledger
) -> dict[str, tuple[DeliveryView, ...]]:
    """Uncertain calls, conflicting notes, shipped not invoiced, invoices held."""
    shipments = ledger.shipments
    uncertain = tuple(
        DeliveryView(
            str(r.shipment_id),
            str(r.order_number),
            f"{r.uncertain} call without a clear answer since "
            f"{as_utc(r.uncertain_since):%Y-%m-%d %H:%M:%S} UTC; "
            "nothing is posted again until Magento shows it or it settles",
        )
        for r in shipments.uncertain()[:LIST_LIMIT]
    )
    conflicts = tuple(
        DeliveryView(
            str(r.shipment_id),
            str(r.order_number),
            f"applied: order {r.order_number} with lines {r.lines} "
            f"(Magento shipment #{r.magento_shipment_id}); "
            f"came back as: {r.conflict}",
        )
        for r in shipments.conflicts()[:LIST_LIMIT]
    )
    not_invoiced = tuple(
        DeliveryView(
            str(r.shipment_id),
            str(r.order_number),
            str(r.message or f"Magento shipment #{r.magento_shipment_id}")
            + f" (next automatic invoice try: "
            f"{next_invoice_try(ledger, r, settings):%Y-%m-%d %H:%M:%S} UTC)",
        )
        for r in shipments.pending()
        if r.state == "shipped" and r.message and not r.uncertain
    )
    held = tuple(
        DeliveryView(str(r.shipment_id), str(r.order_number), str(r.message))
        for r in shipments.held()[:LIST_LIMIT]
    )
    return {
        "uncertain": uncertain,
        "conflicts": conflicts,
        "not_invoiced": not_invoiced[:LIST_LIMIT],
        "held": held,
    }


def status(settings: Settings, ledger: Ledger) -> StatusView:
    """Collect the service's state: folders, files by status, last runs and errors.

    Args:
        settings: The bridge settings (folder root, SFTP endpoint).
        ledger: The ledger to read.
    """
    now = as_utc(ledger.now())
    resolutions = ResolutionStore(ledger)
    unresolved, total = resolutions.unresolved(ALL_UNRESOLVED)
    attention = unresolved[:LIST_LIMIT]
    return StatusView(
        root=settings.root,
        folders=_folders(settings, Counter(r.kind for r in unresolved)),
        files_by_status=ledger.files.status_counts(),
        last_files=tuple(file_entry(r) for r in ledger.files.recent(LAST_FILES)),
        last_errors=tuple(
            _error(ev) for ev in ledger.files.recent_events(LAST_ERRORS, level="error")
        ),
        export=_export(ledger),
        mismatches=tuple(
            MismatchView(
                str(m.shipment_id),
                str(m.order_number),
                str(m.mismatch_reason),
            )
            for m in ledger.shipments.mismatches()[:LIST_LIMIT]
        ),
        attention=tuple(_attention_entry(ledger, r) for r in attention),
        attention_total=total,
        sftp=_sftp(settings, ledger),
        **_deliveries(settings, ledger),
        leases=tuple(
            LeaseView(x.name, x.owner, x.acquired_at, x.expires_at)
            for x in ledger.leases.held()[:LIST_LIMIT]
        ),
        service=_service(ledger, now),
        at=now,
    )
