"""Logging setup, done by the CLI (S2.4): structlog events to a stream or a rotating file.

Events are snake_case past-tense facts with keys from a fixed set (S3.6). They go through
the standard library's root logger, so one handler carries the bridge's own events and
the warnings of paramiko or httpx alike:

- by default to a stream: standard output for the service (``bridge run``: what
  systemd's journal or a container runtime collects) and standard error for one-shot
  commands, whose standard output is their answer;
- with ``[runtime] log_file`` to that file instead, rotated at ``log_file_max_mb`` with
  ``log_file_backups`` old files kept (``bridge.log.1`` ...).

``log_format``: ``json`` (one object per line, for log shippers), ``console`` (for
people) or ``auto`` (console on a terminal, JSON otherwise; a file is never a terminal).
Nothing here ever receives a secret: settings are never logged.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Literal, TextIO

import structlog

from bridge.config import Settings

__all__ = ["LogFormat", "configure_logging", "configure_logging_for"]

LogFormat = Literal["auto", "json", "console"]

_QUIET = ("paramiko", "httpx", "httpcore", "watchdog", "oauthlib")


def configure_logging(
    *,
    verbose: bool = False,
    log_format: LogFormat = "auto",
    stream: TextIO | None = None,
    log_file: Path | None = None,
    max_mb: float = 50,
    backups: int = 5,
) -> None:
    """Send structlog events (and library warnings) to one stream or rotating file.

    May be called again (the CLI does once the settings are known); the last call wins.

    Args:
        verbose: Log debug events too.
        log_format: ``json``, ``console`` or ``auto`` (console only on a terminal).
        stream: Where events go without a log file (default: standard error).
        log_file: A file to write instead of the stream, rotated by size.
        max_mb: Size at which the log file is rotated.
        backups: How many rotated files are kept.
    """
    level = logging.DEBUG if verbose else logging.INFO
    handler = _handler(stream, log_file, max_mb, backups)
    as_json = log_format == "json" or (
        log_format == "auto" and not _is_terminal(handler)
    )
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=_is_terminal(handler))
    )
    stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_log_level, stamp],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in root.handlers[:]:
        if getattr(old, "bridge_handler", False):  # only ours: leave pytest's alone
            root.removeHandler(old)
            old.close()
    handler.bridge_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # Libraries log warnings only, even with --verbose: oauthlib's debug records carry
    # the OAuth token and signature base string. The bridge's own events are "bridge.*".
    root.setLevel(logging.WARNING)
    logging.getLogger("bridge").setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            stamp,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )


def configure_logging_for(
    settings: Settings, *, verbose: bool = False, service: bool = False
) -> None:
    """Configure logging from ``[runtime] log_format`` / ``log_file`` (see module doc).

    Args:
        settings: The loaded settings; a relative ``log_file`` is under the folder root.
        verbose: Log debug events too.
        service: True for ``bridge run``: the stream is standard output.
    """
    runtime = settings.runtime
    log_file = None
    if runtime.log_file:
        log_file = Path(runtime.log_file).expanduser()
        if not log_file.is_absolute():
            log_file = settings.root / log_file
    configure_logging(
        verbose=verbose,
        log_format=runtime.log_format,
        stream=sys.stdout if service else sys.stderr,
        log_file=log_file,
        max_mb=runtime.log_file_max_mb,
        backups=runtime.log_file_backups,
    )


def _handler(
    stream: TextIO | None, log_file: Path | None, max_mb: float, backups: int
) -> logging.Handler:
    if log_file is None:
        return logging.StreamHandler(stream or sys.stderr)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return logging.handlers.RotatingFileHandler(
        log_file,
        maxBytes=int(max_mb * 1024 * 1024),
        backupCount=backups,
        encoding="utf-8",
    )


def _is_terminal(handler: logging.Handler) -> bool:
    if isinstance(handler, logging.FileHandler):
        return False
    stream = getattr(handler, "stream", None)
    return bool(stream is not None and stream.isatty())
