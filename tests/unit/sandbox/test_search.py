"""searchCriteria on GET /V1/orders: groups, conditions, sorting, paging, fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def orders(place_order: OrderFactory) -> list[dict[str, Any]]:
    """Five orders with distinct emails, dates and totals."""
    made = []
    for n in range(5):
        made.append(
            place_order(
                customer={
                    "email": f"c{n}@example.com",
                    "firstname": "C",
                    "lastname": str(n),
                },
                items=[
                    {
                        "sku": f"S-{n}",
                        "qty": 1,
                        "price": str(10 * (n + 1)),
                        "tax_percent": 0,
                    }
                ],
                created_at=f"2024-05-0{n + 1} 10:00:00",
            )
        )
    return made


def _criteria(
    groups: list[list[tuple[str, str, str]]],
    spelling: str = "filter_groups",
    **extra: str,
) -> dict[str, str]:
    params = {}
    for g, group in enumerate(groups):
        for f, (field, value, cond) in enumerate(group):
            prefix = f"searchCriteria[{spelling}][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            params[f"{prefix}[condition_type]"] = cond
    params.update({f"searchCriteria[{k}]": v for k, v in extra.items()})
    return params


def _ids(api: httpx.Client, params: dict[str, str]) -> list[str]:
    body = api.get("/rest/V1/orders", params=params).json()
    return [o["customer_email"][:2] for o in body["items"]]


def test_or_inside_a_group_and_between_groups(
    api: httpx.Client, orders: list[Any]
) -> None:
    """Filters in one group are OR-ed, groups are AND-ed (both spellings)."""
    groups = [
        [
            ("customer_email", "c1@example.com", "eq"),
            ("customer_email", "c3@example.com", "eq"),
        ],
        [("grand_total", "30", "gteq")],
    ]
    assert _ids(api, _criteria(groups)) == ["c3"]
    assert _ids(api, _criteria(groups, spelling="filterGroups")) == ["c3"]
    assert _ids(api, _criteria(groups[:1])) == ["c1", "c3"]


@pytest.mark.parametrize(
    ("cond", "value", "expected"),
    [
        ("eq", "20", ["c1"]),
        ("neq", "20", ["c0", "c2", "c3", "c4"]),
        ("gt", "30", ["c3", "c4"]),
        ("gteq", "30", ["c2", "c3", "c4"]),
        ("lt", "20", ["c0"]),
        ("lteq", "20", ["c0", "c1"]),
        ("in", "10,50", ["c0", "c4"]),
        ("nin", "10,50", ["c1", "c2", "c3"]),
        ("from", "40", ["c3", "c4"]),
        ("to", "20", ["c0", "c1"]),
    ],
)
def test_numeric_conditions(
    api: httpx.Client, orders: list[Any], cond: str, value: str, expected: list[str]
) -> None:
    """Each comparison condition type filters grand_total as Magento's SQL would."""
    assert _ids(api, _criteria([[("grand_total", value, cond)]])) == expected


def test_text_and_null_conditions(api: httpx.Client, orders: list[Any]) -> None:
    """like/nlike use SQL wildcards, null/notnull test presence, finset a comma list."""
    assert _ids(api, _criteria([[("customer_email", "C2@%", "like")]])) == ["c2"]
    assert len(_ids(api, _criteria([[("customer_email", "c2%", "nlike")]]))) == 4
    assert _ids(api, _criteria([[("customer_id", "", "null")]])) == [
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    assert _ids(api, _criteria([[("customer_id", "", "notnull")]])) == []
    assert _ids(api, _criteria([[("state", "new", "finset")]])) == [
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    date = _criteria([[("created_at", "2024-05-03 00:00:00", "gteq")]])
    assert _ids(api, date) == ["c2", "c3", "c4"]


def test_sort_default_direction_is_desc(api: httpx.Client, orders: list[Any]) -> None:
    """A sort order without direction sorts descending; ASC ascending."""
    desc = {"searchCriteria[sortOrders][0][field]": "grand_total"}
    assert _ids(api, desc) == ["c4", "c3", "c2", "c1", "c0"]
    asc = {**desc, "searchCriteria[sortOrders][0][direction]": "ASC"}
    assert _ids(api, asc) == ["c0", "c1", "c2", "c3", "c4"]


def test_paging_and_total_count(api: httpx.Client, orders: list[Any]) -> None:
    """pageSize/currentPage page the matches; total_count is the unpaged count."""
    params = {
        "searchCriteria[pageSize]": "2",
        "searchCriteria[currentPage]": "2",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[sortOrders][0][direction]": "ASC",
    }
    body = api.get("/rest/V1/orders", params=params).json()
    assert [o["customer_email"][:2] for o in body["items"]] == ["c2", "c3"]
    assert body["total_count"] == 5
    assert body["search_criteria"]["page_size"] == 2


def test_out_of_range_page_clamps_to_last_page(
    api: httpx.Client, orders: list[Any]
) -> None:
    """CurrentPage past the end answers the last page again, as Magento does."""
    params = {
        "searchCriteria[pageSize]": "2",
        "searchCriteria[currentPage]": "9",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[sortOrders][0][direction]": "ASC",
    }
    assert _ids(api, params) == ["c4"]


def test_default_and_maximum_page_size_with_input_limits(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """With input limits on a missing pageSize means 20 and above 300 is refused."""
    for _ in range(21):
        place_order()
    body = api.get("/rest/V1/orders").json()
    assert (len(body["items"]), body["total_count"]) == (20, 21)
    refused = api.get("/rest/V1/orders", params={"searchCriteria[pageSize]": "301"})
    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Maximum SearchCriteria pageSize is %max",
        "parameters": {"max": 300},
    }
    api.post("/sandbox/config", json={"input_limit": False})
    assert len(api.get("/rest/V1/orders").json()["items"]) == 21


def test_fields_trims_the_answer(api: httpx.Client, orders: list[Any]) -> None:
    """fields=items[entity_id,increment_id],total_count keeps only those."""
    params = {
        **_criteria([[("grand_total", "10", "eq")]]),
        "fields": "items[entity_id,increment_id],total_count",
    }
    body = api.get("/rest/V1/orders", params=params).json()
    assert body == {
        "items": [
            {
                "entity_id": orders[0]["entity_id"],
                "increment_id": orders[0]["increment_id"],
            }
        ],
        "total_count": 1,
    }
