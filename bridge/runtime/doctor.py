"""``bridge doctor``: a read-only preflight of what the configuration points at.

Every check reads and nothing writes: Magento is asked with GET requests only (no retry,
so a dead shop answers at once), the SFTP server is only connected to and ``stat``-ed,
local folders are only looked at (never created), and the ledger is not opened (the
SQLite file's place is checked; opening a ledger may migrate it). Each check gives one
``Check`` with ``OK``, ``WARN`` or ``FAIL``, what was found and how to fix it.

Magento answers a refused token and a missing ACL resource with the same 401 ("The
consumer isn't authorized to access %resources."), so the resource checks decide
together: every GET refused means the credentials are; some refused means those
resources are not granted to the integration (docs/magento-setup.md lists them).
Resources that only writes use (ship, invoice, comments, source items) cannot be probed
without writing and are left to that document.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bridge.config import Settings
from bridge.errors import (
    BridgeError,
    ConfigError,
    FolderUnavailableError,
    MagentoAuthError,
    MagentoBaseUrlError,
    MagentoUnavailableError,
)
from bridge.magento import MagentoClient

__all__ = ["Check", "Status", "run_checks"]

Status = Literal["OK", "WARN", "FAIL"]

# Magento's order states (Magento\Sales\Model\Order::STATE_*); statuses are not states.
ORDER_STATES = frozenset(
    {
        "new",
        "pending_payment",
        "payment_review",
        "processing",
        "complete",
        "closed",
        "canceled",
        "holded",
    }
)

# (name, ACL resource, path): read-only requests, one per resource a GET can prove.
_PROBES = (
    ("products", "Magento_Catalog::products", "/V1/products"),
    ("orders", "Magento_Sales::actions_view", "/V1/orders"),
    ("shipments", "Magento_Sales::shipment", "/V1/shipments"),
    ("invoices", "Magento_Sales::sales_invoice", "/V1/invoices"),
)
_MSI_PROBE = (
    "msi source items",
    "Magento_InventoryApi::source",
    "/V1/inventory/source-items",
)
_PAGE_OF_ONE = {"searchCriteria[pageSize]": "1", "searchCriteria[currentPage]": "1"}
_SETUP = "docs/magento-setup.md"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, the verdict, what was found, the fix."""

    name: str
    status: Status
    found: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        """The check as a JSON-ready dict."""
        return asdict(self)


def run_checks(
    settings: Settings,
    *,
    client_factory: Callable[[Settings], MagentoClient] | None = None,
) -> list[Check]:
    """Run every check that applies to ``settings``, in report order.

    Args:
        settings: The loaded configuration.
        client_factory: Builds the Magento client (tests pass one with a transport).

    Returns:
        The checks; any ``FAIL`` means the bridge would not work as configured.
    """
    checks = [*_check_folders(settings), _check_states(settings)]
    checks.append(_check_base_url(settings))
    from bridge.runtime.doctor_shop import check_ledger_schema, check_shop

    client = (client_factory or _client)(settings)
    try:
        magento = _check_magento(settings, client)
        checks.extend(magento)
        if all(c.status == "OK" for c in magento[:2]) and len(magento) > 1:
            checks.extend(check_shop(settings, client))  # reachable, credentials ok
    finally:
        client.close()
    if settings.sftp.host:
        checks.extend(_check_sftp(settings))
    checks.append(_check_ledger(settings))
    checks.append(check_ledger_schema(settings))
    return checks


def _client(settings: Settings) -> MagentoClient:
    """A client that asks once and waits at most 10 s: a preflight, not a service."""
    magento = settings.magento.model_copy(
        update={
            "max_retries": 0,
            "timeout_seconds": min(10.0, settings.magento.timeout_seconds),
        }
    )
    return MagentoClient(magento)


# --- local --------------------------------------------------------------------------


