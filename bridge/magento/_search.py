"""Magento's ``searchCriteria`` query parameters, and the query encoding it verifies.

Kept apart from the client: they are pure functions of their arguments, used by every
adapter that lists (orders, products, invoices, source items).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = ["Filter", "encode_query", "search_params"]


@dataclass(frozen=True)
class Filter:
    """One ``searchCriteria`` filter: ``field condition_type value``.

    Filters in one group are OR-ed; groups are AND-ed (Magento's search rules).
    """

    field: str
    value: str
    condition_type: str = "eq"


def search_params(
    filter_groups: Sequence[Sequence[Filter]],
    *,
    sort: Sequence[tuple[str, str]] = (),
    page_size: int | None = None,
    current_page: int | None = None,
) -> dict[str, str]:
    """Flatten a search into Magento's ``searchCriteria[...]`` query parameters.

    Args:
        filter_groups: AND-ed groups of OR-ed filters.
        sort: ``(field, "ASC"|"DESC")`` pairs, in order.
        page_size: ``searchCriteria[pageSize]``; None returns every match.
        current_page: ``searchCriteria[currentPage]`` (1-based).

    Returns:
        Query parameters ready for ``MagentoClient.request(params=...)``.
    """
    params: dict[str, str] = {}
    for i, group in enumerate(filter_groups):
        for j, flt in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{i}][filters][{j}]"
            params[f"{prefix}[field]"] = flt.field
            params[f"{prefix}[value]"] = flt.value
            params[f"{prefix}[condition_type]"] = flt.condition_type
    for k, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{k}][field]"] = field
        params[f"searchCriteria[sortOrders][{k}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = str(page_size)
    if current_page is not None:
        params["searchCriteria[currentPage]"] = str(current_page)
    if not params:
        # Magento needs searchCriteria present to accept a list call at all.
        params["searchCriteria"] = ""
    return params


def encode_query(params: Mapping[str, str]) -> str:
    """The query string with every reserved character percent-encoded (RFC 3986).

    A space is written ``%20``, never ``+``: Magento reads a signed query with
    ``rawurldecode`` (``Framework/Oauth/Helper/Request::_extractQueryStringParams``,
    magento/magento2 PR #34896), so a ``+`` would stay a ``+`` there while the
    signer read a space, and every OAuth call with a ``created_at`` filter
    ("YYYY-MM-DD HH:MM:SS") would be refused. ``%20`` decodes to a space under
    both ``rawurldecode`` and ``urldecode``.

    Args:
        params: Query parameters (see ``search_params``).

    Returns:
        ``k=v&...`` with keys and values encoded, in the given order.
    """
    return urlencode(params, quote_via=quote, safe="")
