"""The process use case: claim a file like the service does, run the real pipeline."""

from __future__ import annotations

import httpx

from tests.conftest import SANDBOX_TOKEN
from tests.usecases.conftest import Home, products_xml


def _product(home: Home, sku: str) -> dict[str, object]:
    answer = httpx.get(
        f"{home.sandbox_url}/rest/all/V1/products/{sku}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()
    data: dict[str, object] = answer.json()
    return data


def test_inbox_file_is_claimed_applied_and_archived(home: Home) -> None:
    """A file in its inbox is moved out of it, applied to Magento and archived."""
    path = home.drop("products", "p.xml", products_xml("PRC-1", "PRC-2"))
    view = home.ops.process(path, "products")
    assert view.status == "done"
    assert not view.had_problems
    assert not path.exists()
    assert view.final_path is not None
    assert view.final_path.is_file()
    assert "archive" in view.final_path.parts
    assert _product(home, "PRC-2")["status"] == 2
    assert not list((home.root / "var" / "work" / "products").iterdir())


def test_file_outside_the_inbox_is_copied_and_left_in_place(home: Home) -> None:
    """A file from elsewhere is applied from a copy; the original stays untouched."""
    outside = home.root / "elsewhere" / "p.xml"
    outside.parent.mkdir()
    outside.write_text(products_xml("PRC-3"))
    view = home.ops.process(outside, "products")
    assert view.status == "done"
    assert outside.read_text() == products_xml("PRC-3")
    assert view.final_path is not None
    assert view.final_path.read_bytes() == outside.read_bytes()


def test_done_file_travels_with_the_claimed_file(home: Home) -> None:
    """With done files configured, the file's done file leaves the inbox with it."""
    home.reconfigure({"folders": {"done_suffix": ".done"}})
    path = home.drop("products", "p.xml", products_xml("PRC-4"))
    done = path.with_name("p.xml.done")
    done.write_bytes(b"")
    view = home.ops.process(path, "products")
    assert view.status == "done"
    assert not done.exists()
    assert view.final_path is not None
    assert view.final_path.with_name(view.final_path.name + ".done").exists()


def test_same_content_is_a_duplicate_unless_forced(home: Home) -> None:
    """Content applied before is archived as a duplicate; force applies it again."""
    data = products_xml("PRC-5")
    assert home.ops.process(
        home.drop("products", "a.xml", data), "products"
    ).status == ("done")
    again = home.ops.process(home.drop("products", "b.xml", data), "products")
    assert again.status == "duplicate"
    forced = home.ops.process(
        home.drop("products", "c.xml", data), "products", force=True
    )
    assert forced.status == "done"


def test_invalid_file_fails_with_its_issues(home: Home) -> None:
    """An invalid file goes to failed/ with a report, and the view carries the issues."""
    path = home.drop("products", "bad.xml", "<products><product><sku>X</sku>")
    view = home.ops.process(path, "products")
    assert view.status == "failed"
    assert view.had_problems
    assert view.issues
    assert view.report_path is not None
    assert view.report_path.is_file()
    assert view.final_path is not None
    assert "failed" in view.final_path.parts
