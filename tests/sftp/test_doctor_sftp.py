"""`bridge doctor` with [sftp]: host key and remote folders checked against a real sshd."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bridge.cli import cli
from tests.conftest import SANDBOX_TOKEN
from tests.sftp.conftest import SshServer


def _home(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path, **sftp: str
) -> Path:
    """An initialised bridge folder whose [sftp] points at the test sshd."""
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    values = {
        "host": sshd.host,
        "port": str(sshd.port),
        "username": sshd.username,
        "key_file": str(sshd.key_file),
        "known_hosts": str(sshd.known_hosts),
        "inbox": str(remote / "inbox"),
        "outbox": str(remote / "outbox"),
        "archive": str(remote / "archive"),
        **sftp,
    }
    body = "\n".join(
        f"{k} = {v}" if k == "port" else f'{k} = "{v}"' for k, v in values.items()
    )
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(
        f'[magento]\nbase_url = "{sandbox.url}"\ntoken = "{SANDBOX_TOKEN}"\n'
        f"[sftp]\n{body}\ntimeout_seconds = 5\n"
    )
    return cfg


def _doctor(cfg: Path) -> Result:
    return CliRunner().invoke(cli, ["doctor", "--config", str(cfg)])


def _line(result: Result, name: str) -> str:
    return next(
        line for line in result.output.splitlines() if line[5:].startswith(name + ":")
    )


def test_known_host_and_folders_are_ok(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> None:
    """With the host key known and the inboxes there, the SFTP lines pass."""
    (remote / "outbox" / "orders").mkdir()
    before = sorted(p.relative_to(remote) for p in remote.rglob("*"))
    result = _doctor(_home(tmp_path, sandbox, sshd, remote))
    assert result.exit_code == 0, result.output
    assert _line(result, "sftp").startswith("OK ")
    assert _line(result, "sftp folders").startswith("OK ")
    assert sorted(p.relative_to(remote) for p in remote.rglob("*")) == before


def test_unknown_host_key_fails_with_the_fingerprint(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> None:
    """An empty known_hosts file is a FAIL naming the offered key; exit 1."""
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    result = _doctor(_home(tmp_path, sandbox, sshd, remote, known_hosts=str(empty)))
    assert result.exit_code == 1
    line = _line(result, "sftp")
    assert line.startswith("FAIL ")
    assert "SHA256:" in line


def test_missing_remote_inbox_fails_and_nothing_is_created(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> None:
    """A missing remote inbox folder is a FAIL; doctor only looks, never creates."""
    shutil.rmtree(remote / "inbox" / "stock")
    result = _doctor(_home(tmp_path, sandbox, sshd, remote))
    assert result.exit_code == 1
    line = _line(result, "sftp folders")
    assert line.startswith("FAIL ")
    assert str(remote / "inbox" / "stock") in line
    assert not (remote / "inbox" / "stock").exists()
    assert not (remote / "outbox" / "orders").exists()
