"""The go-live documents exist, are linked from the README, and name what the code uses."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_links_the_setup_documents() -> None:
    """README links docs/magento-setup.md and docs/erp-setup.md, and both exist."""
    for doc in ("docs/magento-setup.md", "docs/erp-setup.md"):
        assert f"]({doc})" in README
        assert (REPO / doc).is_file()


def test_every_demo_variable_is_documented_in_the_readme() -> None:
    """Each DEMO_* variable scripts/demo.sh reads has a row in the README's table."""
    script = (REPO / "scripts" / "demo.sh").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{(DEMO_[A-Z_]+)", script))
    assert used >= {"DEMO_PORT", "DEMO_TOKEN", "DEMO_ROOT", "DEMO_ONCE"}
    for name in used:
        assert f"| `{name}` |" in README, name


def test_magento_setup_names_a_resource_for_each_write_the_bridge_makes() -> None:
    """docs/magento-setup.md lists the ACL resource of every route the bridge writes to."""
    text = (REPO / "docs" / "magento-setup.md").read_text(encoding="utf-8")
    for route, resource in {
        "POST /V1/products": "Magento_Catalog::products",
        "POST /V1/inventory/source-items": "Magento_InventoryApi::stock_source_item_assign",
        "POST /V1/orders/{id}/comments": "Magento_Sales::comment",
        "POST /V1/order/{id}/ship": "Magento_Sales::ship",
        "POST /V1/order/{id}/invoice": "Magento_Sales::invoice",
    }.items():
        row = next(line for line in text.splitlines() if route in line)
        assert resource in row, route
    assert "Allow OAuth Access Tokens to be used as standalone Bearer" in text
