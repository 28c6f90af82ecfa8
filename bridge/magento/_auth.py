"""How the client proves who it is: Bearer integration token or OAuth 1.0a.

OAuth 1.0a requests are signed by oauthlib with HMAC-SHA256 (never by hand), over
the URL exactly as it is sent. The keys live only inside these signer objects;
nothing here logs.
"""

from __future__ import annotations

from typing import Protocol

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256  # type: ignore[import-untyped]
from oauthlib.oauth1 import Client as OAuth1Signer

from bridge.config import MagentoSettings

__all__ = ["Signer", "auth_for"]


class Signer(Protocol):
    """Gives the ``Authorization`` header of one request."""

    def authorization(self, method: str, url: str) -> str:
        """The header value for ``method url`` (the URL as sent, with its query)."""
        ...


class _BearerAuth:
    """``Authorization: Bearer <integration access token>``."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def authorization(self, method: str, url: str) -> str:
        return self._header


class _OAuth1Auth:
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

    def authorization(self, method: str, url: str) -> str:
        consumer_key, consumer_secret, token, token_secret = self._keys
        # A signer per request: nonce and timestamp are per call, threads share us.
        signer = OAuth1Signer(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token,
            resource_owner_secret=token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
        )
        _, headers, _ = signer.sign(url, http_method=method)
        header: str = headers["Authorization"]
        return header


def auth_for(settings: MagentoSettings) -> Signer | None:
    """The request signer for ``settings``: OAuth 1.0a, Bearer, or none.

    Args:
        settings: The ``[magento]`` section; the four OAuth keys win over ``token``.

    Returns:
        A signer, or None when no credential is configured.
    """
    if settings.uses_oauth:
        return _OAuth1Auth(settings)
    token = settings.token.get_secret_value()
    return _BearerAuth(token) if token else None
