"""The products flow over HTTP against the sandbox: creates, core-only updates."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.errors import MagentoUnavailableError
from bridge.mapping.products import url_key_for
from tests.flows._catalog_env import CatalogEnv, attrs, env, products_xml

__all__ = ["env"]  # the fixture, imported for pytest

FORBIDDEN = {
    "status",
    "visibility",
    "extension_attributes",
    "media_gallery_entries",
    "product_links",
    "type_id",
    "attribute_set_id",
    "website_ids",
    "category_links",
}

THREE = [
    {
        "sku": "ERP-1001",
        "ean": "7312345678909",
        "name": "Widget 10 mm",
        "price": "99.00",
        "short_description": "Short",
        "description": "&lt;p&gt;Long&lt;/p&gt;",
    },
    {"sku": "ERP-1002", "name": "Widget 12 mm", "price": "119.50"},
    {"sku": "ERP-1003", "name": "Hex bolt M8", "price": "0", "qty": "40"},
]


def _keys(obj: Any) -> set[str]:
    """Every key anywhere in a JSON value, and every custom attribute code."""
    if isinstance(obj, dict):
        found = set(obj)
        if "attribute_code" in obj:
            found.add(str(obj["attribute_code"]))
        for value in obj.values():
            found |= _keys(value)
        return found
    if isinstance(obj, list):
        return set().union(*(_keys(v) for v in obj)) if obj else set()
    return set()


def _seed_three(env: CatalogEnv) -> None:
    result = env.run(env.products_flow(), env.write("p1.xml", products_xml(THREE)))
    assert (result.applied, result.rejected) == (3, [])


def test_three_new_skus_become_three_disabled_products(env: CatalogEnv) -> None:
    """Three unknown SKUs are POSTed disabled, simple, with every core field."""
    env.configure(attribute_set_id=4, website_ids=[1], ean_attribute="ean")
    _seed_three(env)
    posts = env.writes("/V1/products")
    assert [(r["method"], r["path"]) for r in posts] == [
        ("POST", "/rest/all/V1/products")
    ] * 3
    first = env.product("ERP-1001")
    assert first["status"] == 2
    assert first["type_id"] == "simple"
    assert first["attribute_set_id"] == 4
    assert first["extension_attributes"]["website_ids"] == [1]
    assert first["name"] == "Widget 10 mm"
    assert first["price"] == 99.0
    assert attrs(first) == {
        "ean": "7312345678909",
        "short_description": "Short",
        "description": "<p>Long</p>",
        "url_key": "widget-10-mm-erp-1001",
    }
    second = env.product("ERP-1002")
    assert (second["status"], second["price"]) == (2, 119.5)
    assert attrs(second)["url_key"] == url_key_for("Widget 12 mm", "ERP-1002")
    assert env.source_qty("ERP-1003") == (40.0, 1)


def test_staff_enabling_and_categories_survive_an_erp_update(env: CatalogEnv) -> None:
    """After staff enable and categorise, an update changes name and price only."""
    _seed_three(env)
    env.admin(
        "PUT",
        "/all/V1/products/ERP-1001",
        {
            "product": {
                "sku": "ERP-1001",
                "status": 1,
                "visibility": 4,
                "extension_attributes": {
                    "category_links": [{"position": 0, "category_id": "12"}]
                },
            }
        },
    )
    before = env.product("ERP-1001")
    env.forget()
    changed = [dict(THREE[0], name="Widget 10 mm v2", price="105.00"), *THREE[1:]]
    for _ in range(3):  # any number of ERP updates
        result = env.run(
            env.products_flow(), env.write("p2.xml", products_xml(changed))
        )
        changed[0]["price"] = str(float(changed[0]["price"]) + 1)
    assert result.rejected == []
    after = env.product("ERP-1001")
    assert after["status"] == 1
    assert after["visibility"] == before["visibility"] == 4
    assert after["extension_attributes"]["category_links"] == [
        {"position": 0, "category_id": "12"}
    ]
    assert after["extension_attributes"]["website_ids"] == [1]
    assert (after["name"], after["price"]) == ("Widget 10 mm v2", 107.0)
    sent = env.requests()
    puts = [r for r in sent if r["method"] != "GET"]
    assert [r["path"] for r in puts] == ["/rest/all/V1/products/ERP-1001"] * 3
    assert puts[0]["body"] == {
        "product": {"sku": "ERP-1001", "name": "Widget 10 mm v2", "price": 105.0}
    }
    for request in sent:
        assert not _keys(request["body"]) & FORBIDDEN, request


def test_redropped_content_makes_no_call(env: CatalogEnv) -> None:
    """The same core data in a new file makes no Magento call at all."""
    _seed_three(env)
    env.forget()
    result = env.run(env.products_flow(), env.write("again.xml", products_xml(THREE)))
    assert (result.applied, result.unchanged) == (0, 3)
    assert env.requests() == []


def test_one_changed_product_in_a_thousand_is_one_write(env: CatalogEnv) -> None:
    """A file where 1 of 1,000 products changed makes exactly one product write."""
    env.configure(concurrency=8)
    rows = [
        {"sku": f"K-{i:04d}", "name": f"Part {i}", "price": f"{i}.25"}
        for i in range(1000)
    ]
    first = env.run(env.products_flow(), env.write("all.xml", products_xml(rows)))
    assert first.applied == 1000
    env.forget()
    rows[417]["price"] = "999.99"
    result = env.run(env.products_flow(), env.write("one.xml", products_xml(rows)))
    assert (result.applied, result.unchanged) == (1, 999)
    writes = env.writes()
    assert [(w["method"], w["body"]) for w in writes] == [
        ("PUT", {"product": {"sku": "K-0417", "price": 999.99}})
    ]


def test_duplicate_sku_last_wins_and_is_reported(env: CatalogEnv) -> None:
    """With a SKU twice in a file the last one is applied; the first is noted."""
    rows = [
        {"sku": "D-1", "name": "First", "price": "1"},
        {"sku": "D-2", "name": "Other", "price": "2"},
        {"sku": "D-1", "name": "Second", "price": "3"},
    ]
    result = env.run(env.products_flow(), env.write("dup.xml", products_xml(rows)))
    assert env.product("D-1")["name"] == "Second"
    assert len(env.writes("/V1/products")) == 2
    dup = [n for n in result.notes if n.outcome == "duplicate"]
    assert [(n.record.line, getattr(n.record.model, "name", None)) for n in dup] == [
        (3, "First")
    ]
    assert "D-1 appears again on line 5; the last occurrence wins" in dup[0].message


def test_duplicate_without_qty_drops_the_earlier_qty(env: CatalogEnv) -> None:
    """The last occurrence wins whole: an earlier duplicate's qty is not applied."""
    rows = [
        {"sku": "Q-1", "name": "Cup", "price": "1", "qty": "12"},
        {"sku": "Q-1", "name": "Cup", "price": "1"},
    ]
    result = env.run(env.products_flow(), env.write("dq.xml", products_xml(rows)))
    assert result.applied == 1
    assert env.writes("/inventory/source-items") == []


