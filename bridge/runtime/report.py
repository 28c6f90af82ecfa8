"""Plain-text reports written next to failed, partial and noteworthy files.

A report is for the ERP consultant or the operator who has to act: it says what the
file was, what happened, and for every problem the file, line, field and reason.
Secrets never appear here: only file content positions and Magento's messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bridge.errors import FileIssue
from bridge.flows.base import FlowResult

__all__ = ["render_report"]

_MAX_LINES = 5000


def render_report(
    *,
    name: str,
    kind: str,
    received: datetime,
    sha256: str | None,
    outcome: str,
    total: int = 0,
    issues: Sequence[FileIssue] = (),
    result: FlowResult | None = None,
    rejects_path: Path | None = None,
    applied_some: bool = False,
) -> str:
    """Render the report of one file.

    Args:
        name: The file's name as received.
        kind: products | stock | shipments.
        received: When the bridge took it.
        sha256: Its content hash, if it could be read.
        outcome: done | partial | failed.
        total: Number of records in the file.
        issues: File-level problems (invalid file).
        result: What the flow did (applied files).
        rejects_path: Where the rejected records were written.
        applied_some: A permanent error stopped a file some of whose records applied.
    """
    lines = [
        f"file:     {name}",
        f"kind:     {kind}",
        f"received: {received.isoformat()}",
    ]
    if sha256:
        lines.append(f"sha256:   {sha256}")
    lines.append(f"outcome:  {outcome}")
    if issues:
        if applied_some:
            lines.append(
                "The file stopped on an error that retrying cannot fix; records before it "
                "may have been applied (see `bridge audit file`)."
            )
        else:
            lines.append(
                "Nothing from this file was applied. Fix the problems below and drop it again."
            )
        lines.append("")
        lines.append(f"problems ({len(issues)}):")
        lines.extend(f"  {issue}" for issue in issues[:_MAX_LINES])
    if result is not None:
        lines.append(
            f"records:  {total} in file, {result.applied} applied, {result.unchanged} unchanged, "
            f"{result.stale} stale, {len(result.rejected)} rejected"
        )
        if result.rejected:
            lines.append("")
            where = f" to {rejects_path.name}" if rejects_path else ""
            lines.append(
                f"rejected records ({len(result.rejected)}), written{where}: "
                "fix them there and drop that file again"
            )
            for note in sorted(result.rejected, key=lambda n: n.record.index)[
                :_MAX_LINES
            ]:
                lines.append(
                    f"  {name}:{note.record.line}: {note.record.key}: {note.message}"
                )
        others = [n for n in result.notes if n.outcome not in ("applied", "unchanged")]
        if others:
            lines.append("")
            lines.append("notes:")
            for note in others[:_MAX_LINES]:
                rec = note.record
                lines.append(
                    f"  {name}:{rec.line}: {rec.key}: {note.outcome}: {note.message}"
                )
        if result.warnings:
            lines.append("")
            lines.append("warnings:")
            lines.extend(f"  {w}" for w in result.warnings[:_MAX_LINES])
    return "\n".join(lines) + "\n"
