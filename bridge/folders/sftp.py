"""The ERP's SFTP server as a file endpoint (paramiko is used here only, S2.2).

``SftpEndpoint`` owns the connection: strict host-key checking against
``known_hosts`` (``RejectPolicy``), no SHA-1 ``ssh-rsa`` unless
``allow_legacy_algorithms``, timeouts, reconnects with capped backoff, and the one
place where paramiko and socket errors are translated (S4.2): network trouble is a
``FolderUnavailableError`` (transient), an unknown or changed host key, refused
credentials or an unusable key file are a ``ConfigError`` (an operator must act).

``SftpInbox`` (``flows/fetch_remote_files.py``) brings remote inbox files into the local inbox and
``SftpOutboxPusher`` (``flows/deliver_order_files.py``) delivers local outbox files remotely; both
work on the client that ``session()`` yields and never import paramiko.
"""

from __future__ import annotations

import contextlib
import posixpath
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

import paramiko
import structlog

from bridge.config import SftpSettings
from bridge.errors import ConfigError, FolderUnavailableError
from bridge.support.backoff import Backoff

__all__ = [
    "EndpointState",
    "RemoteClient",
    "RemoteEntry",
    "SftpEndpoint",
    "list_entries",
    "open_for_read",
    "remote_makedirs",
    "remote_name_refusal",
    "wire_path",
]

log = structlog.get_logger(__name__)

ENDPOINT = "sftp"
#: The client that ``SftpEndpoint.session()`` yields.
RemoteClient = paramiko.SFTPClient
#: One entry of a remote directory listing (:func:`list_entries`).
RemoteEntry = paramiko.SFTPAttributes
# Switched off unless ``allow_legacy_algorithms``: SHA-1 ``ssh-rsa`` signatures
# (paramiko >= 5 has dropped them altogether), SHA-1 key exchange, SHA-1/MD5 MACs and
# CBC ciphers. Names a paramiko version does not know are ignored by it.
_LEGACY = {
    "pubkeys": ["ssh-rsa"],
    "keys": ["ssh-rsa"],
    "kex": [
        "diffie-hellman-group1-sha1",
        "diffie-hellman-group14-sha1",
        "diffie-hellman-group-exchange-sha1",
    ],
    "ciphers": ["3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc"],
    "macs": ["hmac-sha1", "hmac-sha1-96", "hmac-md5", "hmac-md5-96"],
}
_PREFETCH_REQUESTS = 128
# Errors that mean "the connection or the server is not usable right now".
_NETWORK_ERRORS = (OSError, EOFError, paramiko.SSHException)


@dataclass(frozen=True)
class EndpointState:
    """Whether the endpoint was usable at the last attempt, and why not."""

    state: Literal["up", "down"]
    error: str | None = None


class _UnknownHostKeyError(paramiko.SSHException):
    """The server offered a host key that ``known_hosts`` does not list."""

    def __init__(self, server: str, key: paramiko.PKey) -> None:
        super().__init__(f"{server} not found in known_hosts")
        self.server = server
        self.key = key


class _RejectUnknownHost(paramiko.RejectPolicy):
    """``RejectPolicy`` that keeps the offered key so the error can show it."""

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> NoReturn:
        raise _UnknownHostKeyError(hostname, key)


class _QuietPrefetchFile(paramiko.SFTPFile):
    """An ``SFTPFile`` whose prefetch thread ends quietly when the connection drops.

    paramiko sends prefetch read requests from a background thread. When the
    connection dies meanwhile, that thread raises "Socket is closed" into
    ``threading.excepthook``; the reading thread gets the real error anyway and
    translates it, so the thread's copy is only noise.
    """

    def _prefetch_thread(
        self, chunks: Any, max_concurrent_requests: int | None
    ) -> None:
        with contextlib.suppress(*_NETWORK_ERRORS):
            # Private in paramiko (and absent from its stubs); if it is ever renamed
            # this override is simply unused and the noise comes back, nothing worse.
            super()._prefetch_thread(chunks, max_concurrent_requests)  # type: ignore[misc]


def wire_path(path: str) -> bytes:
    r"""A remote path as the bytes the server knows it by.

    Names listed by :func:`list_entries` that are not UTF-8 hold surrogate escapes
    (``\udcNN``); paramiko would refuse to encode them, bytes go through as they are.
    """
    return path.encode("utf-8", "surrogateescape")


