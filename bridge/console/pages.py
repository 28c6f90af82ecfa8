"""The console's pages: dashboard, files, a file, downloads, audit, export, actions.

Each handler asks ``bridge.usecases.Operations`` (one per server thread) and renders
the view it returns; none reads the ledger or a path from the request. Viewers read;
operators may also upload, retry and resolve (anyone else gets 403).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from bridge.config import Settings
from bridge.console.security import check_csrf
from bridge.kinds import KINDS
from bridge.usecases import FileQuery, Operations
from bridge.usecases.files import CALLS_PAGE

__all__ = ["forbidden", "render", "routes", "threaded"]

T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]

PAGE_SIZE = 25
STATUSES = ("processing", "done", "partial", "failed", "duplicate")
_local = threading.local()


async def threaded(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking work (ledger, disk) off the event loop."""
    return await run_in_threadpool(fn, *args)


def _ops(settings: Settings) -> Operations:
    """This server thread's ``Operations`` (never shared between threads)."""
    ops: Operations | None = getattr(_local, "ops", None)
    if ops is None or ops.settings is not settings:
        ops = Operations(settings)
        _local.ops = ops
    return ops


async def ask(request: Request, method: str, *args: Any, **kw: Any) -> Any:
    """Call one use case of ``Operations`` in a server thread."""
    settings: Settings = request.app.state.settings

    def call() -> Any:
        return getattr(_ops(settings), method)(*args, **kw)

    return await run_in_threadpool(call)


def render(
    request: Request, template: str, ctx: dict[str, Any], status_code: int = 200
) -> Response:
    """A page with the session's user, role and CSRF token."""
    session = request.session
    base = {
        "user": session.get("user"),
        "role": session.get("role"),
        "csrf": session.get("csrf", ""),
        "kinds": KINDS,
        "statuses": STATUSES,
    }
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, {**base, **ctx}, status_code=status_code
    )


def forbidden(request: Request, reason: str) -> Response:
    """403 with a short page saying why."""
    return render(request, "error.html", {"message": reason}, status_code=403)


def guarded(*, operator: bool = False) -> Callable[[Handler], Handler]:
    """Require a logged-in user (and the operator role, and the CSRF token on POST)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            if not request.session.get("user"):
                return RedirectResponse("/login", status_code=303)
            if operator and request.session.get("role") != "operator":
                return forbidden(request, "only an operator may do this")
            if request.method == "POST":
                if _too_big(request):
                    msg = "the request is over the upload limit (folders.max_file_mb)"
                    return render(request, "error.html", {"message": msg}, 413)
                form = await request.form(max_files=1, max_fields=20)
                if not check_csrf(request.session.get("csrf"), form.get("csrf")):
                    return forbidden(
                        request, "the form's security token is missing or stale"
                    )
            return await handler(request)

        return wrapper

    return decorate


def _too_big(request: Request) -> bool:
    """True when the declared body is over the upload limit plus room for the form."""
    settings: Settings = request.app.state.settings
    limit = (settings.folders.max_file_mb + 1) * 1024 * 1024
    try:
        return int(request.headers.get("content-length", "0")) > limit
    except ValueError:
        return True


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return str(timedelta(seconds=int(seconds)))


@guarded()
async def dashboard(request: Request) -> Response:
    """Every flow's health, queues, Magento/SFTP, the export and what needs attention."""
    telemetry = request.app.state.telemetry
    status = await ask(request, "status")
    unfinished = await ask(request, "unfinished_shipments")
    state = await threaded(telemetry.state)
    components = await threaded(telemetry.components)
    ctx = {
        "status": status,
        "unfinished": unfinished,
        "components": components,
        "oldest": _age(state.oldest_pending_age_seconds),
        "lag": _age(state.export_cursor_lag_seconds),
    }
    return render(request, "dashboard.html", ctx)


