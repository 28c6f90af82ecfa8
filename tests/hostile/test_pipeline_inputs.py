"""Hostile files dropped into a running bridge: reported, not applied, service lives on.

Each case is dropped into the inbox of one `bridge run` process. It must end in
``failed/<kind>/`` with a report line naming the file and the problem, Magento must
see no write at all, and the same process must then apply a good file. Reader-level
details (exact messages for every dialect) are tested in ``tests/unit/formats`` and
``tests/hostile/test_formats_*``; here the whole service is under test.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hostile._running import RunningBridge, running_service

GIB = 1024**3
Builder = Callable[[Path, int], bytes]


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, sandbox_server: Any
) -> Iterator[RunningBridge]:
    """One `bridge run` process for every case of this module."""
    with running_service(tmp_path_factory.mktemp("hostile"), sandbox_server.url) as b:
        yield b


@pytest.fixture
def bridge(service: RunningBridge, sandbox: Any) -> RunningBridge:
    """The running service, with a freshly reset sandbox for this case."""
    assert service.alive(), service.log()[-3000:]
    return service


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    """A TCP port that records whether anything (an XML parser) ever connects."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock, sock.getsockname()[1]
    finally:
        sock.close()


def _nobody_connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


def _laughs(_tmp: Path, _port: int) -> bytes:
    ents = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE stock [' + "".join(ents) + "]>\n"
        "<stock><item><sku>&lol9;</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _quadratic(_tmp: Path, _port: int) -> bytes:
    big = "A" * 50_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE stock [<!ENTITY a "{big}">]>\n'
        f"<stock><item><sku>{'&a;' * 5000}</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _xxe_file(tmp: Path, _port: int) -> bytes:
    secret = tmp / "outside-secret.txt"
    secret.write_text("TOPSECRET-XXE-42")
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE stock [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        "<stock><item><sku>&s;</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _xxe_network(_tmp: Path, port: int) -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE stock [<!ENTITY s SYSTEM '
        f'"http://127.0.0.1:{port}/steal">]>\n'
        "<stock><item><sku>&s;</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _external_dtd(_tmp: Path, port: int) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE stock SYSTEM "http://127.0.0.1:{port}/x.dtd">\n'
        "<stock><item><sku>ERP-1</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _parameter_entity(_tmp: Path, port: int) -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE stock [<!ENTITY % p SYSTEM '
        f'"http://127.0.0.1:{port}/p.dtd"> %p;]>\n'
        "<stock><item><sku>ERP-1</sku><qty>1</qty></item></stock>\n"
    ).encode()


def _const(data: bytes) -> Builder:
    return lambda _tmp, _port: data


STOCK_XML = "<stock><item><sku>ERP-1</sku><qty>1</qty></item></stock>\n"

# (kind, file name, content builder, pattern of the report's problem line)
CASES: dict[str, tuple[str, str, Builder, str | re.Pattern[str]]] = {
    "billion-laughs": (
        "stock",
        "laughs.xml",
        _laughs,
        "laughs.xml:2: DOCTYPE not allowed",
    ),
    "quadratic-blowup": (
        "stock",
        "quad.xml",
        _quadratic,
        "quad.xml:2: DOCTYPE not allowed",
    ),
    "xxe-file-entity": (
        "stock",
        "xxe.xml",
        _xxe_file,
        "xxe.xml:2: DOCTYPE not allowed",
    ),
    "xxe-network-entity": (
        "stock",
        "xxe-net.xml",
        _xxe_network,
        "xxe-net.xml:2: DOCTYPE",
    ),
    "external-dtd": (
        "stock",
        "dtd.xml",
        _external_dtd,
        "dtd.xml:2: DOCTYPE not allowed",
    ),
    "parameter-entity": (
        "stock",
        "pe.xml",
        _parameter_entity,
        "pe.xml:2: DOCTYPE not allowed",
    ),
    "malformed-utf8-xml": (
        "stock",
        "bad8.xml",
        _const(b"<stock><item><sku>A\xc3\x28</sku><qty>1</qty></item></stock>\n"),
        "bad8.xml:1: not readable as UTF-8",
    ),
    "malformed-utf8-csv": (
        "stock",
        "bad8.csv",
        _const(b"sku,qty\nERP-1,1\nA\xff,1\n"),
        "bad8.csv:3: cannot be read as utf-8: byte 0xFF",
    ),
    "utf16-no-bom-xml": (
        "stock",
        "u16.xml",
        _const(STOCK_XML.encode("utf-16-le")),
        "u16.xml:1: binary content (NUL byte)",
    ),
    "utf16-no-bom-csv": (
        "stock",
        "u16.csv",
        _const("sku,qty\nERP-1,1\n".encode("utf-16-be")),
        "u16.csv:1: binary content (NUL byte)",
    ),
    "nul-bytes": (
        "stock",
        "nul.csv",
        _const(b"sku,qty\nERP-1,1\nERP-\x002,1\n"),
        "nul.csv:3: binary content (NUL byte)",
    ),
    "long-line": (
        "products",
        "long.csv",
        _const(b"sku,name,price\nP-1," + b"x" * 300_000 + b",1\n"),
        re.compile(r"long\.csv:2: .*(longer|larger) than"),
    ),
    "long-field-xml": (
        "products",
        "longfield.xml",
        _const(
            b"<products>\n<product><sku>P-1</sku><name>N</name><price>1</price>"
            b"<description>"
            + b"y" * 200_000
            + b"</description></product>\n</products>\n"
        ),
        "longfield.xml:2: description: longer than",
    ),
    "missing-column": (
        "products",
        "missing.csv",
        _const(b"sku,name\nP-1,Thing\n"),
        "missing.csv:1: price: required column is missing",
    ),
    "extra-column": (
        "products",
        "extra.csv",
        _const(b"sku,name,price,colour\nP-1,Thing,1,red\n"),
        "extra.csv:1: colour: unknown column",
    ),
    "short-and-long-rows": (
        "products",
        "ragged.csv",
        _const(b"sku,name,price\nP-1,Thing\nP-2,Other,2,extra\n"),
        "ragged.csv:2:",
    ),
    "duplicate-header": (
        "products",
        "dup.csv",
        _const(b"sku,name,price,price\nP-1,Thing,1,2\n"),
        "dup.csv:1: price: column given twice",
    ),
    "formula-in-number": (
        "products",
        "formula.csv",
        _const(b"sku,name,price\nP-1,Thing,=1+2\n"),
        "formula.csv:2: price: '=1+2' is not a valid value",
    ),
    "negative-qty": (
        "stock",
        "neg.csv",
        _const(b"sku,qty\nERP-1,5\nERP-2,-3\n"),
        "neg.csv:3: qty: '-3' is not a valid value",
    ),
    "nan-qty": (
        "stock",
        "nan.xml",
        _const(b"<stock>\n<item><sku>ERP-1</sku><qty>NaN</qty></item>\n</stock>\n"),
        "nan.xml:2: qty: 'NaN' is not a valid value",
    ),
    "infinite-qty": (
        "stock",
        "inf.csv",
        _const(b"sku;qty\nERP-1;INF\n"),
        "inf.csv:2: qty: 'INF' is not a valid value",
    ),
    "thousands-separator": (
        "products",
        "thousands.csv",
        _const(b'sku,name,price\nP-1,Thing,"1,234.50"\n'),
        "thousands.csv:2: price: '1,234.50' is not a valid value",
    ),
    "thousands-space": (
        "products",
        "thousands2.csv",
        _const(b"sku;name;price\nP-1;Thing;1 234,50\n"),
        "thousands2.csv:2: price: '1 234,50' is not a valid value",
    ),
    "wrong-root": (
        "stock",
        "root.xml",
        _const(b"<products><product/></products>\n"),
        "root.xml:1: root element is <products>, expected <stock>",
    ),
    "empty-file": ("stock", "empty.csv", _const(b""), "empty.csv:1: file is empty"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_quarantined_and_service_lives_on(
    case: str,
    bridge: RunningBridge,
    listener: tuple[socket.socket, int],
    tmp_path: Path,
) -> None:
    """The file ends in failed/ with a located report line; nothing reaches Magento."""
    kind, name, build, expected = CASES[case]
    sock, port = listener
    data = build(tmp_path, port)
    bridge.home.drop(kind, name, data)
    where, path = bridge.outcome(kind, name)
    assert where == "failed"
    report = bridge.report(path)
    pattern = expected if isinstance(expected, re.Pattern) else re.escape(expected)
    assert re.search(pattern, report), report
    assert "Nothing from this file was applied" in report
    assert "TOPSECRET" not in report + bridge.log()
    assert path.read_bytes() == data  # quarantined as received, byte for byte
    assert bridge.magento_writes() == []
    assert _nobody_connected(sock), "the XML parser fetched an external resource"
    bridge.applies_a_good_file()


def test_two_gigabyte_sparse_file_is_refused_by_size(bridge: RunningBridge) -> None:
    """A 2 GB file over folders.max_file_mb is refused unread, with the limit named."""
    path = bridge.home.root / "inbox" / "stock" / ".huge.csv.part"
    with path.open("wb") as fh:
        fh.write(b"sku,qty\n")
        fh.truncate(2 * GIB)  # sparse: no disk blocks, but 2 GB to anyone who reads it
    path.replace(path.with_name("huge.csv"))
    where, failed = bridge.outcome("stock", "huge.csv")
    assert where == "failed"
    assert failed.stat().st_size == 2 * GIB
    report = bridge.report(failed)
    assert f"huge.csv: file is {2 * GIB} bytes, over the limit of 1024 MB" in report
    assert "folders.max_file_mb" in report
    assert bridge.magento_writes() == []
    bridge.applies_a_good_file()


def test_symlink_to_a_file_outside_is_moved_not_followed(
    bridge: RunningBridge, tmp_path: Path
) -> None:
    """A symlink in the inbox is moved to failed/ as a link; its target is untouched."""
    target = tmp_path / "outside.csv"
    target.write_bytes(b"sku,qty\nERP-1,999\n")
    before = target.stat()
    link = bridge.home.root / "inbox" / "stock" / "link.csv"
    link.symlink_to(target)
    where, failed = bridge.outcome("stock", "link.csv")
    assert where == "failed"
    assert failed.is_symlink()
    assert failed.readlink() == target
    assert target.read_bytes() == b"sku,qty\nERP-1,999\n"
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    report = bridge.report(failed)
    assert "link.csv: refused: symbolic link (never followed)" in report
    assert bridge.magento_writes() == []
    bridge.applies_a_good_file()


def test_fifo_in_the_inbox_does_not_block_the_service(bridge: RunningBridge) -> None:
    """A named pipe (whose read would block forever) is refused without being opened."""
    fifo = bridge.home.root / "inbox" / "stock" / "pipe.csv"
    os.mkfifo(fifo)
    where, failed = bridge.outcome("stock", "pipe.csv")
    assert where == "failed"
    assert "pipe.csv: refused: named pipe" in bridge.report(failed)
    bridge.applies_a_good_file()


def test_formula_text_is_applied_as_plain_text(bridge: RunningBridge) -> None:
    """A spreadsheet formula in a text field is data: stored verbatim, not evaluated."""
    formula = '=HYPERLINK("http://evil.example/x","click")'
    cell = '"' + formula.replace('"', '""') + '"'
    bridge.home.drop("products", "formula-text.csv", f"sku,name,price\nFX-1,{cell},5\n")
    where, _ = bridge.outcome("products", "formula-text.csv")
    assert where == "archive"
    assert bridge.home.magento("GET", "/rest/all/V1/products/FX-1")["name"] == formula
