"""The order export flow against the sandbox Magento over real HTTP (SPEC §3, S7.3)."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from bridge.config import Settings, load_config
from bridge.errors import FolderUnavailableError
from bridge.flows.export_orders import ExportOrdersFlow, ExportResult
from bridge.folders.outbox import LocalOutbox
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, OrdersAdapter
from tests.conftest import SANDBOX_TOKEN

REPO = Path(__file__).resolve().parents[2]
XSD = etree.XMLSchema(etree.parse(str(REPO / "schemas" / "orders.xsd")))


class Shop:
    """The sandbox's non-Magento helpers, over HTTP."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def order(self, spec: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post("/sandbox/orders", json=spec)
        assert answer.status_code == 200, answer.text
        order: dict[str, Any] = answer.json()
        return order

    def faults(self, plan: dict[str, Any]) -> None:
        assert self.http.post("/sandbox/faults", json=plan).status_code == 200

    def force_state(self, entity_id: int, state: str) -> None:
        answer = self.http.post(
            f"/sandbox/orders/{entity_id}/state", json={"state": state}
        )
        assert answer.status_code == 200, answer.text

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.http.get("/sandbox/requests").json()
        return entries

    def comments(self, entity_id: int) -> list[str]:
        answer = self.http.get(
            f"/rest/V1/orders/{entity_id}",
            headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        )
        return [h["comment"] for h in answer.json().get("status_histories", [])]


def spec(n: int, **over: Any) -> dict[str, Any]:
    """The n-th of a varied set: configurables, discounts, fees, guests, registered."""
    registered = n % 2 == 0
    customer: dict[str, Any] = {
        "email": f"c{n}@example.com",
        "firstname": f"First{n}",
        "lastname": f"Last{n}",
    }
    if registered:
        customer["id"] = 100 + n
    items: list[dict[str, Any]] = [
        {"sku": f"SIMPLE-{n}", "qty": 1 + n % 3, "price": "19.99", "tax_percent": 25}
    ]
    if n % 3 == 0:
        items.append(
            {
                "sku": f"SHIRT-{n}-M",
                "parent_sku": f"SHIRT-{n}",
                "qty": 1,
                "price": "249.00",
                "tax_percent": 25,
            }
        )
    if n % 5 == 0:
        items.append(
            {"sku": f"BOOK-{n}", "qty": 2, "price": "120.00", "tax_percent": 6}
        )
    body: dict[str, Any] = {
        "customer": customer,
        "items": items,
        "shipping_amount": "49.00" if n % 4 else "0",
        "payment_method": "sveacheckout" if n % 4 == 1 else "checkmo",
        "invoice_fee": "29.00" if n % 4 == 1 else "0",
        "discount_amount": "10.00" if n % 7 == 0 else "0",
    }
    body.update(over)
    return body


def settings_for(
    url: str, root: Path, folders: dict[str, Any] | None = None, **orders: Any
) -> Settings:
    return load_config(
        None,
        overrides={
            "magento": {
                "base_url": url,
                "token": SANDBOX_TOKEN,
                "max_retries": 0,
                "backoff_initial_seconds": 0,
            },
            "folders": {"root": str(root), **(folders or {})},
            "orders": orders,
        },
    )


class Bridge:
    """One bridge installation in tmp_path: settings, ledger, client, outbox."""

    def __init__(
        self,
        url: str,
        root: Path,
        now: Callable[[], datetime],
        folders: dict[str, Any] | None = None,
        **orders: Any,
    ) -> None:
        self.settings = settings_for(url, root, folders, **orders)
        self.ledger = Ledger(self.settings.ledger_url)
        self.client = MagentoClient(self.settings.magento)
        self.outbox_dir = root / "outbox" / "orders"
        self.outbox = LocalOutbox(self.outbox_dir)
        self.now = now

    def run(self) -> ExportResult:
        flow = ExportOrdersFlow(
            self.settings,
            self.ledger,
            OrdersAdapter(self.client),
            self.outbox,
            now=self.now,
        )
        return flow.run()

    def files(self) -> list[str]:
        return sorted(p.name for p in self.outbox_dir.iterdir())

    def close(self) -> None:
        self.client.close()
        self.ledger.close()