def test_a_refused_product_rejects_that_record_only(env: CatalogEnv) -> None:
    """A Magento 400 on one product rejects it; the others are created."""
    env.admin(
        "POST",
        "/all/V1/products",
        {
            "product": {
                "sku": "OTHER",
                "name": "Staff product",
                "price": 1,
                "custom_attributes": [{"attribute_code": "url_key", "value": "r-2"}],
            }
        },
    )
    # "R-2" named "-" slugs to "r-2" with or without its name: both url keys are
    # taken by the staff product, so Magento refuses it (400).
    rows = [
        {"sku": "R-1", "name": "Fine", "price": "1"},
        {"sku": "R-2", "name": "-", "price": "2"},
        {"sku": "R-3", "name": "Fine too", "price": "3"},
    ]
    result = env.run(env.products_flow(), env.write("rej.xml", products_xml(rows)))
    assert [n.record.key for n in result.rejected] == ["R-2"]
    assert "URL key" in result.rejected[0].message
    assert "R-2" in result.rejected[0].message
    assert result.applied == 2
    assert env.product("R-3")["status"] == 2


def test_url_key_clash_retries_with_the_sku_slug(env: CatalogEnv) -> None:
    """When name+SKU's url key is taken, the product is created with the SKU's slug."""
    env.admin(
        "POST",
        "/all/V1/products",
        {
            "product": {
                "sku": "STAFF",
                "name": "Staff product",
                "price": 1,
                "custom_attributes": [
                    {"attribute_code": "url_key", "value": "lamp-u-1"}
                ],
            }
        },
    )
    rows = [{"sku": "U-1", "name": "Lamp", "price": "10"}]
    result = env.run(env.products_flow(), env.write("u.xml", products_xml(rows)))
    assert result.rejected == []
    assert attrs(env.product("U-1"))["url_key"] == "u-1"