def list_entries(sftp: paramiko.SFTPClient, path: str) -> list[paramiko.SFTPAttributes]:
    """List a remote directory like ``listdir_attr``, whatever bytes its names hold.

    paramiko decodes every name as strict UTF-8, so one file name in another
    encoding makes the whole listing fail (issue 12: one name stopped the SFTP
    inbox). Here a name that is not UTF-8 is decoded with surrogate escapes, so it
    can be refused by its own name and moved by :func:`wire_path`.

    Raises:
        FileNotFoundError: The directory does not exist (as ``listdir_attr``).
    """
    from paramiko import sftp as proto

    # paramiko's own listing code, with the names read as bytes (private API: the
    # public one decodes strictly).
    client: Any = sftp
    attributes: Any = paramiko.SFTPAttributes
    kind, msg = client._request(proto.CMD_OPENDIR, client._adjust_cwd(path))
    if kind != proto.CMD_HANDLE:
        raise paramiko.SFTPError("Expected handle")
    handle = msg.get_binary()
    found: list[paramiko.SFTPAttributes] = []
    try:
        while True:
            try:
                kind, msg = client._request(proto.CMD_READDIR, handle)
            except EOFError:
                break
            if kind != proto.CMD_NAME:
                raise paramiko.SFTPError("Expected name response")
            for _ in range(msg.get_int()):
                name = msg.get_string().decode("utf-8", "surrogateescape")
                long = msg.get_string().decode("utf-8", "replace")
                attr = attributes._from_msg(msg, name, long)
                if name not in (".", ".."):
                    found.append(attr)
    finally:
        client._request(proto.CMD_CLOSE, handle)
    return found


def open_for_read(
    sftp: paramiko.SFTPClient, path: str | bytes, size: int
) -> paramiko.SFTPFile:
    """Open a remote file and start pipelined reads of its first ``size`` bytes.

    At most 128 read requests (4 MiB) are in flight, so memory stays flat while
    the speed is that of a whole-file prefetch.

    Args:
        sftp: The client from ``SftpEndpoint.session()``.
        path: The remote path.
        size: The size to prefetch (from the listing).
    """
    handle = sftp.open(path, "rb")
    if type(handle) is paramiko.SFTPFile:
        handle.__class__ = _QuietPrefetchFile
    handle.prefetch(size, max_concurrent_requests=_PREFETCH_REQUESTS)
    return handle


def _describe(exc: BaseException) -> str:
    """Return an exception's text, or its type name when it has none."""
    return str(exc) or type(exc).__name__


def remote_name_refusal(name: str) -> str | None:
    """Return why a remote file name may never be read, or None if it is fine.

    Args:
        name: A name from a remote directory listing.
    """
    if "\0" in name:
        return "name contains a NUL byte"
    if "/" in name or "\\" in name:
        return "name contains a path separator"
    if ".." in name:
        return "name contains '..'"
    return None


def remote_makedirs(sftp: paramiko.SFTPClient, path: str) -> None:
    """Create a remote directory and its parents when missing (``mkdir -p``)."""
    parts = [p for p in path.split("/") if p]
    current = "/" if path.startswith("/") else ""
    for part in parts:
        current = posixpath.join(current, part) if current else part
        try:
            mode = sftp.stat(current).st_mode
        except FileNotFoundError:
            sftp.mkdir(current)
            continue
        if mode is None or not stat.S_ISDIR(mode):
            raise FolderUnavailableError(
                f"sftp: {current} exists and is not a directory", endpoint=ENDPOINT
            )


