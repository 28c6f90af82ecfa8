"""A running `bridge run` with its web endpoint, users, and a logged-in HTTP client."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.console import hash_password
from tests.e2e.conftest import BridgeHome, write_config

OPERATOR = ("olga", "operator-pass-1")
VIEWER = ("vic", "viewer-pass-1")
START_SECONDS = 120.0  # the CI machine is shared: a cold start may take a while


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def users_toml() -> str:
    """The [[http.users]] entries of the operator and the viewer."""
    entries = []
    for (name, password), role in ((OPERATOR, "operator"), (VIEWER, "viewer")):
        entries.append(
            f'[[http.users]]\nname = "{name}"\n'
            f'password_hash = "{hash_password(password)}"\nrole = "{role}"\n'
        )
    return "\n".join(entries)


@dataclass
class Served:
    """A bridge home whose `bridge run` serves the console at ``url``."""

    home: BridgeHome
    url: str
    process: subprocess.Popen[str]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A new HTTP client for the console, closed when the service stops."""
        c = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(c)
        return c

    def log(self) -> str:
        """What the service wrote so far."""
        return (self.home.root / "bridge-run.log").read_text(errors="replace")

    def wait_for(self, check: Any, timeout: float = 60.0, what: str = "") -> Any:
        """Poll ``check()`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}\n{self.log()[-3000:]}")


def start_service(home: BridgeHome, extra: str = "") -> Served:
    """Start `bridge run` with [http] listen and the two users; wait for /healthz."""
    port = free_port()
    write_config(
        home.root,
        home.sandbox_url,
        f'[http]\nlisten = "127.0.0.1:{port}"\n{users_toml()}\n{extra}',
    )
    # Uploads are limited by folders.max_file_mb: 1 MB keeps the limit testable.
    home.config.write_text(
        home.config.read_text().replace("[folders]\n", "[folders]\nmax_file_mb = 1\n")
    )
    process = home.popen("run")
    served = Served(home, f"http://127.0.0.1:{port}", process)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"bridge run exited\n{served.log()}")
        try:
            return httpx.get(served.url + "/healthz", timeout=5).status_code < 600
        except httpx.TransportError:
            return False

    served.wait_for(up, START_SECONDS, "the web endpoint")
    return served


def stop_service(served: Served) -> None:
    """SIGTERM the service and wait for it; close the test's clients."""
    for client in served.clients:
        client.close()
    served.process.terminate()
    try:
        served.process.wait(30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait(10)


@pytest.fixture
def served(home: BridgeHome) -> Iterator[Served]:
    """`bridge run` serving the console for an operator and a viewer."""
    s = start_service(home)
    try:
        yield s
    finally:
        stop_service(s)


def login(served: Served, user: tuple[str, str]) -> httpx.Client:
    """An HTTP client logged in as ``user`` (its session cookie set)."""
    client = served.client()
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrf": token, "name": user[0], "password": user[1]}
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def stock_csv(rows: list[tuple[str, int]]) -> str:
    """A stock CSV of (sku, qty) rows."""
    return "sku,qty\n" + "".join(f"{sku},{qty}\n" for sku, qty in rows)


def products_xml(*skus: str) -> str:
    """A products file with one product per SKU."""
    items = "".join(
        f"<product><sku>{s}</sku><name>Widget {s}</name><price>12.50</price></product>\n"
        for s in skus
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n{items}</products>\n'


def files_dir(path: Path) -> Path:
    """``path`` created if missing."""
    path.mkdir(parents=True, exist_ok=True)
    return path
