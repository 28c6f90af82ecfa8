"""Console security helpers: Argon2 hashes, the login throttle, CSRF, `bridge passwd`."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from pydantic import SecretStr

from bridge.config import HttpUser
from bridge.console.security import (
    LoginThrottle,
    check_csrf,
    hash_password,
    new_csrf_token,
    user_entry,
    verify_user,
)


def test_a_password_verifies_against_its_argon2id_hash_only() -> None:
    """The hash is Argon2id and verifies the right password, not a wrong one."""
    hashed = hash_password("s3cret pass")
    assert hashed.startswith("$argon2id$")
    users = [HttpUser(name="ann", password_hash=SecretStr(hashed), role="operator")]
    user = verify_user(users, "ann", "s3cret pass")
    assert user is not None
    assert user.role == "operator"
    assert verify_user(users, "ann", "wrong") is None
    assert verify_user(users, "bob", "s3cret pass") is None


def test_the_throttle_blocks_a_user_and_an_address_for_the_window() -> None:
    """Five failures block the user name; twenty block the address; time frees both."""
    now = [0.0]
    throttle = LoginThrottle(monotonic=lambda: now[0])
    for _ in range(5):
        assert throttle.retry_after("ann", "10.0.0.1") == 0
        throttle.failed("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.2") == pytest.approx(300)
    assert throttle.retry_after("bob", "10.0.0.1") == 0
    for i in range(15):
        throttle.failed(f"user{i}", "10.0.0.1")
    assert throttle.retry_after("carl", "10.0.0.1") > 0
    now[0] = 301.0
    assert throttle.retry_after("ann", "10.0.0.1") == 0


def test_csrf_tokens_must_match_exactly() -> None:
    """A token matches only itself; a missing or empty token never matches."""
    token = new_csrf_token()
    assert check_csrf(token, token)
    assert not check_csrf(token, token + "x")
    assert not check_csrf(token, None)
    assert not check_csrf("", "")
    assert not check_csrf(None, token)


def test_user_entry_is_toml_that_loads_as_an_http_user() -> None:
    """The printed entry parses as TOML and validates as a console user."""
    entry = user_entry("olga", "pw", "viewer")
    data = tomllib.loads(entry)
    [user] = data["http"]["users"]
    assert HttpUser(**user).role == "viewer"
    with pytest.raises(ValueError, match="name"):
        user_entry("has space", "pw", "viewer")


def test_bridge_passwd_reads_one_line_of_stdin_and_prints_the_entry() -> None:
    """`bridge passwd NAME --role operator` with a piped password prints a valid entry."""
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "passwd", "olga", "--role", "operator"],
        input="correct horse\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [user] = tomllib.loads(done.stdout)["http"]["users"]
    assert (user["name"], user["role"]) == ("olga", "operator")
    parsed = HttpUser(**user)
    assert verify_user([parsed], "olga", "correct horse") is not None
    assert "correct horse" not in done.stdout
    empty = subprocess.run(
        [sys.executable, "-m", "bridge", "passwd", "olga"],
        input="\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert empty.returncode == 2
    assert "empty password" in empty.stderr
