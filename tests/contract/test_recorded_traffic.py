"""Validate traffic recorded by a sandbox ``record_file`` against the official schema.

How to use it (documented in the README's testing section): run the suite once with
``SANDBOX_RECORD_FILE=var/sandbox-traffic.jsonl`` so that the session sandbox (see
``tests/conftest.py``) appends every request and response it sees, then run this
module with the same variable to check everything the bridge sent and the sandbox
answered. Without the variable there is nothing recorded to check and it skips.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.contract.swagger import schema_available, validate_exchange

RECORD = os.environ.get("SANDBOX_RECORD_FILE", "")


@pytest.mark.skipif(
    not schema_available(), reason="Magento's swagger schema is not in shared/reference"
)
@pytest.mark.skipif(
    not RECORD, reason="no SANDBOX_RECORD_FILE: no recorded traffic to check"
)
def test_recorded_traffic_matches_the_schema() -> None:
    """Every recorded Magento request and response is valid under the schema."""
    path = Path(RECORD)
    assert path.is_file(), f"{path} does not exist: run the suite with recording first"
    problems = []
    for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1
    ):
        problems += [f"line {number}: {p}" for p in validate_exchange(json.loads(line))]
    assert problems == []