class SftpEndpoint:
    """One SFTP server connection, opened lazily and reopened after failures.

    Args:
        settings: The ``[sftp]`` section.
        clock: Monotonic clock for the reconnect backoff (injectable for tests).
        backoff_initial_seconds: Wait after the first failure; doubles each time.
        backoff_max_seconds: Cap of the wait between connection attempts.

    The reconnect schedule is the shared ``Backoff`` without jitter: one client
    of one server, and the "next attempt in Ns" message must tell the truth.
    """

    name = ENDPOINT

    def __init__(
        self,
        settings: SftpSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        backoff_initial_seconds: float = 1.0,
        backoff_max_seconds: float = 300.0,
    ) -> None:
        """Keep the settings; nothing connects until the first ``session()``."""
        if not settings.host:
            raise ConfigError("sftp.host is empty: no SFTP endpoint is configured")
        self.settings = settings
        self._clock = clock
        self._backoff = Backoff(
            backoff_initial_seconds, backoff_max_seconds, jitter=False
        )
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._failures = 0
        self._retry_at = 0.0
        self.state = EndpointState("down", "not connected yet")

    @property
    def server(self) -> str:
        """The server as ``user@host:port`` for messages (never a secret)."""
        s = self.settings
        return f"{s.username}@{s.host}:{s.port}"

    # -- connection ------------------------------------------------------------

    def _known_hosts(self) -> Path:
        return Path(self.settings.known_hosts).expanduser()

    def _open(self) -> paramiko.SFTPClient:
        s = self.settings
        known = self._known_hosts()
        client = paramiko.SSHClient()
        try:
            client.load_host_keys(str(known))
        except OSError as exc:
            client.close()
            raise ConfigError(
                f"sftp.known_hosts: cannot read {known}: {exc.strerror or exc}",
                key="sftp.known_hosts",
            ) from exc
        client.set_missing_host_key_policy(_RejectUnknownHost())
        try:
            pkey = self._load_key()
            client.connect(
                s.host,
                port=s.port,
                username=s.username,
                password=s.password.get_secret_value() or None,
                pkey=pkey,
                timeout=s.timeout_seconds,
                banner_timeout=s.timeout_seconds,
                auth_timeout=s.timeout_seconds,
                channel_timeout=s.timeout_seconds,
                allow_agent=False,
                look_for_keys=False,
                disabled_algorithms=None if s.allow_legacy_algorithms else _LEGACY,
            )
            sftp = client.open_sftp()
            channel = sftp.get_channel()
            if channel is not None:
                channel.settimeout(s.timeout_seconds)
        except (*_NETWORK_ERRORS, ConfigError) as exc:
            client.close()
            error = self._connect_error(exc, known)
            if error is exc:
                raise
            raise error from exc
        self._client = client
        return sftp

    def _load_key(self) -> paramiko.PKey | None:
        s = self.settings
        if not s.key_file:
            return None
        path = Path(s.key_file).expanduser()
        # paramiko 5 types ``password`` as str but hands it to cryptography's key
        # loaders, which accept only bytes (a str passphrase raises TypeError).
        passphrase = s.key_passphrase.get_secret_value().encode() or None
        try:
            return paramiko.PKey.from_path(
                path,
                password=passphrase,  # type: ignore[arg-type]
            )
        except (OSError, ValueError, paramiko.SSHException) as exc:
            raise ConfigError(
                f"sftp.key_file: cannot use {path}: {_describe(exc)}",
                key="sftp.key_file",
            ) from exc

    def _connect_error(self, exc: BaseException, known: Path) -> BaseException:
        """Translate a failed connect into the bridge's error tree (S4.2)."""
        where = f"sftp {self.server}"
        if isinstance(exc, ConfigError):
            return exc
        if isinstance(exc, _UnknownHostKeyError):
            return ConfigError(
                f"{where}: host key refused: the server's {exc.key.get_name()} key "
                f"(SHA256:{exc.key.fingerprint.split(':', 1)[-1]}) is not in {known}; "
                "verify it with the server's operator and add it to known_hosts",
                key="sftp.known_hosts",
            )
        if isinstance(exc, paramiko.BadHostKeyException):
            return ConfigError(
                f"{where}: host key refused: the server's {exc.key.get_name()} key "
                f"does not match the one in {known} (key changed, or someone is "
                "in between); fix known_hosts only after checking with the operator",
                key="sftp.known_hosts",
            )
        if isinstance(exc, paramiko.AuthenticationException):
            return ConfigError(
                f"{where}: authentication refused: check sftp.username and "
                "sftp.key_file / sftp.password",
                key="sftp.username",
            )
        if isinstance(exc, paramiko.ssh_exception.IncompatiblePeer):
            hint = (
                ""
                if self.settings.allow_legacy_algorithms
                else "; if the server only offers legacy algorithms (SHA-1, MD5, "
                "CBC), set sftp.allow_legacy_algorithms = true"
            )
            return ConfigError(f"{where}: no common algorithm: {exc}{hint}")
        return FolderUnavailableError(
            f"{where}: cannot connect: {_describe(exc)}", endpoint=ENDPOINT
        )

    def _mark_down(self, error: str) -> None:
        self._failures += 1
        delay = self._backoff.delay(self._failures)
        self._retry_at = self._clock() + delay
        if self.state.state == "up" or self._failures == 1:
            log.warning(
                "sftp_endpoint_down", flow="sftp", status=error, attempt=self._failures
            )
        self.state = EndpointState("down", error)
        self.close()

    def _ensure(self) -> paramiko.SFTPClient:
        if self._sftp is not None and self._is_active():
            return self._sftp
        self.close()
        wait = self._retry_at - self._clock()
        if self._failures and wait > 0:
            raise FolderUnavailableError(
                f"sftp {self.server} is down ({self.state.error}); "
                f"next attempt in {wait:.0f}s",
                endpoint=ENDPOINT,
            )
        try:
            self._sftp = self._open()
        except (ConfigError, FolderUnavailableError) as exc:
            self._mark_down(str(exc))
            raise
        if self.state.state != "up":
            log.info("sftp_endpoint_up", flow="sftp", attempt=self._failures)
        self._failures = 0
        self.state = EndpointState("up")
        return self._sftp

    def _is_active(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return transport is not None and transport.is_active()

    @contextlib.contextmanager
    def session(self) -> Iterator[paramiko.SFTPClient]:
        """Yield a connected SFTP client; errors inside are translated once.

        Raises:
            FolderUnavailableError: Not reachable now (also while backing off), or
                the connection broke inside the block.
            ConfigError: Host key unknown or changed, credentials refused.
        """
        sftp = self._ensure()
        try:
            yield sftp
        except FileNotFoundError as exc:
            raise FolderUnavailableError(
                f"sftp {self.server}: {exc.filename or ''} not found", endpoint=ENDPOINT
            ) from exc
        except _NETWORK_ERRORS as exc:
            message = f"sftp {self.server}: {_describe(exc)}"
            if not self._is_active():
                self._mark_down(message)
            raise FolderUnavailableError(message, endpoint=ENDPOINT) from exc

    def close(self) -> None:
        """Close the connection (the next ``session()`` reconnects)."""
        sftp, client = self._sftp, self._client
        self._sftp = self._client = None
        if sftp is not None:
            with contextlib.suppress(*_NETWORK_ERRORS):
                sftp.close()
        if client is not None:
            client.close()
