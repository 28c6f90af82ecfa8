"""Tell a wrong ``magento.base_url`` from one missing route.

A wrong base URL answers every REST path with a 404 (a web server's, or Magento's
"Request does not match any route." when it points at another Magento path) or
with a redirect (``http://`` to ``https://``, a bare host to ``www.``). Either is a
configuration error, not one record's or one file's fault: the runtime pauses every
Magento flow and says ``magento.base_url``, and no file goes to ``failed/``.
"""

from __future__ import annotations

import httpx

from bridge.config import MagentoSettings
from bridge.errors import MagentoBaseUrlError

__all__ = ["KNOWN_ROUTE", "check_base_url"]

KNOWN_ROUTE = "/V1/store/storeViews"
"""A route every Magento has (``Store/etc/webapi.xml``): a 404 there is the URL's."""


def check_base_url(
    http: httpx.Client,
    settings: MagentoSettings,
    response: httpx.Response,
    label: str,
    no_route: bool,
) -> None:
    """Raise ``MagentoBaseUrlError`` when ``response`` says no Magento is there.

    A redirect always does (Magento's REST API never redirects; a POST would be
    lost following one). A 404 without a route does only when ``KNOWN_ROUTE`` is
    missing as well: a 404 for one module's route (MSI not installed) is that
    module's problem.

    Args:
        http: The client's connection pool (signs the probe like any call).
        settings: The ``[magento]`` section.
        response: The answer that was not a success.
        label: ``METHOD /path`` of the request, for the message.
        no_route: The 404 carried no Magento message or "does not match any route".

    Raises:
        MagentoBaseUrlError: ``magento.base_url`` is wrong.
    """
    status = response.status_code
    url = httpx.URL(settings.base_url)
    base = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
    if 300 <= status < 400:
        where = response.headers.get("Location", "?")
        raise MagentoBaseUrlError(
            f"magento.base_url {base} answers {label} with a redirect ({status} to "
            f"{where}); the bridge never follows redirects: set magento.base_url to "
            "the address the shop redirects to",
            status_code=status,
        )
    if status != 404 or not no_route:
        return
    try:
        probe = http.get(settings.base_url.rstrip("/") + "/rest" + KNOWN_ROUTE)
    except httpx.HTTPError:
        return  # unreachable now: the 404 stands for itself
    code = probe.status_code
    if code == 404 or 300 <= code < 400:
        raise MagentoBaseUrlError(
            f"magento.base_url {base} is not a Magento REST API: {label} and GET "
            f"/rest{KNOWN_ROUTE} answer {code}; check magento.base_url",
            status_code=code,
        )
