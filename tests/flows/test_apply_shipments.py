"""The shipments flow against the sandbox over HTTP: ship and invoice, exactly once."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import Settings, load_config
from bridge.errors import MagentoUnavailableError
from bridge.flows._delivery_guard import DeliveryUncertainError
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.magento import FulfilmentAdapter, MagentoClient, OrdersAdapter
from bridge.mapping.shipments import shipment_comment
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack, ParsedRecord
from tests.conftest import SANDBOX_TOKEN

CRASH_SCRIPT = Path(__file__).with_name("_crash_shipments.py")
ONLINE_METHOD = "sveawebpay_invoice"  # an online method: capture makes a transaction


# --- sandbox helpers -------------------------------------------------------------


def _post(sandbox: Any, path: str, body: Any) -> Any:
    answer = httpx.post(f"{sandbox.url}{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _rest(sandbox: Any, method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(
        method,
        f"{sandbox.url}/rest/V1{path}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
        **kwargs,
    )
    answer.raise_for_status()
    return answer.json()


def _by_order(sandbox: Any, what: str, order_id: int) -> list[dict[str, Any]]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(order_id),
    }
    return list(_rest(sandbox, "GET", f"/{what}", params=params)["items"])


def _writes(sandbox: Any) -> list[str]:
    """The ship and invoice POSTs the sandbox has seen, as ``ship``/``invoice``."""
    log = httpx.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()
    return [
        e["path"].rsplit("/", 1)[-1]
        for e in log
        if e["method"] == "POST" and e["path"].endswith(("/ship", "/invoice"))
    ]


def _order(sandbox: Any, **extra: Any) -> dict[str, Any]:
    """Three lines (one configurable), freight 49 and an invoice fee of 29."""
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [
            {"sku": "A-1", "qty": 2, "price": 100, "tax_percent": 25},
            {"sku": "B-2", "qty": 1, "price": 59.9, "tax_percent": 25},
            {
                "sku": "SHIRT-M",
                "qty": 1,
                "price": 199,
                "tax_percent": 25,
                "parent_sku": "SHIRT",
            },
        ],
        "shipping_amount": 49,
        "payment_method": ONLINE_METHOD,
        "invoice_fee": 29,
    }
    spec.update(extra)
    order: dict[str, Any] = _post(sandbox, "/sandbox/orders", spec)
    return order


def _shipment(
    sid: str,
    order: dict[str, Any] | str,
    lines: list[tuple[str, str]],
    tracks: tuple[str, ...] = (),
    **extra: Any,
) -> ErpShipment:
    number = order if isinstance(order, str) else order["increment_id"]
    return ErpShipment(
        shipment_id=sid,
        order_number=number,
        lines=tuple(ErpShipmentLine(sku=s, qty=Decimal(q)) for s, q in lines),
        tracks=tuple(
            ErpTrack(number=n, carrier_code="dhl", title="DHL") for n in tracks
        ),
        **extra,
    )


def _context(
    name: str = "f.xml", file_id: int = 1, *, sha: str = "0" * 64, force: bool = False
) -> FileContext:
    return FileContext(
        file_id=file_id,
        kind="shipments",
        name=name,
        sha256=sha,
        path=Path("/work") / name,
        fmt="xml",
        generated=None,
        mtime=datetime.now(UTC),
        force=force,
        now=lambda: datetime.now(UTC),
    )


def _records(*shipments: ErpShipment) -> list[ParsedRecord]:
    return [
        ParsedRecord(i, 2 + i * 10, s.shipment_id, s) for i, s in enumerate(shipments)
    ]


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture
def settings(sandbox: Any, tmp_path: Path) -> Settings:
    return load_config(
        None,
        overrides={
            "magento": {
                "base_url": sandbox.url,
                "token": SANDBOX_TOKEN,
                "backoff_initial_seconds": 0.01,
                "backoff_max_seconds": 0.05,
                "timeout_seconds": 5,
            },
            "folders": {"root": str(tmp_path)},
        },
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[MagentoClient]:
    with MagentoClient(settings.magento) as magento:
        yield magento


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    book = Ledger(settings.ledger_url)
    yield book
    book.close()


class Runner:
    """Applies files through the flow, registering each file in the ledger."""

    def __init__(self, settings: Settings, ledger: Ledger, client: MagentoClient):
        self.settings = settings
        self.ledger = ledger
        self.client = client

    def apply(
        self,
        *shipments: ErpShipment,
        name: str = "shipments-1.xml",
        force: bool = False,
        ledger: Ledger | None = None,
    ) -> FlowResult:
        book = ledger or self.ledger
        sha = hashlib.sha256(name.encode()).hexdigest()
        file_id = book.files.start(
            kind="shipments",
            name=name,
            sha256=sha,
            size=1,
            source="local",
            received_at=datetime.now(UTC),
            work_path=f"/work/{name}",
            forced=force,
        )
        ctx = _context(name, file_id, sha=sha, force=force)
        return self.flow(book).apply(ctx, _records(*shipments))

    def flow(
        self, ledger: Ledger | None = None, after_step: Any = None
    ) -> ApplyShipmentsFlow:
        return ApplyShipmentsFlow(
            self.settings,
            ledger or self.ledger,
            OrdersAdapter(self.client),
            FulfilmentAdapter(self.client),
            after_step=after_step,
        )


@pytest.fixture
def run(settings: Settings, ledger: Ledger, client: MagentoClient) -> Runner:
    return Runner(settings, ledger, client)


def _fee(invoice: dict[str, Any]) -> Decimal:
    """The invoice fee inside a grand total (a fee module shows it nowhere else)."""
    core = ("subtotal", "shipping_amount", "tax_amount", "discount_amount")
    return Decimal(str(invoice["grand_total"])) - sum(
        (Decimal(str(invoice[k])) for k in core), Decimal(0)
    )


def _part_deliveries(order: dict[str, Any]) -> tuple[ErpShipment, ErpShipment]:
    first = _shipment("DN-1001", order, [("A-1", "2"), ("SHIRT-M", "1")], ("T-1",))
    second = _shipment("DN-1002", order, [("B-2", "1")], ("T-2", "T-3"))
    return first, second


def _assert_delivered_once(sandbox: Any, order: dict[str, Any]) -> None:
    """Two shipments, two invoices, freight and fee on the first, order complete."""
    oid = order["entity_id"]
    shipments = _by_order(sandbox, "shipments", oid)
    invoices = _by_order(sandbox, "invoices", oid)
    assert [sorted(t["track_number"] for t in s["tracks"]) for s in shipments] == [
        ["T-1"],
        ["T-2", "T-3"],
    ]
    assert len(invoices) == 2
    first, second = invoices
    assert Decimal(str(first["shipping_amount"])) == Decimal(49)
    assert _fee(first) == Decimal(29)
    assert Decimal(str(second["shipping_amount"])) == 0
    assert _fee(second) == 0
    total = sum((Decimal(str(i["grand_total"])) for i in invoices), Decimal(0))
    assert total == Decimal(str(order["grand_total"]))
    assert _rest(sandbox, "GET", f"/orders/{oid}")["state"] == "complete"


# --- the happy path ----------------------------------------------------------------


def test_part_deliveries_make_two_shipments_and_two_captures(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Two ERP deliveries make two shipments and two captures, freight on the first."""
    order = _order(sandbox)
    result = run.apply(*_part_deliveries(order))
    assert (result.applied, result.rejected, result.warnings) == (2, [], [])
    _assert_delivered_once(sandbox, order)
    invoices = _by_order(sandbox, "invoices", order["entity_id"])
    captures = _rest(
        sandbox,
        "GET",
        "/transactions",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "txn_type",
            "searchCriteria[filter_groups][0][filters][0][value]": "capture",
        },
    )["items"]
    assert sorted(t["txn_id"] for t in captures) == sorted(
        i["transaction_id"] for i in invoices
    )
    steps = ledger.shipments.for_order(order["increment_id"])
    assert [(s.shipment_id, s.state) for s in steps] == [
        ("DN-1001", "invoiced"),
        ("DN-1002", "invoiced"),
    ]
    assert [s.grand_total for s in steps] == [
        Decimal(str(i["grand_total"])) for i in invoices
    ]
    assert [(str(s.shipping_amount), str(s.fee)) for s in steps] == [
        ("49.00", "29.00"),
        ("0.00", "0.00"),
    ]
    assert steps[0].ship_file == steps[0].invoice_file == "shipments-1.xml"
    assert ledger.shipments.mismatches() == []


