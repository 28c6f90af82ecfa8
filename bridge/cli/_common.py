"""What every command shares: ``--config`` loading, one-line errors, the operator's name."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, overload

import click

from bridge.config import Settings, load_config
from bridge.errors import ConfigError
from bridge.kinds import KINDS as KINDS  # re-exported: the CLI's kind choices
from bridge.runtime.logsetup import configure_logging_for

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG = Path("bridge.toml")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"bridge: error: {message}", err=True)
    sys.exit(code)


def _settings(config: Path | None, *, folder: bool = True) -> Settings:
    """Load ``--config``, else ``./bridge.toml``; without either, refuse or use defaults.

    A command that works on a bridge folder (``folder=True``) is refused outside one
    rather than creating ``var/bridge.db`` in whatever directory it was started from;
    ``BRIDGE_FOLDERS__ROOT`` in the environment names the folder explicitly.
    """
    if config is not None:
        return _with_layouts(load_config(config))
    if DEFAULT_CONFIG.is_file():
        return _with_layouts(load_config(DEFAULT_CONFIG))
    if folder and not os.environ.get("BRIDGE_FOLDERS__ROOT"):
        raise ConfigError(
            f"no bridge.toml in {Path.cwd()}: run this in a bridge folder, pass "
            "--config FILE, or create one with `bridge init`"
        )
    return _with_layouts(load_config(None))


def _with_layouts(settings: Settings) -> Settings:
    """Install the ``[[layouts]]`` of the settings in the formats' registry."""
    from bridge.formats import install_user_layouts

    install_user_layouts(settings.layouts)
    return settings


@overload
def with_config(func: F) -> F: ...


@overload
def with_config(*, folder: bool = True) -> Callable[[F], F]: ...


def with_config(func: F | None = None, *, folder: bool = True) -> Any:
    """Add ``--config FILE`` and turn ConfigError into exit code 2 with one line.

    Args:
        func: The command (when used as ``@with_config``).
        folder: False for commands that need no bridge folder (``validate``): they
            run on the defaults when there is no ``bridge.toml``.
    """

    def decorate(command: F) -> F:
        @click.option(
            "--config",
            "config",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Configuration file (default: ./bridge.toml).",
        )
        @functools.wraps(command)
        def wrapper(*args: Any, config: Path | None, **kwargs: Any) -> Any:
            try:
                settings = _settings(config, folder=folder)
                configure_logging_for(settings, verbose=_verbose())
                return command(*args, settings=settings, **kwargs)
            except ConfigError as exc:
                _fail(str(exc))
            return None

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def _verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("verbose"))


def _operator(by: str | None) -> str:
    import getpass

    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


_BY = click.option(
    "--by", "by", default=None, help="Operator name to record (default: login name)."
)
