"""The dry run of ``process``: the plan of a file from Magento's state, nothing written.

The file is validated where it lies (it is not claimed, moved or copied), then its
records go through the kind's planner (``flows.plan_file``), which asks Magento with
GET requests only. No ledger row is written and nothing is sent to Magento but GETs.
Status ``planned`` when every record would be applied, ``would-reject`` when some
record would be rejected, ``failed`` when the file is invalid (nothing would apply).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bridge.flows.plan_file import FilePlanner
from bridge.formats import RecordReader, validate_file
from bridge.usecases.views import PlanEntry, ProcessView

if TYPE_CHECKING:
    from bridge.runtime.wiring import Components

__all__ = ["plan"]


def plan(comps: Components, file: Path, kind: str) -> ProcessView:
    """Plan ``file`` as ``kind`` against Magento (GET only); apply and write nothing.

    Args:
        comps: The wired bridge (its Magento client and settings are used).
        file: The file, wherever it lies; it stays there, unchanged.
        kind: The file's kind.

    Returns:
        The view with ``plan`` set, one entry per record in file order.
    """
    csv = comps.settings.folders.csv.for_kind(kind)
    checked = validate_file(file, kind, csv=csv, name=file.name)  # type: ignore[arg-type]
    if checked.issues:
        return ProcessView(file.name, kind, "failed", issues=tuple(checked.issues))
    records = RecordReader(file, kind, csv=csv, name=file.name)  # type: ignore[arg-type]
    planned = FilePlanner(comps.settings, comps.client).plan(kind, records)
    entries = tuple(
        PlanEntry(p.line, p.key, p.action, p.changes, p.detail) for p in planned
    )
    rejects = any(e.action == "reject" for e in entries)
    return ProcessView(
        file.name, kind, "would-reject" if rejects else "planned", plan=entries
    )
