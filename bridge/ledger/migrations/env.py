"""Alembic environment: run the ledger's revisions on the connection handed in.

``bridge.ledger.migrate`` puts an open connection (inside its locked transaction) in
``config.attributes["connection"]``. Without one (a developer generating a revision)
the engine comes from the ``sqlalchemy.url`` option. SQLite runs in batch mode, so a
revision may alter columns there too.
"""

from __future__ import annotations

from alembic import context

from bridge.ledger._schema import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    import sqlalchemy as sa

    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
