"""The file endpoint contract (``Folder``): scan, claim, complete.

Every inbox the bridge reads, local or remote, is a ``Folder`` in Camel's sense:

- ``scan()`` lists the entries that passed the read lock (or must be refused);
- ``claim(candidate)`` takes one for this process alone (Camel's ``preMove``), or
  returns None when another process was faster;
- ``complete(claimed, outcome)`` ends the claimed file's life: ``move`` to the
  archive (applied or duplicate) or ``moveFailed`` to ``failed/`` (invalid or
  refused), with its report, private permissions and never-overwritten names.

The pipeline decides the outcome; the endpoint that produced the file owns where
it goes, so an endpoint with a remote original (SFTP) can finish that one too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

__all__ = [
    "Candidate",
    "ClaimedFile",
    "Folder",
    "Outcome",
    "OutcomeStatus",
    "Placement",
    "received_stamp",
]

OutcomeStatus = Literal["archived", "duplicate", "failed", "refused"]


# ``<received-utc>_`` is 24 bytes; ``.report.txt`` / ``.rejects.<ext>`` and a done
# suffix follow the name in failed/: 200 bytes leave room for all of them in 255.
MAX_NAME_BYTES = 200


def unsafe_name_reason(name: str) -> str | None:
    """Why an inbox entry's name cannot be kept as it is, or None when it can.

    A name that is not UTF-8 (surrogate-escaped bytes), holds control characters, or
    is too long to carry the received stamp and a report suffix within 255 bytes.
    """
    try:
        raw = name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not UTF-8"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "file name holds control characters"
    if len(raw) > MAX_NAME_BYTES:
        return f"file name is {len(raw)} bytes, over {MAX_NAME_BYTES}"
    return None


def safe_name(name: str) -> str:
    r"""A printable UTF-8 stand-in for an unsafe name: its readable part and a hash.

    Example: ``b"lev\xe9rans.xml"`` becomes ``lev_rans.xml~1a2b3c4d``.
    """
    raw = name.encode("utf-8", "surrogateescape")
    text = raw.decode("utf-8", "replace")
    kept = "".join(
        c if c.isprintable() and c not in "\ufffd/\\" else "_" for c in text
    ).lstrip(".")
    while len(kept.encode("utf-8")) > MAX_NAME_BYTES - 20:
        kept = kept[:-1]
    return f"{kept or 'file'}~{hashlib.sha256(raw).hexdigest()[:8]}"


def name_bytes(name: str) -> str:
    """The original name's bytes for a report: Python bytes repr and hex."""
    raw = name.encode("utf-8", "surrogateescape")
    return f"original name bytes {raw!r} (hex {raw.hex()})"


def received_stamp(received: datetime) -> str:
    """Render the received time as used in stored names: ``20261126T145501.123456Z``."""
    return received.strftime("%Y%m%dT%H%M%S.%fZ")


@dataclass(frozen=True)
class Candidate:
    """An inbox entry ready to be claimed, or one to refuse.

    Attributes:
        kind: The inbox it lies in.
        name: Its file name.
        path: Its path in the inbox.
        size: Size in bytes (0 for non-regular entries).
        mtime_ns: Modification time.
        refused: Why it must not be read (symlink, device ...), or None.
        done_path: The done file that released it, if done files are used.
    """

    kind: str
    name: str
    path: Path
    size: int
    mtime_ns: int
    refused: str | None = None
    done_path: Path | None = None


@dataclass(frozen=True)
class ClaimedFile:
    """A file this process owns now, in the work folder."""

    kind: str
    name: str
    path: Path
    size: int
    mtime_ns: int
    received: datetime
    done_path: Path | None = None


@dataclass(frozen=True)
class Outcome:
    """What the pipeline decided for a claimed file; the endpoint carries it out.

    Attributes:
        status: ``archived`` (applied), ``duplicate`` (archived, not applied),
            ``failed`` (invalid: moved to ``failed/``) or ``refused`` (never read:
            moved to ``failed/``).
        report: The report text, written next to the file (or next to the rejects
            when there are any), or a function of the placement that returns it
            (for a text that names the rejects file); None for no report.
        rejects: Writes the rejected records of a partly applied file to the path
            it is given (the endpoint picks the name).
        detail: The pipeline's own word for it (``done``, ``partial`` ...), kept
            by endpoints that record the outcome of a remote original.
        final_path: A destination decided earlier (the ledger's, when a crash came
            between deciding and moving); nothing is written then, only moved.
    """

    status: OutcomeStatus
    report: str | Callable[[Placement], str] | None = None
    rejects: Callable[[Path], None] | None = None
    detail: str | None = None
    final_path: Path | None = None

    @property
    def label(self) -> str:
        """``detail`` if given, else the status."""
        return self.detail or self.status


@dataclass(frozen=True)
class Placement:
    """Where a completed file and its companions went."""

    final_path: Path
    report_path: Path | None = None
    rejects_path: Path | None = None


class Folder(Protocol):
    """A file endpoint the pipeline takes files from (see the module docstring)."""

    @property
    def waiting(self) -> int:
        """Entries seen at the last scan that were not complete yet."""
        ...

    def scan(self) -> list[Candidate]:
        """List the entries that are complete (or must be refused), oldest first."""
        ...

    def claim(
        self,
        cand: Candidate,
        work_dir: Path | None = None,
        received: datetime | None = None,
    ) -> ClaimedFile | None:
        """Take ``cand`` for this process; None if another process won."""
        ...

    def work_files(self, work_dir: Path | None = None) -> list[ClaimedFile]:
        """Files claimed earlier and not completed yet (resumed after a restart)."""
        ...

    def complete(
        self,
        claimed: ClaimedFile,
        outcome: Outcome,
        *,
        record: Callable[[Placement], None] | None = None,
    ) -> Placement:
        """Carry out ``outcome``; ``record`` is called once the names are fixed.

        ``record`` runs after the report is written and before the file moves, so
        the ledger knows the destination even if the process dies in between.
        """
        ...
