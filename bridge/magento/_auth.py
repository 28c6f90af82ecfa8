"""How the client proves who it is: Bearer integration token or OAuth 1.0a.

OAuth 1.0a requests are signed by oauthlib with HMAC-SHA256 (never by hand). The
keys live only inside these ``httpx.Auth`` objects; nothing here logs.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256  # type: ignore[import-untyped]
from oauthlib.oauth1 import Client as OAuth1Signer

from bridge.config import MagentoSettings

__all__ = ["auth_for"]


class _BearerAuth(httpx.Auth):
    """``Authorization: Bearer <integration access token>``."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, Any, None]:
        request.headers["Authorization"] = self._header
        yield request


class _OAuth1Auth(httpx.Auth):
    """OAuth 1.0a HMAC-SHA256 signing of every request, done by oauthlib.

    The base string is method + URL + the sorted ``oauth_*`` and query parameters;
    JSON bodies are not part of it (only form-encoded bodies would be).
    """

    def __init__(self, settings: MagentoSettings) -> None:
        self._keys = (
            settings.consumer_key.get_secret_value(),
            settings.consumer_secret.get_secret_value(),
            settings.access_token.get_secret_value(),
            settings.access_token_secret.get_secret_value(),
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, Any, None]:
        consumer_key, consumer_secret, token, token_secret = self._keys
        # A signer per request: nonce and timestamp are per call, threads share us.
        signer = OAuth1Signer(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token,
            resource_owner_secret=token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
        )
        _, headers, _ = signer.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def auth_for(settings: MagentoSettings) -> httpx.Auth | None:
    """The request signer for ``settings``: OAuth 1.0a, Bearer, or none.

    Args:
        settings: The ``[magento]`` section; the four OAuth keys win over ``token``.

    Returns:
        An ``httpx.Auth``, or None when no credential is configured.
    """
    if settings.uses_oauth:
        return _OAuth1Auth(settings)
    token = settings.token.get_secret_value()
    return _BearerAuth(token) if token else None