def test_product_known_to_magento_but_not_to_the_ledger_is_updated(
    env: CatalogEnv,
) -> None:
    """A SKU staff created is PUT with core fields, never POSTed or re-enabled."""
    env.admin(
        "POST",
        "/all/V1/products",
        {
            "product": {
                "sku": "OLD-1",
                "name": "Old",
                "price": 5,
                "status": 1,
                "visibility": 4,
            }
        },
    )
    env.forget()
    rows = [{"sku": "OLD-1", "name": "Old renamed", "price": "5"}]
    result = env.run(env.products_flow(), env.write("o.xml", products_xml(rows)))
    assert result.applied == 1
    (put,) = env.writes()
    assert put["method"] == "PUT"
    assert put["body"] == {
        "product": {"sku": "OLD-1", "name": "Old renamed", "price": 5.0}
    }
    assert env.product("OLD-1")["status"] == 1


def test_force_resends_every_core_field_and_nothing_else(env: CatalogEnv) -> None:
    """--force re-sends core data and qty of unchanged products, never status."""
    _seed_three(env)
    env.forget()
    path = env.write("f.xml", products_xml(THREE))
    result = env.run(env.products_flow(), path, force=True)
    assert result.applied == 3
    (msi,) = env.writes("/inventory/source-items")
    assert msi["body"]["sourceItems"][0]["sku"] == "ERP-1003"
    puts = env.writes("/V1/products")
    assert {p["method"] for p in puts} == {"PUT"}
    assert len(puts) == 3
    body = next(p["body"]["product"] for p in puts if "ERP-1001" in p["path"])
    assert set(body) == {"sku", "name", "price", "custom_attributes"}
    assert {a["attribute_code"] for a in body["custom_attributes"]} == {
        "short_description",
        "description",
        "ean",
    }
    assert env.product("ERP-1001")["status"] == 2


def test_qty_in_a_product_file_goes_through_the_stock_path(env: CatalogEnv) -> None:
    """A qty change alone makes one MSI call and no product write."""
    _seed_three(env)
    env.forget()
    rows = [dict(THREE[2], qty="0"), *THREE[:2]]
    result = env.run(env.products_flow(), env.write("q.xml", products_xml(rows)))
    assert (result.applied, result.unchanged) == (1, 2)
    (call,) = env.writes()
    assert call["path"] == "/rest/V1/inventory/source-items"
    assert call["body"] == {
        "sourceItems": [
            {"sku": "ERP-1003", "source_code": "default", "quantity": 0, "status": 0}
        ]
    }


def test_outage_before_the_stock_phase_gives_the_staging_connection_back(
    env: CatalogEnv,
) -> None:
    """A 503 on the product writes leaves no ledger connection held for staged stock."""
    rows = [
        {"sku": f"R-{i}", "name": f"Item {i}", "price": "1", "qty": "2"}
        for i in range(3)
    ]
    path = env.write("r.xml", products_xml(rows))
    env.configure(concurrency=1)
    flow = env.products_flow()
    file_id = env.start(path, "products")
    env.faults(status=503, count=1, paths="/V1/products$")
    with pytest.raises(MagentoUnavailableError):
        env.run(flow, path, file_id=file_id)
    assert env.ledger.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    env.faults()
    result = env.run(flow, path, file_id=file_id)
    assert (result.applied, result.rejected) == (3, [])
    assert env.source_qty("R-2") == (2.0, 1)


def test_outage_midway_resumes_without_resending(env: CatalogEnv) -> None:
    """A 503 mid-file leaves the file pending; the retry sends only what is left."""
    rows = [
        {"sku": f"M-{i}", "name": f"Item {i}", "price": "1", "qty": str(i + 1)}
        for i in range(6)
    ]
    path = env.write("m.xml", products_xml(rows))
    env.configure(concurrency=1, batch_size=2)
    flow = env.products_flow()
    file_id = env.start(path, "products")
    env.faults(status=503, count=1, paths="/inventory/source-items")
    with pytest.raises(MagentoUnavailableError):
        env.run(flow, path, file_id=file_id)
    assert len(env.writes("/V1/products")) == 6
    assert len(env.writes("/source-items")) == 3  # the first batch refused
    env.forget()
    result = env.run(flow, path, file_id=file_id)
    assert (result.applied, result.unchanged, result.rejected) == (6, 0, [])
    (msi,) = env.writes()
    assert [i["sku"] for i in msi["body"]["sourceItems"]] == ["M-0", "M-1"]
    assert all(env.product(f"M-{i}")["status"] == 2 for i in range(6))
    assert env.source_qty("M-5") == (6.0, 1)
