"""A `bridge run` service as a real process, for dropping hostile files into its inbox.

One service runs per test module against the session sandbox (reset per test). Each
test drops its file, waits for the file's outcome (``archive/`` or ``failed/``), then
checks the report, what Magento saw, and that the same process still applies a good
file dropped afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import BridgeHome, write_config

WRITE_METHODS = ("POST", "PUT", "DELETE")
_good = itertools.count(1)


def service_home(
    root: Path, sandbox_url: str, *, stable_seconds: float = 0.3
) -> BridgeHome:
    """A bridge home for a long-running service (files must be stable briefly)."""
    cfg = write_config(root, sandbox_url)
    text = cfg.read_text().replace(
        "stable_seconds = 0", f"stable_seconds = {stable_seconds}"
    )
    # These services test inbound files: no order export polls that could meet
    # orders another test left in the shared sandbox (only the one at start).
    text = text.replace("poll_seconds = 1", "poll_seconds = 3600")
    cfg.write_text(text)
    return BridgeHome(root, sandbox_url)


@dataclass
class RunningBridge:
    """`bridge run` in the background over ``home``."""

    home: BridgeHome
    proc: subprocess.Popen[str]

    @classmethod
    def start(cls, home: BridgeHome) -> RunningBridge:
        """Start the service and wait until it announces itself."""
        proc = home.popen("run")
        bridge = cls(home, proc)
        try:
            bridge.wait_for(lambda: "bridge running" in bridge.log(), "service start")
        except BaseException:
            # Never leave a service behind (it would outlive the run and surface as
            # an unraisable Popen warning in some later, unrelated test).
            bridge.stop()
            raise
        return bridge

    def stop(self) -> None:
        """Stop the service the way an operator does (SIGTERM), then reap it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def log(self) -> str:
        """Everything the service wrote to stdout and stderr so far."""
        path = self.home.root / "bridge-run.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc.poll() is None

    def wait_for(self, done: Any, what: str, timeout: float = 30) -> None:
        """Poll ``done()`` until true; fail with the service log otherwise."""
        deadline = time.monotonic() + timeout
        while not done():
            assert self.alive(), (
                f"service died waiting for {what}:\n{self.log()[-3000:]}"
            )
            assert time.monotonic() < deadline, f"timeout: {what}\n{self.log()[-3000:]}"
            time.sleep(0.05)

    def outcome(self, kind: str, name: str, timeout: float = 30) -> tuple[str, Path]:
        """Wait until ``name`` left the inbox and work folder; return where it went."""

        def landed() -> list[tuple[str, Path]]:
            found = []
            for top in ("archive", "failed"):
                for p in (self.home.root / top / kind).rglob(f"*_{name}"):
                    if p.name.split("_", 1)[1] == name:
                        found.append((top, p))
            return found

        work = self.home.root / "var" / "work" / kind
        inbox = self.home.root / "inbox" / kind / name

        def settled() -> bool:
            pending = any(p.name.endswith("_" + name) for p in work.glob("*"))
            return (
                bool(landed())
                and not pending
                and not inbox.is_symlink()
                and not inbox.exists()
            )

        self.wait_for(settled, f"{kind}/{name} processed", timeout)
        found = landed()
        assert len(found) == 1, f"{name} landed {len(found)} times: {found}"
        return found[0]

    def report(self, path: Path) -> str:
        """The report next to a failed (or noteworthy archived) file."""
        report = path.with_name(path.name + ".report.txt")
        self.wait_for(report.exists, f"report {report.name}", timeout=10)
        return report.read_text()

    def magento_writes(self) -> list[dict[str, Any]]:
        """Writes (POST/PUT/DELETE) Magento saw since the sandbox was reset."""
        return [
            r
            for r in self.home.requests()
            if r["method"] in WRITE_METHODS and r["path"].startswith("/rest/")
        ]

    def applies_a_good_file(self) -> None:
        """The service still takes and applies a good file dropped now."""
        n = next(_good)
        sku = f"GOOD-{n:04d}"
        name = f"good-{n}.csv"
        self.home.drop(
            "products", name, f"sku,name,price\n{sku},Good item {n},{n}.50\n"
        )
        where, _ = self.outcome("products", name)
        assert where == "archive"
        product = self.home.magento("GET", f"/rest/all/V1/products/{sku}")
        assert product["name"] == f"Good item {n}"
        assert product["status"] == 2
        assert self.alive()


@contextlib.contextmanager
def running_service(
    root: Path, sandbox_url: str, *, stable_seconds: float = 0.3
) -> Iterator[RunningBridge]:
    """Run `bridge run` over a new home in ``root`` until the block ends."""
    httpx.post(sandbox_url + "/sandbox/reset", timeout=30).raise_for_status()
    bridge = RunningBridge.start(
        service_home(root, sandbox_url, stable_seconds=stable_seconds)
    )
    try:
        yield bridge
    finally:
        bridge.stop()


def sftp_toml(sshd: Any, remote: Path, key_file: Path | None = None) -> str:
    """The ``[sftp]`` section for a test sshd, its remote folders made under ``remote``.

    Args:
        sshd: A ``tests.sftp.conftest.SshServer``.
        remote: The remote root (seen locally, as the server runs here).
        key_file: The client key; the server's own test key if None.
    """
    for sub in (
        "inbox/products",
        "inbox/stock",
        "inbox/shipments",
        "outbox",
        "archive",
    ):
        (remote / sub).mkdir(parents=True, exist_ok=True)
    return f"""
[sftp]
host = "{sshd.host}"
port = {sshd.port}
username = "{sshd.username}"
key_file = "{key_file or sshd.key_file}"
known_hosts = "{sshd.known_hosts}"
inbox = "{remote / "inbox"}"
outbox = "{remote / "outbox"}"
archive = "{remote / "archive"}"
timeout_seconds = 5
"""