def _check_folders(settings: Settings) -> Iterator[Check]:
    root = settings.root
    needed = [
        *(root / "inbox" / kind for kind in ("products", "stock", "shipments")),
        root / "outbox" / "orders",
        root / "archive",
        root / "failed",
        root / "var",
    ]
    missing = [p for p in needed if not p.is_dir()]
    if missing:
        yield Check(
            "local folders",
            "FAIL",
            f"missing under {root}: {', '.join(str(p.relative_to(root)) for p in missing)}",
            f"run `bridge init {root}` (it keeps an existing bridge.toml)",
        )
        return
    locked = [p for p in needed if not os.access(p, os.W_OK | os.X_OK)]
    if locked:
        yield Check(
            "local folders",
            "FAIL",
            f"not writable: {', '.join(str(p.relative_to(root)) for p in locked)}",
            "give the bridge's user write access to its folder (chown -R)",
        )
        return
    yield Check(
        "local folders", "OK", f"{root}: inbox, outbox, archive, failed, var writable"
    )


def _check_states(settings: Settings) -> Check:
    unknown = [s for s in settings.orders.states if s not in ORDER_STATES]
    if unknown:
        hint = (
            " ('pending' is the status of state 'new')" if "pending" in unknown else ""
        )
        return Check(
            "order states",
            "WARN",
            f"orders.states has {', '.join(map(repr, unknown))}: not a Magento order "
            f"state{hint}; such orders are never exported",
            f"use states: {', '.join(sorted(ORDER_STATES))}",
        )
    return Check(
        "order states", "OK", f"exporting states {', '.join(settings.orders.states)}"
    )


def _check_ledger(settings: Settings) -> Check:
    url = settings.ledger_url
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        scheme = url.split(":", 1)[0]
        return Check(
            "ledger", "OK", f"{scheme} ledger configured (not opened by doctor)"
        )
    path = Path(url[len(prefix) :])
    if path.exists():
        ok = os.access(path, os.R_OK | os.W_OK)
        found = f"{path} {'is' if ok else 'is not'} readable and writable"
        return Check(
            "ledger",
            "OK" if ok else "FAIL",
            found,
            "" if ok else "give the bridge's user write access to the ledger file",
        )
    if os.access(path.parent, os.W_OK | os.X_OK):
        return Check("ledger", "OK", f"{path} will be created on the first run")
    return Check(
        "ledger",
        "FAIL",
        f"{path.parent} does not exist or is not writable",
        "run `bridge init` in the bridge folder, or set ledger.url",
    )


# --- Magento ------------------------------------------------------------------------