def test_comments_carry_the_erp_marker(sandbox: Any, run: Runner) -> None:
    """The shipment and the invoice both carry the ERP shipment id and file name."""
    order = _order(sandbox)
    run.apply(_shipment("DN-7", order, [("A-1", "2")]), name="erp-7.xml")
    expected = shipment_comment("DN-7", "erp-7.xml")
    for what in ("shipments", "invoices"):
        (doc,) = _by_order(sandbox, what, order["entity_id"])
        assert [c["comment"] for c in doc["comments"]] == [expected]


# --- exactly once ------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_same_file_again_creates_nothing(
    sandbox: Any, run: Runner, force: bool
) -> None:
    """Re-dropping the applied file, even with --force, ships and captures nothing."""
    order = _order(sandbox)
    run.apply(*_part_deliveries(order))
    assert _writes(sandbox) == ["ship", "invoice", "ship", "invoice"]
    again = run.apply(*_part_deliveries(order), name="again.xml", force=force)
    assert (again.applied, again.unchanged, again.rejected) == (0, 2, [])
    assert [n.outcome for n in again.notes] == ["duplicate", "duplicate"]
    assert _writes(sandbox) == ["ship", "invoice", "ship", "invoice"]
    _assert_delivered_once(sandbox, order)


def test_empty_ledger_finds_everything_in_magento(
    sandbox: Any, run: Runner, settings: Settings, tmp_path: Path
) -> None:
    """With a fresh ledger, Magento's markers stop any second shipment or invoice."""
    order = _order(sandbox)
    run.apply(*_part_deliveries(order))
    fresh = Ledger(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        again = run.apply(*_part_deliveries(order), ledger=fresh)
        assert (again.applied, again.unchanged) == (0, 2)
        steps = fresh.shipments.for_order(order["increment_id"])
        assert [s.state for s in steps] == ["invoiced", "invoiced"]
        assert str(steps[0].shipping_amount) == "49.00"
    finally:
        fresh.close()
    assert _writes(sandbox) == ["ship", "invoice", "ship", "invoice"]
    _assert_delivered_once(sandbox, order)


def test_shipment_made_by_hand_is_found_by_tracking_number(
    sandbox: Any, run: Runner
) -> None:
    """A shipment made by hand with the ERP tracking number is reused, not repeated."""
    order = _order(sandbox)
    item = next(i for i in order["items"] if i["sku"] == "A-1")
    _rest(
        sandbox,
        "POST",
        f"/order/{order['entity_id']}/ship",
        json={
            "items": [{"order_item_id": item["item_id"], "qty": 2}],
            "tracks": [{"track_number": "T-9", "title": "DHL", "carrier_code": "dhl"}],
        },
    )
    result = run.apply(_shipment("DN-9", order, [("A-1", "2")], ("T-9",)))
    assert result.applied == 1
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    (invoice,) = _by_order(sandbox, "invoices", order["entity_id"])
    assert [i["qty"] for i in invoice["items"] if i["sku"] == "A-1"] == [2]


def test_order_invoiced_by_hand_is_not_invoiced_again(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Quantities already invoiced in Magento are never invoiced (captured) again."""
    order = _order(sandbox)
    _rest(
        sandbox, "POST", f"/order/{order['entity_id']}/invoice", json={"capture": True}
    )
    result = run.apply(_shipment("DN-5", order, [("A-1", "2")], ("T-5",)))
    assert result.applied == 1
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    assert result.warnings == [
        f"shipment DN-5 (order {order['increment_id']}): nothing left to invoice "
        "in Magento; no invoice created"
    ]
    step = ledger.shipments.get("DN-5")
    assert step is not None
    assert (step.state, step.invoice_id) == ("invoiced", None)


@pytest.mark.parametrize("step", ["ship_posted", "shipped"])
def test_killed_after_ship_resumes_with_invoice_only(
    sandbox: Any, run: Runner, settings: Settings, step: str
) -> None:
    """Killed after shipping, a restart invoices once; without ledger, nothing more."""
    order = _order(sandbox)
    first = _shipment("DN-1001", order, [("A-1", "2"), ("SHIRT-M", "1")], ("T-1",))
    crashed = subprocess.run(
        [
            sys.executable,
            str(CRASH_SCRIPT),
            sandbox.url,
            SANDBOX_TOKEN,
            settings.ledger_url,
            str(settings.root),
            step,
            first.model_dump_json(),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr.decode()
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert _by_order(sandbox, "invoices", order["entity_id"]) == []
    kept = run.ledger.shipments.get("DN-1001")
    assert kept is not None
    assert kept.state == ("pending" if step == "ship_posted" else "shipped")

    resumed = run.apply(first)
    assert resumed.applied == 1
    assert _writes(sandbox) == ["ship", "invoice"]

    run.ledger.close()
    db = Path(settings.ledger_url.removeprefix("sqlite:///"))
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    fresh = Ledger(settings.ledger_url)
    try:
        again = run.apply(first, ledger=fresh)
    finally:
        fresh.close()
    assert (again.applied, again.unchanged) == (0, 1)
    assert _writes(sandbox) == ["ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1


class _Crash(BaseException):
    """Stands for the process dying: nothing in the flow may catch it."""


def test_stop_before_read_back_fills_amounts_on_rerun(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Stopped after invoicing, before the read-back: a rerun only records amounts."""
    order = _order(sandbox)
    shipment = _shipment("DN-2", order, [("A-1", "2")], ("T-2",))

    def die(step: str) -> None:
        if step == "invoiced":
            raise _Crash

    flow = run.flow(after_step=die)
    with pytest.raises(_Crash):
        flow.apply(_context(), _records(shipment))
    step = ledger.shipments.get("DN-2")
    assert step is not None
    assert (step.state, step.grand_total) == ("invoiced", None)
    again = run.apply(shipment)
    assert (again.applied, again.unchanged, again.warnings) == (0, 1, [])
    assert _writes(sandbox) == ["ship", "invoice"]
    step = ledger.shipments.get("DN-2")
    assert step is not None
    assert step.shipping_amount == Decimal(49)
    (invoice,) = _by_order(sandbox, "invoices", order["entity_id"])
    assert step.grand_total == Decimal(str(invoice["grand_total"]))


@pytest.mark.parametrize("path", ["/ship$", "/invoice$"])
def test_lost_answer_after_write_is_found_not_repeated(
    sandbox: Any, run: Runner, ledger: Ledger, path: str
) -> None:
    """When Magento wrote but the answer was lost, the flow finds the document."""
    order = _order(sandbox)
    _post(
        sandbox, "/sandbox/faults", {"status": 503, "after_write": True, "paths": path}
    )
    result = run.apply(_shipment("DN-3", order, [("A-1", "2")], ("T-3",)))
    assert result.applied == 1
    assert _writes(sandbox) == ["ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    step = ledger.shipments.get("DN-3")
    assert step is not None
    assert step.state == "invoiced"


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "count": 1, "paths": "/ship$"},
        {"drop": 1, "paths": "/ship$"},
        {"status": 503, "count": 1, "paths": "/invoice$"},
    ],
)
def test_transient_failure_leaves_shipment_pending_then_applies(
    sandbox: Any,
    run: Runner,
    ledger: Ledger,
    settings: Settings,
    fault: dict[str, Any],
) -> None:
    """A 503 or dropped connection raises; nothing is posted again before it settles.

    Magento may still show a document after such an answer (issue 12), so the next
    attempt within ``shipments.settle_seconds`` posts nothing; once settled with no
    document, it posts once.
    """
    order = _order(sandbox)
    shipment = _shipment("DN-4", order, [("B-2", "1")], ("T-4",))
    _post(sandbox, "/sandbox/faults", fault)
    with pytest.raises(MagentoUnavailableError):
        run.apply(shipment)
    step = ledger.shipments.get("DN-4")
    assert step is not None
    assert step.state == ("shipped" if "invoice" in fault["paths"] else "pending")
    writes = _writes(sandbox)
    with pytest.raises(DeliveryUncertainError):
        run.apply(shipment)
    assert _writes(sandbox) == writes
    run.settings = settings.model_copy(
        update={
            "shipments": settings.shipments.model_copy(update={"settle_seconds": 0})
        }
    )
    result = run.apply(shipment)
    assert result.applied == 1
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1


