"""The command-line app: the only package that prints, parses argv or calls sys.exit.

``_app`` holds the group and the commands that run, check and inspect; ``_repair`` the
ones that audit and repair; ``_common`` what they share. Importing the package
registers every command on :data:`cli`.

Exit codes: 0 ok; 1 some file failed or had rejects (``validate``: invalid; ``audit``:
unknown); 2 usage or configuration error, always with one clear line.
"""

from __future__ import annotations

from bridge.cli import _repair as _repair  # registers the audit and repair commands
from bridge.cli._app import KINDS, cli, guess_kind, main

__all__ = ["KINDS", "cli", "guess_kind", "main"]
