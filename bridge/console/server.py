"""Serve the web endpoint with uvicorn in a thread beside the worker loop.

``bridge run`` starts one ``ConsoleServer`` when ``[http] listen`` is set and stops it
when the service stops.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from bridge.config import Settings
from bridge.console.app import build_app
from bridge.errors import ConfigError

if TYPE_CHECKING:
    from bridge.runtime.telemetry import Telemetry

__all__ = ["ConsoleServer"]


class ConsoleServer:
    """uvicorn on ``http.listen`` in a daemon thread.

    Args:
        settings: The bridge settings; ``http.listen`` must be set.
        telemetry: The running service's health and metrics.
    """

    def __init__(self, settings: Settings, telemetry: Telemetry) -> None:
        address = settings.http.address
        if address is None:
            raise ConfigError("http.listen is not set", key="http.listen")
        host, port = address
        config = uvicorn.Config(
            build_app(settings, telemetry),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, name="bridge-http", daemon=True
        )
        self.address = address

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; raise ``ConfigError`` if the address cannot be bound."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                host, port = self.address
                raise ConfigError(
                    f"http.listen: cannot serve on {host}:{port} (in use or not "
                    "allowed)",
                    key="http.listen",
                )
            time.sleep(0.05)
        # Port 0 asks for any free port: report the one the socket got.
        for server in self._server.servers:
            for sock in server.sockets:
                self.address = (self.address[0], int(sock.getsockname()[1]))
                return

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