def _clock() -> datetime:
    # The sandbox stamps created_at with its own (real) clock; the bridge's clock
    # runs a little ahead so min_age_seconds = 0 sees every order just placed.
    return datetime.now(UTC) + timedelta(seconds=2)


@pytest.fixture
def shop(sandbox: Any) -> Iterator[Shop]:
    """Helpers for the freshly reset sandbox."""
    helper = Shop(sandbox.url)
    yield helper
    helper.http.close()


@pytest.fixture
def bridge(sandbox: Any, tmp_path: Path) -> Iterator[Bridge]:
    """A bridge with XML output and the default overlap."""
    b = Bridge(sandbox.url, tmp_path, _clock)
    yield b
    b.close()


def _order_xml(path: Path) -> etree._Element:
    root = etree.parse(str(path)).getroot()
    XSD.assertValid(root)
    order = root.find("order")
    assert order is not None
    return order


def test_25_orders_are_exported_once_with_the_right_values(
    shop: Shop, bridge: Bridge
) -> None:
    """25 varied orders give 25 valid files of Magento's values; a re-run adds none."""
    placed = [shop.order(spec(n)) for n in range(1, 26)]
    result = bridge.run()
    assert sorted(result.exported) == sorted(o["increment_id"] for o in placed)
    assert result.failed == []
    assert bridge.files() == sorted(f"order-{o['increment_id']}.xml" for o in placed)
    for raw in placed:
        order = _order_xml(bridge.outbox_dir / f"order-{raw['increment_id']}.xml")
        assert order.findtext("magento_id") == str(raw["entity_id"])
        assert Decimal(order.findtext("totals/grand_total") or "") == Decimal(
            str(raw["grand_total"])
        )
        n = placed.index(raw) + 1
        fee = spec(n)["invoice_fee"]  # a fee module shows it only in grand_total
        assert Decimal(order.findtext("payment/invoice_fee") or "") == Decimal(str(fee))
        parents = [i for i in raw["items"] if not i.get("parent_item_id")]
        assert [ln.findtext("line_id") for ln in order.iterfind("lines/line")] == [
            str(i["item_id"]) for i in parents
        ]
        assert order.findtext("customer/is_guest") == (
            "false" if raw.get("customer_id") else "true"
        )
    shirt = _order_xml(bridge.outbox_dir / f"order-{placed[2]['increment_id']}.xml")
    assert [s.text for s in shirt.iterfind("lines/line/sku")] == [
        "SIMPLE-3",
        "SHIRT-3-M",
    ]
    assert "Exported to ERP as order-" in shop.comments(placed[0]["entity_id"])[-1]

    again = bridge.run()
    assert (again.exported, again.failed, again.skipped) == ([], [], 25)
    assert len(bridge.files()) == 25

    new = shop.order(spec(26))
    third = bridge.run()
    assert third.exported == [new["increment_id"]]
    assert len(bridge.files()) == 26


