"""What an operator does about a failed file: ``retry`` it or ``resolve`` it.

``retry`` sends a failed file through the normal pipeline again: a copy goes back into
its inbox under its original name (made unique with ``~N`` before the extension, so
its format and any layout's glob still match), the failed copy stays in ``failed/`` as
evidence, and the original failure is marked ``retried``. The copy is written under a
dot-name the inbox ignores and appears under its final name in one ``link(2)``, which
never overwrites; with done files configured its done file follows.

``resolve`` marks a failed or partly applied file as dealt with, with the operator's
note. Both are kept in the ledger, shown by ``audit file``, and take the file off the
"needs attention" list of ``status``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.ledger import Ledger
from bridge.ledger.files import FileRow
from bridge.ledger.resolutions import ATTENTION_STATUSES, Resolution, ResolutionStore
from bridge.usecases._rows import resolution_view
from bridge.usecases.views import ResolveView, RetryView

__all__ = ["resolve", "retry"]

log = structlog.get_logger("bridge.usecases")


def _already(row: FileRow, res: Resolution) -> str:
    return (
        f"file #{row.id} {row.name} was already {res.action} by {res.who} "
        f"at {res.at:%Y-%m-%d %H:%M:%S} UTC: {res.note}"
    )


def _place(tmp: Path, folder: Path, name: str) -> Path:
    """Give ``tmp`` its visible name in ``folder``, ``stem~N.ext`` if taken; never overwrite."""
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


def _refusal(row: FileRow | None, file_id: int, evidence: Path | None) -> str | None:
    if row is None:
        return f"no file #{file_id} in the ledger"
    if row.status != "failed":
        return (
            f"file #{row.id} {row.name} is {row.status}; only a failed file can be "
            "retried (a partly applied file: fix and drop its rejects file)"
        )
    if evidence is None or not evidence.is_file() or evidence.is_symlink():
        return f"file #{row.id} {row.name}: its failed copy {evidence} is gone"
    return None


def retry(settings: Settings, ledger: Ledger, file_id: int, *, who: str) -> RetryView:
    """Copy a failed file back into its inbox, keeping the failed copy as evidence.

    Args:
        settings: The bridge settings (folder root, done-file suffix).
        ledger: The ledger.
        file_id: The failed file's ledger id (``status``, ``audit file``).
        who: The operator, kept with the resolution.
    """
    store = ResolutionStore(ledger)
    row = ledger.files.get(file_id)
    evidence = Path(row.final_path) if row and row.final_path else None
    refused = _refusal(row, file_id, evidence)
    if refused is not None or row is None or evidence is None:
        return RetryView(file_id, refused=refused)
    earlier = store.get(row.id)
    if earlier is not None:
        return RetryView(file_id, refused=_already(row, earlier))
    inbox = settings.root / "inbox" / row.kind
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f".{row.name}.retry-{row.id}.tmp"
    shutil.copyfile(evidence, tmp)
    note = f"copied back into inbox/{row.kind}/; the failed copy stays as evidence"
    if store.record(row, action="retried", note=note, who=who) is None:
        tmp.unlink()
        earlier = store.get(row.id)
        return RetryView(file_id, refused=_already(row, earlier) if earlier else None)
    copy = _place(tmp, inbox, row.name)
    suffix = settings.folders.done_suffix
    if suffix:
        copy.with_name(copy.name + suffix).touch(exist_ok=False)
    log.info("file_retried", flow=row.kind, file=row.name, status=copy.name)
    return RetryView(file_id, copy=copy, evidence=evidence)


def resolve(ledger: Ledger, file_id: int, *, note: str, who: str) -> ResolveView:
    """Mark a failed or partly applied file resolved, with the operator's note.

    Args:
        ledger: The ledger.
        file_id: The file's ledger id.
        note: What was done about it (required).
        who: The operator.
    """
    if not note.strip():
        return ResolveView(file_id, refused="a note saying what was done is required")
    row = ledger.files.get(file_id)
    if row is None:
        return ResolveView(file_id, refused=f"no file #{file_id} in the ledger")
    if row.status not in ATTENTION_STATUSES:
        return ResolveView(
            file_id,
            refused=f"file #{row.id} {row.name} is {row.status}; only a failed or "
            "partly applied file needs resolving",
        )
    store = ResolutionStore(ledger)
    res = store.record(row, action="resolved", note=note.strip(), who=who)
    if res is None:
        earlier = store.get(row.id)
        return ResolveView(
            file_id, refused=_already(row, earlier) if earlier else "already resolved"
        )
    log.info("file_resolved", flow=row.kind, file=row.name, status=row.status)
    return ResolveView(file_id, name=row.name, resolution=resolution_view(res))
