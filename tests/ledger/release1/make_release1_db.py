"""Make ``release1.db``: a ledger written by the first release (commit 1478415).

Run from a checkout of that commit, with its venv::

    git worktree add /tmp/r1 1478415 && cd /tmp/r1 && make .venv/.installed
    .venv/bin/python /path/to/tests/ledger/release1/make_release1_db.py OUT_DIR

It starts the sandbox, places the two orders of ``shipments.xml``, then runs the
release's own ``bridge process`` on ``products.xml``, ``stock.csv`` and
``shipments.xml`` (all in this folder) with one ``bridge export-orders`` before the
shipments, and copies the resulting ``var/bridge.db`` to ``OUT_DIR/release1.db``.
The history it holds (files done and partial, records, product and stock state,
shipment steps, order exports, the export cursor) is what the upgrade tests expect
to survive.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bridge.sandbox import SandboxServer

HERE = Path(__file__).resolve().parent
TOKEN = "release1-token"


def _orders(base: str) -> None:
    customer = {"email": "karin.lund@example.se", "firstname": "Karin"}
    customer["lastname"] = "Lund"
    first = {
        "customer": customer,
        "shipping_amount": 49,
        "payment_method": "sveawebpay_invoice",
        "invoice_fee": 29,
        "items": [
            {"sku": "ERP-1001", "qty": 2, "price": 129, "tax_percent": 25},
            {"sku": "ERP-1003", "qty": 1, "price": 89, "tax_percent": 25},
        ],
    }
    second = {
        "customer": {"email": "olof@example.se", "firstname": "Olof", "lastname": "Ek"},
        "shipping_amount": 0,
        "payment_method": "checkmo",
        "invoice_fee": 0,
        "items": [{"sku": "ERP-1002", "qty": 1, "price": 549.5, "tax_percent": 25}],
    }
    for order in (first, second):
        order["created_at"] = "2026-11-26 08:00:00"
        httpx.post(base + "/sandbox/orders", json=order).raise_for_status()


def main(out_dir: Path) -> None:
    """Write ``out_dir/release1.db`` (see the module docstring)."""
    server = SandboxServer(host="127.0.0.1", port=0, token=TOKEN)
    server.start()
    try:
        _orders(server.url)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            (home / "bridge.toml").write_text(
                f'[magento]\nbase_url = "{server.url}"\ntoken = "{TOKEN}"\n'
                '[folders]\nroot = "."\nstable_seconds = 0\n'
            )
            for kind, name in (
                ("products", "products.xml"),
                ("stock", "stock.csv"),
                ("shipments", "shipments.xml"),
            ):
                inbox = home / "inbox" / kind
                inbox.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(HERE / name, inbox / name)
                if kind == "shipments":
                    _bridge(home, "export-orders")
                _bridge(home, "process", str(inbox / name))
            shutil.copyfile(home / "var" / "bridge.db", out_dir / "release1.db")
    finally:
        server.stop()


def _bridge(home: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "bridge", *args, "--config", "bridge.toml"]
    subprocess.run(cmd, cwd=home, capture_output=True, text=True, check=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
