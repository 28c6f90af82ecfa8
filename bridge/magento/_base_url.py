"""Tell a wrong ``magento.base_url`` from one missing route.

A wrong base URL answers every REST path with a 404 (a web server's, or Magento's
"Request does not match any route." when it points at another Magento path) or
with a redirect (``http://`` to ``https://``, a bare host to ``www.``). Either is a
configuration error, not one record's or one file's fault: the runtime pauses every
Magento flow and says ``magento.base_url``, and no file goes to ``failed/``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from bridge.config import MagentoSettings
from bridge.errors import MagentoBaseUrlError
from bridge.magento._transport import Answer

__all__ = ["KNOWN_ROUTE", "check_base_url"]

KNOWN_ROUTE = "/V1/store/storeViews"
"""A route every Magento has (``Store/etc/webapi.xml``): a 404 there is the URL's."""


def check_base_url(
    probe: Callable[[str], int | None],
    settings: MagentoSettings,
    answer: Answer,
    label: str,
    no_route: bool,
) -> None:
    """Raise ``MagentoBaseUrlError`` when ``answer`` says no Magento is there.

    A redirect always does (Magento's REST API never redirects; a POST would be
    lost following one). A 404 without a route does only when ``KNOWN_ROUTE`` is
    missing as well: a 404 for one module's route (MSI not installed) is that
    module's problem.

    Args:
        probe: GETs a URL through the client (signed like any call) and returns
            the status, or None when no answer came.
        settings: The ``[magento]`` section.
        answer: The answer that was not a success.
        label: ``METHOD /path`` of the request, for the message.
        no_route: The 404 carried no Magento message or "does not match any route".

    Raises:
        MagentoBaseUrlError: ``magento.base_url`` is wrong.
    """
    status = answer.status
    url = urlsplit(settings.base_url)
    # Without any user info: the base URL is shown, its credentials never.
    base = f"{url.scheme}://{url.netloc.rpartition('@')[2]}{url.path}"
    if 300 <= status < 400:
        where = answer.location or "?"
        raise MagentoBaseUrlError(
            f"magento.base_url {base} answers {label} with a redirect ({status} to "
            f"{where}); the bridge never follows redirects: set magento.base_url to "
            "the address the shop redirects to",
            status_code=status,
        )
    if status != 404 or not no_route:
        return
    code = probe(settings.base_url.rstrip("/") + "/rest" + KNOWN_ROUTE)
    if code is None:
        return  # unreachable now: the 404 stands for itself
    if code == 404 or 300 <= code < 400:
        raise MagentoBaseUrlError(
            f"magento.base_url {base} is not a Magento REST API: {label} and GET "
            f"/rest{KNOWN_ROUTE} answer {code}; check magento.base_url",
            status_code=code,
        )
