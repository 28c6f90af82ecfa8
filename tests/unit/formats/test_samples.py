"""The shipped samples: valid ones read clean, invalid ones give their report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.formats.conftest import SAMPLES, read_all

KINDS = ["products", "stock", "shipments"]
INVALID = sorted((SAMPLES / "invalid").glob("*-invalid*.[cx][sm][vl]"))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ext", ["xml", "csv"])
def test_valid_sample_has_no_issue(kind: str, ext: str) -> None:
    """Each valid sample yields records and no issue."""
    records, issues, reader = read_all(SAMPLES / f"{kind}.{ext}", kind)  # type: ignore[arg-type]
    assert issues == []
    assert records
    assert reader.record_count == len(records)


@pytest.mark.parametrize("kind", KINDS)
def test_xml_and_csv_samples_give_the_same_records(kind: str) -> None:
    """The XML and CSV sample of a kind hold the same records (one contract)."""
    xml, _, _ = read_all(SAMPLES / f"{kind}.xml", kind)  # type: ignore[arg-type]
    csv, _, _ = read_all(SAMPLES / f"{kind}.csv", kind)  # type: ignore[arg-type]
    assert [r.key for r in xml] == [r.key for r in csv]
    assert [r.model for r in xml] == [r.model for r in csv]


def test_every_kind_has_an_invalid_xml_and_csv_sample() -> None:
    """samples/invalid holds an invalid XML and CSV per kind, each with its report."""
    names = {p.name for p in INVALID}
    for kind in KINDS:
        assert f"{kind}-invalid.xml" in names
        assert f"{kind}-invalid.csv" in names
    for path in INVALID:
        assert Path(f"{path}.expected.txt").is_file()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_sample_gives_exactly_its_expected_report(path: Path) -> None:
    """An invalid sample yields no record and exactly its .expected.txt lines."""
    kind = path.name.split("-")[0]
    records, issues, _ = read_all(path, kind)  # type: ignore[arg-type]
    expected = Path(f"{path}.expected.txt").read_text(encoding="utf-8").splitlines()
    assert issues == expected
    assert records == []
