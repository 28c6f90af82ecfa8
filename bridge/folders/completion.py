"""Where finished files go: ``archive/`` and ``failed/`` (Camel's move / moveFailed).

``LocalCompletion`` is the one place that names, writes and moves a finished input
file and its companions (SPEC §2):

- ``archive/<kind>/YYYY/MM/DD/<received-utc>_<name>``: applied files and duplicates;
- ``failed/<kind>/<received-utc>_<name>``: invalid and refused files;
- ``<final>.report.txt`` next to it, or ``failed/<kind>/<received-utc>_<name>``
  ``.report.txt`` and ``….rejects.<ext>`` for a partly applied file.

Nothing is overwritten: a taken name becomes ``stem~1.ext`` (``support.files``).
Files are readable by owner and group only (0640), their folders 0750.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bridge.folders.base import ClaimedFile, Outcome, Placement, received_stamp
from bridge.support.files import atomic_write, move_unique, unique_names, unique_path

__all__ = ["LocalCompletion", "private_mode"]

_FILE_MODE = 0o640
_DIR_MODE = 0o750
_TOPS = ("archive", "failed")


def private_mode(path: Path) -> None:
    """Make an archive or failed entry readable by owner and group only."""
    with contextlib.suppress(OSError):
        if path.is_symlink():
            return
        path.chmod(_FILE_MODE if path.is_file() else _DIR_MODE)


def _private_folders(folder: Path) -> None:
    """Restrict ``folder`` and its parents up to ``archive/`` or ``failed/`` (0750).

    Folders are created with the process umask; without this, ``archive/`` and its
    ``<kind>/YYYY/MM`` levels would list quarantined file names to every local user.
    """
    chain = [folder, *list(folder.parents)[:4]]
    tops = [i for i, level in enumerate(chain) if level.name in _TOPS]
    if tops:
        for level in chain[: tops[0] + 1]:
            private_mode(level)


def _taken(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def _folder_for(path: Path, ready: set[Path] | None = None) -> Path:
    """Create ``path``'s folder (0750 up to ``archive/`` or ``failed/``).

    ``ready`` holds the folders this process made already: they are not looked at
    again (a day's archive folder serves thousands of files).
    """
    folder = path.parent
    if ready is not None and folder in ready:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    _private_folders(folder)
    if ready is not None:
        if len(ready) > 1000:
            ready.clear()
        ready.add(folder)
    return path


class LocalCompletion:
    """Names, writes and moves finished files under one folder root.

    Args:
        root: The folder root (``archive/`` and ``failed/`` lie below it).
    """

    def __init__(self, root: Path) -> None:
        """Bind to ``root``; folders are created when first needed."""
        self.archive_dir = root / "archive"
        self.failed_dir = root / "failed"
        self._ready: set[Path] = set()

    # -- names -----------------------------------------------------------------
    def archive_path(self, kind: str, received: datetime, name: str) -> Path:
        """The free archive name of a file received at ``received``."""
        day = received.astimezone(UTC)
        folder = self.archive_dir / kind / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
        return unique_path(folder / f"{received_stamp(received)}_{name}")

    def failed_path(self, kind: str, received: datetime, name: str) -> Path:
        """The free ``failed/`` name of a file received at ``received``."""
        return unique_path(
            self.failed_dir / kind / f"{received_stamp(received)}_{name}"
        )

    # -- writing ---------------------------------------------------------------
    def write_report(self, beside: Path, text: str) -> Path:
        """Write ``<beside>.report.txt`` atomically, 0640.

        A report belongs to the file it is named after, whose name is unique, so
        writing it again (a run that died before the move, resumed) replaces the
        first one instead of leaving two.
        """
        path = _folder_for(beside.with_name(beside.name + ".report.txt"))
        atomic_write(path, text.encode("utf-8"), mode=_FILE_MODE)
        private_mode(path)
        return path

    def report_only(self, kind: str, received: datetime, name: str, text: str) -> Path:
        """Write the ``failed/`` report of a file that is not here (kept remotely).

        The name is the one the file would have had in ``failed/``, made unique
        against both files and reports there.
        """
        base = self.failed_dir / kind / f"{received_stamp(received)}_{name}"
        for candidate in unique_names(base):
            report = candidate.with_name(candidate.name + ".report.txt")
            if not (_taken(candidate) or _taken(report)):
                return self.write_report(candidate, text)
        raise FileExistsError(f"no free report name for {base}")

    def plan(self, claimed: ClaimedFile, outcome: Outcome) -> Placement:
        """Fix the names for ``outcome`` and write its report and rejects file."""
        kind, name, received = claimed.kind, claimed.name, claimed.received
        if outcome.final_path is not None:
            return Placement(outcome.final_path)
        if outcome.status in ("archived", "duplicate"):
            final = self.archive_path(kind, received, name)
        else:
            final = self.failed_path(kind, received, name)
        rejects_path: Path | None = None
        report_beside = final
        if outcome.rejects is not None:
            base = self.failed_path(kind, received, name)
            ext = claimed.path.suffix or ".txt"
            rejects_path = base.with_name(f"{base.name}.rejects{ext}")
            if not rejects_path.exists():
                outcome.rejects(_folder_for(rejects_path))
                private_mode(rejects_path)
            report_beside = base
        report_path: Path | None = None
        if outcome.report is not None:
            text = outcome.report
            if callable(text):
                text = text(Placement(final, None, rejects_path))
            report_path = self.write_report(report_beside, text)
        return Placement(final, report_path, rejects_path)

    # -- moving ----------------------------------------------------------------
    def complete(
        self,
        claimed: ClaimedFile,
        outcome: Outcome,
        *,
        record: Callable[[Placement], None] | None = None,
    ) -> Placement:
        """Write the companions, let the caller ``record`` the names, then move.

        Returns:
            The placement; ``final_path`` is where the file really went (another
            free name if the planned one was taken meanwhile).
        """
        placement = self.plan(claimed, outcome)
        if record is not None:
            record(placement)
        final = self.move(claimed, placement.final_path)
        return Placement(final, placement.report_path, placement.rejects_path)

    def move(self, claimed: ClaimedFile, dest: Path) -> Path:
        """Move a claimed file (and its done file) to ``dest``; never overwrite."""
        if not (claimed.path.exists() or claimed.path.is_symlink()):
            return dest  # moved by an earlier run that died before telling anyone
        try:
            final = move_unique(claimed.path, _folder_for(dest, self._ready))
        except FileNotFoundError:
            # The folder went away since it was made (removed by hand): once more.
            self._ready.discard(dest.parent)
            final = move_unique(claimed.path, _folder_for(dest, self._ready))
        private_mode(final)
        if claimed.done_path is not None and claimed.done_path.exists():
            done = final.with_name(final.name + claimed.done_path.suffix)
            move_unique(claimed.done_path, done)
        return final
