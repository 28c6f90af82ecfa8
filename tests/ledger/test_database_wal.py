"""Several connections opening one brand-new SQLite ledger at the same moment."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from bridge.ledger.database import create_engine

ROUNDS = 150
CONNECTIONS = 6


def _open_together(path: Path) -> list[BaseException]:
    engines = [create_engine(f"sqlite:///{path}") for _ in range(CONNECTIONS)]
    barrier = threading.Barrier(CONNECTIONS)
    errors: list[BaseException] = []

    def open_one(engine: sa.Engine) -> None:
        barrier.wait()
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE IF NOT EXISTS t (a INTEGER)"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    return errors


def test_connections_switching_a_fresh_file_to_wal_together_all_succeed(
    tmp_path: Path,
) -> None:
    """SQLite refuses the second WAL switch at once, busy timeout or not: we wait.

    Found when two services started on one new ledger and one died with
    ``database is locked`` in ``PRAGMA journal_mode=WAL``.
    """
    failed = []
    for n in range(ROUNDS):
        errors = _open_together(tmp_path / f"fresh{n}.db")
        failed.extend(errors)
    assert failed == []
    mode = sa.create_engine(f"sqlite:///{tmp_path}/fresh0.db")
    with mode.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    mode.dispose()
