"""The Magento REST adapter: the only package that speaks HTTP (httpx) to Magento.

``MagentoClient`` owns the connection pool, auth, retries and the status table
(``classify``); the ``*Adapter`` classes wrap one business object each.
"""

from __future__ import annotations

from bridge.magento._client import (
    Filter,
    MagentoClient,
    classify,
    fill_message,
    parse_id,
    search_params,
)
from bridge.magento.fulfilment import FulfilmentAdapter
from bridge.magento.orders import OrdersAdapter
from bridge.magento.products import ProductsAdapter
from bridge.magento.stock import StockAdapter

__all__ = [
    "Filter",
    "FulfilmentAdapter",
    "MagentoClient",
    "OrdersAdapter",
    "ProductsAdapter",
    "StockAdapter",
    "classify",
    "fill_message",
    "parse_id",
    "search_params",
]
