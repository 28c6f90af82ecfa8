"""A ledger written by the first release, and what to check after it is upgraded.

``release1/release1.db`` was made by that release itself (``make_release1_db.py``
in the same folder says how); the input files it applied lie next to it. On
PostgreSQL the same history is copied into a database that has the base revision's
tables and no version table, which is how the first release left a ledger.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from bridge.config import load_config
from bridge.flows.base import FileContext, FlowResult
from bridge.folders.local import LocalInbox
from bridge.ledger import Ledger
from bridge.ledger.migrate import BASE_REVISION, alembic_config
from bridge.runtime.pipeline import Pipeline

__all__ = [
    "RELEASE1_DB",
    "Opened",
    "open_at_once",
    "redrop_products",
    "release1_copy",
    "release1_on",
    "row_counts",
]

HERE = Path(__file__).resolve().parent / "release1"
RELEASE1_DB = HERE / "release1.db"
#: Rows the first release wrote, per table (checked after the upgrade).
TABLES = (
    "files",
    "records",
    "events",
    "kv",
    "stock_state",
    "product_state",
    "erp_shipments",
    "order_exports",
)


def release1_copy(tmp_path: Path) -> Path:
    """Copy the first release's ledger to ``tmp_path`` (never touch the fixture)."""
    dest = tmp_path / "var" / "bridge.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RELEASE1_DB, dest)
    return dest


def row_counts(url: str) -> dict[str, int]:
    """Count the rows of the first release's tables."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in TABLES
            }
    finally:
        engine.dispose()


def release1_on(url: str) -> None:
    """Give an empty database the first release's tables and history, unversioned."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), BASE_REVISION)
            conn.execute(sa.text("DROP TABLE alembic_version"))
        _copy_rows(engine)
    finally:
        engine.dispose()


def _copy_rows(dest: sa.Engine) -> None:
    source = sa.create_engine(f"sqlite:///{RELEASE1_DB}")
    old = sa.MetaData()
    old.reflect(source)
    try:
        with source.connect() as src, dest.begin() as dst:
            for table in old.sorted_tables:
                rows = [dict(r) for r in src.execute(table.select()).mappings()]
                if rows:
                    dst.execute(table.insert(), rows)
                if "id" in table.c and rows and dest.dialect.name == "postgresql":
                    dst.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'id'), (SELECT max(id) FROM {table.name}))"
                        )
                    )
    finally:
        source.dispose()


class NoCallFlow:
    """A products flow that must not be called: the file is a duplicate."""

    kind = "products"

    def __init__(self) -> None:
        self.calls = 0

    def apply(self, ctx: FileContext, records: Any) -> FlowResult:
        self.calls += 1
        return FlowResult()


def redrop_products(root: Path, ledger: Ledger) -> tuple[str, int]:
    """Drop the first release's products file again; return the outcome, flow calls."""
    settings = load_config(
        None, overrides={"folders": {"root": root, "stable_seconds": 0}}
    )
    flow = NoCallFlow()
    pipeline = Pipeline(settings, ledger, {"products": flow})  # type: ignore[dict-item]
    inbox = LocalInbox(root, stable_seconds=0)
    inbox.ensure()
    path = inbox.inbox / "products" / "products-again.xml"
    shutil.copyfile(HERE / "products.xml", path)
    os.utime(path, (1.0e9, 1.0e9))
    [cand] = [c for c in inbox.scan() if c.name == path.name]
    claimed = inbox.claim(cand, pipeline.work_dir, ledger.now())
    assert claimed is not None
    return pipeline.process(claimed).status, flow.calls


@dataclass(frozen=True)
class Opened:
    """What one process saw when it opened the ledger."""

    ran: bool
    stamped: bool
    after: str


def _open(url: str, barrier: Any, out: Any) -> None:
    barrier.wait()
    ledger = Ledger(url)
    m = ledger.migration
    out.put((m.ran, m.stamped, m.after))
    ledger.close()


def open_at_once(url: str, processes: int = 2) -> list[Opened]:
    """Open the ledger at ``url`` from several processes released at one moment."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_open, args=(url, barrier, out)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    codes = [p.exitcode for p in procs]
    assert codes == [0] * processes, codes
    return [Opened(*out.get(timeout=5)) for _ in procs]
