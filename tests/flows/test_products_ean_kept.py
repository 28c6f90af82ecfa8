"""EAN read back against the sandbox: a value Magento dropped is reported, not recorded."""

from __future__ import annotations

from bridge.models.status import RecordOutcome
from tests.flows._catalog_env import CatalogEnv, env, products_xml

__all__ = ["env"]  # the fixture, imported for pytest

PRODUCT = {"sku": "EAN-1", "ean": "7312345678909", "name": "Widget", "price": "9.00"}


def _without_ean_attribute(env: CatalogEnv) -> None:
    """The attribute set lacks ``ean``: Magento drops the value and answers 200."""
    env.http.post("/sandbox/config", json={"attributes": []}).raise_for_status()


def test_dropped_ean_on_create_is_a_warning_not_applied(env: CatalogEnv) -> None:
    """A created product whose EAN Magento dropped carries a warning for the EAN."""
    env.configure(ean_attribute="ean")
    _without_ean_attribute(env)
    result = env.run(env.products_flow(), env.write("p.xml", products_xml([PRODUCT])))
    assert result.applied == 1
    warnings = [n for n in result.notes if n.outcome == RecordOutcome.WARNING]
    assert len(warnings) == 1
    assert "EAN 7312345678909 not kept by Magento" in warnings[0].message
    assert warnings[0].record.key == "EAN-1"


def test_dropped_ean_is_sent_again_once_the_attribute_exists(env: CatalogEnv) -> None:
    """The EAN was not recorded as applied: the same file again resends it."""
    env.configure(ean_attribute="ean")
    _without_ean_attribute(env)
    env.run(env.products_flow(), env.write("p.xml", products_xml([PRODUCT])))
    env.http.post("/sandbox/config", json={"attributes": ["ean"]}).raise_for_status()
    env.forget()
    result = env.run(env.products_flow(), env.write("q.xml", products_xml([PRODUCT])))
    assert result.applied == 1
    assert not [n for n in result.notes if n.outcome == RecordOutcome.WARNING]
    (put,) = env.writes("/V1/products/EAN-1")
    attrs = put["body"]["product"]["custom_attributes"]
    assert {"attribute_code": "ean", "value": "7312345678909"} in attrs


def test_kept_ean_gives_no_warning(env: CatalogEnv) -> None:
    """With the attribute in the set the EAN is kept and nothing is reported."""
    env.configure(ean_attribute="ean")
    result = env.run(env.products_flow(), env.write("p.xml", products_xml([PRODUCT])))
    assert result.applied == 1
    assert not [n for n in result.notes if n.outcome == RecordOutcome.WARNING]
