"""Magento ``searchCriteria`` for list endpoints: filters, sort, paging, ``fields``.

Rules (API-FACTS §3, performing-searches): filters inside one group are OR-ed,
groups are AND-ed; both ``filter_groups``/``filterGroups`` and
``condition_type``/``conditionType`` spellings are read; a sort order without a
direction is DESC; without ``pageSize`` every match comes back unless input limits
are on (then the default page size is 20 and more than 300 is refused); an
out-of-range ``currentPage`` is clamped to the last page, as Magento's collection
does. String comparisons are case-insensitive like MySQL's default collation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge.sandbox._router import MagentoHttpError, bad_request

DEFAULT_PAGE_SIZE = 20
MAXIMUM_PAGE_SIZE = 300
CONDITIONS = frozenset(
    [
        "eq",
        "neq",
        "gt",
        "gteq",
        "lt",
        "lteq",
        "like",
        "nlike",
        "in",
        "nin",
        "null",
        "notnull",
        "finset",
        "from",
        "to",
    ]
)
_KEY = re.compile(r"\[([^\]]*)\]")


def _nested(query: dict[str, str]) -> dict[str, Any]:
    """Turn ``searchCriteria[a][0][b]=v`` keys into nested dicts (PHP style)."""
    root: dict[str, Any] = {}
    for key, value in query.items():
        if not key.startswith("searchCriteria"):
            continue
        node = root
        parts = _KEY.findall(key[len("searchCriteria") :])
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            if parts:
                node[parts[-1]] = value
    return root


def _ordered(node: Any) -> list[Any]:
    """Return the values of a PHP-style indexed dict in index order."""
    if not isinstance(node, dict):
        return []
    return [
        node[k]
        for k in sorted(
            node, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)
        )
    ]


def parse(query: dict[str, str], *, input_limit: bool) -> dict[str, Any]:
    """Parse the query string into Magento's ``search_criteria`` echo shape.

    Raises:
        MagentoHttpError: 400 for a page size above the maximum with limits on.
    """
    tree = _nested(query)
    groups = []
    for group in _ordered(tree.get("filter_groups") or tree.get("filterGroups")):
        filters = []
        for flt in _ordered(group.get("filters") if isinstance(group, dict) else None):
            if not isinstance(flt, dict) or "field" not in flt:
                continue
            cond = flt.get("condition_type") or flt.get("conditionType") or "eq"
            filters.append(
                {
                    "field": flt["field"],
                    "value": flt.get("value", ""),
                    "condition_type": cond,
                }
            )
        if filters:
            groups.append({"filters": filters})
    sorts = []
    for order in _ordered(tree.get("sortOrders") or tree.get("sort_orders")):
        if isinstance(order, dict) and order.get("field"):
            sorts.append(
                {
                    "field": order["field"],
                    "direction": str(order.get("direction") or "DESC").upper(),
                }
            )
    criteria: dict[str, Any] = {"filter_groups": groups}
    if sorts:
        criteria["sort_orders"] = sorts
    size = _int(tree.get("pageSize") or tree.get("page_size"))
    if size is None and input_limit:
        size = DEFAULT_PAGE_SIZE
    if size is not None and input_limit and size > MAXIMUM_PAGE_SIZE:
        raise MagentoHttpError(
            400, "Maximum SearchCriteria pageSize is %max", {"max": MAXIMUM_PAGE_SIZE}
        )
    if size is not None:
        criteria["page_size"] = size
    page = _int(tree.get("currentPage") or tree.get("current_page"))
    if page is not None:
        criteria["current_page"] = page
    return criteria


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise bad_request(
            'The "%1" value\'s type is invalid. The "%2" type was expected. '
            "Verify and try again.",
            value,
            "int",
        ) from None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _compare(left: Any, right: str) -> int | None:
    """Compare a record value with a filter value: numerically if both are numbers."""
    if left is None:
        return None
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    x, y = str(left).casefold(), right.casefold()
    return (x > y) - (x < y)


def _like(value: Any, pattern: str) -> bool:
    regex = "".join(
        ".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern
    )
    return re.fullmatch(regex, str(value), re.IGNORECASE | re.DOTALL) is not None


def _matches(record: dict[str, Any], flt: dict[str, Any]) -> bool:
    value = record.get(flt["field"])
    target = str(flt["value"])
    cond = flt["condition_type"]
    if cond not in CONDITIONS:
        raise bad_request(
            'Invalid value of "%1" provided for the %2 field.', cond, "condition_type"
        )
    if cond == "null":
        return value is None
    if cond == "notnull":
        return value is not None
    if cond in ("in", "nin"):
        options = {v.strip().casefold() for v in target.split(",")}
        inside = value is not None and str(value).casefold() in options
        return inside if cond == "in" else (value is not None and not inside)
    if cond == "finset":
        return value is not None and target in [
            v.strip() for v in str(value).split(",")
        ]
    if cond in ("like", "nlike"):
        hit = value is not None and _like(value, target)
        return hit if cond == "like" else (value is not None and not hit)
    result = _compare(value, target)
    if result is None:
        return False
    checks: dict[str, Callable[[int], bool]] = {
        "eq": lambda r: r == 0,
        "neq": lambda r: r != 0,
        "gt": lambda r: r > 0,
        "gteq": lambda r: r >= 0,
        "from": lambda r: r >= 0,
        "lt": lambda r: r < 0,
        "lteq": lambda r: r <= 0,
        "to": lambda r: r <= 0,
    }
    return checks[cond](result)


def _sort_key(value: Any) -> tuple[int, Any]:
    number = _number(value)
    if value is None:
        return (0, 0)
    if number is not None:
        return (1, number)
    return (2, str(value).casefold())


def search(
    rows: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    criteria: dict[str, Any],
) -> dict[str, Any]:
    """Filter, sort and page ``rows`` of (searchable record, output item).

    Returns:
        ``{"items": [...], "search_criteria": criteria, "total_count": N}``.
    """
    hits = [
        row
        for row in rows
        if all(
            any(_matches(row[0], f) for f in g["filters"])
            for g in criteria["filter_groups"]
        )
    ]
    for order in reversed(criteria.get("sort_orders", [])):
        field = str(order["field"])
        hits.sort(
            key=lambda row: _sort_key(row[0].get(field)),
            reverse=order["direction"] != "ASC",
        )
    total = len(hits)
    size = criteria.get("page_size")
    if size:
        last = max(1, -(-total // size))
        page = min(max(1, criteria.get("current_page") or 1), last)
        hits = hits[(page - 1) * size : page * size]
    return {
        "items": [row[1] for row in hits],
        "search_criteria": criteria,
        "total_count": total,
    }


def parse_fields(spec: str) -> dict[str, Any]:
    """Parse ``items[entity_id,increment_id],total_count`` into a nested selector."""
    pos = 0

    def level() -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        name = ""
        while pos < len(spec):
            char = spec[pos]
            pos += 1
            if char == "[":
                out[name.strip()] = level()
                name = ""
            elif char == "]":
                break
            elif char == ",":
                if name.strip():
                    out[name.strip()] = None
                name = ""
            else:
                name += char
        if name.strip():
            out[name.strip()] = None
        return out

    return level()


def trim(value: Any, selector: dict[str, Any] | None) -> Any:
    """Keep only the selected fields of ``value`` (lists are trimmed per element)."""
    if selector is None:
        return value
    if isinstance(value, list):
        return [trim(v, selector) for v in value]
    if isinstance(value, dict):
        return {k: trim(v, selector[k]) for k, v in value.items() if k in selector}
    return value
