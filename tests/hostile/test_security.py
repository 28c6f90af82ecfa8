"""Secrets stay secret, quarantined files stay private, the sandbox stays on loopback.

The secrets test runs the whole bridge as processes (verbose logging on) with every
kind of credential set to a unique random value: a Bearer token or the four OAuth
1.0a keys against a sandbox that accepts them, and an SFTP password plus an
encrypted key's passphrase against a real sshd. It drives good paths (files applied,
an order exported and pushed) and failing ones (invalid file, rejected records,
wrong credentials), then greps every byte the runs wrote: stdout, stderr, reports,
archive, failed, outbox, the ledger and the remote folders.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bridge.sandbox import SandboxServer
from bridge.sandbox._auth import OAuthKeys
from tests.hostile._running import sftp_toml
from tests.sftp.conftest import SshServer

PRODUCTS = b"sku,name,price\nSEC-1,Kettle,299\n"
INVALID = b"sku,name,price\nSEC-2,Pan,-5\n"
SHIPMENTS = b"shipment_id,order_number,sku,qty\nSEC-DN-1,999999999,SEC-1,1\n"
LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


def _secret(label: str) -> str:
    return f"{label}-{secrets.token_hex(12)}"


@dataclass
class Secrets:
    """Every credential of one test, each a unique string to grep for."""

    token: str = field(default_factory=lambda: _secret("tok"))
    wrong_token: str = field(default_factory=lambda: _secret("badtok"))
    oauth: OAuthKeys = field(
        default_factory=lambda: OAuthKeys(
            consumer_key=_secret("ck"),
            consumer_secret=_secret("cs"),
            access_token=_secret("at"),
            access_token_secret=_secret("ats"),
        )
    )
    password: str = field(default_factory=lambda: _secret("pw"))
    passphrase: str = field(default_factory=lambda: _secret("pp"))
    wrong_passphrase: str = field(default_factory=lambda: _secret("badpp"))

    def all(self) -> dict[str, str]:
        """Every secret by name."""
        keys = self.oauth
        return {
            "token": self.token,
            "wrong_token": self.wrong_token,
            "consumer_secret": keys.consumer_secret,
            "access_token": keys.access_token,
            "access_token_secret": keys.access_token_secret,
            "password": self.password,
            "passphrase": self.passphrase,
            "wrong_passphrase": self.wrong_passphrase,
        }


@pytest.fixture(scope="module")
def creds() -> Secrets:
    """Fresh secrets for this module."""
    return Secrets()


@pytest.fixture(scope="module")
def sshd_with_passphrase(
    tmp_path_factory: pytest.TempPathFactory, creds: Secrets
) -> Iterator[tuple[SshServer, Path]]:
    """A real sshd that accepts a client key encrypted with ``creds.passphrase``."""
    server = SshServer(tmp_path_factory.mktemp("sshd-sec"))
    key = server.base / "encrypted_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", creds.passphrase, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    with (server.base / "authorized_keys").open("ab") as fh:
        fh.write(key.with_suffix(".pub").read_bytes())
    server.start()
    try:
        yield server, key
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["bearer", "oauth"])
def shop(request: pytest.FixtureRequest, creds: Secrets) -> Iterator[SandboxServer]:
    """A sandbox that accepts exactly this module's token or OAuth keys."""
    if request.param == "bearer":
        server = SandboxServer(token=creds.token)
    else:
        server = SandboxServer(token=None, oauth=creds.oauth)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _config(
    root: Path, shop: SandboxServer, sshd: SshServer, key: Path, creds: Secrets
) -> Path:
    if shop.token:
        auth = f'token = "{creds.token}"'
    else:
        k = creds.oauth
        auth = (
            f'consumer_key = "{k.consumer_key}"\n'
            f'consumer_secret = "{k.consumer_secret}"\n'
            f'access_token = "{k.access_token}"\n'
            f'access_token_secret = "{k.access_token_secret}"'
        )
    cfg = root / "bridge.toml"
    cfg.write_text(
        f"""
[magento]
base_url = "{shop.url}"
{auth}
timeout_seconds = 5
max_retries = 1
backoff_initial_seconds = 0.01
[folders]
stable_seconds = 0
{sftp_toml(sshd, root / "remote", key)}
key_passphrase = "{creds.passphrase}"
password = "{creds.password}"
"""
    )
    return cfg


