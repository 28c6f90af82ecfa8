"""SftpEndpoint against a real sshd: strict host keys, legacy algorithms, reconnects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bridge.errors import ConfigError, FolderUnavailableError
from bridge.folders.sftp import EndpointState, SftpEndpoint
from tests.sftp.conftest import SshServer


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_connects_with_known_host_and_key(sshd: SshServer, remote: Path) -> None:
    """With the host key in known_hosts the endpoint connects and lists the remote."""
    endpoint = SftpEndpoint(sshd.settings(remote))
    try:
        with endpoint.session() as sftp:
            assert sorted(sftp.listdir(str(remote / "inbox"))) == [
                "products",
                "shipments",
                "stock",
            ]
        assert endpoint.state.state == "up"
    finally:
        endpoint.close()


def test_unknown_host_key_is_refused(
    sshd: SshServer, remote: Path, tmp_path: Path
) -> None:
    """An empty known_hosts refuses the server; the error names host, port and file."""
    known = tmp_path / "known_hosts"
    known.write_text("")
    endpoint = SftpEndpoint(sshd.settings(remote, known_hosts=str(known)))
    with pytest.raises(ConfigError) as info:
        endpoint.session().__enter__()
    message = str(info.value)
    assert f"127.0.0.1:{sshd.port}" in message
    assert str(known) in message
    assert "host key refused" in message
    assert "SHA256:" in message
    assert endpoint.state.state == "down"


def test_changed_host_key_is_refused(
    sshd: SshServer, remote: Path, tmp_path: Path
) -> None:
    """A known_hosts holding another key for the server refuses it as changed."""
    other = tmp_path / "other"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True
    )
    pub = " ".join(other.with_suffix(".pub").read_text().split()[:2])
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {pub}\n")
    endpoint = SftpEndpoint(sshd.settings(remote, known_hosts=str(known)))
    with pytest.raises(ConfigError, match="does not match the one in") as info:
        endpoint.session().__enter__()
    assert f"127.0.0.1:{sshd.port}" in str(info.value)


def test_missing_known_hosts_file_is_a_config_error(
    sshd: SshServer, remote: Path, tmp_path: Path
) -> None:
    """A known_hosts path that does not exist is a ConfigError naming the file."""
    missing = tmp_path / "nope" / "known_hosts"
    endpoint = SftpEndpoint(sshd.settings(remote, known_hosts=str(missing)))
    with pytest.raises(ConfigError, match=r"sftp\.known_hosts: cannot read .*nope"):
        endpoint.session().__enter__()


def test_wrong_client_key_is_refused(
    sshd: SshServer, remote: Path, tmp_path: Path
) -> None:
    """A key the server does not authorize gives a clear authentication error."""
    other = tmp_path / "id_other"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True
    )
    endpoint = SftpEndpoint(sshd.settings(remote, key_file=str(other)))
    with pytest.raises(ConfigError, match="authentication refused"):
        endpoint.session().__enter__()


def test_unreadable_key_file_is_a_config_error(
    sshd: SshServer, remote: Path, tmp_path: Path
) -> None:
    """A key file that is not a private key is refused before connecting."""
    bad = tmp_path / "id_bad"
    bad.write_text("not a key\n")
    endpoint = SftpEndpoint(sshd.settings(remote, key_file=str(bad)))
    with pytest.raises(ConfigError, match=r"sftp\.key_file: cannot use"):
        endpoint.session().__enter__()


def test_legacy_algorithms_are_refused_unless_allowed(tmp_path: Path) -> None:
    """A server offering only a SHA-1 MAC is refused by default, accepted if allowed."""
    legacy_only = "Ciphers aes128-ctr\nMACs hmac-sha1"
    server = SshServer(tmp_path / "legacy", extra_config=legacy_only)
    server.start()
    try:
        remote = server.remote_root
        strict = SftpEndpoint(server.settings(remote))
        with pytest.raises(ConfigError, match="allow_legacy_algorithms"):
            strict.session().__enter__()
        legacy = SftpEndpoint(server.settings(remote, allow_legacy_algorithms=True))
        try:
            with legacy.session() as sftp:
                assert sftp.listdir(str(remote)) == []
        finally:
            legacy.close()
    finally:
        server.stop()


def test_server_down_backs_off_then_reconnects(sshd: SshServer, remote: Path) -> None:
    """While the server is down attempts back off; once back, the endpoint is up."""
    clock = FakeClock()
    endpoint = SftpEndpoint(
        sshd.settings(remote), clock=clock, backoff_initial_seconds=10
    )
    try:
        with endpoint.session() as sftp:
            sftp.listdir(str(remote))
        sshd.stop()
        with pytest.raises(FolderUnavailableError), endpoint.session() as sftp:
            sftp.listdir(str(remote))
        assert endpoint.state.state == "down"
        with pytest.raises(FolderUnavailableError, match="next attempt in 10s"):
            endpoint.session().__enter__()
        clock.t += 11
        with pytest.raises(FolderUnavailableError, match="cannot connect"):
            endpoint.session().__enter__()
        with pytest.raises(FolderUnavailableError, match="next attempt in 20s"):
            endpoint.session().__enter__()
        sshd.start()
        with pytest.raises(FolderUnavailableError, match="next attempt in"):
            endpoint.session().__enter__()
        clock.t += 21
        with endpoint.session() as sftp:
            assert "inbox" in sftp.listdir(str(remote))
        assert endpoint.state == EndpointState("up")
    finally:
        endpoint.close()
        if sshd._proc is None:
            sshd.start()
