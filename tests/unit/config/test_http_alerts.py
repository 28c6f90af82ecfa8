"""The [http] and [alerts] sections: SPEC §5 defaults, and one line naming the key on a mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config import load_config
from bridge.errors import ConfigError

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def test_defaults_are_spec_values() -> None:
    """Without a file, the console is off and alerts are off with a 300 s interval."""
    s = load_config(None)
    assert s.http.listen == ""
    assert s.http.address is None
    assert s.http.users == []
    assert s.alerts.webhook_url.get_secret_value() == ""
    assert s.alerts.smtp_host == ""
    assert s.alerts.smtp_port == 25
    assert s.alerts.smtp_starttls is False
    assert s.alerts.min_interval_seconds == 300
    assert not s.alerts.enabled
    assert s.runtime.max_pending_age_seconds == 86400


def test_full_sections_load(tmp_path: Path) -> None:
    """Users, listen address and every alert key are read; secrets stay hidden in repr."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(
        '[http]\nlisten = "0.0.0.0:8081"\n'
        f'[[http.users]]\nname = "ops"\npassword_hash = "{HASH}"\nrole = "operator"\n'
        f'[[http.users]]\nname = "view"\npassword_hash = "{HASH}"\n'
        '[alerts]\nwebhook_url = "https://hooks.example/T0/B1/s3cr3t"\n'
        'smtp_host = "mail.example"\nsmtp_port = 587\nsmtp_starttls = true\n'
        'smtp_from = "bridge@shop.example"\nsmtp_to = ["ops@shop.example"]\n'
        'smtp_username = "bridge"\nsmtp_password = "pw-123"\nmin_interval_seconds = 60\n'
    )
    s = load_config(cfg)
    assert s.http.address == ("0.0.0.0", 8081)
    assert [(u.name, u.role) for u in s.http.users] == [
        ("ops", "operator"),
        ("view", "viewer"),
    ]
    assert s.alerts.enabled
    assert s.alerts.smtp_to == ["ops@shop.example"]
    text = repr(s)
    for secret in ("s3cr3t", "pw-123", HASH):
        assert secret not in text


def test_environment_sets_alert_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """BRIDGE_ALERTS__* and BRIDGE_HTTP__LISTEN work like every other key."""
    monkeypatch.setenv("BRIDGE_ALERTS__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIDGE_ALERTS__SMTP_FROM", "b@x.example")
    monkeypatch.setenv("BRIDGE_ALERTS__SMTP_TO", '["a@x.example", "c@x.example"]')
    monkeypatch.setenv("BRIDGE_HTTP__LISTEN", ":8090")
    s = load_config(None)
    assert s.alerts.smtp_to == ["a@x.example", "c@x.example"]
    assert s.http.address == ("127.0.0.1", 8090)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[http]\nlisten = "localhost"\n', "http.listen", "host:port"),
        ('[http]\nlisten = "127.0.0.1:99999"\n', "http.listen", "host:port"),
        (
            f'[[http.users]]\nname = "a"\npassword_hash = "{HASH}"\nrole = "admin"\n',
            "http.users.0.role",
            "viewer",
        ),
        (
            '[[http.users]]\nname = "a"\npassword_hash = "letmein"\n',
            "http.users.0.password_hash",
            "bridge passwd",
        ),
        (
            f'[[http.users]]\nname = "a"\npassword_hash = "{HASH}"\n'
            f'[[http.users]]\nname = "a"\npassword_hash = "{HASH}"\n',
            "http.users",
            "given twice",
        ),
        ('[alerts]\nwebhook_url = "hooks.example/x"\n', "alerts.webhook_url", "http"),
        (
            '[alerts]\nsmtp_host = "mail"\nsmtp_to = ["o@x.example"]\n',
            "alerts.smtp_from",
            "smtp_host",
        ),
        (
            '[alerts]\nsmtp_host = "mail"\nsmtp_from = "b@x.example"\n',
            "alerts.smtp_to",
            "smtp_host",
        ),
        (
            '[alerts]\nsmtp_to = ["nobody"]\n',
            "alerts.smtp_to",
            "not an e-mail address",
        ),
        ("[alerts]\nmin_interval_seconds = -1\n", "alerts.min_interval_seconds", ""),
        ("[alerts]\nsmtp_port = 0\n", "alerts.smtp_port", ""),
        ('[alerts]\nsmtp_tls = "yes"\n', "alerts.smtp_tls", "unknown key"),
    ],
)
def test_mistake_is_one_line_naming_the_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    """A wrong value or unknown key in [http] or [alerts] is one line naming the key."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    message = str(info.value)
    assert "\n" not in message
    assert f": {key}: " in message
    assert words in message


def test_webhook_url_error_does_not_echo_the_url(tmp_path: Path) -> None:
    """A malformed webhook URL is refused without printing it (it may hold a token)."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text('[alerts]\nwebhook_url = "ftp://x/SECRET-TOKEN"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "SECRET-TOKEN" not in str(info.value)
