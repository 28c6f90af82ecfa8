"""`bridge run --once` with [sftp] set: remote drops applied, archived remotely, orders out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SANDBOX_TOKEN
from tests.sftp.conftest import SshServer

PRODUCTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<products><product><sku>CLI-SFTP-1</sku><name>Remote kettle</name><price>299</price>
<qty>4</qty></product></products>
"""
STOCK_CSV = b"sku;qty\nCLI-SFTP-1;7\n"


def test_run_once_over_sftp(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> None:
    """Remote products and stock are applied and archived; a new order reaches the remote outbox."""
    httpx.post(
        sandbox.url + "/sandbox/orders",
        timeout=30,
        json={
            "customer": {
                "email": "e@example.com",
                "firstname": "Eva",
                "lastname": "Ek",
            },
            "items": [{"sku": "CLI-SFTP-1", "qty": 1, "price": 299, "tax_percent": 25}],
            "shipping_amount": 0,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
    ).raise_for_status()
    (remote / "inbox" / "products" / "p.xml").write_bytes(PRODUCTS)
    (remote / "inbox" / "stock" / "s.csv").write_bytes(STOCK_CSV)
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(f"""
[magento]
base_url = "{sandbox.url}"
token = "{SANDBOX_TOKEN}"
[folders]
stable_seconds = 0
[sftp]
host = "{sshd.host}"
port = {sshd.port}
username = "{sshd.username}"
key_file = "{sshd.key_file}"
known_hosts = "{sshd.known_hosts}"
inbox = "{remote / "inbox"}"
outbox = "{remote / "outbox"}"
archive = "{remote / "archive"}"
""")
    run = subprocess.run(
        [sys.executable, "-m", "bridge", "run", "--once", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    product = httpx.get(
        sandbox.url + "/rest/all/V1/products/CLI-SFTP-1", headers=headers, timeout=30
    ).json()
    assert product["status"] == 2
    archived = sorted(
        p.name.split("_", 1)[1] for p in (remote / "archive").rglob("*") if p.is_file()
    )
    assert archived == ["p.xml", "s.csv"]
    assert not any((remote / "inbox").rglob("*.*"))
    delivered = sorted(p.name for p in (remote / "outbox" / "orders").iterdir())
    local = sorted(p.name for p in (tmp_path / "outbox" / "orders").iterdir())
    assert delivered == local
    assert len(delivered) == 1
    status = subprocess.run(
        [sys.executable, "-m", "bridge", "status", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "sftp" in status.stdout
    assert ": up since" in status.stdout
