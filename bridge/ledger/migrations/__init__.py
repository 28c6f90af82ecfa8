"""Alembic migrations of the ledger schema, shipped inside the package.

``env.py`` runs them on the connection that ``bridge.ledger.migrate`` hands over (no
``alembic.ini`` is needed at runtime); ``versions/`` holds one module per revision,
the first being the schema of the first release.
"""