def _check_base_url(settings: Settings) -> Check:
    url = settings.magento.base_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check(
            "magento.base_url",
            "FAIL",
            f"{url!r} is not an http(s) URL",
            "set magento.base_url to the shop's address, e.g. https://shop.example.com",
        )
    if parts.path.rstrip("/").endswith("/rest"):
        return Check(
            "magento.base_url",
            "FAIL",
            f"{url} ends in /rest; the bridge adds /rest/V1/... itself",
            "remove /rest from magento.base_url",
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return Check(
            "magento.base_url",
            "WARN",
            f"{url} is plain HTTP: the token travels unencrypted",
            "use the shop's https:// address",
        )
    return Check("magento.base_url", "OK", url)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_magento(settings: Settings, client: MagentoClient) -> list[Check]:
    probes = list(_PROBES)
    if settings.magento.inventory == "msi":
        probes.append(_MSI_PROBE)
    outcomes: list[tuple[str, str, BridgeError | None]] = []
    for name, resource, path in probes:
        try:
            client.request("GET", path, params=_PAGE_OF_ONE)
        except MagentoUnavailableError as exc:
            return [_unreachable(settings, exc)]
        except BridgeError as exc:
            code = getattr(exc, "status_code", None) or 0
            if 300 <= code < 400:
                return [_redirected(settings, code)]
            if isinstance(exc, MagentoBaseUrlError):
                return [
                    Check(
                        "magento.base_url",
                        "FAIL",
                        str(exc),
                        "set magento.base_url to the shop's address (its storefront "
                        "URL, without /rest)",
                    )
                ]
            outcomes.append((name, resource, exc))
            continue
        outcomes.append((name, resource, None))
    reachable = Check(
        "magento", "OK", f"{settings.magento.base_url} answers REST requests"
    )
    refused = [o for o in outcomes if isinstance(o[2], MagentoAuthError)]
    if len(refused) == len(outcomes):
        keys = (
            "consumer_key, consumer_secret, access_token, access_token_secret"
            if settings.magento.uses_oauth
            else "token"
        )
        return [
            reachable,
            Check(
                "magento credentials",
                "FAIL",
                f"every request refused (401): {refused[0][2]}",
                f"check magento.{keys}; for a Bearer token on 2.4.4+ enable 'Allow OAuth"
                f" Access Tokens to be used as standalone Bearer tokens' ({_SETUP} §2)",
            ),
        ]
    return [
        reachable,
        Check("magento credentials", "OK", "accepted"),
        *(_resource_check(name, resource, exc) for name, resource, exc in outcomes),
    ]


def _resource_check(name: str, resource: str, exc: BridgeError | None) -> Check:
    label = f"magento resource {resource}"
    if exc is None:
        return Check(label, "OK", f"{name}: readable")
    if isinstance(exc, MagentoAuthError):
        return Check(
            label,
            "FAIL",
            f"{name}: refused (401): the integration lacks {resource}",
            f"tick {resource} in the integration's API resources ({_SETUP} §1)",
        )
    if (
        resource.startswith("Magento_InventoryApi")
        and getattr(exc, "status_code", None) == 404
    ):
        return Check(
            label,
            "FAIL",
            f"{name}: no such route (404): MSI is not installed or is disabled",
            'set magento.inventory = "legacy", or enable the Magento_Inventory modules',
        )
    return Check(label, "FAIL", f"{name}: {exc}", f"see {_SETUP}")


def _redirected(settings: Settings, code: int) -> Check:
    return Check(
        "magento",
        "FAIL",
        f"{settings.magento.base_url} answers REST requests with a redirect (HTTP {code}); "
        "the bridge does not follow redirects (a POST would be lost)",
        "set magento.base_url to the address the shop redirects to "
        "(often https:// or the www. host)",
    )


def _unreachable(settings: Settings, exc: MagentoUnavailableError) -> Check:
    text = str(exc)
    url = settings.magento.base_url
    if "SSL" in text or "CERTIFICATE" in text.upper():
        return Check(
            "magento",
            "FAIL",
            f"TLS failed at {url}: {text}",
            "give the shop a valid certificate (or fix the scheme in magento.base_url); "
            "the bridge never skips certificate checks",
        )
    return Check(
        "magento",
        "FAIL",
        f"cannot reach {url}: {text}",
        "check magento.base_url, DNS and firewalls from this host; "
        "raise magento.timeout_seconds for a slow shop",
    )


# --- SFTP ---------------------------------------------------------------------------


def _check_sftp(settings: Settings) -> list[Check]:
    from bridge.folders.sftp import SftpEndpoint

    s = settings.sftp
    endpoint = SftpEndpoint(s)
    where = endpoint.server
    inboxes = [f"{s.inbox.rstrip('/')}/{k}" for k in ("products", "stock", "shipments")]
    # The bridge creates outbox/orders and the archive's folders itself when missing.
    made_later = [f"{s.outbox.rstrip('/')}/orders", s.archive]
    try:
        with endpoint.session() as sftp:
            missing = [p for p in inboxes if not _remote_dir(sftp, p)]
            later = [p for p in made_later if not _remote_dir(sftp, p)]
    except ConfigError as exc:
        fix = "see the message; host keys are checked against sftp.known_hosts"
        return [Check("sftp", "FAIL", str(exc), fix)]
    except FolderUnavailableError as exc:
        return [
            Check("sftp", "FAIL", str(exc), "check sftp.host, sftp.port, firewalls")
        ]
    finally:
        endpoint.close()
    checks = [Check("sftp", "OK", f"{where}: connected, host key known")]
    if missing:
        checks.append(
            Check(
                "sftp folders",
                "FAIL",
                f"missing on {where}: {', '.join(missing)}",
                "create them on the server (the ERP writes there), or set sftp.inbox",
            )
        )
    elif later:
        checks.append(
            Check(
                "sftp folders",
                "WARN",
                f"not yet on {where}: {', '.join(later)}",
                "the bridge creates them on first use; the SFTP user needs write access",
            )
        )
    else:
        checks.append(
            Check("sftp folders", "OK", "inbox, outbox and archive folders exist")
        )
    return checks


def _remote_dir(sftp: object, path: str) -> bool:
    """True when ``path`` exists on the server (``stat`` only; nothing is created)."""
    try:
        sftp.stat(path)  # type: ignore[attr-defined]
    except FileNotFoundError:
        return False
    return True
