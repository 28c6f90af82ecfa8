"""The use-case layer: what the bridge can be asked, returned as typed views.

Presenters (``bridge.cli``, the web console) call ``Operations`` and render the views of
``bridge.usecases.views``; the use cases never print and know no presenter. They sit
between the presenters and ``bridge.runtime`` (STYLE §2).
"""

from __future__ import annotations

from bridge.usecases.file_views import (
    CallEntry,
    Download,
    FileDetail,
    FilePage,
    UploadView,
)
from bridge.usecases.files import FileQuery
from bridge.usecases.operations import Operations
from bridge.usecases.views import (
    AuditView,
    FileAudit,
    OrderAudit,
    ProcessView,
    ResolveView,
    RetryView,
    SkuAudit,
    StatusView,
)

__all__ = [
    "AuditView",
    "CallEntry",
    "Download",
    "FileAudit",
    "FileDetail",
    "FilePage",
    "FileQuery",
    "Operations",
    "OrderAudit",
    "ProcessView",
    "ResolveView",
    "RetryView",
    "SkuAudit",
    "StatusView",
    "UploadView",
]