@dataclass
class Runs:
    """Everything the bridge processes printed."""

    cfg: Path
    output: list[str] = field(default_factory=list)

    def bridge(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run `bridge -v ARGS` with a loose umask (does the bridge tighten modes?)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
        run = subprocess.run(
            [sys.executable, "-m", "bridge", "-v", *args, "--config", str(self.cfg)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**clean, **env},
            umask=0o002,
        )
        self.output += [run.stdout, run.stderr]
        return run


def _everything_written(root: Path) -> Iterator[tuple[Path, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != "bridge.toml":
            yield path, path.read_bytes()


def _drive(runs: Runs, root: Path, shop: SandboxServer) -> None:
    """Good and failing paths: applied, invalid, rejected, retried, exported."""
    httpx.post(
        shop.url + "/sandbox/orders",
        timeout=30,
        json={
            "customer": {
                "email": "s@example.com",
                "firstname": "Sam",
                "lastname": "Ek",
            },
            "items": [{"sku": "SEC-1", "qty": 1, "price": 299, "tax_percent": 25}],
            "shipping_amount": 0,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
    ).raise_for_status()
    remote = root / "remote" / "inbox"
    (remote / "products" / "p.csv").write_bytes(PRODUCTS)
    (remote / "products" / "bad.csv").write_bytes(INVALID)
    (remote / "shipments" / "s.csv").write_bytes(SHIPMENTS)
    first = runs.bridge("run", "--once")
    assert first.returncode == 1, first.stdout + first.stderr[-3000:]
    httpx.post(
        shop.url + "/sandbox/faults", json={"status": 503, "count": 5}, timeout=9
    )
    (root / "inbox" / "products").mkdir(parents=True, exist_ok=True)
    (root / "inbox" / "products" / "p2.csv").write_bytes(
        b"sku,name,price\nSEC-3,Mug,9\n"
    )
    runs.bridge("run", "--once")
    httpx.post(shop.url + "/sandbox/faults", json={}, timeout=9).raise_for_status()
    runs.bridge("status")
    runs.bridge("audit", "file", "bad.csv")


@pytest.fixture
def driven(
    tmp_path: Path,
    shop: SandboxServer,
    sshd_with_passphrase: tuple[SshServer, Path],
    creds: Secrets,
) -> Runs:
    """A bridge home on tmp_path that went through the good and failing paths."""
    sshd, key = sshd_with_passphrase
    runs = Runs(_config(tmp_path, shop, sshd, key, creds))
    _drive(runs, tmp_path, shop)
    return runs


def test_no_secret_in_any_output_report_or_file(
    driven: Runs, tmp_path: Path, shop: SandboxServer, creds: Secrets
) -> None:
    """No token, OAuth secret, password or passphrase is in anything a run wrote."""
    runs = driven
    wrong_magento = (
        {"BRIDGE_MAGENTO__TOKEN": creds.wrong_token}
        if shop.token
        else {"BRIDGE_MAGENTO__ACCESS_TOKEN_SECRET": creds.wrong_token}
    )
    (tmp_path / "inbox" / "stock").mkdir(parents=True, exist_ok=True)
    (tmp_path / "inbox" / "stock" / "s.csv").write_bytes(b"sku,qty\nSEC-1,4\n")
    refused = runs.bridge("run", "--once", **wrong_magento)
    bad_key = runs.bridge(
        "run", "--once", BRIDGE_SFTP__KEY_PASSPHRASE=creds.wrong_passphrase
    )
    bad_type = runs.bridge("status", BRIDGE_SFTP__PORT=creds.password)
    said = "\n".join(runs.output)
    # Evidence that the paths ran: applied, failed, rejected, refused credentials.
    assert shop.requests(), "Magento was never called"
    assert "file_archived" in said
    assert "file_failed" in said
    assert "record_rejected" in said
    assert "magento_auth_failed" in refused.stderr
    assert bad_key.stderr.strip(), "a wrong key passphrase should be reported"
    assert bad_type.returncode == 2
    assert any((tmp_path / "remote" / "outbox").rglob("order-*"))
    leaks = [
        f"{name} in {where}"
        for name, value in creds.all().items()
        for where, blob in [
            ("process output", said.encode()),
            *(
                (str(p.relative_to(tmp_path)), b)
                for p, b in _everything_written(tmp_path)
            ),
        ]
        if value.encode() in blob
    ]
    assert creds.password.encode() in runs.cfg.read_bytes()  # the search can find
    assert leaks == []


def test_archive_and_failed_files_are_private(driven: Runs, tmp_path: Path) -> None:
    """Files and folders under archive/ and failed/ give nothing to other users."""
    found = [
        p
        for top in ("archive", "failed")
        for p in [tmp_path / top, *(tmp_path / top).rglob("*")]
    ]
    assert any(p.name.endswith(".report.txt") for p in found)
    assert any(".rejects." in p.name for p in found)
    assert any(p.name.endswith("_p.csv") for p in found)
    loose = [
        f"{p.relative_to(tmp_path)} {p.stat().st_mode & 0o777:o}"
        for p in found
        if p.stat().st_mode & 0o027  # group write, or anything for others
    ]
    assert loose == [], "\n".join(loose)


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses with a listening socket on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:]
        for line in lines:
            cols = line.split()
            addr, hexport = cols[1].rsplit(":", 1)
            if int(hexport, 16) == port and cols[3] == LISTEN:
                found.add(addr)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sandbox_server_binds_loopback_by_default() -> None:
    """SandboxServer() listens on 127.0.0.1 only."""
    server = SandboxServer()
    server.start()
    try:
        assert server.host == "127.0.0.1"
        assert _listening_addresses(server.port) == {"0100007F"}
    finally:
        server.stop()


def test_bridge_sandbox_command_binds_loopback_by_default(tmp_path: Path) -> None:
    """`bridge sandbox` without --host listens on 127.0.0.1 only."""
    port = _free_port()
    log = tmp_path / "sandbox.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", "sandbox", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while not _listening_addresses(port):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert _listening_addresses(port) == {"0100007F"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
