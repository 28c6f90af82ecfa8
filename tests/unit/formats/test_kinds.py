"""The kinds are defined once: every list of kinds equals bridge.kinds' definition.

Each consumer is compared with ``KIND_SPECS`` rather than with a written-out list, so
adding a kind to ``bridge/kinds.py`` is the only edit these lists need (and a consumer
that keeps its own list fails here as soon as the definition changes).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import get_args

import click
import pytest

from bridge import cli as cli_module
from bridge import config as config_module
from bridge.cli_text import render_status
from bridge.config import CsvOptions, CsvSettings, load_config
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders import local as local_module
from bridge.folders.local import LocalInbox
from bridge.formats import REGISTRY
from bridge.formats._xsd import kind_schema
from bridge.kinds import FOLDERS, KIND_SPECS, KINDS, kind_for_folder
from bridge.models import erp
from bridge.runtime.wiring import build
from bridge.usecases import Operations
from bridge.usecases import status as status_module


def test_kind_type_of_models_and_config_is_the_definition() -> None:
    """The Kind literal of the models and of the settings lists exactly KINDS."""
    assert get_args(erp.Kind) == KINDS
    assert get_args(config_module.Kind) == KINDS
    assert tuple(spec.name for spec in KIND_SPECS.values()) == KINDS


def test_csv_settings_have_one_override_per_kind() -> None:
    """[folders.csv.<kind>] exists for each kind and nothing else beyond the defaults."""
    per_kind = set(CsvSettings.model_fields) - set(CsvOptions.model_fields)
    assert per_kind == set(KINDS)
    for kind in KINDS:
        settings = load_config(
            None, overrides={"folders": {"csv": {kind: {"encoding": "cp1252"}}}}
        )
        assert settings.folders.csv.for_kind(kind).encoding == "cp1252"
        others = [k for k in KINDS if k != kind]
        assert all(settings.folders.csv.for_kind(k).encoding == "utf-8" for k in others)


@pytest.mark.parametrize("command", ["process", "validate"])
def test_cli_kind_choices_are_the_kinds(command: str) -> None:
    """`--kind` of process and validate offers exactly the kinds, in their order."""
    cmd = cli_module.cli.commands[command]
    [option] = [p for p in cmd.params if p.name == "kind"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == KINDS
    assert cli_module.KINDS == KINDS


def test_cli_guesses_the_kind_from_each_kind_folder(tmp_path: Path) -> None:
    """A file in a kind's folder is of that kind, whatever it holds."""
    for spec in KIND_SPECS.values():
        path = tmp_path / spec.folder / "anything.bin"
        path.parent.mkdir()
        path.write_bytes(b"?")
        assert cli_module.guess_kind(path) == spec.name
        assert kind_for_folder(spec.folder) == spec.name
    assert kind_for_folder("orders") is None


def test_folder_lists_are_the_kinds_folders(tmp_path: Path) -> None:
    """The local inbox, the SFTP inbox and the wiring use each kind's folder."""
    assert local_module.KINDS == FOLDERS
    assert LocalInbox(tmp_path, stable_seconds=0).kinds == FOLDERS
    default = inspect.signature(SftpInbox).parameters["kinds"].default
    assert tuple(default) == FOLDERS
    settings = load_config(None, overrides={"folders": {"root": tmp_path}})
    comps = build(settings)
    try:
        made = {p.name for p in (tmp_path / "inbox").iterdir() if p.is_dir()}
    finally:
        comps.close()
    assert made == set(FOLDERS)


def test_status_has_a_row_per_kind(tmp_path: Path) -> None:
    """`bridge status` lists every kind's folders, in the definition's order."""
    assert status_module.KINDS == KINDS
    settings = load_config(None, overrides={"folders": {"root": tmp_path}})
    (tmp_path / "var").mkdir()
    with Operations(settings) as ops:
        text = render_status(ops.status())
    rows = [line.split()[0] for line in text.splitlines() if "processing" in line]
    assert tuple(rows) == KINDS


def test_every_kind_has_its_canonical_codecs_and_schema() -> None:
    """Each kind has canonical XML and CSV codecs, and its schema's root and record."""
    for kind, spec in KIND_SPECS.items():
        assert {c.fmt for c in REGISTRY.get(kind)} == {"xml", "csv"}
        schema = kind_schema(kind)
        assert (schema.root, schema.record) == (spec.root, spec.record)
