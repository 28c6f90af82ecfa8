"""Who may call the sandbox: a Bearer token or an OAuth 1.0a HMAC-SHA256 signature.

The OAuth check is written here by hand with :mod:`hmac` and :mod:`hashlib` over the
RFC 5849 signature base string (method, normalised URL, sorted ``oauth_*`` and query
parameters) on purpose: the bridge signs with oauthlib, and a stand-in that used the
same library could agree with the client's mistakes instead of Magento's rules.
A failure answers what Magento answers when no user context is found: 401
``The consumer isn't authorized to access %resources.``
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from bridge.sandbox._router import MagentoHttpError

UNAUTHORIZED = "The consumer isn't authorized to access %resources."
TIMESTAMP_WINDOW_SECONDS = 600  # Magento's Oauth\Oauth::_validateTimestamp tolerance


@dataclass(frozen=True)
class OAuthKeys:
    """The four credentials of a Magento integration (Admin > System > Integrations)."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


def unauthorized(resource: str) -> MagentoHttpError:
    """Return Magento's 401 for the ACL ``resource`` the route needs."""
    return MagentoHttpError(401, UNAUTHORIZED, {"resources": resource})


def rfc3986(value: str) -> str:
    """Percent-encode ``value`` as RFC 5849 §3.6 requires (unreserved kept)."""
    return quote(value, safe="-._~")


def parse_oauth_header(header: str) -> dict[str, str]:
    """Parse ``OAuth k="v", ...`` into a dict of decoded values (realm dropped)."""
    params: dict[str, str] = {}
    for part in header[len("OAuth ") :].split(","):
        if "=" not in part:
            continue
        key, _, raw = part.strip().partition("=")
        params[unquote(key.strip())] = unquote(raw.strip().strip('"'))
    params.pop("realm", None)
    return params


def base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """Build the RFC 5849 §3.4.1 signature base string.

    Args:
        method: HTTP method.
        url: The absolute request URL as the client addressed it, with query.
        oauth_params: The ``oauth_*`` parameters of the header, signature excluded.

    Returns:
        ``METHOD&enc(base_url)&enc(normalised_parameters)``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    netloc = host if port is None or default else f"{host}:{port}"
    base_url = f"{scheme}://{netloc}{parts.path or '/'}"
    pairs = [(k, v) for k, v in oauth_params.items() if k != "oauth_signature"]
    pairs += parse_qsl(parts.query, keep_blank_values=True)
    encoded = sorted((rfc3986(k), rfc3986(v)) for k, v in pairs)
    normalised = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join([method.upper(), rfc3986(base_url), rfc3986(normalised)])


def sign(base: str, consumer_secret: str, token_secret: str) -> str:
    """Return the base64 HMAC-SHA256 signature of ``base``."""
    key = f"{rfc3986(consumer_secret)}&{rfc3986(token_secret)}".encode()
    digest = hmac.new(key, base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Authenticator:
    """Decides whether a request carries a valid Bearer token or OAuth signature."""

    def __init__(self, token: str | None, oauth: OAuthKeys | None) -> None:
        self.token = token
        self.oauth = oauth
        self._seen_nonces: set[tuple[str, str]] = set()

    @property
    def open(self) -> bool:
        """True when no credential is configured: every request is let in."""
        return self.token is None and self.oauth is None

    def check(self, method: str, url: str, authorization: str, resource: str) -> None:
        """Let the request through or raise Magento's 401.

        Raises:
            MagentoHttpError: 401 naming ``resource``.
        """
        if self.open:
            return
        if authorization.startswith("Bearer ") and self.token is not None:
            presented = authorization[len("Bearer ") :].strip()
            if hmac.compare_digest(presented.encode(), self.token.encode()):
                return
        if (
            authorization.startswith("OAuth ")
            and self.oauth is not None
            and self._oauth_valid(method, url, parse_oauth_header(authorization))
        ):
            return
        raise unauthorized(resource)

    def _oauth_valid(self, method: str, url: str, params: dict[str, str]) -> bool:
        keys = self.oauth
        assert keys is not None
        if params.get("oauth_signature_method") != "HMAC-SHA256":
            return False
        if params.get("oauth_consumer_key") != keys.consumer_key:
            return False
        if params.get("oauth_token") != keys.access_token:
            return False
        try:
            stamp = int(params.get("oauth_timestamp", ""))
        except ValueError:
            return False
        if abs(time.time() - stamp) > TIMESTAMP_WINDOW_SECONDS:
            return False
        nonce = (params.get("oauth_timestamp", ""), params.get("oauth_nonce", ""))
        if not nonce[1] or nonce in self._seen_nonces:
            return False  # Magento refuses a reused nonce (oauth_nonce table)
        expected = sign(
            base_string(method, url, params),
            keys.consumer_secret,
            keys.access_token_secret,
        )
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            return False
        self._seen_nonces.add(nonce)
        return True
