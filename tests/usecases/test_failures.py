"""The retry and resolve use cases: a failed file back through the pipeline, or closed."""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs

from tests.usecases.conftest import FIXTURES, Home, products_xml

CP1252 = (FIXTURES / "products-cp1252.csv").read_bytes()
CP1252_SETTINGS = {"folders": {"csv": {"encoding": "cp1252", "decimal_separator": ","}}}


def _failed_cp1252(home: Home, name: str = "erp.csv") -> int:
    """Process the cp1252 sample under the default UTF-8 setting: it fails."""
    view = home.ops.process(home.drop("products", name, CP1252), "products")
    assert view.status == "failed"
    assert view.file_id is not None
    return view.file_id


def test_retry_copies_the_failed_file_back_and_it_applies(home: Home) -> None:
    """A retried file reappears in its inbox under its name and applies once fixed."""
    file_id = _failed_cp1252(home)
    home.reconfigure(CP1252_SETTINGS)
    with capture_logs() as logs:
        view = home.ops.retry(file_id, who="ops")
    assert [(e["event"], e["status"]) for e in logs] == [("file_retried", "erp.csv")]
    assert view.refused is None
    assert view.copy == home.root / "inbox" / "products" / "erp.csv"
    assert view.copy.read_bytes() == CP1252
    assert view.evidence is not None
    assert view.evidence.read_bytes() == CP1252
    assert "failed" in view.evidence.parts
    again = home.ops.process(view.copy, "products")
    assert again.status == "done"
    audit = home.ops.audit_file("erp.csv")
    first, second = audit.files
    assert first.resolution is not None
    assert (first.resolution.action, first.resolution.who) == ("retried", "ops")
    assert second.status == "done"


def test_retry_never_overwrites_a_file_waiting_in_the_inbox(home: Home) -> None:
    """When the inbox holds a file of the same name, the copy gets ``stem~1.ext``."""
    file_id = _failed_cp1252(home)
    waiting = home.drop("products", "erp.csv", b"sku,name,price\nW-1,Wait,1\n")
    view = home.ops.retry(file_id, who="ops")
    assert view.copy == waiting.with_name("erp~1.csv")
    assert waiting.read_bytes() == b"sku,name,price\nW-1,Wait,1\n"
    assert view.copy.read_bytes() == CP1252
    assert not [p for p in waiting.parent.iterdir() if p.name.startswith(".")]


def test_retry_writes_the_done_file_when_done_files_are_used(home: Home) -> None:
    """With ``folders.done_suffix`` set, the retried copy is released by its done file."""
    file_id = _failed_cp1252(home)
    home.reconfigure({"folders": {"done_suffix": ".ok"}})
    view = home.ops.retry(file_id, who="ops")
    assert view.copy is not None
    assert view.copy.with_name("erp.csv.ok").is_file()


def test_retry_is_refused_for_unknown_applied_or_already_retried_files(
    home: Home,
) -> None:
    """Only a failed, not yet retried or resolved file is retried; the rest say why."""
    assert "no file #99" in str(home.ops.retry(99, who="ops").refused)
    done = home.ops.process(
        home.drop("products", "ok.xml", products_xml("RT-1")), "products"
    )
    assert done.file_id is not None
    refused = home.ops.retry(done.file_id, who="ops").refused
    assert refused is not None
    assert "is done" in refused
    file_id = _failed_cp1252(home)
    assert home.ops.retry(file_id, who="ann").refused is None
    again = home.ops.retry(file_id, who="bob").refused
    assert again is not None
    assert "already retried by ann" in again
    assert len(list((home.root / "inbox" / "products").glob("erp*.csv"))) == 1


def test_retry_refuses_when_the_failed_copy_is_gone(home: Home) -> None:
    """A failed file whose copy in failed/ was moved away cannot be retried."""
    file_id = _failed_cp1252(home)
    [row] = home.ops.audit_file("erp.csv").files
    assert row.final_path is not None
    Path(row.final_path).rename(home.root / "moved-away.csv")
    refused = home.ops.retry(file_id, who="ops").refused
    assert refused is not None
    assert "is gone" in refused


def test_resolve_records_the_note_and_clears_the_attention(home: Home) -> None:
    """A resolved failure shows in audit with who and the note, and leaves status."""
    file_id = _failed_cp1252(home)
    before = home.ops.status()
    assert before.needs_attention
    assert [f.id for f in before.attention] == [file_id]
    with capture_logs() as logs:
        view = home.ops.resolve(
            file_id, note="  re-sent by the ERP as UTF-8 ", who="ann"
        )
    assert [(e["event"], e["file"]) for e in logs] == [("file_resolved", "erp.csv")]
    assert view.refused is None
    assert view.resolution is not None
    assert view.resolution.note == "re-sent by the ERP as UTF-8"
    [row] = home.ops.audit_file("erp.csv").files
    assert row.resolution is not None
    assert (row.resolution.action, row.resolution.who) == ("resolved", "ann")
    after = home.ops.status()
    assert not after.needs_attention
    assert after.attention == ()
    assert after.files_by_status == {"failed": 1}


def test_resolve_is_refused_without_a_note_twice_or_for_applied_files(
    home: Home,
) -> None:
    """An empty note, a second resolve and a file that applied are all refused."""
    file_id = _failed_cp1252(home)
    assert home.ops.resolve(file_id, note=" ", who="ann").refused is not None
    assert home.ops.resolve(file_id, note="fixed", who="ann").refused is None
    second = home.ops.resolve(file_id, note="again", who="bob").refused
    assert second is not None
    assert "already resolved by ann" in second
    done = home.ops.process(
        home.drop("products", "ok.xml", products_xml("RS-1")), "products"
    )
    assert done.file_id is not None
    assert "is done" in str(home.ops.resolve(done.file_id, note="x", who="ann").refused)
    assert "no file #99" in str(home.ops.resolve(99, note="x", who="ann").refused)


def test_a_partly_applied_file_is_resolved_not_retried(home: Home) -> None:
    """A file with rejects needs attention until resolved; retrying it is refused."""
    home.ops.process(home.drop("products", "p.xml", products_xml("RP-1")), "products")
    view = home.ops.process(
        home.drop("stock", "s.csv", "sku,qty\nRP-1,4\nRP-NOPE,2\n"), "stock"
    )
    assert view.status == "partial"
    assert view.file_id is not None
    assert [f.id for f in home.ops.status().attention] == [view.file_id]
    refused = home.ops.retry(view.file_id, who="ops").refused
    assert refused is not None
    assert "rejects file" in refused
    assert home.ops.resolve(view.file_id, note="SKU retired", who="ops").refused is None
    assert not home.ops.status().needs_attention