def test_order_created_just_behind_the_cursor_is_exported_once(
    shop: Shop, bridge: Bridge
) -> None:
    """An order whose created_at lies inside the overlap behind the cursor is found."""
    shop.order(spec(1))
    bridge.run()
    cursor = bridge.ledger.orders.get_cursor()
    assert cursor is not None
    late = (cursor - timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M:%S")
    behind = shop.order(spec(2, created_at=late))
    assert bridge.run().exported == [behind["increment_id"]]
    assert bridge.run().exported == []
    assert len(bridge.files()) == 2


@pytest.mark.parametrize(("count", "pages"), [(25, 3), (20, 3)])
def test_orders_are_read_in_pages_not_one_by_one(
    shop: Shop, sandbox: Any, tmp_path: Path, count: int, pages: int
) -> None:
    """Orders come from list pages of 10, never single GETs; a short page ends it."""
    for n in range(1, count + 1):
        shop.order(spec(n))
    b = Bridge(sandbox.url, tmp_path, _clock, page_size=10)
    try:
        result = b.run()
    finally:
        b.close()
    assert len(result.exported) == len(set(result.exported)) == count
    assert result.pages == pages
    reads = [r for r in shop.requests() if r["method"] == "GET"]
    assert [r["path"] for r in reads] == ["/rest/V1/orders"] * pages
    assert result.calls == pages + count  # the pages plus one comment per order


def test_orders_outside_the_states_or_too_young_wait(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """Orders in other states are not exported; min_age_seconds holds back new ones."""
    held = shop.order(spec(1))
    shop.force_state(held["entity_id"], "holded")
    young = shop.order(spec(2))
    clock = {"now": datetime.now(UTC)}
    b = Bridge(sandbox.url, tmp_path, lambda: clock["now"], min_age_seconds=300)
    try:
        assert b.run().exported == []
        clock["now"] += timedelta(seconds=400)
        assert b.run().exported == [young["increment_id"]]
    finally:
        b.close()


def test_unexportable_order_is_reported_and_retried(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """An order that cannot be exported is listed with its reason and tried again."""
    ok = shop.order(spec(1))
    bad = shop.order(spec(2, billing_address={"city": ""}))
    b = Bridge(sandbox.url, tmp_path, _clock)
    try:
        first = b.run()
        assert first.exported == [ok["increment_id"]]
        assert [n for n, _ in first.failed] == [bad["increment_id"]]
        assert "billing_address.city: missing" in first.failed[0][1]
        assert b.files() == [f"order-{ok['increment_id']}.xml"]
        second = b.run()
        assert [n for n, _ in second.failed] == [bad["increment_id"]]
        status = b.ledger.orders.status()
        assert [(f.order_number, f.attempts) for f in status.failures] == [
            (bad["increment_id"], 2)
        ]
        assert status.cursor is not None
        assert status.last_poll is not None
        shop.force_state(bad["entity_id"], "canceled")
        b.run()
        assert b.ledger.orders.failures() == []
    finally:
        b.close()


def test_failed_order_is_exported_once_the_cause_is_fixed(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """A failure is retried by id on later polls, even after the cursor passed it."""
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    order = shop.order(
        spec(1, billing_address={"city": "Łódź"}, created_at=an_hour_ago)
    )
    recent = shop.order(spec(2))
    narrow = Bridge(
        sandbox.url,
        tmp_path,
        _clock,
        {"csv": {"encoding": "cp1252"}},
        format="csv",
        overlap_seconds=0,
    )
    try:
        first = narrow.run()
        assert first.exported == [recent["increment_id"]]
        assert [n for n, _ in first.failed] == [order["increment_id"]]
        assert "billing_city: cannot be written as cp1252" in first.failed[0][1]
    finally:
        narrow.close()
    fixed = Bridge(sandbox.url, tmp_path, _clock, format="csv", overlap_seconds=0)
    try:
        result = fixed.run()
        assert result.exported == [order["increment_id"]]
        assert fixed.ledger.orders.failures() == []
        assert f"order-{order['increment_id']}.csv" in fixed.files()
    finally:
        fixed.close()


def test_comment_failure_never_exports_twice(shop: Shop, bridge: Bridge) -> None:
    """When the comment call fails the file stays single and the comment is retried."""
    order = shop.order(spec(1))
    shop.faults({"status": 503, "count": 1, "paths": "/comments$"})
    first = bridge.run()
    assert first.exported == [order["increment_id"]]
    assert bridge.ledger.orders.status().comments_pending == 1
    assert not any("Exported to ERP" in c for c in shop.comments(order["entity_id"]))
    second = bridge.run()
    assert second.exported == []
    assert bridge.files() == [f"order-{order['increment_id']}.xml"]
    assert bridge.ledger.orders.status().comments_pending == 0
    exported = [c for c in shop.comments(order["entity_id"]) if "Exported to ERP" in c]
    assert exported == [f"Exported to ERP as order-{order['increment_id']}.xml"]


def test_file_published_before_a_crash_is_adopted_not_duplicated(
    shop: Shop, bridge: Bridge, tmp_path: Path
) -> None:
    """A file already in the outbox without a ledger row is recorded, not rewritten."""
    order = shop.order(spec(1))
    bridge.run()
    name = f"order-{order['increment_id']}.xml"
    content = (bridge.outbox_dir / name).read_bytes()
    # The state a kill between rename and ledger commit leaves: file, no row.
    other = Bridge(bridge.settings.magento.base_url, tmp_path / "b", _clock)
    try:
        other.outbox.publish(name, content)
        (other.outbox_dir / f".{name}.tmp").write_bytes(b"<orders><ord")
        assert other.run().exported == [order["increment_id"]]
        assert other.files() == [name]
        row = other.ledger.orders.get(order["entity_id"])
        assert row is not None
        assert row.file_name == name
        assert (other.outbox_dir / name).read_bytes() == content
    finally:
        other.close()


def test_outbox_write_failure_records_nothing_and_is_retried(
    shop: Shop, bridge: Bridge
) -> None:
    """If the file cannot be written, no ledger row, no cursor move, no comment."""
    order = shop.order(spec(1))
    blocker = bridge.outbox_dir / f"order-{order['increment_id']}.xml"
    blocker.mkdir()  # a directory where the file must go: the rename fails
    with pytest.raises(FolderUnavailableError):
        bridge.run()
    assert bridge.ledger.orders.get(order["entity_id"]) is None
    assert bridge.ledger.orders.get_cursor() is None
    assert shop.comments(order["entity_id"]) == []
    assert not list(bridge.outbox_dir.glob(".*.tmp"))
    blocker.rmdir()
    assert bridge.run().exported == [order["increment_id"]]


def test_csv_export_cannot_carry_a_formula(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """Names and addresses starting like formulas reach the CSV neutralised."""
    evil = '=HYPERLINK("http://evil.example","x")'
    order = shop.order(
        spec(
            1,
            customer={
                "email": "e@example.com",
                "firstname": "@SUM(A1)",
                "lastname": evil,
            },
            billing_address={
                "street": ["+1 Road"],
                "city": "-Town",
                "company": "\tTab",
            },
        )
    )
    b = Bridge(sandbox.url, tmp_path, _clock, format="csv")
    try:
        assert b.run().exported == [order["increment_id"]]
        text = (b.outbox_dir / f"order-{order['increment_id']}.csv").read_text("utf-8")
    finally:
        b.close()
    rows = list(csv.DictReader(io.StringIO(text)))
    row = rows[0]
    assert row["customer_lastname"] == "'" + evil
    assert row["customer_firstname"] == "'@SUM(A1)"
    assert row["billing_street_1"] == "'+1 Road"
    assert row["billing_city"] == "'-Town"
    assert row["billing_company"] == "Tab"  # surrounding whitespace is trimmed
    for cells in rows:
        for column, value in cells.items():
            # SPEC §3: a value that is only a phone number is written as it is.
            if re.fullmatch(r"[0-9 +\-()./]+", value):
                continue
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), column


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from bridge.config import load_config
    from bridge.flows.export_orders import ExportOrdersFlow
    from bridge.folders.outbox import LocalOutbox
    from bridge.ledger import Ledger
    from bridge.magento import MagentoClient, OrdersAdapter

    url, token, root = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    settings = load_config(None, overrides={
        "magento": {"base_url": url, "token": token, "max_retries": 0},
        "folders": {"root": str(root)}, "orders": {"page_size": 5}})
    ledger = Ledger(settings.ledger_url)
    with MagentoClient(settings.magento) as client:
        flow = ExportOrdersFlow(settings, ledger, OrdersAdapter(client),
                                LocalOutbox(root / "outbox" / "orders"))
        print(len(flow.run().exported))
    ledger.close()
    """
)


def _run_child(url: str, root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, SANDBOX_TOKEN, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.slow
def test_sigkill_mid_export_loses_and_duplicates_nothing(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """Killing an export run and starting again gives exactly one file per order."""
    placed = [shop.order(spec(n)) for n in range(1, 26)]
    shop.faults({"latency_ms": 40})
    outbox = tmp_path / "outbox" / "orders"
    child = _run_child(sandbox.url, tmp_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if outbox.is_dir() and len(list(outbox.glob("order-*.xml"))) >= 8:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)
    done_before = len(list(outbox.glob("order-*.xml")))
    assert 8 <= done_before < 25, "the run must be killed mid-way"

    shop.faults({})
    again = _run_child(sandbox.url, tmp_path)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    names = sorted(p.name for p in outbox.iterdir())
    assert names == sorted(f"order-{o['increment_id']}.xml" for o in placed)
    exported_now = int(out.strip().splitlines()[-1])
    # A kill between rename and ledger row leaves one file that is adopted now.
    assert exported_now in (25 - done_before, 26 - done_before)
    ledger = Ledger(settings_for(sandbox.url, tmp_path).ledger_url)
    try:
        assert ledger.orders.status().exported == 25
    finally:
        ledger.close()
    for o in placed:
        _order_xml(outbox / f"order-{o['increment_id']}.xml")


def test_after_a_lost_ledger_commented_orders_are_not_exported_again(
    shop: Shop, bridge: Bridge, tmp_path: Path
) -> None:
    """A new ledger and an emptied outbox: orders with the export comment get no second file."""
    placed = [shop.order(spec(n)) for n in range(1, 4)]
    bridge.run()
    for path in bridge.outbox_dir.iterdir():
        path.unlink()  # the ERP imported and removed them
    fresh = Bridge(bridge.settings.magento.base_url, tmp_path / "lost", _clock)
    try:
        result = fresh.run()
        assert sorted(result.exported) == sorted(o["increment_id"] for o in placed)
        assert fresh.files() == []
        for order in placed:
            marks = [c for c in shop.comments(order["entity_id"]) if "ERP" in c]
            assert len(marks) == 1
            row = fresh.ledger.orders.get(order["entity_id"])
            assert row is not None
            assert row.file_name.startswith("order-")
        assert fresh.run().exported == []
    finally:
        fresh.close()


def test_one_exporter_at_a_time_and_temp_files_are_per_process(
    shop: Shop, bridge: Bridge
) -> None:
    """A held export lease makes a second exporter do nothing; its temp files are kept."""
    from bridge.ledger.ownership import Ownership

    shop.order(spec(1))
    ours = Ownership(bridge.ledger.leases, 30)
    theirs = Ownership(bridge.ledger.leases, 30)
    flow = ExportOrdersFlow(
        bridge.settings,
        bridge.ledger,
        OrdersAdapter(bridge.client),
        bridge.outbox,
        now=bridge.now,
        ownership=ours,
    )
    foreign = bridge.outbox_dir / ".order-x.xml.0123456789ab.tmp"
    foreign.write_bytes(b"<orders><ord")
    try:
        assert theirs.try_hold("orders:export")
        held = flow.run()
        assert held.held
        assert held.exported == []
        assert [f for f in bridge.files() if not f.startswith(".")] == []
        theirs.let_go("orders:export")
        done = flow.run()
        assert len(done.exported) == 1
        assert (
            foreign.exists()
        )  # another writer's temp file, too young to be a leftover
    finally:
        ours.close()
        theirs.close()
