"""The ``process`` use case: apply one file now, through the service's own pipeline.

A file lying in its inbox is claimed exactly as the service claims it (the inbox's
atomic rename into ``var/work/<kind>/``, its done file with it), so a running
``bridge run`` and ``bridge process`` never both take it. A file from anywhere else is
copied into the work folder first (temp name, then rename) and the original is left
where it is. Either way the claimed file then goes through ``Pipeline.process``: hashing,
duplicate check, validation, the flow, archive or ``failed/`` with its report.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bridge.errors import MagentoAuthError
from bridge.folders.base import Folder
from bridge.folders.local import Candidate, ClaimedFile, received_stamp
from bridge.kinds import FOLDERS
from bridge.usecases.views import ProcessView

if TYPE_CHECKING:  # the wiring loads every flow; only ``process`` needs it
    from bridge.runtime.pipeline import FileOutcome, Progress
    from bridge.runtime.wiring import Components

__all__ = ["process"]


def _in_an_inbox(comps: Components, file: Path) -> bool:
    """True when ``file`` lies in one of the inboxes (whichever kind it is applied as)."""
    inbox = comps.settings.root / "inbox"
    folders = {(inbox / k).resolve() for k in FOLDERS}
    return file.parent.resolve() in folders


def _claim_from_inbox(
    inbox: Folder,
    done_suffix: str,
    file: Path,
    kind: str,
    work: Path,
    received: datetime,
) -> ClaimedFile | None:
    try:
        st = file.lstat()
    except FileNotFoundError:  # another bridge process claimed it a moment ago
        return None
    done: Path | None = None
    if done_suffix:
        marker = file.with_name(file.name + done_suffix)
        done = marker if marker.exists() else None
    cand = Candidate(kind, file.name, file, st.st_size, st.st_mtime_ns, None, done)
    return inbox.claim(cand, work, received)


def _stage_copy(file: Path, kind: str, work: Path, received: datetime) -> ClaimedFile:
    folder = work / kind
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{received_stamp(received)}_{file.name}"
    tmp = folder / f".{dest.name}.tmp"
    shutil.copyfile(file, tmp)
    tmp.replace(dest)
    st = dest.stat()
    return ClaimedFile(kind, file.name, dest, st.st_size, st.st_mtime_ns, received)


def _view(outcome: FileOutcome) -> ProcessView:
    return ProcessView(
        name=outcome.name,
        kind=outcome.kind,
        status=outcome.status,
        file_id=outcome.file_id,
        final_path=outcome.final_path,
        report_path=outcome.report_path,
        rejects_path=outcome.rejects_path,
        issues=tuple(outcome.issues),
        error=outcome.error,
    )


def process(
    comps: Components,
    file: Path,
    kind: str,
    *,
    force: bool = False,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ProcessView:
    """Claim ``file`` and run it through the pipeline now.

    Args:
        comps: The wired bridge (``bridge.runtime.build``).
        file: A regular file, in its inbox or anywhere else.
        kind: The file's kind (``products``, ``stock`` or ``shipments``).
        force: Re-apply even if this content was applied before.
        progress: Wraps the record stream, e.g. in a progress bar.

        dry_run: Apply nothing; return the plan (``usecases.plan``).

    Returns:
        The outcome; ``taken`` when another bridge process claimed the file first.
    """
    if dry_run:
        from bridge.usecases.plan import plan

        return plan(comps, file, kind)
    comps.pipeline.progress = progress
    received = comps.ledger.now()
    work = comps.pipeline.work_dir
    if _in_an_inbox(comps, file):
        claimed = _claim_from_inbox(
            comps.inbox, comps.settings.folders.done_suffix, file, kind, work, received
        )
        if claimed is None:
            return ProcessView(file.name, kind, "taken")
    else:
        claimed = _stage_copy(file, kind, work, received)
    try:
        return _view(comps.pipeline.process(claimed, force=force))
    except MagentoAuthError as exc:
        # Refused credentials are not the file's fault: it stays pending (issue 13).
        error = f"Magento at {comps.settings.magento.base_url} refused the credentials: {exc}"
        return ProcessView(claimed.name, kind, "pending", error=error)
