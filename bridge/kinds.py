"""The inbound kinds (products, stock, shipments), defined once.

A kind is what an ERP file is about. Everything that lists the kinds derives from
``KIND_SPECS``: the ``Kind`` type of the models and the settings, the inbox, work,
archive and failed folders, the CLI's ``--kind`` choices, the rows of ``bridge
status``, the per-kind ``[folders.csv.<kind>]`` settings and the canonical codecs of
``bridge.formats`` (SPEC §3: each kind's root and record element and its schema).

Adding a kind means adding it to ``Kind`` and to ``KIND_SPECS`` here (the import-time
check below refuses one without the other), plus what only a kind can bring: its
schema, its ERP model and converter, and its flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "FOLDERS",
    "KINDS",
    "KIND_SPECS",
    "Kind",
    "KindSpec",
    "kind_for_folder",
    "kind_spec",
]

Kind = Literal["products", "stock", "shipments"]


@dataclass(frozen=True)
class KindSpec:
    """One inbound kind and what its canonical files look like.

    Attributes:
        name: The kind's name (CLI ``--kind``, ledger, logs).
        folder: Its folder under ``inbox/``, ``var/work/``, ``archive/`` and
            ``failed/`` (locally and on the SFTP server).
        root: The canonical XML root element (no namespace, SPEC §3).
        record: The canonical XML record element under the root.
        schema: The file name of its XSD in ``schemas/``.
    """

    name: Kind
    folder: str
    root: str
    record: str
    schema: str


def _spec(name: Kind, record: str) -> KindSpec:
    return KindSpec(name, folder=name, root=name, record=record, schema=f"{name}.xsd")


KIND_SPECS: Mapping[Kind, KindSpec] = MappingProxyType(
    {
        "products": _spec("products", "product"),
        "stock": _spec("stock", "item"),
        "shipments": _spec("shipments", "shipment"),
    }
)
"""Every inbound kind, in the order they are listed everywhere (CLI, status)."""

if tuple(KIND_SPECS) != get_args(Kind):  # pragma: no cover - guards an edit
    msg = f"Kind {get_args(Kind)} and KIND_SPECS {tuple(KIND_SPECS)} differ"
    raise RuntimeError(msg)

KINDS: tuple[Kind, ...] = tuple(KIND_SPECS)
"""The kinds' names, e.g. for ``--kind`` choices and status rows."""

FOLDERS: tuple[str, ...] = tuple(spec.folder for spec in KIND_SPECS.values())
"""The kinds' folders under ``inbox/`` (and ``var/work/``, ``archive/``, ``failed/``)."""


def kind_spec(kind: Kind) -> KindSpec:
    """The definition of ``kind``.

    Args:
        kind: products | stock | shipments.

    Returns:
        Its spec.
    """
    return KIND_SPECS[kind]


def kind_for_folder(folder: str) -> Kind | None:
    """The kind whose inbox folder is named ``folder``, if any.

    Args:
        folder: A folder's name, e.g. ``"stock"``.

    Returns:
        The kind, or None when no kind uses that folder.
    """
    for spec in KIND_SPECS.values():
        if spec.folder == folder:
            return spec.name
    return None
