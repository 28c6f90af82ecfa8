"""Installing the user layouts of ``bridge.toml`` (SPEC §7 ``[[layouts]]``) in a registry.

A layout with ``columns`` is a ``UserCsvCodec``, one with ``xslt`` a ``UserXsltCodec``.
They are registered ahead of every other layout of their kind, so a file whose name
fits a user layout's ``match`` is read by it even where a built-in layout would also
recognise it. Installing again (a reloaded configuration) first removes the layouts
installed before.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.config import LayoutSettings
from bridge.formats.codec import Codec
from bridge.formats.registry import REGISTRY, CodecRegistry
from bridge.formats.user_csv import UserCsvCodec
from bridge.formats.user_xslt import UserXsltCodec

__all__ = ["install_user_layouts"]

_INSTALLED: dict[int, list[Codec]] = {}


def install_user_layouts(
    layouts: Sequence[LayoutSettings], registry: CodecRegistry = REGISTRY
) -> list[Codec]:
    """Register the configured user layouts in ``registry``, first in their kind.

    Args:
        layouts: ``Settings.layouts``.
        registry: Where (default: the registry the entry points use).

    Returns:
        The codecs installed, in configuration order.

    Raises:
        ConfigError: A layout names a field its kind lacks, or its stylesheet
            cannot be compiled.
        ValueError: A user layout has the name of a built-in layout of its kind.
    """
    for codec in _INSTALLED.pop(id(registry), []):
        registry.unregister(codec.kind, codec.layout)
    codecs: list[Codec] = [
        UserXsltCodec.from_settings(s)
        if s.xslt is not None
        else UserCsvCodec.from_settings(s)
        for s in layouts
    ]
    for codec in reversed(codecs):  # each goes first: the first configured ends first
        registry.register(codec, first=True)
    _INSTALLED[id(registry)] = codecs
    return codecs
