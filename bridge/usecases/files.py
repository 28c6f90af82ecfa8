"""The console's file questions: search and paging, a file's page, downloads, uploads.

No path from a request reaches the disk: a download names a ledger file id and the
path comes from the ledger (and must lie under the folder root); an upload keeps only
a safe base name and is placed in the inbox of its kind under a dot-temp name, then
linked to its final name (never overwriting), so the normal pipeline takes it. Who
uploaded which content is kept in the ledger's named values (``upload/<kind>/<sha256>``)
with a ``file_uploaded`` event; no schema change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.folders.readlock import is_ignored_name
from bridge.kinds import KINDS
from bridge.ledger import Ledger
from bridge.ledger.files import FileRow
from bridge.ledger.resolutions import ResolutionStore
from bridge.ledger.search import FileQuery, file_invoices, search_files
from bridge.support.clock import as_utc
from bridge.usecases._rows import call_entry, file_entry
from bridge.usecases.file_views import (
    Download,
    FileDetail,
    FilePage,
    InvoiceEntry,
    UploadInfo,
    UploadView,
)

__all__ = [
    "CALLS_PAGE",
    "FileQuery",
    "download",
    "file_detail",
    "list_files",
    "upload",
]

log = structlog.get_logger("bridge.usecases")

REPORT_LIMIT = 200_000
"""Characters of a report shown on a file's page at most."""

CALLS_PAGE = 100
"""Magento calls shown on one page of a file's page."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def list_files(ledger: Ledger, query: FileQuery) -> FilePage:
    """One page of received files matching ``query``, newest first."""
    rows, total = search_files(ledger, query)
    store = ResolutionStore(ledger)
    entries = tuple(file_entry(r, resolution=store.get(r.id)) for r in rows)
    return FilePage(entries, total, max(0, query.offset), max(1, query.limit))


def _inside(settings: Settings, value: str | None) -> Path | None:
    """The ledger's path when it is a regular file under the folder root, else None."""
    if not value:
        return None
    path = Path(value)
    root = settings.root.resolve()
    try:
        if path.is_symlink() or not path.is_file():
            return None
        path.resolve().relative_to(root)
    except (OSError, ValueError):
        return None
    return path


def _rejects_path(settings: Settings, row: FileRow) -> Path | None:
    """``failed/<kind>/<received>_<name>.rejects.<ext>`` beside the file's report."""
    report = row.report_path or ""
    if row.status != "partial" or not report.endswith(".report.txt"):
        return None
    ext = Path(row.name).suffix or ".txt"
    return _inside(settings, report.removesuffix(".report.txt") + ".rejects" + ext)


def _upload_key(kind: str, sha256: str) -> str:
    return f"upload/{kind}/{sha256}"


def _uploaded(ledger: Ledger, row: FileRow) -> UploadInfo | None:
    raw = ledger.files.get_value(_upload_key(row.kind, row.sha256))
    if raw is None:
        return None
    data = json.loads(raw)
    return UploadInfo(str(data["who"]), as_utc(datetime.fromisoformat(data["at"])))


def file_detail(
    settings: Settings, ledger: Ledger, file_id: int, calls_offset: int = 0
) -> FileDetail | None:
    """A file's page: records, report, downloads, a page of calls; None if unknown.

    Args:
        settings: The bridge settings (the folder root).
        ledger: The ledger.
        file_id: The file's ledger id.
        calls_offset: The first of the file's Magento calls to show
            (``CALLS_PAGE`` are shown).
    """
    row = ledger.files.get(file_id)
    if row is None:
        return None
    entry = file_entry(
        row,
        resolution=ResolutionStore(ledger).get(row.id),
        records=ledger.files.records_of(row.id),
    )
    report_path = _inside(settings, row.report_path)
    report = None
    if report_path is not None:
        report = report_path.read_text(encoding="utf-8", errors="replace")
        report = report[:REPORT_LIMIT]
    shipments = tuple(
        InvoiceEntry(
            shipment_id=str(s["shipment_id"]),
            order_number=str(s["order_number"]),
            state=str(s["state"]),
            magento_shipment_id=s["magento_shipment_id"],
            invoice_id=s["invoice_id"],
            grand_total=s["grand_total"],
            currency=s["currency"],
            mismatch=bool(s["mismatch"]),
            mismatch_reason=s["mismatch_reason"],
        )
        for s in file_invoices(ledger, row.id)
    )
    calls = ledger.calls.page(row.id, offset=calls_offset, limit=CALLS_PAGE)
    return FileDetail(
        file=entry,
        report=report,
        has_original=_inside(settings, row.final_path) is not None,
        has_rejects=_rejects_path(settings, row) is not None,
        shipments=shipments,
        uploaded=_uploaded(ledger, row),
        calls=tuple(call_entry(c) for c in calls.calls),
        calls_offset=calls.offset,
        calls_recorded=calls.recorded,
        calls_dropped=calls.dropped,
    )


