"""The service: pipeline, worker loop, watcher, logging setup.

Names are imported lazily so that light commands (``init``, ``validate``) do not load
the HTTP client and every flow.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Components", "FileOutcome", "Pipeline", "Service", "TickSummary", "build"]

_WHERE = {
    "Components": "bridge.runtime.wiring",
    "build": "bridge.runtime.wiring",
    "FileOutcome": "bridge.runtime.pipeline",
    "Pipeline": "bridge.runtime.pipeline",
    "Service": "bridge.runtime.worker",
    "TickSummary": "bridge.runtime.worker",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
