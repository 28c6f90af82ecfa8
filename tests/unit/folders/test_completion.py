"""LocalInbox.complete: archive / move-failed with reports, one naming rule, 0640."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from bridge.folders.base import ClaimedFile, Outcome, Placement
from bridge.folders.local import LocalInbox

RECEIVED = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)
STAMP = "20261126T120000.123456Z"


def _claimed(inbox: LocalInbox, name: str, data: bytes = b"x") -> ClaimedFile:
    path = inbox.inbox / "stock" / name
    path.write_bytes(data)
    os.utime(path, (1.0e9, 1.0e9))
    [cand] = [c for c in inbox.scan() if c.name == name]
    claimed = inbox.claim(cand, received=RECEIVED)
    assert claimed is not None
    return claimed


def _inbox(tmp_path: Path) -> LocalInbox:
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    return inbox


def test_archived_file_goes_to_the_dated_archive_with_private_mode(
    tmp_path: Path,
) -> None:
    """An applied file lands in archive/<kind>/YYYY/MM/DD/<received>_<name>, 0640."""
    inbox = _inbox(tmp_path)
    claimed = _claimed(inbox, "s.csv", b"sku,qty\n")
    placed = inbox.complete(claimed, Outcome("archived"))
    expected = tmp_path / "archive/stock/2026/11/26" / f"{STAMP}_s.csv"
    assert placed == Placement(expected)
    assert expected.read_bytes() == b"sku,qty\n"
    assert stat.S_IMODE(expected.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "archive").stat().st_mode) == 0o750
    assert not claimed.path.exists()


def test_a_taken_name_gets_the_counter_before_the_extension(tmp_path: Path) -> None:
    """Two files of one name and received time: the second is <received>_s~1.xml."""
    inbox = _inbox(tmp_path)
    first = inbox.complete(_claimed(inbox, "s.xml", b"<a/>"), Outcome("failed"))
    second_claim = _claimed(inbox, "s.xml", b"<b/>")
    second = inbox.complete(second_claim, Outcome("failed", report="bad\n"))
    assert first.final_path.name == f"{STAMP}_s.xml"
    assert second.final_path.name == f"{STAMP}_s~1.xml"
    assert second.report_path is not None
    assert second.report_path.name == f"{STAMP}_s~1.xml.report.txt"
    assert first.final_path.read_bytes() == b"<a/>"
    assert second.final_path.read_bytes() == b"<b/>"


def test_partly_applied_file_has_rejects_and_report_in_failed(tmp_path: Path) -> None:
    """Archived with rejects: the report sits beside the rejects file in failed/."""
    inbox = _inbox(tmp_path)
    claimed = _claimed(inbox, "s.csv", b"sku,qty\nA,1\nB,2\n")
    seen: list[Placement] = []

    def rejects(dest: Path) -> None:
        dest.write_bytes(b"sku,qty\nB,2\n")

    def report(placed: Placement) -> str:
        assert placed.rejects_path is not None
        return f"see {placed.rejects_path.name}\n"

    placed = inbox.complete(
        claimed,
        Outcome("archived", report=report, rejects=rejects, detail="partial"),
        record=seen.append,
    )
    failed = tmp_path / "failed" / "stock"
    assert placed.rejects_path == failed / f"{STAMP}_s.csv.rejects.csv"
    assert placed.report_path == failed / f"{STAMP}_s.csv.report.txt"
    assert placed.report_path.read_text() == f"see {STAMP}_s.csv.rejects.csv\n"
    assert "archive" in placed.final_path.parts
    assert seen == [placed]
    assert stat.S_IMODE(placed.rejects_path.stat().st_mode) == 0o640


def test_record_is_called_before_the_file_moves(tmp_path: Path) -> None:
    """The caller learns the destination while the file is still in the work folder."""
    inbox = _inbox(tmp_path)
    claimed = _claimed(inbox, "s.csv")
    states: list[tuple[bool, bool]] = []

    def record(placed: Placement) -> None:
        states.append((claimed.path.exists(), placed.final_path.exists()))

    inbox.complete(claimed, Outcome("duplicate"), record=record)
    assert states == [(True, False)]


def test_a_decided_destination_is_used_as_it_is(tmp_path: Path) -> None:
    """A destination the ledger fixed earlier is where the file goes, nothing written."""
    inbox = _inbox(tmp_path)
    claimed = _claimed(inbox, "s.csv", b"data")
    target = tmp_path / "archive" / "stock" / "planned_s.csv"
    placed = inbox.complete(claimed, Outcome("archived", final_path=target))
    assert placed == Placement(target)
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in target.parent.iterdir()) == ["planned_s.csv"]


def test_refused_symlink_moves_as_a_link_with_its_report(tmp_path: Path) -> None:
    """A refused link is moved itself, never its target, next to its report."""
    inbox = _inbox(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"secret")
    (inbox.inbox / "stock" / "evil.csv").symlink_to(outside)
    [cand] = inbox.scan()
    assert cand.refused is not None
    claimed = inbox.claim(cand, received=RECEIVED)
    assert claimed is not None
    placed = inbox.complete(claimed, Outcome("refused", report="refused\n"))
    assert placed.final_path == tmp_path / "failed/stock" / f"{STAMP}_evil.csv"
    assert placed.final_path.is_symlink()
    assert outside.read_bytes() == b"secret"
    assert placed.report_path is not None
    assert placed.report_path.read_text() == "refused\n"


def test_done_file_follows_its_file(tmp_path: Path) -> None:
    """A claimed file's done file is moved beside it under the same final name."""
    inbox = LocalInbox(tmp_path, stable_seconds=0, done_suffix=".done")
    inbox.ensure()
    (inbox.inbox / "stock" / "s.csv").write_bytes(b"x")
    (inbox.inbox / "stock" / "s.csv.done").write_bytes(b"")
    [cand] = inbox.scan()
    claimed = inbox.claim(cand, received=RECEIVED)
    assert claimed is not None
    placed = inbox.complete(claimed, Outcome("archived"))
    assert placed.final_path.with_name(placed.final_path.name + ".done").exists()
    assert sorted(p.name for p in (inbox.inbox / "stock").iterdir()) == []


def test_a_resumed_completion_rewrites_its_report_instead_of_adding_one(
    tmp_path: Path,
) -> None:
    """A run that died after writing the report but before the move leaves one report."""
    inbox = _inbox(tmp_path)
    claimed = _claimed(inbox, "s.xml", b"<bad")
    inbox.completion.plan(claimed, Outcome("failed", report="first\n"))  # then killed
    placed = inbox.complete(claimed, Outcome("failed", report="second\n"))
    failed = tmp_path / "failed" / "stock"
    assert sorted(p.name for p in failed.iterdir()) == [
        f"{STAMP}_s.xml",
        f"{STAMP}_s.xml.report.txt",
    ]
    assert placed.report_path is not None
    assert placed.report_path.read_text() == "second\n"


def test_report_only_never_replaces_an_existing_report(tmp_path: Path) -> None:
    """A report for a file kept elsewhere takes a free name beside other reports."""
    inbox = _inbox(tmp_path)
    first = inbox.completion.report_only("stock", RECEIVED, "p.csv", "one\n")
    second = inbox.completion.report_only("stock", RECEIVED, "p.csv", "two\n")
    assert first.name == f"{STAMP}_p.csv.report.txt"
    assert second.name == f"{STAMP}_p~1.csv.report.txt"
    assert first.read_text() == "one\n"
