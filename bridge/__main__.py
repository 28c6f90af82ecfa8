"""Run the command-line app as ``python -m bridge``."""

from __future__ import annotations

from bridge.cli import main

if __name__ == "__main__":
    main()
