"""What the products and stock flows stage with a record, and how they read it back.

The ledger's staging table keeps a flow's ``payload`` without reading it. Here the
flows decide what goes in it: the record's model and raw form (so a record can be
turned back into a ``ParsedRecord`` for a rejection, a note or the rejects file) and
any data of their own (the products flow's canonical core fields). The payload is
JSON assembled from pieces that are already JSON, so staging a row costs one model
dump and, for CSV, one small ``json.dumps``.
"""

from __future__ import annotations

import json
from typing import Any

from bridge.ledger.staging import StagedRow
from bridge.models.erp import ErpProduct, ErpShipment, ErpStockLevel, ParsedRecord

__all__ = ["decode_data", "encode_payload", "record_of"]

_MODELS: dict[str, type[ErpProduct] | type[ErpStockLevel] | type[ErpShipment]] = {
    "ErpProduct": ErpProduct,
    "ErpStockLevel": ErpStockLevel,
    "ErpShipment": ErpShipment,
}


def encode_payload(record: ParsedRecord, data: str = "null") -> str:
    """Return the staging payload of ``record``.

    Args:
        record: The record as read from the file.
        data: The flow's own data for it, already as JSON text.
    """
    raw = record.raw
    if isinstance(raw, bytes):
        form, raw_json = "b", json.dumps(raw.decode("utf-8", "surrogateescape"))
    else:
        form, raw_json = "r", json.dumps(raw, ensure_ascii=False)
    return "".join(
        (
            '{"t":"',
            type(record.model).__name__,
            '","f":"',
            form,
            '","m":',
            record.model.model_dump_json(),
            ',"r":',
            raw_json,
            ',"d":',
            data,
            "}",
        )
    )


def decode_data(row: StagedRow) -> Any:
    """Return the flow's own data staged with a row (None when there was none)."""
    return json.loads(row.payload)["d"]


def record_of(row: StagedRow) -> ParsedRecord:
    """Turn a staged row back into the ``ParsedRecord`` it was made from."""
    payload = json.loads(row.payload)
    model = _MODELS[payload["t"]].model_validate_json(json.dumps(payload["m"]))
    raw: bytes | tuple[tuple[str, ...], ...]
    if payload["f"] == "b":
        raw = payload["r"].encode("utf-8", "surrogateescape")
    else:
        raw = tuple(tuple(r) for r in payload["r"])
    return ParsedRecord(
        index=row.idx, line=row.line, key=row.record_key, model=model, raw_form=raw
    )
