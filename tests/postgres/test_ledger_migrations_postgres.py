"""Ledger schema migrations on PostgreSQL: new ledgers, the first release's, newer ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bridge.errors import ConfigError
from bridge.ledger import Ledger
from bridge.ledger._schema import metadata
from bridge.ledger.migrate import head
from tests.ledger._release1 import (
    open_at_once,
    redrop_products,
    release1_on,
    row_counts,
)


def test_new_ledger_on_postgres_equals_metadata(fresh_postgres_url: str) -> None:
    """A new PostgreSQL ledger is at the head revision and its schema equals metadata."""
    ledger = Ledger(fresh_postgres_url)
    try:
        assert ledger.schema_revision() == head()
        with ledger.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        ledger.close()


def test_first_release_ledger_on_postgres_is_upgraded_and_keeps_history(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    """The first release's PostgreSQL ledger keeps its rows and finds duplicates."""
    release1_on(fresh_postgres_url)
    before = row_counts(fresh_postgres_url)
    assert before["files"] == 3
    ledger = Ledger(fresh_postgres_url)
    try:
        assert ledger.migration.stamped
        assert ledger.migration.ran
        assert ledger.schema_revision() == head()
        assert row_counts(fresh_postgres_url) == before
        assert redrop_products(tmp_path, ledger) == ("duplicate", 0)
    finally:
        ledger.close()


def test_two_processes_upgrade_a_postgres_ledger_once(fresh_postgres_url: str) -> None:
    """Two processes open the first release's PostgreSQL ledger at once: one migrates."""
    release1_on(fresh_postgres_url)
    before = row_counts(fresh_postgres_url)
    opened = open_at_once(fresh_postgres_url)
    assert sorted(o.ran for o in opened) == [False, True]
    assert {o.after for o in opened} == {head()}
    assert row_counts(fresh_postgres_url) == before


def test_newer_postgres_ledger_is_refused(fresh_postgres_url: str) -> None:
    """A PostgreSQL ledger stamped by a newer release is refused with one line."""
    Ledger(fresh_postgres_url).close()
    engine = sa.create_engine(fresh_postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    with pytest.raises(ConfigError, match=r"f00dcafe.*newest is") as err:
        Ledger(fresh_postgres_url)
    assert "\n" not in str(err.value)
