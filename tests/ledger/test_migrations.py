"""Ledger schema migrations on SQLite: new ledgers, the first release's, newer ones."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bridge.errors import ConfigError
from bridge.ledger import Ledger
from bridge.ledger._schema import metadata
from bridge.ledger.migrate import BASE_REVISION, alembic_config, head
from tests.ledger._release1 import (
    RELEASE1_DB,
    open_at_once,
    redrop_products,
    release1_copy,
    row_counts,
)


def _diff(ledger: Ledger) -> list[object]:
    with ledger.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_new_ledger_is_made_by_the_migrations_and_equals_metadata(
    tmp_path: Path,
) -> None:
    """A brand-new ledger is at the head revision and its schema equals ``metadata``."""
    ledger = Ledger(f"sqlite:///{tmp_path}/new.db")
    try:
        assert ledger.schema_revision() == head()
        assert ledger.migration.ran
        assert not ledger.migration.stamped
        assert _diff(ledger) == []
    finally:
        ledger.close()


def test_base_revision_is_exactly_the_first_releases_schema(tmp_path: Path) -> None:
    """The base revision creates the same tables and indexes the first release did."""
    engine = sa.create_engine(f"sqlite:///{tmp_path}/base.db")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), BASE_REVISION)
    engine.dispose()

    def schema(path: Path) -> set[tuple[str, str, str]]:
        with sqlite3.connect(path) as conn:
            rows = conn.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            ).fetchall()
        return {(t, n, s) for t, n, s in rows}

    assert schema(tmp_path / "base.db") == schema(RELEASE1_DB)


def test_first_release_ledger_is_upgraded_in_place_and_keeps_its_history(
    tmp_path: Path,
) -> None:
    """The first release's ledger is stamped, upgraded, and keeps every row."""
    url = f"sqlite:///{release1_copy(tmp_path)}"
    before = row_counts(url)
    assert before["files"] == 3
    assert before["records"] > 0
    ledger = Ledger(url)
    try:
        assert ledger.migration.stamped
        assert ledger.migration.ran
        assert ledger.schema_revision() == head()
        assert _diff(ledger) == []
        assert row_counts(url) == before
        history = ledger.files.history("ERP-1001", ["products", "stock"])
        assert {h["name"] for h in history} >= {"products.xml"}
    finally:
        ledger.close()


def test_file_applied_by_the_first_release_is_a_duplicate_after_upgrade(
    tmp_path: Path,
) -> None:
    """A products file the first release applied, dropped again, is a duplicate."""
    ledger = Ledger(f"sqlite:///{release1_copy(tmp_path)}")
    try:
        assert redrop_products(tmp_path, ledger) == ("duplicate", 0)
    finally:
        ledger.close()


def test_ledger_of_a_newer_release_is_refused_with_one_line(tmp_path: Path) -> None:
    """A ledger stamped with an unknown revision is refused, naming both revisions."""
    url = f"sqlite:///{tmp_path}/newer.db"
    Ledger(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    with pytest.raises(ConfigError) as err:
        Ledger(url)
    message = str(err.value)
    assert "\n" not in message
    assert "f00dcafe" in message
    assert head() in message
    assert "newer.db" in message


def test_two_processes_opening_an_old_ledger_at_once_migrate_it_once(
    tmp_path: Path,
) -> None:
    """Two processes open the first release's ledger at once: one migrates, both work."""
    url = f"sqlite:///{release1_copy(tmp_path)}"
    before = row_counts(url)
    opened = open_at_once(url)
    assert sorted(o.ran for o in opened) == [False, True]
    assert [o.stamped for o in opened if o.ran] == [True]
    assert {o.after for o in opened} == {head()}
    assert row_counts(url) == before


def test_two_processes_creating_a_new_ledger_at_once_both_succeed(
    tmp_path: Path,
) -> None:
    """Two processes create the same new ledger at once: it is migrated once."""
    opened = open_at_once(f"sqlite:///{tmp_path}/fresh.db")
    assert sorted(o.ran for o in opened) == [False, True]


def test_bridge_refuses_a_newer_ledger_with_exit_2_and_one_line(tmp_path: Path) -> None:
    """`bridge status` on a newer release's ledger exits 2 with one clear line."""
    (tmp_path / "bridge.toml").write_text('[folders]\nroot = "."\n')
    url = f"sqlite:///{tmp_path}/var/bridge.db"
    Ledger(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "status", "--config", "bridge.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "f00dcafe" in lines[0]
