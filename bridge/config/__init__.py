"""Settings: ``bridge.toml`` plus ``BRIDGE_<SECTION>__<KEY>`` environment overrides.

This is the only package that reads the environment (S2.4). ``load_config()``
returns a frozen ``Settings`` that the CLI hands down explicitly. The sections and
their defaults are in ``_sections``; reading the file and the environment, and
turning every problem into one line, in ``_load``.
"""

from __future__ import annotations

from bridge.config._load import load_config
from bridge.config._sections import (
    AlertsSettings,
    CsvOptions,
    CsvSettings,
    FoldersSettings,
    HttpSettings,
    HttpUser,
    Kind,
    LayoutSettings,
    LedgerSettings,
    MagentoSettings,
    OrdersSettings,
    RuntimeSettings,
    Settings,
    SftpSettings,
    ShipmentsSettings,
)

__all__ = [
    "AlertsSettings",
    "CsvOptions",
    "CsvSettings",
    "FoldersSettings",
    "HttpSettings",
    "HttpUser",
    "Kind",
    "LayoutSettings",
    "LedgerSettings",
    "MagentoSettings",
    "OrdersSettings",
    "RuntimeSettings",
    "Settings",
    "SftpSettings",
    "ShipmentsSettings",
    "load_config",
]
