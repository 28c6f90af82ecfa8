"""``bridge doctor``'s checks of the shop's structure and of the ledger's schema.

The shop: the configured websites exist, the attribute set exists and holds the EAN
attribute, the MSI source the stock goes to exists, and ``batch_size`` fits Magento's
web API input limit. Each is one GET (``store/websites``, ``products/attribute-sets``,
``inventory/sources``) or none: nothing is written. The ledger: its schema revision is
read without migrating it (opening a ``Ledger`` would upgrade it), and compared with the
revision this code knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import BridgeError, ConfigError, TransientError
from bridge.ledger import migrate
from bridge.magento import MagentoClient
from bridge.runtime.doctor import Check

__all__ = ["check_ledger_schema", "check_shop"]

INPUT_LIMIT = 20
"""Magento's default web API input limit: array items per request (2.4.4+)."""
_SETUP = "docs/magento-setup.md"


def check_shop(settings: Settings, client: MagentoClient) -> list[Check]:
    """The websites, attribute set, EAN attribute, MSI source and input limit checks."""
    checks = [_websites(settings, client), *_attribute_set(settings, client)]
    if settings.magento.inventory == "msi":
        checks.append(_source(settings, client))
    checks.append(_input_limit(settings))
    return checks


def _get(client: MagentoClient, path: str, **params: str) -> Any:
    return client.request("GET", path, params=params or None, retry=False)


def _websites(settings: Settings, client: MagentoClient) -> Check:
    try:
        found = {
            int(w["id"]): str(w["code"]) for w in _get(client, "/V1/store/websites")
        }
    except BridgeError as exc:
        return Check("magento websites", "FAIL", f"cannot read websites: {exc}")
    wanted = settings.magento.website_ids
    unknown = [w for w in wanted if w not in found or w == 0]
    if unknown:
        shop = ", ".join(f"{i} ({c})" for i, c in sorted(found.items()) if i)
        return Check(
            "magento websites",
            "FAIL",
            f"magento.website_ids has {unknown}: no such website; the shop has {shop}",
            "set magento.website_ids to ids the shop lists (Stores > All Stores)",
        )
    names = ", ".join(f"{w} ({found[w]})" for w in wanted)
    return Check("magento websites", "OK", f"websites {names} exist")


def _attribute_set(settings: Settings, client: MagentoClient) -> list[Check]:
    set_id = settings.magento.attribute_set_id
    base = f"/V1/products/attribute-sets/{set_id}"
    try:
        found = _get(client, base)
        codes = {str(a["attribute_code"]) for a in _get(client, f"{base}/attributes")}
    except BridgeError as exc:
        if getattr(exc, "status_code", None) != 404:
            return [Check("magento attribute set", "FAIL", f"cannot read it: {exc}")]
        return [
            Check(
                "magento attribute set",
                "FAIL",
                f"magento.attribute_set_id {set_id}: no such attribute set",
                "set magento.attribute_set_id to the product attribute set new "
                "products get (Stores > Attribute Set; Magento's default is 4)",
            )
        ]
    name = found.get("attribute_set_name", "?")
    checks = [Check("magento attribute set", "OK", f"{set_id} ({name}) exists")]
    ean = settings.magento.ean_attribute
    if not ean:
        checks.append(
            Check("magento EAN attribute", "OK", "not sent (ean_attribute empty)")
        )
    elif ean not in codes:
        checks.append(
            Check(
                "magento EAN attribute",
                "FAIL",
                f"attribute {ean!r} is not in attribute set {set_id} ({name}): "
                "Magento would drop every EAN the ERP sends",
                f"add {ean!r} to the set (Stores > Attribute Set), or set "
                'magento.ean_attribute to its code ("" to send none)',
            )
        )
    else:
        checks.append(
            Check(
                "magento EAN attribute", "OK", f"{ean!r} is in attribute set {set_id}"
            )
        )
    return checks


def _source(settings: Settings, client: MagentoClient) -> Check:
    code = settings.magento.source_code
    try:
        found = _get(
            client,
            "/V1/inventory/sources",
            **{"searchCriteria[pageSize]": "300", "searchCriteria[currentPage]": "1"},
        )
    except BridgeError as exc:
        if getattr(exc, "status_code", None) == 404:
            return Check(
                "magento MSI source",
                "FAIL",
                "no inventory/sources route (404): MSI is not installed or disabled",
                'set magento.inventory = "legacy", or enable the Magento_Inventory modules',
            )
        return Check("magento MSI source", "FAIL", f"cannot read sources: {exc}")
    codes = sorted(str(s["source_code"]) for s in found.get("items", []))
    if code not in codes:
        return Check(
            "magento MSI source",
            "FAIL",
            f"magento.source_code {code!r} does not exist; the shop has "
            f"{', '.join(codes) or 'none'}",
            "create the source (Stores > Inventory > Sources) or set "
            "magento.source_code to one of those",
        )
    return Check("magento MSI source", "OK", f"source {code!r} exists")


def _input_limit(settings: Settings) -> Check:
    size = settings.magento.batch_size
    if size > INPUT_LIMIT:
        return Check(
            "magento input limit",
            "WARN",
            f"magento.batch_size {size} is over Magento's default input limit of "
            f"{INPUT_LIMIT} array items: such calls are refused unless the shop's "
            "limit was raised",
            f"set magento.batch_size = {INPUT_LIMIT}, or raise 'Input list limit' "
            f"(Stores > Configuration > Services > Web API; {_SETUP})",
        )
    return Check(
        "magento input limit",
        "OK",
        f"batch_size {size} is within Magento's default limit of {INPUT_LIMIT}",
    )


def check_ledger_schema(settings: Settings) -> Check:
    """Whether the ledger can be reached and its schema matches this code (read-only)."""
    url = settings.ledger_url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return Check("ledger schema", "OK", "no ledger yet: created at the first run")
    try:
        current = migrate.peek_revision(url)
    except (ConfigError, TransientError) as exc:
        return Check(
            "ledger schema",
            "FAIL",
            f"ledger unreachable: {exc}",
            "check ledger.url, the database server and its credentials",
        )
    head = migrate.head()
    if current == head:
        return Check("ledger schema", "OK", f"at revision {head}, as this code")
    if current is not None and not migrate.knows(current):
        return Check(
            "ledger schema",
            "FAIL",
            f"at revision {current}, which this release does not know: a newer "
            "release wrote it",
            "run the newer release, or restore a ledger of this one",
        )
    return Check(
        "ledger schema",
        "WARN",
        f"at revision {current or 'unstamped (first release)'}, behind this code's "
        f"{head}",
        "nothing to do: the bridge upgrades it in place when it starts",
    )
