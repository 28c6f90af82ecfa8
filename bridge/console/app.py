"""The Starlette application: /healthz, /metrics, login and the console's pages.

``build_app(settings, telemetry)`` is all ``bridge run`` needs. /healthz and /metrics
answer without a login (SPEC §8); everything else needs a session of a
``[[http.users]]`` user. The session cookie is signed (itsdangerous, via Starlette's
``SessionMiddleware``), HttpOnly and SameSite=Strict, and carries a CSRF token that
every POST must repeat.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bridge.config import Settings
from bridge.console import pages
from bridge.console.security import (
    LoginThrottle,
    check_csrf,
    new_csrf_token,
    verify_user,
)

if TYPE_CHECKING:
    from bridge.runtime.telemetry import Telemetry

__all__ = ["SESSION_COOKIE", "build_app", "health_report"]

SESSION_COOKIE = "bridge_session"
SESSION_SECONDS = 8 * 3600
_TEMPLATES = Path(__file__).with_name("templates")
_DOWN_IF_DOWN = ("ledger", "folders", "worker")


def health_report(telemetry: Telemetry) -> dict[str, Any]:
    """``{"status": ok|degraded|down, "components": {...}}`` for /healthz."""
    comps = telemetry.components()
    if any(not comps[name].up for name in _DOWN_IF_DOWN):
        status = "down"
    elif any(not c.up for c in comps.values()):
        status = "degraded"
    else:
        status = "ok"
    return {
        "status": status,
        "components": {
            name: {"status": "up" if c.up else "down", "detail": c.detail}
            for name, c in comps.items()
        },
    }


async def healthz(request: Request) -> Response:
    """Health of every component; 503 when the bridge is down."""
    telemetry: Telemetry = request.app.state.telemetry
    report = await pages.threaded(health_report, telemetry)
    return JSONResponse(report, status_code=503 if report["status"] == "down" else 200)


async def metrics(request: Request) -> Response:
    """The Prometheus text exposition of the bridge's metrics."""
    from bridge.metrics import CONTENT_TYPE

    telemetry: Telemetry = request.app.state.telemetry
    body = await pages.threaded(telemetry.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def login(request: Request) -> Response:
    """The login form (GET) and the login itself (POST, throttled, CSRF-checked)."""
    session = request.session
    if "csrf" not in session:
        session["csrf"] = new_csrf_token()
    if request.method == "GET":
        return pages.render(request, "login.html", {"error": None})
    form = await request.form()
    if not check_csrf(session.get("csrf"), form.get("csrf")):
        return pages.forbidden(request, "the form's security token is missing or stale")
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    throttle: LoginThrottle = request.app.state.throttle
    wait = throttle.retry_after(name, _address(request))
    if wait > 0:
        ctx = {"error": f"too many failed logins; try again in {wait:.0f} s"}
        return pages.render(request, "login.html", ctx, status_code=429)
    settings: Settings = request.app.state.settings
    user = await pages.threaded(verify_user, settings.http.users, name, password)
    if user is None:
        throttle.failed(name, _address(request))
        ctx = {"error": "unknown user or wrong password"}
        return pages.render(request, "login.html", ctx, status_code=401)
    throttle.succeeded(name)
    session.clear()
    session.update({"user": user.name, "role": user.role, "csrf": new_csrf_token()})
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    """End the session (POST with the CSRF token)."""
    form = await request.form()
    if not check_csrf(request.session.get("csrf"), form.get("csrf")):
        return pages.forbidden(request, "the form's security token is missing or stale")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def build_app(
    settings: Settings,
    telemetry: Telemetry,
    *,
    throttle: LoginThrottle | None = None,
) -> Starlette:
    """The web endpoint of SPEC §8 for ``settings``.

    Args:
        settings: The bridge settings (users, folder root, ledger, upload limit).
        telemetry: The running service's health and metrics.
        throttle: Login throttle (tests pass a stricter one).
    """
    routes = [
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        *pages.routes(),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            # A new key per start: sessions end with the process, nothing to store.
            secret_key=secrets.token_urlsafe(32),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_SECONDS,
            same_site="strict",
            https_only=False,  # served on 127.0.0.1 by default; TLS is a proxy's job
        )
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.settings = settings
    app.state.telemetry = telemetry
    app.state.throttle = throttle or LoginThrottle()
    app.state.templates = Jinja2Templates(directory=str(_TEMPLATES))
    return app