def download(
    settings: Settings, ledger: Ledger, file_id: int, which: str
) -> Download | None:
    """The original (``original``), its ``rejects`` or ``report`` file; None if absent."""
    row = ledger.files.get(file_id)
    if row is None:
        return None
    if which == "original":
        path = _inside(settings, row.final_path)
        filename = row.name
    elif which == "rejects":
        path = _rejects_path(settings, row)
        filename = f"{Path(row.name).stem}.rejects{Path(row.name).suffix or '.txt'}"
    elif which == "report":
        path = _inside(settings, row.report_path)
        filename = f"{row.name}.report.txt"
    else:
        return None
    return None if path is None else Download(path, filename)


def safe_name(name: str) -> str:
    """The base name of ``name`` with only letters, digits, ``.``, ``_`` and ``-``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", base).lstrip(".-")[:200]


def _place(tmp: Path, folder: Path, name: str) -> Path:
    """Give ``tmp`` its visible name in ``folder``, ``stem~N.ext`` if taken."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = folder / name, 0
    while True:
        try:
            os.link(tmp, candidate)
        except FileExistsError:
            n += 1
            candidate = folder / f"{stem}~{n}{suffix}"
            continue
        tmp.unlink()
        return candidate


def _refusal(settings: Settings, kind: str, name: str, size: int) -> str | None:
    if kind not in KINDS:
        return f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}"
    if not name or is_ignored_name(name, settings.folders.done_suffix):
        return "the file needs a name the inbox does not ignore"
    limit = settings.folders.max_file_mb
    if size > limit * 1024 * 1024:
        return f"the file is over the limit of {limit} MB (folders.max_file_mb)"
    if size == 0:
        return "the file is empty"
    return None


def upload(
    settings: Settings,
    ledger: Ledger,
    *,
    kind: str,
    name: str,
    data: bytes,
    who: str,
) -> UploadView:
    """Place an operator's file into ``inbox/<kind>/``; the pipeline takes it from there.

    Args:
        settings: The bridge settings (folder root, done files, size limit).
        ledger: The ledger, which keeps who uploaded the content.
        kind: The inbox kind.
        name: The name the operator's browser sent (only a safe base name is kept).
        data: The file's content.
        who: The operator.
    """
    clean = safe_name(name)
    refused = _refusal(settings, kind, clean, len(data))
    if refused is not None:
        return UploadView(kind, clean, refused=refused)
    inbox = settings.root / "inbox" / kind
    inbox.mkdir(parents=True, exist_ok=True)
    sha256 = hashlib.sha256(data).hexdigest()
    record = {"who": who, "at": ledger.now().isoformat(), "name": clean}
    ledger.files.set_value(_upload_key(kind, sha256), json.dumps(record))
    tmp = inbox / f".{clean}.upload-{os.getpid()}-{sha256[:12]}.tmp"
    try:
        tmp.write_bytes(data)
        path = _place(tmp, inbox, clean)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    suffix = settings.folders.done_suffix
    if suffix:
        path.with_name(path.name + suffix).touch(exist_ok=False)
    ledger.files.log_event(
        "info", kind, "file_uploaded", f"{path.name} uploaded by {who} ({sha256[:12]})"
    )
    log.info("file_uploaded", flow=kind, file=path.name, sha256=sha256, status=who)
    return UploadView(kind, path.name, path=path)
