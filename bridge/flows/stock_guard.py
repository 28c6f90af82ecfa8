"""Keep Magento's stock on the ERP's figure while a delivery's shipment is saved.

Magento's MSI takes each shipped quantity off the shipment's source when the
shipment is saved (``InventoryShipping/Observer/SourceDeductionProcessor.php``) and
refuses the shipment when the source is short. The ERP sends its own on-hand figure,
which already reflects a delivery when it is dated after the delivery's
``shipped_at`` (docs/reliability.md, "Stock and deliveries"). Around each ship call
the :class:`ShipmentStockGuard` therefore:

- for a SKU whose last applied ERP figure is dated at or after the delivery (the
  figure reflects it): tops the source up to that figure plus the delivery's
  quantity before the call, so MSI's deduction lands on the ERP's figure, and writes
  the figure back after the call (whatever its outcome: a refused call leaves no
  top-up behind);
- for a SKU whose figure is older (or unknown): lets MSI deduct, which is right, and
  lowers the ledger's figure by the delivery, so a later ERP figure equal to the old
  one is no longer judged "unchanged" while Magento holds less;
- records each deduction with the delivery's time, so a figure dated before the
  delivery that arrives later is lowered by it (``StockWriter``).

When Magento refuses the shipment, the error names each shipped SKU's quantity at
each source as Magento has it, so the report says which source is short by how much.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import structlog

from bridge.config import Settings
from bridge.errors import MagentoUnavailableError, RecordRejectedError, TransientError
from bridge.flows.base import FileContext
from bridge.ledger import Ledger
from bridge.ledger.stock import Deduction, StockState
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import format_decimal
from bridge.mapping.shipments import ShipItem
from bridge.mapping.stock import as_of, as_of_micros, to_magento_source_item
from bridge.models.erp import ErpShipment

__all__ = ["ShipmentStockGuard"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Line:
    """One SKU of a delivery: its quantity and the ERP figure the ledger holds."""

    sku: str
    qty: Decimal
    state: StockState | None
    reflected: bool


class ShipmentStockGuard:
    """Wraps a delivery's ship call so Magento's stock ends on the ERP's figure.

    Args:
        settings: The bridge settings (``magento.inventory``, ``source_code``).
        ledger: The ledger holding the stock state and the deductions.
        stock: The Magento stock adapter.
    """

    def __init__(self, settings: Settings, ledger: Ledger, stock: StockAdapter) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._ledger = ledger
        self._stock = stock

    @property
    def _source(self) -> str:
        return self._settings.magento.source_code

    @contextmanager
    def around_ship(
        self, ctx: FileContext, shipment: ErpShipment, items: Sequence[ShipItem]
    ) -> Iterator[None]:
        """Top up before, write the ERP's figure back and record the deduction after.

        Args:
            ctx: The shipments file being applied.
            shipment: The ERP delivery.
            items: What the ship call ships.

        Raises:
            MagentoUnavailableError: The ship call failed with Magento's transient
                answer; the message adds Magento's quantity per SKU and source.
            RecordRejectedError: Magento refused the shipment; likewise.
        """
        if self._settings.magento.inventory != "msi":
            yield
            return
        lines = self._lines(ctx, shipment, items)
        topped = [ln for ln in lines if ln.reflected]
        self._write(topped, extra=True)
        try:
            yield
        except (MagentoUnavailableError, RecordRejectedError) as exc:
            self._write(topped, extra=False)
            raise _with_stock(exc, self._stock_text(lines)) from exc
        except BaseException:
            self._write(topped, extra=False)
            raise
        self._write(topped, extra=False)
        when = _when(ctx, shipment)
        self._ledger.stock.record_deductions(
            shipment.shipment_id,
            [Deduction(ln.sku, self._source, ln.qty, when) for ln in lines],
            [
                (ln.sku, self._source, format_decimal(Decimal(ln.state.qty) - ln.qty))
                for ln in lines
                if ln.state is not None and not ln.reflected
            ],
        )

    def _lines(
        self, ctx: FileContext, shipment: ErpShipment, items: Sequence[ShipItem]
    ) -> list[_Line]:
        """Sum the delivery per SKU and say whether the ERP's figure reflects it."""
        qty: dict[str, Decimal] = {}
        for item in items:
            qty[item.sku] = qty.get(item.sku, Decimal(0)) + item.qty
        when = _when(ctx, shipment)
        lines = []
        for sku, shipped in qty.items():
            state = self._ledger.stock.get(sku, self._source)
            reflected = state is not None and state.as_of >= when
            lines.append(_Line(sku, shipped, state, reflected))
        return lines

    def _write(self, lines: Sequence[_Line], *, extra: bool) -> None:
        """Set the sources to the ERP's figure (plus the delivery when ``extra``)."""
        items = [
            to_magento_source_item(
                ln.sku,
                self._source,
                Decimal(ln.state.qty) + (ln.qty if extra else 0),
            )
            for ln in lines
            if ln.state is not None
        ]
        if items:
            self._stock.save_source_items(items)
            log.info(
                "stock_topped_up" if extra else "stock_reasserted",
                flow="shipments",
                record_key=",".join(i["sku"] for i in items),
            )

    def _stock_text(self, lines: Sequence[_Line]) -> str:
        """Magento's quantity of each shipped SKU per source, for the report."""
        try:
            found = self._stock.source_items([ln.sku for ln in lines])
        except (TransientError, RecordRejectedError):
            return "Magento's stock could not be read"
        needs = {ln.sku: ln.qty for ln in lines}
        parts = [
            f"SKU {i.get('sku')} at source {i.get('source_code')}: "
            f"{format_decimal(Decimal(str(i.get('quantity', 0))))} in Magento, "
            f"delivery needs {format_decimal(needs.get(str(i.get('sku')), Decimal(0)))}"
            for i in found
            if i.get("source_code") == self._source
        ]
        missing = sorted(set(needs) - {str(i.get("sku")) for i in found})
        parts += [f"SKU {s}: no source item at source {self._source}" for s in missing]
        return "; ".join(parts)


def _when(ctx: FileContext, shipment: ErpShipment) -> int:
    """The delivery's time: ``shipped_at``, else the file's ``generated`` or mtime."""
    return as_of_micros(as_of(shipment.shipped_at, ctx.generated, ctx.mtime))


def _with_stock(
    exc: MagentoUnavailableError | RecordRejectedError, stock: str
) -> MagentoUnavailableError | RecordRejectedError:
    """The same error, its message completed with Magento's stock figures."""
    reason = exc.magento_message or str(exc)
    message = f"{reason} (stock: {stock})" if stock else reason
    if isinstance(exc, MagentoUnavailableError):
        return MagentoUnavailableError(
            message,
            status_code=exc.status_code,
            retry_after=exc.retry_after,
            magento_message=message,
        )
    return RecordRejectedError(message, magento_message=message)
