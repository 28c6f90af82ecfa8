"""Leases: one owner at a time for a unit of work, recorded in the ledger.

A lease names a unit of work (``file:<kind>/<work name>``, ``shipment:<id>``,
``orders:export``) and its owner (``host:pid:random``, see :func:`owner_id`). The
owner renews it while it works; another process may take it over only once it has
expired (the owner died or stopped renewing). Acquiring is two single statements, each
atomic on SQLite and PostgreSQL alike:

1. ``INSERT … ON CONFLICT DO NOTHING``: take a free name (one statement for the
   usual case, a file just claimed under a new name);
2. if the name was taken, ``UPDATE leases SET owner=… WHERE name=… AND (owner=… OR
   expires_at < now)``: take over an expired lease, or extend one's own.

Exactly one of several racing processes changes a row; the others see none changed
and are told the lease is held. Times come from the ledger's clock; on several hosts
the clocks must agree to well within ``runtime.lease_seconds`` (NTP).
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bridge.ledger._schema import leases
from bridge.ledger.database import Database

__all__ = ["Lease", "LeaseStore", "owner_id"]


def owner_id() -> str:
    """A new owner id for this process: ``host:pid:random`` (unique across restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Lease:
    """One lease as the ledger holds it."""

    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


@functools.cache
def _insert_ignore(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING name``, built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(leases)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(leases)
    return stmt.on_conflict_do_nothing(index_elements=["name"]).returning(leases.c.name)


# Built once (a file takes and lets go of its lease: issue 17's many small files).
_NAME = leases.c.name == sa.bindparam("b_name")
_OWNER = leases.c.owner == sa.bindparam("b_owner")
_TAKE = (
    leases.update()
    .where(_NAME)
    .where(sa.or_(_OWNER, leases.c.expires_at < sa.bindparam("b_now")))
)
_RELEASE = leases.delete().where(_NAME, _OWNER)


class LeaseStore:
    """Acquire, renew, release and list leases.

    Args:
        db: The ledger's database.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def acquire(self, name: str, owner: str, ttl: float) -> bool:
        """Take the lease ``name`` for ``owner`` for ``ttl`` seconds, if free or expired.

        Acquiring a lease one already holds extends it.

        Args:
            name: What the lease is for (``file:…``, ``shipment:<id>``, ``orders:export``).
            owner: The caller's owner id (:func:`owner_id`).
            ttl: Seconds until the lease expires unless renewed.

        Returns:
            True when ``owner`` now holds the lease, False when another live owner does.

        Raises:
            LedgerBusyError: SQLite stayed locked past its busy timeout.
        """
        now = self.db.now()
        expires = now + timedelta(seconds=ttl)
        with self.db.begin() as conn:
            # A free name first: the usual case (a file just claimed under a new
            # name) is one statement. RETURNING, not rowcount: psycopg reports -1
            # for INSERT … DO NOTHING.
            row = {"owner": owner, "acquired_at": now, "expires_at": expires}
            inserted = conn.execute(
                _insert_ignore(self.db.dialect), {"name": name, **row}
            ).first()
            if inserted is not None:
                return True
            params = {"b_name": name, "b_owner": owner, "b_now": now, **row}
            taken = conn.execute(_TAKE, params).rowcount
            return bool(taken == 1)

    def take_over(self, name: str, dead: str, owner: str, ttl: float) -> bool:
        """Take ``name`` from the owner ``dead`` (known to be gone), if it still holds it."""
        now = self.db.now()
        with self.db.begin() as conn:
            taken = conn.execute(
                leases.update()
                .where(leases.c.name == name, leases.c.owner == dead)
                .values(
                    owner=owner,
                    acquired_at=now,
                    expires_at=now + timedelta(seconds=ttl),
                )
                .returning(leases.c.name)
            ).first()
        return taken is not None

    def renew(self, names: list[str], owner: str, ttl: float) -> list[str]:
        """Extend the leases ``names`` that ``owner`` still holds.

        Args:
            names: The leases to renew.
            owner: The caller's owner id.
            ttl: Seconds from now until they expire.

        Returns:
            The names that were *not* renewed (lost: taken over after expiry).
        """
        if not names:
            return []
        expires = self.db.now() + timedelta(seconds=ttl)
        lost = []
        with self.db.begin() as conn:
            for name in names:
                done = conn.execute(
                    leases.update()
                    .where(leases.c.name == name, leases.c.owner == owner)
                    .values(expires_at=expires)
                ).rowcount
                if done != 1:
                    lost.append(name)
        return lost

    def release(self, name: str, owner: str) -> None:
        """Give the lease up (only if ``owner`` still holds it)."""
        with self.db.begin() as conn:
            conn.execute(_RELEASE, {"b_name": name, "b_owner": owner})

    def holder(self, name: str) -> Lease | None:
        """The current lease on ``name`` (expired or not), or None."""
        with self.db.translate(), self.db.engine.connect() as conn:
            row = conn.execute(
                sa.select(leases).where(leases.c.name == name)
            ).one_or_none()
        return None if row is None else Lease(*row)

    def held(self, prefix: str = "") -> list[Lease]:
        """Leases not yet expired whose name starts with ``prefix`` (for status)."""
        now = self.db.now()
        query = sa.select(leases).where(leases.c.expires_at >= now)
        if prefix:
            query = query.where(leases.c.name.startswith(prefix, autoescape=True))
        with self.db.translate(), self.db.engine.connect() as conn:
            rows = conn.execute(query.order_by(leases.c.name)).all()
        return [Lease(*row) for row in rows]
