"""A real OpenSSH sshd on 127.0.0.1 for the SFTP tests (reference/ENVIRONMENT.md §3).

The server runs ``internal-sftp`` with its start directory forced to a temporary
remote root, authenticates one ed25519 client key, and has its host key in a
``known_hosts`` written the way OpenSSH writes non-22 ports (``[127.0.0.1]:PORT``).
``stop()`` kills the listener *and* its per-connection session processes (sshd puts
those in their own sessions), which is how a dropped connection is simulated.
A missing sshd fails the tests: ``make test`` installs openssh-server.
"""

from __future__ import annotations

import contextlib
import getpass
import itertools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.config import SftpSettings
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger

SSHD = Path("/usr/sbin/sshd")
_counter = itertools.count()


def names(directory: Path) -> list[str]:
    """The sorted entry names of a directory (local, or the remote seen locally)."""
    return sorted(p.name for p in directory.iterdir())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _children(pid: int) -> list[int]:
    """Every live descendant of ``pid``, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class SshServer:
    """One sshd process with its keys, config and remote root.

    Args:
        base: Private directory for keys, config and log.
        extra_config: Lines appended to ``sshd_config``.
    """

    host = "127.0.0.1"

    def __init__(
        self, base: Path, *, host_key_type: str = "ed25519", extra_config: str = ""
    ) -> None:
        base.mkdir(parents=True, exist_ok=True)
        self.base = base
        self.port = _free_port()
        self.remote_root = base / "remote"
        self.remote_root.mkdir()
        self.host_key = base / "host_ed25519"
        self.key_file = base / "client_ed25519"
        _keygen(self.host_key)
        _keygen(self.key_file)
        authorized = base / "authorized_keys"
        authorized.write_bytes(self.key_file.with_suffix(".pub").read_bytes())
        authorized.chmod(0o644)
        host_pub = " ".join(self.host_key.with_suffix(".pub").read_text().split()[:2])
        self.known_hosts = base / "known_hosts"
        self.known_hosts.write_text(f"[{self.host}]:{self.port} {host_pub}\n")
        self.username = getpass.getuser()
        self.config = base / "sshd_config"
        self.config.write_text(
            f"ListenAddress {self.host}\n"
            f"HostKey {self.host_key}\n"
            "PidFile none\n"
            f"AuthorizedKeysFile {authorized}\n"
            "PermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "Subsystem sftp internal-sftp\n"
            f"ForceCommand internal-sftp -d {self.remote_root}\n"
            f"{extra_config}\n"
        )
        self.log = base / "sshd.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start sshd and wait until it accepts TCP connections."""
        if not SSHD.exists():
            pytest.fail(
                f"{SSHD} is missing: install openssh-server (`make test` does it)",
                pytrace=False,
            )
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(self.config), "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                pytest.fail(
                    f"sshd exited at start: {self.log.read_text()}", pytrace=False
                )
            with socket.socket() as s:
                if s.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.01)
        pytest.fail(f"sshd did not listen on {self.port}: {self.log.read_text()}")

    def stop(self) -> None:
        """Stop the listener and kill every open session (drops live connections)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        sessions = _children(proc.pid)
        proc.terminate()
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop, then start again on the same port with the same keys."""
        self.stop()
        self.start()

    def settings(self, remote: Path, **overrides: object) -> SftpSettings:
        """Return ``[sftp]`` settings for this server with its dirs under ``remote``."""
        values: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "key_file": str(self.key_file),
            "known_hosts": str(self.known_hosts),
            "inbox": str(remote / "inbox"),
            "outbox": str(remote / "outbox"),
            "archive": str(remote / "archive"),
            "timeout_seconds": 5,
        }
        values.update(overrides)
        return SftpSettings.model_validate(values)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One real sshd for the whole session, restarted if a test left it stopped."""
    server = SshServer(tmp_path_factory.mktemp("sshd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def remote(sshd: SshServer) -> Path:
    """A fresh remote directory for this test (seen locally, as the server is local)."""
    if sshd._proc is None:
        sshd.start()
    path = sshd.remote_root / f"t{next(_counter)}"
    for sub in (
        "inbox/products",
        "inbox/stock",
        "inbox/shipments",
        "outbox",
        "archive",
    ):
        (path / sub).mkdir(parents=True)
    return path


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A real SQLite ledger file for this test."""
    led = Ledger(f"sqlite:///{tmp_path / 'var' / 'bridge.db'}")
    try:
        yield led
    finally:
        led.close()


@pytest.fixture
def endpoint(sshd: SshServer, remote: Path) -> Iterator[SftpEndpoint]:
    """An endpoint on the test's remote dirs that reconnects without waiting."""
    ep = SftpEndpoint(sshd.settings(remote), backoff_initial_seconds=0)
    try:
        yield ep
    finally:
        ep.close()
