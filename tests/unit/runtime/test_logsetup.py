"""Log destinations: a stream by default, a rotating file by option, JSON or console."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from bridge.config import load_config
from bridge.runtime.logsetup import configure_logging, configure_logging_for


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Put structlog and the root logger back as they were after each test."""
    yield
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if getattr(handler, "bridge_handler", False):
            root.removeHandler(handler)
            handler.close()
    structlog.reset_defaults()


def test_events_go_to_the_stream_as_json_lines() -> None:
    """Without a log file, events are JSON lines on the given stream."""
    stream = io.StringIO()
    configure_logging(stream=stream, log_format="auto")
    structlog.get_logger("bridge.test").info("file_archived", file="a.xml")
    event = json.loads(stream.getvalue().splitlines()[-1])
    assert event["event"] == "file_archived"
    assert event["file"] == "a.xml"
    assert event["level"] == "info"
    assert event["timestamp"].endswith("Z")


def test_console_format_is_for_people() -> None:
    """log_format = console renders a readable line, not JSON."""
    stream = io.StringIO()
    configure_logging(stream=stream, log_format="console")
    structlog.get_logger("bridge.test").warning("record_rejected", record_key="X-1")
    line = stream.getvalue().splitlines()[-1]
    assert "record_rejected" in line
    assert "record_key=X-1" in line
    assert not line.startswith("{")


def test_library_warnings_share_the_destination() -> None:
    """A standard-library warning (paramiko, httpx) lands in the same stream as JSON."""
    stream = io.StringIO()
    configure_logging(stream=stream, log_format="json")
    logging.getLogger("paramiko.transport").warning("Oops %s", "there")
    logging.getLogger("paramiko.transport").info("chatter")
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["Oops there"]


def test_verbose_shows_bridge_debug_but_never_library_debug() -> None:
    """--verbose adds the bridge's debug events, not oauthlib's (they carry the token)."""
    stream = io.StringIO()
    configure_logging(stream=stream, log_format="json", verbose=True)
    structlog.get_logger("bridge.worker").debug("tick_done")
    logging.getLogger("oauthlib.oauth1.rfc5849").debug(
        "Base signing string: oauth_token"
    )
    logging.getLogger("somelib").info("chatter")
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events == ["tick_done"]


def test_log_file_rotates_and_keeps_the_configured_backups(tmp_path: Path) -> None:
    """With a log file, events go there (not the stream) and old files rotate away."""
    stream = io.StringIO()
    log_file = tmp_path / "logs" / "bridge.log"
    configure_logging(stream=stream, log_file=log_file, max_mb=2048 / 2**20, backups=2)
    log = structlog.get_logger("bridge.test")
    for n in range(200):
        log.info("file_archived", file=f"f{n:03d}.xml")
    assert stream.getvalue() == ""
    names = sorted(p.name for p in log_file.parent.iterdir())
    assert names == ["bridge.log", "bridge.log.1", "bridge.log.2"]
    last = json.loads(log_file.read_text(encoding="utf-8").splitlines()[-1])
    assert last["file"] == "f199.xml"
    assert log_file.stat().st_size <= 2048


def test_settings_put_a_relative_log_file_under_the_root(tmp_path: Path) -> None:
    """[runtime] log_file = "var/log/bridge.log" is relative to the bridge folder."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text('[runtime]\nlog_file = "var/log/bridge.log"\nlog_format = "json"\n')
    configure_logging_for(load_config(cfg), service=True)
    structlog.get_logger("bridge.test").info("service_started")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "var" / "log" / "bridge.log").read_text(encoding="utf-8")
    assert json.loads(text.splitlines()[-1])["event"] == "service_started"


def test_reconfiguring_replaces_the_previous_destination() -> None:
    """A second call (the CLI's, once settings are known) wins; nothing is doubled."""
    first, second = io.StringIO(), io.StringIO()
    configure_logging(stream=first, log_format="json")
    configure_logging(stream=second, log_format="json")
    structlog.get_logger("bridge.test").info("orders_polled")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1