# --- rejections and reconciliation -------------------------------------------------


def test_rejections_name_the_reason_and_the_rest_applies(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Unknown order or SKU, over-quantity, held or canceled: that record only."""
    order = _order(sandbox)
    held = _order(sandbox)
    _rest(sandbox, "POST", f"/orders/{held['entity_id']}/hold")
    canceled = _order(sandbox)
    _rest(sandbox, "POST", f"/orders/{canceled['entity_id']}/cancel")
    num = order["increment_id"]
    result = run.apply(
        _shipment("DN-1", "999999999", [("A-1", "1")]),
        _shipment("DN-2", order, [("NOPE", "1")]),
        _shipment("DN-3", order, [("A-1", "3")]),
        _shipment("DN-4", held, [("A-1", "1")]),
        _shipment("DN-5", canceled, [("A-1", "1")]),
        _shipment("DN-6", order, [("A-1", "2")], ("T-6",)),
    )
    assert result.applied == 1
    assert [(n.record.key, n.message) for n in result.rejected] == [
        (
            "DN-1",
            "shipment DN-1 (order 999999999): order 999999999 not found in Magento",
        ),
        (
            "DN-2",
            f'shipment DN-2 (order {num}): The shipment contains product SKU "NOPE" '
            "that is not part of the original order.",
        ),
        (
            "DN-3",
            f"shipment DN-3 (order {num}): The quantity to ship must not be greater "
            'than the unshipped quantity for product SKU "A-1". '
            "(requested 3, left to ship 2)",
        ),
        (
            "DN-4",
            f"shipment DN-4 (order {held['increment_id']}): A shipment cannot be "
            "created when an order has a status of holded",
        ),
        (
            "DN-5",
            f"shipment DN-5 (order {canceled['increment_id']}): A shipment cannot be "
            "created when an order has a status of canceled",
        ),
    ]
    assert _writes(sandbox) == ["ship", "invoice"]
    rejected = ledger.shipments.get("DN-3")
    assert rejected is not None
    assert rejected.state == "rejected"


def test_invoice_refused_after_ship_keeps_the_shipment(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Magento refusing the invoice rejects the record but keeps the shipped step."""
    order = _order(sandbox)
    oid = order["entity_id"]
    shipment = _shipment("DN-8", order, [("A-1", "2")], ("T-8",))

    def hold_after_ship(step: str) -> None:
        if step == "shipped":
            _rest(sandbox, "POST", f"/orders/{oid}/hold")

    flow = run.flow(after_step=hold_after_ship)
    result = flow.apply(_context(), _records(shipment))
    step = ledger.shipments.get("DN-8")
    assert step is not None
    assert [n.message for n in result.rejected] == [
        f"shipment DN-8 (order {order['increment_id']}): shipped as Magento shipment "
        f"#{step.magento_shipment_id} but not invoiced: Invoice Document Validation "
        "Error(s):\nAn invoice cannot be created when an order has a status of "
        "holded; the delivery stays open: the service retries the invoice with "
        "backoff, or drop this file (or its rejects file) again"
    ]
    assert step.state == "shipped"
    _rest(sandbox, "POST", f"/orders/{oid}/unhold")
    again = run.apply(shipment, name="fixed.xml")
    assert again.applied == 1
    assert _writes(sandbox) == ["ship", "invoice", "invoice"]
    assert len(_by_order(sandbox, "shipments", oid)) == 1
    assert len(_by_order(sandbox, "invoices", oid)) == 1


def test_invoice_amount_mismatch_is_reported_and_stored(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """An ERP amount off by more than the tolerance warns and is kept for status."""
    order = _order(sandbox)
    first, second = _part_deliveries(order)
    first = first.model_copy(update={"invoice_amount": Decimal("1.00")})
    result = run.apply(first, second)
    assert result.applied == 2
    (warning,) = result.warnings
    assert warning.startswith(
        f"shipment DN-1001 (order {order['increment_id']}): ERP invoice_amount 1.00 "
        "differs from Magento invoice"
    )
    (row,) = ledger.shipments.mismatches()
    assert (row.shipment_id, str(row.invoice_amount)) == ("DN-1001", "1.00")
    assert "tolerance 0.01" in (row.mismatch_reason or "")


def test_invoice_amount_within_tolerance_is_quiet(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """An ERP amount equal to Magento's grand total reconciles without a warning."""
    order = _order(sandbox)
    shipment = _shipment("DN-1", order, [("A-1", "2"), ("B-2", "1"), ("SHIRT-M", "1")])
    exact = shipment.model_copy(
        update={"invoice_amount": Decimal(str(order["grand_total"])), "currency": "SEK"}
    )
    result = run.apply(exact)
    assert (result.applied, result.warnings) == (1, [])
    assert ledger.shipments.mismatches() == []


def test_audit_shows_each_step_and_its_files(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """for_order lists each ERP shipment with Magento ids, amounts and file names."""
    order = _order(sandbox)
    first, second = _part_deliveries(order)
    run.apply(first, name="monday.xml")
    run.apply(second, name="tuesday.xml")
    rows = ledger.shipments.for_order(order["increment_id"])
    shipments = _by_order(sandbox, "shipments", order["entity_id"])
    invoices = _by_order(sandbox, "invoices", order["entity_id"])
    assert [
        (r.shipment_id, r.magento_shipment_id, r.invoice_id, r.ship_file) for r in rows
    ] == [
        ("DN-1001", shipments[0]["entity_id"], invoices[0]["entity_id"], "monday.xml"),
        ("DN-1002", shipments[1]["entity_id"], invoices[1]["entity_id"], "tuesday.xml"),
    ]
    assert ledger.shipments.for_order("nope") == []
    assert ledger.shipments.pending() == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/ship$", "Could not save a shipment, see error log for details"),
        ("/invoice$", "Could not save an invoice, see error log for details"),
    ],
)
def test_transient_400_after_write_is_found_not_repeated(
    sandbox: Any, run: Runner, ledger: Ledger, path: str, message: str
) -> None:
    """Magento's "Could not save" 400 after the write: found by the probe, not resent."""
    order = _order(sandbox)
    fault = {"message": message, "after_write": True, "paths": path}
    _post(sandbox, "/sandbox/faults", fault)
    result = run.apply(_shipment("DN-5", order, [("A-1", "2")], ("T-5",)))
    assert (result.applied, result.rejected) == (1, [])
    assert _writes(sandbox) == ["ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    step = ledger.shipments.get("DN-5")
    assert step is not None
    assert step.state == "invoiced"
