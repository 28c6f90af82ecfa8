"""The alert events of SPEC §8: what happened, where, and what to do.

Each event is built by one function named after it, so the wording of every alert lives
here and the runtime only says which event occurred and hands over its facts. An event
carries an alert ``key``: the throttle sends at most one alert per key and interval, so
the key names the thing that is wrong (one file, one order, Magento), not the moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

__all__ = [
    "AlertEvent",
    "EventKind",
    "Severity",
    "file_failed",
    "file_had_rejects",
    "file_pending_too_long",
    "invoice_amount_mismatch",
    "magento_credentials_refused",
    "magento_unreachable",
    "order_export_failed",
    "sftp_down",
]

EventKind = Literal[
    "file_failed",
    "file_had_rejects",
    "file_pending_too_long",
    "magento_unreachable",
    "magento_credentials_refused",
    "sftp_down",
    "order_export_failed",
    "invoice_amount_mismatch",
]
Severity = Literal["warning", "error", "critical"]


@dataclass(frozen=True)
class AlertEvent:
    """One thing an operator must hear about.

    Attributes:
        kind: Which SPEC §8 event this is.
        subject: What it is about, in a few words (a file name, an order number).
        summary: What happened, one sentence.
        where: Where it happened (folder, host, Magento URL).
        action: What the operator should do.
        severity: ``warning``, ``error`` or ``critical`` (credentials: every flow stops).
        key: The throttle key: at most one alert per key and ``min_interval_seconds``.
        link_path: The console page about it (``/files/42``), or None.
        details: Structured facts for the webhook's JSON (strings, numbers).
    """

    kind: EventKind
    subject: str
    summary: str
    where: str
    action: str
    severity: Severity
    key: str
    link_path: str | None = None
    details: Mapping[str, str | int | float | None] = field(default_factory=dict)


def _file_key(kind: str, name: str, file_id: int | None) -> str:
    return f"{kind}/#{file_id}" if file_id is not None else f"{kind}/{name}"


def _file_link(file_id: int | None) -> str | None:
    return f"/files/{file_id}" if file_id is not None else None


def _order_link(order_number: str) -> str:
    return f"/audit/order/{quote(order_number, safe='')}"


def file_failed(
    *,
    kind: str,
    name: str,
    reason: str,
    file_id: int | None = None,
    report: str | None = None,
) -> AlertEvent:
    """A file could not be applied at all (invalid, unreadable, refused) and is in failed/.

    Args:
        kind: The inbox kind (``products``, ``stock``, ``shipments``).
        name: The file's name as dropped.
        reason: The first problem, e.g. ``line 3, field price: not a decimal``.
        file_id: The ledger's id of the file, for the console link.
        report: Where the report is, relative to the folder root.
    """
    where = f"inbox/{kind}/ -> " + (report or f"failed/{kind}/")
    return AlertEvent(
        kind="file_failed",
        subject=name,
        summary=f"{kind} file {name} failed, nothing from it was applied: {reason}",
        where=where,
        action=(
            f"Read the report, fix the file and drop it again into inbox/{kind}/ "
            "(a corrected file is applied whatever its name)."
        ),
        severity="error",
        key=f"file_failed:{_file_key(kind, name, file_id)}",
        link_path=_file_link(file_id),
        details={"kind": kind, "file": name, "reason": reason, "report": report},
    )


def file_had_rejects(
    *,
    kind: str,
    name: str,
    rejected: int,
    applied: int,
    file_id: int | None = None,
    rejects: str | None = None,
    first_reason: str | None = None,
) -> AlertEvent:
    """A file was applied except some records, which are in a rejects file in failed/.

    Args:
        kind: The inbox kind.
        name: The file's name as dropped.
        rejected: How many records were rejected.
        applied: How many were applied (or found unchanged).
        file_id: The ledger's id of the file, for the console link.
        rejects: Where the rejects file is, relative to the folder root.
        first_reason: The first rejection's reason, e.g. ``unknown SKU A-1``.
    """
    why = f" (first: {first_reason})" if first_reason else ""
    return AlertEvent(
        kind="file_had_rejects",
        subject=name,
        summary=(
            f"{kind} file {name}: {rejected} record(s) rejected{why}, {applied} applied"
        ),
        where=f"inbox/{kind}/ -> " + (rejects or f"failed/{kind}/"),
        action=(
            "Fix the rejected records in the rejects file (same format as the input) "
            f"and drop it into inbox/{kind}/: only those records are retried."
        ),
        severity="warning",
        key=f"file_had_rejects:{_file_key(kind, name, file_id)}",
        link_path=_file_link(file_id),
        details={
            "kind": kind,
            "file": name,
            "rejected": rejected,
            "applied": applied,
            "rejects": rejects,
            "first_reason": first_reason,
        },
    )


def file_pending_too_long(
    *,
    kind: str,
    name: str,
    age_seconds: float,
    limit_seconds: float,
    last_error: str | None = None,
    file_id: int | None = None,
) -> AlertEvent:
    """A file has waited longer than ``runtime.max_pending_age_seconds`` (it is kept).

    Args:
        kind: The inbox kind.
        name: The file's name.
        age_seconds: How long it has been pending.
        limit_seconds: The configured limit.
        last_error: Why the last attempt did not finish, if known.
        file_id: The ledger's id of the file, for the console link.
    """
    why = f"; last error: {last_error}" if last_error else ""
    return AlertEvent(
        kind="file_pending_too_long",
        subject=name,
        summary=(
            f"{kind} file {name} has been pending for {_duration(age_seconds)} "
            f"(limit {_duration(limit_seconds)}){why}"
        ),
        where=f"var/work/{kind}/, retried with backoff, never dropped",
        action=(
            "Find out why it cannot be applied (`bridge status`, Magento and SFTP "
            "health); it is applied by itself once the cause is gone."
        ),
        severity="error",
        key=f"file_pending_too_long:{_file_key(kind, name, file_id)}",
        link_path=_file_link(file_id),
        details={
            "kind": kind,
            "file": name,
            "age_seconds": round(age_seconds),
            "limit_seconds": round(limit_seconds),
            "last_error": last_error,
        },
    )


def magento_unreachable(*, base_url: str, error: str) -> AlertEvent:
    """Magento does not answer usefully (timeouts, 5xx, 429); work waits and is retried.

    Args:
        base_url: Magento's configured base URL.
        error: What the last call ran into, e.g. ``HTTP 503``.
    """
    return AlertEvent(
        kind="magento_unreachable",
        subject="Magento",
        summary=f"Magento is unreachable: {error}",
        where=f"Magento at {base_url}",
        action=(
            "Check that Magento is up and reachable from this host; the bridge "
            "retries with backoff and resumes where it stopped, nothing is lost."
        ),
        severity="error",
        key="magento_unreachable",
        link_path="/",
        details={"base_url": base_url, "error": error},
    )


def magento_credentials_refused(
    *, base_url: str, status_code: int | None, error: str
) -> AlertEvent:
    """Magento refuses the credentials (401/403); every Magento flow is paused.

    Args:
        base_url: Magento's configured base URL.
        status_code: The HTTP status Magento answered.
        error: Magento's message.
    """
    return AlertEvent(
        kind="magento_credentials_refused",
        subject="Magento credentials",
        summary=(
            f"Magento refused the bridge's credentials (HTTP {status_code}): {error}; "
            "every Magento flow is paused"
        ),
        where=f"Magento at {base_url}",
        action=(
            "Check the integration in Magento (System > Integrations: active, "
            "resources allowed) and the token or OAuth keys in [magento]; flows "
            "resume by themselves once Magento accepts them."
        ),
        severity="critical",
        key="magento_credentials_refused",
        link_path="/",
        details={"base_url": base_url, "status_code": status_code, "error": error},
    )


def sftp_down(*, host: str, port: int, error: str) -> AlertEvent:
    """The ERP's SFTP server cannot be reached or refuses the bridge.

    Args:
        host: The configured SFTP host.
        port: The configured port.
        error: What the connection ran into (refused, timeout, host key).
    """
    return AlertEvent(
        kind="sftp_down",
        subject=f"SFTP {host}",
        summary=f"The SFTP server {host}:{port} is down or refuses the bridge: {error}",
        where=f"sftp://{host}:{port}",
        action=(
            "Check the SFTP server and the network; a changed host key must be "
            "checked and put in sftp.known_hosts by hand. Local inboxes keep working."
        ),
        severity="error",
        key=f"sftp_down:{host}:{port}",
        link_path="/",
        details={"host": host, "port": port, "error": error},
    )


def order_export_failed(*, order_number: str, reason: str) -> AlertEvent:
    """An order cannot be exported to the ERP (retried at every poll).

    Args:
        order_number: Magento's increment id.
        reason: Why, e.g. the schema check of the order file.
    """
    return AlertEvent(
        kind="order_export_failed",
        subject=f"order {order_number}",
        summary=f"Order {order_number} cannot be exported to the ERP: {reason}",
        where="outbox/orders/, nothing was written for this order",
        action=(
            f"Look at order {order_number} in Magento (`bridge audit order "
            f"{order_number}`), correct what the reason names; the next poll retries."
        ),
        severity="error",
        key=f"order_export_failed:{order_number}",
        link_path=_order_link(order_number),
        details={"order": order_number, "reason": reason},
    )


def invoice_amount_mismatch(
    *,
    order_number: str,
    shipment_id: str,
    erp_amount: Decimal,
    magento_amount: Decimal,
    currency: str,
    invoice_id: int | None = None,
) -> AlertEvent:
    """Magento's invoice for an ERP shipment differs from the ERP's own amount.

    Args:
        order_number: Magento's increment id.
        shipment_id: The ERP's delivery-note number.
        erp_amount: The ERP's ``invoice_amount``.
        magento_amount: The grand total of Magento's invoice.
        currency: The currency of both.
        invoice_id: Magento's invoice id, if one was created.
    """
    diff = magento_amount - erp_amount
    return AlertEvent(
        kind="invoice_amount_mismatch",
        subject=f"order {order_number} / {shipment_id}",
        summary=(
            f"Invoice for ERP shipment {shipment_id} (order {order_number}) is "
            f"{magento_amount} {currency} in Magento but {erp_amount} {currency} in "
            f"the ERP (difference {diff:+} {currency})"
        ),
        where=f"Magento invoice {invoice_id if invoice_id is not None else '?'}",
        action=(
            "Compare the invoice in Magento with the ERP's delivery note (freight, "
            "invoice fee, discounts, rounding) and correct it by hand (credit memo or "
            "the ERP); the bridge does not change captured invoices."
        ),
        severity="warning",
        key=f"invoice_amount_mismatch:{shipment_id}",
        link_path=_order_link(order_number),
        details={
            "order": order_number,
            "shipment_id": shipment_id,
            "erp_amount": str(erp_amount),
            "magento_amount": str(magento_amount),
            "difference": str(diff),
            "currency": currency,
            "invoice_id": invoice_id,
        },
    )


def _duration(seconds: float) -> str:
    """``90061`` → ``1d 1h``; ``3700`` → ``1h 1m``; ``59`` → ``59s``."""
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{s}s"
