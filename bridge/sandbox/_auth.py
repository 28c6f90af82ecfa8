"""Who may call the sandbox: a Bearer token or an OAuth 1.0a HMAC-SHA256 signature.

The OAuth check follows Magento's own code, not RFC 5849, because that is what a
real shop enforces (and the bridge must satisfy the shop, not the RFC):

- ``Framework/Oauth/Helper/Request::_processHeader``: ``oauth_*`` header values are
  ``rawurldecode``d.
- ``Request::_extractQueryStringParams``: the query is split on ``&`` and ``=``; a
  pair that does not split into exactly two parts is left out, ``oauth_*`` query
  parameters are left out, a repeated key keeps its last value, and keys and values
  are ``rawurldecode``d, so a ``+`` stays a ``+`` (magento/magento2 PR #34896, open:
  a client that writes a space as ``+`` fails every signed query with a space).
- ``laminas-oauth`` ``Signature/AbstractSignature::getBaseSignatureString``: keys and
  values ``rawurlencode``d, sorted with PHP's ``strnatcmp`` (natural order, so
  ``[2]`` sorts before ``[10]``), joined, and signed over the URL without its query.

It is written here by hand with :mod:`hmac` and :mod:`hashlib` on purpose: the
bridge signs with oauthlib, and a stand-in that used the same library could agree
with the client's mistakes instead of Magento's rules. A failure answers what
Magento answers when no user context is found: 401 ``The consumer isn't authorized
to access %resources.``
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

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


def _rawurldecode(value: str) -> str:
    """PHP's ``rawurldecode``: ``%XX`` decoded, ``+`` left as it is."""
    return unquote(value, errors="replace")


_PROTOCOL = re.compile(r"oauth_[a-z_-]+")  # Request::_isProtocolParameter (unanchored)


def parse_oauth_header(header: str) -> dict[str, str]:
    """Read the ``oauth_*`` pairs of an ``OAuth k="v", ...`` header as Magento does."""
    params: dict[str, str] = {}
    position = header.lower().find("oauth ")
    for part in header[position + len("oauth ") :].split(","):
        name, sep, raw = part.strip().partition("=")
        if sep and _PROTOCOL.search(name):
            params[_rawurldecode(name)] = _rawurldecode(raw.strip('"'))
    return params


def query_params(query: str) -> dict[str, str]:
    """The query's non-``oauth_*`` parameters as ``_extractQueryStringParams`` reads them."""
    params: dict[str, str] = {}
    for pair in query.split("&") if query else []:
        parts = pair.split("=")
        if len(parts) == 2 and not _PROTOCOL.search(parts[0]):
            params[_rawurldecode(parts[0])] = _rawurldecode(parts[1])
    return params


def _digit_run(text: str, start: int) -> str:
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[start:end]


def strnatcmp(left: str, right: str) -> int:
    """PHP's ``strnatcmp`` for ASCII keys: digit runs compare as numbers.

    Returns:
        Negative, zero or positive, like PHP.
    """
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i].isdigit() and right[j].isdigit():
            a, b = _digit_run(left, i), _digit_run(right, j)
            if int(a) != int(b):
                return -1 if int(a) < int(b) else 1
            i, j = i + len(a), j + len(b)
            continue
        if left[i] != right[j]:
            return -1 if left[i] < right[j] else 1
        i, j = i + 1, j + 1
    return (len(left) - i) - (len(right) - j)


def base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """Build the signature base string as Magento (laminas-oauth) builds it.

    Args:
        method: HTTP method.
        url: The absolute request URL as the client addressed it, with query.
        oauth_params: The ``oauth_*`` parameters of the header.

    Returns:
        ``METHOD&enc(url_without_query)&enc(natural_sorted_parameters)``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    netloc = host if port is None or default else f"{host}:{port}"
    base_url = f"{scheme}://{netloc}{parts.path or '/'}"
    params = {**oauth_params, **query_params(parts.query)}
    encoded = {rfc3986(k): rfc3986(v) for k, v in params.items()}
    encoded.pop("oauth_signature", None)
    keys = sorted(encoded, key=functools.cmp_to_key(strnatcmp))
    normalised = "&".join(f"{k}={encoded[k]}" for k in keys)
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
        self.revoked = False
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
        if self.revoked:
            # Integration/Model/Authorization/TokenUserContext::processRequest: a
            # revoked token gives no user context, so RequestValidator refuses.
            raise unauthorized(resource)
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
