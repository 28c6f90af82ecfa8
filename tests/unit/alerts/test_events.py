"""Alert events and their rendering: what happened, where, what to do, and the console link."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from decimal import Decimal
from typing import get_args

import pytest

from bridge.alerts import (
    AlertEvent,
    EventKind,
    console_url,
    file_failed,
    file_had_rejects,
    file_pending_too_long,
    invoice_amount_mismatch,
    magento_credentials_refused,
    magento_unreachable,
    order_export_failed,
    render_message,
    sftp_down,
)
from bridge.config import HttpSettings

WHEN = datetime(2026, 11, 28, 10, 15, tzinfo=UTC)


def one_of_each() -> list[AlertEvent]:
    """An example of every SPEC §8 event (also used by the documentation test)."""
    return [
        file_failed(
            kind="products",
            name="prices.csv",
            reason="line 3, field price: '12,5O' is not a decimal",
            file_id=42,
            report="failed/products/20261128T101500Z_prices.csv.report.txt",
        ),
        file_had_rejects(
            kind="stock",
            name="saldo.csv",
            rejected=2,
            applied=318,
            file_id=43,
            rejects="failed/stock/20261128T101700Z_saldo.rejects.csv",
            first_reason="line 7: unknown SKU A-100",
        ),
        file_pending_too_long(
            kind="shipments",
            name="lev-0815.xml",
            age_seconds=90061,
            limit_seconds=86400,
            last_error="Magento unavailable: HTTP 503",
            file_id=44,
        ),
        magento_unreachable(
            base_url="https://shop.example", error="ConnectTimeout after 30 s"
        ),
        magento_credentials_refused(
            base_url="https://shop.example",
            status_code=401,
            error="The consumer isn't authorized to access %resources.",
        ),
        sftp_down(host="erp.example", port=22, error="Connection refused"),
        order_export_failed(
            order_number="000000117",
            reason="line 2, field country: 'XX' is not ISO 3166 alpha-2",
        ),
        invoice_amount_mismatch(
            order_number="000000118",
            shipment_id="LS-2026-0815",
            erp_amount=Decimal("249.00"),
            magento_amount=Decimal("298.00"),
            currency="SEK",
            invoice_id=77,
        ),
    ]


def test_every_spec_event_has_a_constructor() -> None:
    """Each kind of EventKind is produced by exactly one constructor."""
    assert sorted(e.kind for e in one_of_each()) == sorted(get_args(EventKind))


@pytest.mark.parametrize("event", one_of_each(), ids=lambda e: e.kind)
def test_message_says_what_where_and_what_to_do(event: AlertEvent) -> None:
    """The text names what happened, where (with the host) and what to do, and links the console."""
    msg = render_message(
        event, console_url="http://127.0.0.1:8081", host="gw1", occurred_at=WHEN
    )
    lines = msg.text.splitlines()
    assert lines[0] == msg.subject
    assert lines[1] == f"What happened: {event.summary}"
    assert lines[2] == f"Where: {event.where} (host gw1)"
    assert lines[3] == f"What to do: {event.action}"
    assert lines[4] == f"Console: http://127.0.0.1:8081{event.link_path}"
    assert msg.fields["occurred_at"] == "2026-11-28T10:15:00+00:00"
    assert msg.webhook_payload()["text"] == msg.text


def test_no_console_link_without_listen() -> None:
    """Without http.listen the alert carries no link."""
    msg = render_message(
        magento_unreachable(base_url="http://m", error="x"),
        console_url=None,
        host="gw1",
        occurred_at=WHEN,
    )
    assert "Console:" not in msg.text
    assert msg.fields["link"] is None


def test_file_alerts_link_the_files_page_and_key_by_file() -> None:
    """A file's alert links /files/{id}; its key is the file, so two files are two alerts."""
    a = file_failed(kind="stock", name="a.csv", reason="bad", file_id=5)
    b = file_failed(kind="stock", name="a.csv", reason="bad", file_id=6)
    assert a.link_path == "/files/5"
    assert a.key != b.key
    unnamed = file_failed(kind="stock", name="a.csv", reason="bad")
    assert unnamed.link_path is None
    assert unnamed.key == "file_failed:stock/a.csv"


def test_order_link_is_quoted() -> None:
    """An order number with a slash cannot break out of the order's console path."""
    event = order_export_failed(order_number="A/../1", reason="x")
    assert event.link_path == "/audit/order/A%2F..%2F1"


def test_invoice_mismatch_states_both_amounts_and_difference() -> None:
    """The mismatch alert gives Magento's amount, the ERP's and the signed difference."""
    event = invoice_amount_mismatch(
        order_number="1",
        shipment_id="S1",
        erp_amount=Decimal("100.00"),
        magento_amount=Decimal("99.50"),
        currency="EUR",
    )
    assert "99.50 EUR in Magento but 100.00 EUR in the ERP" in event.summary
    assert "(difference -0.50 EUR)" in event.summary


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("", None),
        ("127.0.0.1:8081", "http://127.0.0.1:8081"),
        (":9000", "http://127.0.0.1:9000"),
        ("9000", "http://127.0.0.1:9000"),
        ("[::1]:8081", "http://[::1]:8081"),
    ],
)
def test_console_url_from_listen(listen: str, expected: str | None) -> None:
    """The link base follows http.listen; a bare port means 127.0.0.1."""
    assert console_url(HttpSettings(listen=listen)) == expected


def test_console_url_for_wildcard_uses_the_host_name() -> None:
    """Listening on 0.0.0.0 links to this machine's name, which readers can reach."""
    url = console_url(HttpSettings(listen="0.0.0.0:8081"))
    assert url == f"http://{socket.gethostname()}:8081"
