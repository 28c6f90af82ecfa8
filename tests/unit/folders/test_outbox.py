"""LocalOutbox: atomic publish through a temp name, name checks, crash leftovers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge.folders.outbox import LocalOutbox, check_name


def test_publish_writes_complete_file_and_leaves_no_temp(tmp_path: Path) -> None:
    """A published file holds exactly the payload and no temp file remains."""
    outbox = LocalOutbox(tmp_path / "outbox" / "orders")
    payload = b"<orders><order/></orders>\n" * 1000
    path = outbox.publish("order-100000001.xml", payload)
    assert path == tmp_path / "outbox" / "orders" / "order-100000001.xml"
    assert path.read_bytes() == payload
    assert sorted(p.name for p in path.parent.iterdir()) == ["order-100000001.xml"]
    assert outbox.exists("order-100000001.xml")
    assert not outbox.exists("order-100000002.xml")


def test_publish_replaces_existing_file_atomically(tmp_path: Path) -> None:
    """Publishing an existing name swaps in a new inode holding the new payload."""
    outbox = LocalOutbox(tmp_path)
    first = outbox.publish("order-1.csv", b"old")
    with first.open("rb") as reader:  # a reader holding the old file keeps old bytes
        outbox.publish("order-1.csv", b"new content")
        assert reader.read() == b"old"
    assert first.read_bytes() == b"new content"


@pytest.mark.parametrize(
    "name", ["", "../order.xml", "a/b.xml", "a\\b.xml", ".hidden.xml", "x\0.xml", ".."]
)
def test_publish_refuses_names_that_are_not_plain(tmp_path: Path, name: str) -> None:
    """Names with separators, '..', NUL or a leading dot are refused unwritten."""
    outbox = LocalOutbox(tmp_path / "o")
    with pytest.raises(ValueError, match="not a plain file name"):
        outbox.publish(name, b"x")
    assert list((tmp_path / "o").iterdir()) == []


def test_check_name_returns_plain_names() -> None:
    """A plain order file name passes the check unchanged."""
    assert check_name("order-000000123.xml") == "order-000000123.xml"


def test_failed_write_removes_temp_and_keeps_old_file(tmp_path: Path) -> None:
    """When the write fails, the published file is untouched and the temp is gone."""
    outbox = LocalOutbox(tmp_path)
    outbox.publish("order-2.xml", b"published")
    with pytest.raises(TypeError):
        outbox.publish("order-2.xml", "not bytes")  # type: ignore[arg-type]
    assert (tmp_path / "order-2.xml").read_bytes() == b"published"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["order-2.xml"]


def test_clean_temp_removes_only_crash_leftovers(tmp_path: Path) -> None:
    """clean_temp removes '.*.tmp' leftovers and keeps published and foreign files."""
    outbox = LocalOutbox(tmp_path)
    outbox.publish("order-3.xml", b"ok")
    (tmp_path / ".order-4.xml.tmp").write_bytes(b"half")
    (tmp_path / "notes.tmp").write_bytes(b"not ours: no leading dot")
    removed = outbox.clean_temp()
    assert [p.name for p in removed] == [".order-4.xml.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tmp", "order-3.xml"]


def test_clean_temp_keeps_another_writers_fresh_temp_file(tmp_path: Path) -> None:
    """Another process's young tagged temp file stays; one's own and old ones go."""
    outbox = LocalOutbox(tmp_path)
    theirs = tmp_path / ".order-1.xml.aaaaaaaaaaaa.tmp"
    mine = tmp_path / ".order-2.xml.bbbbbbbbbbbb.tmp"
    stale = tmp_path / ".order-3.xml.cccccccccccc.tmp"
    for path in (theirs, mine, stale):
        path.write_bytes(b"half")
    os.utime(stale, (1.0e9, 1.0e9))
    removed = outbox.clean_temp("bbbbbbbbbbbb", 60.0)
    assert sorted(p.name for p in removed) == sorted([mine.name, stale.name])
    assert theirs.exists()
    outbox.publish("order-4.xml", b"<x/>", tag="bbbbbbbbbbbb")
    assert sorted(p.name for p in tmp_path.iterdir()) == [theirs.name, "order-4.xml"]
