"""Per-file staging of records, so a streamed file can be deduplicated on disk.

A flow gets each file's records once, as a stream. To honour "the last occurrence of a
key wins" (and "the newest stock value wins") without holding the file in memory, the
products and stock flows first append every record here, then let SQL mark the
superseded ones, then apply the winners page by page. The staged rows keep the record's
model and raw bytes, so any of them can be turned back into a ``ParsedRecord`` for a
rejection or a note. Rows are removed when the file is done (and re-staged from scratch
when a file is resumed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import records, staging
from bridge.models.erp import ErpProduct, ErpShipment, ErpStockLevel, ParsedRecord

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = [
    "StagedRow",
    "StagingStore",
    "record_from_row",
]


_MODELS: dict[str, type[ErpProduct] | type[ErpStockLevel] | type[ErpShipment]] = {
    "ErpProduct": ErpProduct,
    "ErpStockLevel": ErpStockLevel,
    "ErpShipment": ErpShipment,
}


@dataclass(frozen=True)
class StagedRow:
    """One record to stage: its key columns plus the record itself."""

    record: ParsedRecord
    sku: str
    source: str
    as_of: int
    value: str
    data: str | None = None


def record_from_row(row: Any) -> ParsedRecord:
    """Turn a staged row back into the ``ParsedRecord`` it was made from."""
    model = _MODELS[row.model_type].model_validate_json(row.model)
    raw: bytes | tuple[tuple[str, ...], ...]
    if row.raw_rows is not None:
        raw = tuple(tuple(r) for r in json.loads(row.raw_rows))
    else:
        raw = bytes(row.raw_bytes or b"")
    return ParsedRecord(
        index=row.idx, line=row.line, key=row.record_key, model=model, raw=raw
    )


def _encode(file_id: int, kind: str, row: StagedRow) -> dict[str, Any]:
    rec = row.record
    raw = rec.raw
    return {
        "file_id": file_id,
        "kind": kind,
        "idx": rec.index,
        "line": rec.line,
        "record_key": rec.key,
        "sku": row.sku,
        "source": row.source,
        "as_of": row.as_of,
        "value": row.value,
        "data": row.data,
        "model_type": type(rec.model).__name__,
        "model": rec.model.model_dump_json(),
        "raw_bytes": raw if isinstance(raw, bytes) else None,
        "raw_rows": None
        if isinstance(raw, bytes)
        else json.dumps(raw, ensure_ascii=False),
        "superseded": False,
    }


class StagingStore:
    """Stage a file's records, find the superseded ones, and clean up.

    Args:
        db: The database holding the staging table.
        chunk: Rows written per statement.
    """

    def __init__(self, db: Database, *, chunk: int = 2000) -> None:
        self._db = db
        self._chunk = chunk

    def clear(self, file_id: int, kind: str) -> None:
        """Forget what was staged for one file and kind."""
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id, staging.c.kind == kind
                )
            )

    def stage(self, file_id: int, kind: str, rows: Iterable[StagedRow]) -> int:
        """Append rows (streamed, in chunks) and return how many were staged."""
        count = 0
        buffer: list[dict[str, Any]] = []
        for row in rows:
            buffer.append(_encode(file_id, kind, row))
            if len(buffer) >= self._chunk:
                count += self._flush(buffer)
        return count + self._flush(buffer)

    def _flush(self, buffer: list[dict[str, Any]]) -> int:
        if not buffer:
            return 0
        with self._db.begin() as conn:
            conn.execute(staging.insert(), buffer)
        n = len(buffer)
        buffer.clear()
        return n

    def mark_superseded(self, file_id: int, kind: str) -> int:
        """Mark every row beaten by a newer (as_of) or later (idx) row of its key.

        Returns:
            How many rows were marked.
        """
        a, b = staging, staging.alias("b")
        newer = sa.or_(
            b.c.as_of > a.c.as_of, sa.and_(b.c.as_of == a.c.as_of, b.c.idx > a.c.idx)
        )
        beaten = (
            sa.select(sa.literal(1))
            .where(
                b.c.file_id == a.c.file_id,
                b.c.kind == a.c.kind,
                b.c.sku == a.c.sku,
                b.c.source == a.c.source,
                newer,
            )
            .exists()
        )
        stmt = (
            a.update()
            .where(a.c.file_id == file_id, a.c.kind == kind, beaten)
            .values(superseded=True)
        )
        with self._db.begin() as conn:
            return int(conn.execute(stmt).rowcount or 0)

    def superseded(self, file_id: int, kind: str, *, limit: int) -> Iterator[Any]:
        """Yield up to ``limit`` superseded rows, each with its winner's line, idx."""
        a, w = staging, staging.alias("w")
        stmt = (
            sa.select(a, w.c.line.label("winner_line"), w.c.idx.label("winner_idx"))
            .join(
                w,
                sa.and_(
                    w.c.file_id == a.c.file_id,
                    w.c.kind == a.c.kind,
                    w.c.sku == a.c.sku,
                    w.c.source == a.c.source,
                    w.c.superseded == sa.false(),
                ),
            )
            .where(
                a.c.file_id == file_id, a.c.kind == kind, a.c.superseded == sa.true()
            )
            .order_by(a.c.idx)
            .limit(limit)
        )
        with self._db.begin() as conn:
            rows = conn.execute(stmt).all()
        yield from rows

    def count_superseded(self, file_id: int, kind: str) -> int:
        """Count the superseded rows of one file and kind."""
        stmt = sa.select(sa.func.count()).where(
            staging.c.file_id == file_id,
            staging.c.kind == kind,
            staging.c.superseded == sa.true(),
        )
        with self._db.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def settle_counts(self, file_id: int, kind: str, result: Any) -> None:
        """Count as applied every record of the file that any attempt applied.

        A file resumed after an outage sees what its first attempt applied as
        unchanged; the ``records`` log says otherwise, and the report should too.
        A product record whose core data was unchanged but whose ``qty`` was applied
        counts as applied as well.

        Args:
            file_id: The file.
            kind: Its kind.
            result: The ``FlowResult`` whose ``applied``/``unchanged`` are settled.
        """
        stmt = sa.select(sa.func.count(sa.distinct(records.c.idx))).where(
            records.c.file_id == file_id,
            records.c.kind == kind,
            records.c.outcome == "applied",
        )
        with self._db.begin() as conn:
            total = int(conn.execute(stmt).scalar_one())
        result.unchanged = max(0, result.unchanged - (total - result.applied))
        result.applied = total

    def discard_superseded(self, file_id: int, kind: str, of_kind: str) -> None:
        """Drop ``kind`` rows staged from records that are superseded as ``of_kind``.

        A product record beaten by a later one for the same SKU loses its ``qty``
        too, even when the winner carries no ``qty`` at all.
        """
        beaten = sa.select(staging.c.idx).where(
            staging.c.file_id == file_id,
            staging.c.kind == of_kind,
            staging.c.superseded == sa.true(),
        )
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id,
                    staging.c.kind == kind,
                    staging.c.idx.in_(beaten),
                )
            )

    def discard(self, file_id: int, kind: str, skus: Iterable[str]) -> None:
        """Drop staged rows of the given SKUs (e.g. stock of a rejected product)."""
        skus = list(skus)
        if not skus:
            return
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id,
                    staging.c.kind == kind,
                    staging.c.sku.in_(skus),
                )
            )

    def winners_page(
        self,
        file_id: int,
        kind: str,
        state: sa.Table,
        on: Sequence[str],
        *,
        after_idx: int,
        limit: int,
    ) -> list[Any]:
        """Return the next page of winning rows, left-joined with a state table.

        Args:
            file_id: The file.
            kind: The staged kind.
            state: The domain state table to join (its columns prefixed ``state_``).
            on: Column names shared by staging and ``state`` that form the join.
            after_idx: Keyset cursor: only rows with a larger ``idx``.
            limit: Page size.
        """
        cols = [c.label(f"state_{c.name}") for c in state.c]
        cond = sa.and_(*(staging.c[n] == state.c[n] for n in on))
        stmt = (
            sa.select(staging, *cols)
            .select_from(staging.outerjoin(state, cond))
            .where(
                staging.c.file_id == file_id,
                staging.c.kind == kind,
                staging.c.superseded == sa.false(),
                staging.c.idx > after_idx,
            )
            .order_by(staging.c.idx)
            .limit(limit)
        )
        with self._db.begin() as conn:
            return list(conn.execute(stmt).all())
