"""Fuzzing the ERP readers: any bytes end as records or issues, never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.config import CsvOptions
from bridge.formats import RecordReader

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
KINDS = ("products", "stock", "shipments")
SOURCES = [SAMPLES / f"{k}.{e}" for k in KINDS for e in ("xml", "csv")]
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _read(content: bytes, kind: str, ext: str, options: CsvOptions) -> None:
    """Read the bytes as a file; check the reader's own invariants."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz.{ext}"
        path.write_bytes(content)
        reader = RecordReader(path, kind, csv=options)  # type: ignore[arg-type]
        records = list(reader)
    assert len(records) <= reader.record_count or reader.issues
    if not reader.issues:
        assert len(records) == reader.record_count
    assert all(i.file == "fuzz." + ext for i in reader.issues)


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[bytes, str, str]:
    source = draw(st.sampled_from(SOURCES))
    data = bytearray(source.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if action == "insert":
            data[pos:pos] = chunk
        elif action == "delete":
            del data[pos : pos + len(chunk)]
        else:
            data[pos : pos + len(chunk)] = chunk
    kind = source.stem
    return bytes(data), kind, source.suffix.lstrip(".")


@FUZZ
@given(
    content=st.binary(max_size=2000),
    kind=st.sampled_from(KINDS),
    ext=st.sampled_from(["xml", "csv"]),
)
def test_random_bytes_never_raise(content: bytes, kind: str, ext: str) -> None:
    """Random bytes as any kind and format give issues or records, never raise."""
    _read(content, kind, ext, CsvOptions())


@FUZZ
@given(case=_mutated(), decimal=st.sampled_from([".", ","]))
def test_mutated_samples_never_raise(
    case: tuple[bytes, str, str], decimal: str
) -> None:
    """Valid samples with random byte edits give issues or records, never raise."""
    content, kind, ext = case
    _read(content, kind, ext, CsvOptions(decimal_separator=decimal))


@FUZZ
@given(
    text=st.text(max_size=300),
    kind=st.sampled_from(KINDS),
    encoding=st.sampled_from(["utf-8", "cp1252", "latin-1"]),
)
def test_random_text_csv_never_raises(text: str, kind: str, encoding: str) -> None:
    """Random text behind a valid header, in any configured encoding, never raises."""
    header = {
        "products": "sku;name;price",
        "stock": "sku;qty",
        "shipments": "shipment_id;order_number;sku;qty",
    }[kind]
    content = (header + "\n" + text).encode("utf-8", errors="surrogatepass")
    _read(content, kind, "csv", CsvOptions(encoding=encoding))
