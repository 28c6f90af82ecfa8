"""Helpers for the formats tests: sample and fixture paths, a reading shortcut."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.formats import RecordReader
from bridge.models.erp import Kind, ParsedRecord

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples"
FIXTURES = REPO / "tests" / "fixtures" / "erp"

#: The ``write`` fixture: (file name, bytes or UTF-8 text) -> the written path.
WriteFile = Callable[[str, bytes | str], Path]


def read_all(
    path: Path, kind: Kind, options: CsvOptions | None = None, **kw: object
) -> tuple[list[ParsedRecord], list[str], RecordReader]:
    """Read a file completely; return its records, its issue lines and the reader."""
    reader = RecordReader(path, kind, csv=options or CsvOptions(), **kw)  # type: ignore[arg-type]
    records = list(reader)
    return records, [str(i) for i in reader.issues], reader


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """Write bytes (or UTF-8 text) to a file under tmp_path; return its path."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return _write