def _day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@guarded()
async def files(request: Request) -> Response:
    """Received files with search (kind, outcome, name, date) and paging."""
    q = request.query_params
    try:
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        page = 1
    day = _day(q.get("date", ""))
    query = FileQuery(
        kind=q.get("kind", "") if q.get("kind") in KINDS else "",
        status=q.get("status", "") if q.get("status") in STATUSES else "",
        name=q.get("name", "")[:200],
        since=day,
        until=day + timedelta(days=1) if day else None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    result = await ask(request, "files", query)
    ctx = {"page": result, "number": page, "q": dict(q)}
    return render(request, "files.html", ctx)


@guarded()
async def file_page(request: Request) -> Response:
    """One file: report, records, Magento ids, calls (paged), downloads, actions."""
    try:
        calls_offset = max(0, int(request.query_params.get("calls", "0")))
    except ValueError:
        calls_offset = 0
    detail = await ask(
        request, "file_detail", request.path_params["file_id"], calls_offset
    )
    if detail is None:
        return render(request, "error.html", {"message": "no such file"}, 404)
    flash = request.session.pop("flash", None)
    ctx = {"d": detail, "flash": flash, "calls_page": CALLS_PAGE}
    return render(request, "file.html", ctx)


@guarded()
async def file_download(request: Request) -> Response:
    """The original, its rejects or its report, by ledger id only."""
    which = request.path_params["which"]
    found = await ask(request, "download", request.path_params["file_id"], which)
    if found is None:
        return render(request, "error.html", {"message": "no such download"}, 404)
    return FileResponse(
        found.path, filename=found.filename, media_type="application/octet-stream"
    )


@guarded(operator=True)
async def file_retry(request: Request) -> Response:
    """Copy a failed file back into its inbox."""
    file_id = request.path_params["file_id"]
    view = await ask(request, "retry", file_id, who=request.session["user"])
    request.session["flash"] = (
        view.refused or f"copied back into the inbox as {view.copy.name}"
    )
    return RedirectResponse(f"/files/{file_id}", status_code=303)


@guarded(operator=True)
async def file_resolve(request: Request) -> Response:
    """Mark a failure resolved with the operator's note."""
    file_id = request.path_params["file_id"]
    form = await request.form()
    note = str(form.get("note", ""))[:2000]
    view = await ask(
        request, "resolve", file_id, note=note, who=request.session["user"]
    )
    request.session["flash"] = view.refused or "marked resolved"
    return RedirectResponse(f"/files/{file_id}", status_code=303)


@guarded()
async def upload_form(request: Request) -> Response:
    """The upload form (operators only can send it)."""
    return render(request, "upload.html", {"result": None})


async def _read_limited(file: UploadFile, limit: int) -> bytes | None:
    """The upload's bytes, or None when it is over ``limit``."""
    chunks, size = [], 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@guarded(operator=True)
async def upload(request: Request) -> Response:
    """Drop an operator's file into an inbox; the normal pipeline takes it."""
    settings: Settings = request.app.state.settings
    limit = settings.folders.max_file_mb * 1024 * 1024
    form = await request.form(max_files=1, max_fields=20)
    file, kind = form.get("file"), str(form.get("kind", ""))
    if not isinstance(file, UploadFile):
        return render(request, "upload.html", {"result": None, "error": "no file"}, 400)
    data = await _read_limited(file, limit)
    if data is None:
        msg = f"the file is over the limit of {settings.folders.max_file_mb} MB"
        return render(request, "upload.html", {"result": None, "error": msg}, 413)
    view = await ask(
        request, "upload", kind, file.filename or "", data, who=request.session["user"]
    )
    code = 400 if view.refused else 200
    return render(request, "upload.html", {"result": view}, code)


@guarded()
async def audit(request: Request) -> Response:
    """``audit`` by SKU, order or file (form, and links /audit/<what>/<key>)."""
    what = request.path_params.get("what") or request.query_params.get("what", "")
    key = request.path_params.get("key") or request.query_params.get("key", "")
    view = None
    if key and what in ("sku", "order", "file"):
        view = await ask(request, f"audit_{what}", key)
    return render(request, "audit.html", {"what": what, "key": key, "view": view})


@guarded()
async def export(request: Request) -> Response:
    """The order export: cursor, last poll, counts and the orders that failed."""
    status = await ask(request, "status")
    return render(request, "export.html", {"export": status.export})


def routes() -> list[Route]:
    """The console's routes (all behind a login)."""
    return [
        Route("/", dashboard),
        Route("/files", files),
        Route("/files/{file_id:int}", file_page),
        Route("/files/{file_id:int}/download/{which}", file_download),
        Route("/files/{file_id:int}/retry", file_retry, methods=["POST"]),
        Route("/files/{file_id:int}/resolve", file_resolve, methods=["POST"]),
        Route("/upload", upload_form),
        Route("/upload", upload, methods=["POST"]),
        Route("/audit", audit),
        Route("/audit/{what}/{key:path}", audit),
        Route("/export", export),
    ]
