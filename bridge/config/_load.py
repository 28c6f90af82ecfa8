"""Loading: ``bridge.toml`` (relative paths resolved against it), then ``BRIDGE_*``.

The environment is read here and nowhere else in the bridge (S2.4); every problem
becomes one ``ConfigError`` line naming the file or variable and the key.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsError,
    TomlConfigSettingsSource,
)

from bridge.config._sections import Settings
from bridge.errors import ConfigError

__all__ = ["load_config"]


class _EnvSource(EnvSettingsSource):
    """``BRIDGE_*`` variables, where a list key takes ``a,b`` as well as JSON ``["a","b"]``.

    pydantic-settings decodes every list value as JSON, so ``BRIDGE_ORDERS__STATES=new``
    would end in a traceback; operators write lists in ``.env`` files and systemd
    units as comma-separated words.
    """

    def decode_complex_value(
        self, field_name: str, field: FieldInfo | None, value: Any
    ) -> Any:
        """Split a non-JSON value of a list field on commas; decode the rest as JSON."""
        is_list = field is not None and get_origin(field.annotation) is list
        text = value.strip() if isinstance(value, str) else value
        if is_list and isinstance(text, str) and not text.startswith("["):
            return [part.strip() for part in text.split(",") if part.strip()]
        return super().decode_complex_value(field_name, field, value)  # type: ignore[arg-type]


def _settings_class(toml_file: Path | None) -> type[Settings]:
    """Build a Settings subclass whose sources are env > TOML file > defaults."""

    class _FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [
                init_settings,
                _EnvSource(settings_cls),
            ]
            if toml_file is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file))
            return tuple(sources)

    return _FileSettings


def _describe(exc: ValidationError, origin: str) -> ConfigError:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return ConfigError(f"{origin}: {key}: {msg}{more}", key=key)


def load_config(
    path: Path | None = None, *, overrides: dict[str, Any] | None = None
) -> Settings:
    """Load settings from ``path`` (if it exists) and the environment.

    Args:
        path: The TOML file; a missing default file is fine, a missing explicit one
            is not (the caller decides by passing ``None`` for "no file").
        overrides: Values that win over everything (used by tests and ``init``).

    Returns:
        The frozen settings.

    Raises:
        ConfigError: One line naming the file, the key and what is wrong.
    """
    origin = str(path) if path is not None else "environment"
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found", key=None)
        try:
            with path.open("rb") as fh:
                tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    cls = _settings_class(path)
    try:
        settings = cls(**(overrides or {}))
    except ValidationError as exc:
        env_keys = [k for k in os.environ if k.startswith("BRIDGE_")]
        where = origin if not env_keys or path is None else f"{origin} (+ environment)"
        raise _describe(exc, where) from exc
    except SettingsError as exc:
        raise _describe_env(exc) from exc
    _check_invoice_fee(settings, origin)
    root = settings.folders.root.expanduser()
    if path is not None and not root.is_absolute():
        # A relative root is relative to the config file, not to the current directory.
        folders = settings.folders.model_copy(
            update={"root": (path.parent / root).resolve()}
        )
        settings = settings.model_copy(update={"folders": folders})
    if path is not None and any(layout.xslt for layout in settings.layouts):
        # A stylesheet path is relative to the config file as well.
        layouts = [
            layout.model_copy(update={"xslt": (path.parent / layout.xslt).resolve()})
            if layout.xslt is not None and not layout.xslt.expanduser().is_absolute()
            else layout
            for layout in settings.layouts
        ]
        settings = settings.model_copy(update={"layouts": layouts})
    return settings


def _describe_env(exc: SettingsError) -> ConfigError:
    """One line for an environment value pydantic-settings could not decode."""
    section = str(exc).split('field "', 1)[-1].split('"', 1)[0]
    prefix = f"BRIDGE_{section.upper()}__"
    names = sorted(k for k in os.environ if k.upper().startswith(prefix)) or [prefix]
    cause = exc.__cause__
    reason = (
        f"not valid JSON ({cause.msg})"
        if isinstance(cause, json.JSONDecodeError)
        else "cannot be read"
    )
    return ConfigError(f"environment: {', '.join(names)}: {reason}", key=section)


def _check_invoice_fee(settings: Settings, origin: str) -> None:
    mode = settings.orders.invoice_fee
    if mode in ("derived", "none"):
        return
    if mode.startswith("extension_attribute:") and mode.split(":", 1)[1]:
        return
    raise ConfigError(
        f"{origin}: orders.invoice_fee: expected 'derived', 'none' or "
        f"'extension_attribute:<code>', got {mode!r}",
        key="orders.invoice_fee",
    )
