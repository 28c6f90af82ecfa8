"""Passwords, login throttling and CSRF tokens of the console.

Passwords are hashed with Argon2id (argon2-cffi, memory-hard); ``bridge passwd`` prints
the hash for ``[[http.users]]``. Login attempts are throttled per user name and per
client address; every form carries the session's CSRF token, checked on every POST.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bridge.config import HttpUser

__all__ = [
    "LoginThrottle",
    "check_csrf",
    "hash_password",
    "new_csrf_token",
    "user_entry",
    "verify_user",
]

_HASHER = PasswordHasher()
# Verified when the user name is unknown, so an unknown name costs as much time as a
# wrong password and names cannot be probed by timing.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The Argon2id PHC string of ``password`` (``$argon2id$v=19$...``)."""
    return _HASHER.hash(password)


def verify_user(users: list[HttpUser], name: str, password: str) -> HttpUser | None:
    """The user whose name and password match, or None."""
    user = next((u for u in users if u.name == name), None)
    stored = user.password_hash.get_secret_value() if user else _DUMMY
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def new_csrf_token() -> str:
    """A fresh random token for a session's forms."""
    return secrets.token_urlsafe(32)


def check_csrf(expected: object, given: object) -> bool:
    """True when the form's token is the session's (compared in constant time)."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class LoginThrottle:
    """Failed logins per user name and per address in a sliding window.

    Args:
        per_user: Failures of one user name allowed in the window.
        per_address: Failures from one client address allowed in the window.
        window_seconds: The window's length.
        monotonic: Clock (tests).
    """

    def __init__(
        self,
        *,
        per_user: int = 5,
        per_address: int = 20,
        window_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"user": per_user, "addr": per_address}
        self._window = window_seconds
        self._monotonic = monotonic
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> list[tuple[str, int]]:
        return [
            (f"user:{name}", self._limits["user"]),
            (f"addr:{address}", self._limits["addr"]),
        ]

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._fails.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def retry_after(self, name: str, address: str) -> float:
        """Seconds until a login of ``name`` from ``address`` is admitted (0: now)."""
        now = self._monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[0] + self._window - now)
        return wait

    def failed(self, name: str, address: str) -> None:
        """Count a failed login."""
        now = self._monotonic()
        with self._lock:
            for key, _limit in self._keys(name, address):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        """Forget the user's failures after a successful login."""
        with self._lock:
            self._fails.pop(f"user:{name}", None)


def user_entry(name: str, password: str, role: str) -> str:
    """The ``[[http.users]]`` TOML entry for a new user (the password hashed).

    Raises:
        ValueError: The name or role is not allowed (see ``HttpUser``).
    """
    import json

    from pydantic import ValidationError

    hashed = hash_password(password)
    try:
        HttpUser(name=name, password_hash=hashed, role=role)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    # JSON strings are valid TOML basic strings (same escapes).
    return (
        "[[http.users]]\n"
        f"name = {json.dumps(name)}\n"
        f"password_hash = {json.dumps(hashed)}\n"
        f"role = {json.dumps(role)}\n"
    )
