"""The sandbox's tiny router: Magento-style REST paths to handler functions.

A route is a method plus a path template such as ``/V1/order/{orderId}/ship``; the
template becomes an anchored regular expression. Handlers get the parsed
:class:`Request` and the path parameters, return any JSON-able value (HTTP 200) or
raise :class:`MagentoHttpError`, which renders Magento's error body
``{"message": "...%1", "parameters": [...]}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NO_ROUTE = "Request does not match any route."


class MagentoHttpError(Exception):
    """An error answer in Magento's shape: status, message template and parameters."""

    def __init__(
        self,
        status: int,
        message: str,
        parameters: list[Any] | dict[str, Any] | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON error body as Magento's ``ErrorProcessor`` renders it."""
        data: dict[str, Any] = {"message": self.message}
        if self.parameters:
            data["parameters"] = self.parameters
        data.update(self.extra)
        return data


def bad_request(message: str, *parameters: Any) -> MagentoHttpError:
    """Return a 400 error with positional ``%1`` parameters."""
    return MagentoHttpError(400, message, list(parameters) or None)


def not_found(message: str, *parameters: Any) -> MagentoHttpError:
    """Return a 404 error with positional ``%1`` parameters."""
    return MagentoHttpError(404, message, list(parameters) or None)


@dataclass
class Request:
    """One parsed REST request as the handlers see it.

    Attributes:
        method: Upper-case HTTP method.
        path: The route path below the store code, e.g. ``/V1/orders``.
        store: ``"default"`` (also for ``/rest/V1``) or ``"all"``.
        query: Query parameters, last value wins (Magento's PHP ``$_GET`` semantics).
        body: The parsed JSON body, or None.
    """

    method: str
    path: str
    store: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None


Handler = Callable[..., Any]


@dataclass
class Route:
    """One method + path template bound to a handler and its ACL resource."""

    method: str
    template: str
    handler: Handler
    resource: str
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        """Compile the template: ``{name}`` matches one path segment."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}$")


class Router:
    """An ordered list of routes; the first match wins, literals before templates."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, template: str, resource: str
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler for ``method template``.

        Args:
            method: HTTP method.
            template: Path template below the store code.
            resource: The ACL resource named in a 401 answer.

        Returns:
            A decorator that registers and returns the handler unchanged.
        """

        def register(handler: Handler) -> Handler:
            self._routes.append(Route(method, template, handler, resource))
            return handler

        return register

    def include(self, other: Router) -> None:
        """Append every route of ``other``."""
        self._routes.extend(other._routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """Find the route for ``method path``.

        Returns:
            The route and its decoded path parameters.

        Raises:
            MagentoHttpError: Magento's 404 "Request does not match any route."
        """
        from urllib.parse import unquote

        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                return route, params
        raise MagentoHttpError(404, NO_ROUTE)

    def resource_for(self, method: str, path: str) -> str:
        """Return the ACL resource of the matching route, or a generic one."""
        try:
            return self.match(method, path)[0].resource
        except MagentoHttpError:
            return "Magento_Backend::admin"
