"""Late, garbled and conflicting answers in the shipments flow, over HTTP (issue 12)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.config import Settings, load_config
from bridge.errors import MagentoUnavailableError, TransientError
from bridge.flows._delivery_guard import DeliveryUncertainError
from bridge.ledger import Ledger
from bridge.magento import MagentoClient
from bridge.usecases.status import status
from tests.conftest import SANDBOX_TOKEN
from tests.flows.test_apply_shipments import (
    Runner,
    _by_order,
    _context,
    _order,
    _post,
    _records,
    _rest,
    _shipment,
    _writes,
)


def _settings(sandbox: Any, root: Path, **extra: Any) -> Settings:
    overrides: dict[str, Any] = {
        "magento": {
            "base_url": sandbox.url,
            "token": SANDBOX_TOKEN,
            "backoff_initial_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "timeout_seconds": extra.pop("timeout_seconds", 5),
        },
        "folders": {"root": str(root)},
    }
    overrides.update(extra)
    return load_config(None, overrides=overrides)


@pytest.fixture
def make_run(sandbox: Any, tmp_path: Path) -> Iterator[Any]:
    """Build a runner with extra settings; closes what it opened."""
    opened: list[Any] = []

    def make(**extra: Any) -> Runner:
        settings = _settings(sandbox, tmp_path, **extra)
        client = MagentoClient(settings.magento)
        book = Ledger(settings.ledger_url)
        opened.extend([client, book])
        return Runner(settings, book, client)

    yield make
    for thing in reversed(opened):
        thing.close()


def _settle_now(run: Runner) -> None:
    """Let every uncertain call count as settled from now on."""
    shipments = run.settings.shipments.model_copy(update={"settle_seconds": 0})
    run.settings = run.settings.model_copy(update={"shipments": shipments})


# --- uncertain deliveries ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/ship$", "/invoice$"])
def test_answer_after_the_client_timeout_is_not_posted_twice(
    sandbox: Any, make_run: Any, path: str
) -> None:
    """Magento answering after the client timeout: the quick retry posts nothing."""
    run = make_run(timeout_seconds=1)
    order = _order(sandbox)
    shipment = _shipment("DN-21", order, [("A-1", "2")], ("T-21",))
    _post(sandbox, "/sandbox/faults", {"latency_ms": 2500, "paths": path})
    with pytest.raises(MagentoUnavailableError):
        run.apply(shipment)
    with pytest.raises(TransientError):
        run.apply(shipment)  # before Magento has written: must not post again
    time.sleep(4)  # the late write lands
    _post(sandbox, "/sandbox/faults", {})
    result = run.apply(shipment)
    assert result.applied + result.unchanged == 1
    assert _writes(sandbox) == ["ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    step = run.ledger.shipments.get("DN-21")
    assert step is not None
    assert (step.state, step.uncertain) == ("invoiced", None)


@pytest.mark.parametrize("garble", ["notice", "empty"])
@pytest.mark.parametrize("path", ["/ship$", "/invoice$"])
def test_garbled_success_answer_is_found_not_failed(
    sandbox: Any, make_run: Any, path: str, garble: str
) -> None:
    """A 200 with a PHP notice or no body: the document is found and recorded."""
    run = make_run()
    order = _order(sandbox)
    _post(sandbox, "/sandbox/faults", {"garble": garble, "paths": path})
    result = run.apply(_shipment("DN-22", order, [("A-1", "2")], ("T-22",)))
    assert (result.applied, result.rejected) == (1, [])
    assert _writes(sandbox) == ["ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    step = run.ledger.shipments.get("DN-22")
    assert step is not None
    assert (step.state, step.uncertain) == ("invoiced", None)


def test_uncertain_delivery_is_listed_until_it_settles(
    sandbox: Any, make_run: Any
) -> None:
    """An unclear ship call is listed in status, then posted once after settling."""
    run = make_run()
    order = _order(sandbox)
    shipment = _shipment("DN-23", order, [("B-2", "1")], ("T-23",))
    _post(sandbox, "/sandbox/faults", {"status": 503, "count": 1, "paths": "/ship$"})
    with pytest.raises(MagentoUnavailableError):
        run.apply(shipment)
    with pytest.raises(DeliveryUncertainError):
        run.apply(shipment)
    view = status(run.settings, run.ledger)
    assert [(d.shipment_id, d.detail.split(" ")[0]) for d in view.uncertain] == [
        ("DN-23", "ship")
    ]
    _settle_now(run)
    assert run.apply(shipment).applied == 1
    assert _writes(sandbox) == ["ship", "ship", "invoice"]
    assert len(_by_order(sandbox, "shipments", order["entity_id"])) == 1
    assert status(run.settings, run.ledger).uncertain == ()


# --- records that keep failing -----------------------------------------------------


def test_record_failing_before_any_post_is_rejected_after_max_attempts(
    sandbox: Any, make_run: Any
) -> None:
    """A delivery whose order lookup keeps getting 500 is rejected on the Nth attempt.

    503s (Magento down) before it are not counted: an outage rejects nothing.
    """
    run = make_run(runtime={"max_record_attempts": 2})
    order = _order(sandbox)
    shipment = _shipment("DN-24", order, [("B-2", "1")])
    _post(sandbox, "/sandbox/faults", {"status": 503, "count": 99, "paths": "/orders$"})
    for _ in range(3):
        with pytest.raises(MagentoUnavailableError):
            run.apply(shipment)
    _post(sandbox, "/sandbox/faults", {"status": 500, "count": 99, "paths": "/orders$"})
    with pytest.raises(MagentoUnavailableError):
        run.apply(shipment)
    result = run.apply(shipment)
    (note,) = result.rejected
    assert note.message.startswith(
        f"shipment DN-24 (order {order['increment_id']}): gave up after 2 attempts "
        "(runtime.max_record_attempts): "
    )
    assert _writes(sandbox) == []


def test_ship_failing_is_rejected_only_once_magento_shows_nothing(
    sandbox: Any, make_run: Any
) -> None:
    """A ship call that keeps failing is given up only after it settled unwritten."""
    run = make_run(runtime={"max_record_attempts": 2})
    _settle_now(run)
    order = _order(sandbox)
    shipment = _shipment("DN-25", order, [("B-2", "1")])
    _post(sandbox, "/sandbox/faults", {"status": 500, "count": 99, "paths": "/ship$"})
    for _ in range(2):
        with pytest.raises(MagentoUnavailableError):
            run.apply(shipment)
    result = run.apply(shipment)
    (note,) = result.rejected
    assert note.message == (
        f"shipment DN-25 (order {order['increment_id']}): gave up after 2 attempts "
        "(runtime.max_record_attempts): Magento shows no ship document"
    )
    assert _writes(sandbox) == ["ship", "ship"]
    assert _by_order(sandbox, "shipments", order["entity_id"]) == []


# --- conflicts ---------------------------------------------------------------------


@pytest.mark.parametrize("change", ["lines", "order"])
def test_delivery_note_back_with_other_content_is_a_conflict(
    sandbox: Any, make_run: Any, change: str
) -> None:
    """A delivery-note id resent with other lines or order is a conflict, not a dup."""
    run = make_run()
    order, other = _order(sandbox), _order(sandbox)
    run.apply(_shipment("DN-26", order, [("A-1", "1")], ("T-26",)), name="a.xml")
    again = (
        _shipment("DN-26", order, [("A-1", "2")], ("T-26",))
        if change == "lines"
        else _shipment("DN-26", other, [("A-1", "1")], ("T-26",))
    )
    result = run.apply(again, name="b.xml")
    (note,) = result.rejected
    now = other["increment_id"] if change == "order" else order["increment_id"]
    qty = "2" if change == "lines" else "1"
    assert note.message.startswith(
        f"shipment DN-26: conflict: delivery note already applied to order "
        f"{order['increment_id']} with lines A-1 x 1 (Magento shipment #"
    )
    assert note.message.endswith(
        f"this version: order {now} with lines A-1 x {qty}; nothing was shipped for it"
    )
    assert _writes(sandbox) == ["ship", "invoice"]
    (listed,) = status(run.settings, run.ledger).conflicts
    assert listed.shipment_id == "DN-26"
    assert "lines A-1 x 1" in listed.detail
    assert f"order {now} with lines A-1 x {qty} (file b.xml)" in listed.detail


def test_tracking_number_alone_does_not_bind_a_staff_shipment_twice(
    sandbox: Any, make_run: Any
) -> None:
    """Two deliveries sharing a staff shipment's tracking number: two shipments."""
    run = make_run()
    order = _order(sandbox)
    item = next(i for i in order["items"] if i["sku"] == "A-1")
    _rest(
        sandbox,
        "POST",
        f"/order/{order['entity_id']}/ship",
        json={
            "items": [{"order_item_id": item["item_id"], "qty": 1}],
            "tracks": [{"track_number": "T-9", "title": "DHL", "carrier_code": "dhl"}],
        },
    )
    result = run.apply(
        _shipment("DN-27", order, [("A-1", "1")], ("T-9",)),
        _shipment("DN-28", order, [("A-1", "1")], ("T-9",)),
    )
    assert result.applied == 2
    shipments = _by_order(sandbox, "shipments", order["entity_id"])
    assert len(shipments) == 2
    invoices = _by_order(sandbox, "invoices", order["entity_id"])
    assert [
        [i["qty"] for i in inv["items"] if i["sku"] == "A-1"] for inv in invoices
    ] == [
        [1],
        [1],
    ]


def test_shipped_not_invoiced_is_listed_as_open(sandbox: Any, make_run: Any) -> None:
    """A delivery whose invoice Magento refused is listed as shipped, not invoiced."""
    run = make_run()
    order = _order(sandbox)
    oid = order["entity_id"]

    def hold_after_ship(step: str) -> None:
        if step == "shipped":
            _rest(sandbox, "POST", f"/orders/{oid}/hold")

    shipment = _shipment("DN-29", order, [("A-1", "2")], ("T-29",))
    result = run.flow(after_step=hold_after_ship).apply(_context(), _records(shipment))
    (note,) = result.rejected
    assert "but not invoiced" in note.message
    (listed,) = status(run.settings, run.ledger).not_invoiced
    assert listed.shipment_id == "DN-29"
    assert "stays open" in listed.detail
