"""The local Magento 2.4 REST stand-in: demos, trials and every integration test.

It imports nothing of the bridge's client or flows (S1.4), so it cannot agree with
the client by sharing its mistakes: its rules come from Magento's behaviour as
recorded in the reference API facts and the official REST schema.

Start it from code (``bridge sandbox`` on the command line does the same)::

    server = SandboxServer(host="127.0.0.1", port=0, token="t", seed_orders=5)
    server.start()            # daemon thread; or server.serve_forever() to block
    print(server.url)         # http://127.0.0.1:<port>; REST under /rest/V1/...
    server.reset()            # empty shop, no faults, empty request log
    server.stop()

Magento endpoints served (``/rest/V1`` = ``/rest/default/V1``; ``/rest/all/V1`` too):
products (POST, PUT, GET, DELETE, search), ``stockItems`` (GET, PUT),
``inventory/source-items`` (POST, search), orders (GET, search, comments,
statuses, hold, unhold, cancel), ``order/{id}/ship``, ``order/{id}/invoice``,
``shipment/{id}``, ``shipments``, ``invoices/{id}``, ``invoices``,
``transactions``. Authentication is a Bearer token and/or OAuth 1.0a HMAC-SHA256
(:class:`OAuthKeys`); ``token=None`` without ``oauth`` opens the shop.

Helpers under ``/sandbox/`` (not Magento's, never schema-checked):

- ``POST /sandbox/orders`` places an order. Prices and shipping are *excluding*
  tax; ``tax_percent`` per item; ``parent_sku`` makes a configurable line;
  optional ``discount_amount`` (positive, spread over lines), ``invoice_fee``
  (tax-free), ``created_at``, ``increment_id``, addresses, ``currency``.
- ``POST /sandbox/faults``: ``{"status": 503, "count": 3}``, ``{"drop": 2}``,
  ``{"latency_ms": 50}``, ``{"after_write": true, ...}``, ``{"paths": "regex"}``,
  ``{}`` clears; ``GET /sandbox/faults`` shows what is left.
- ``GET /sandbox/requests`` (``DELETE`` forgets), ``POST /sandbox/reset``,
  ``POST /sandbox/seed {"orders": N}``, ``POST /sandbox/orders/{id}/state``,
  ``POST /sandbox/config {"input_limit": false, "order_statuses": {...},
  "sources": [...]}``.

``state_file`` keeps the shop across restarts; ``record_file`` appends every
exchange as one JSON line, which the test suite validates against the official
schema at the end of every run (``tests/conftest.py``).

Known simplifications: one website and one store view (``default``); shipments
do not deduct MSI source quantities; a SKU cannot be renamed through ``id``;
bundle products are not modelled.
"""

from __future__ import annotations

from bridge.sandbox._auth import OAuthKeys
from bridge.sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["DEFAULT_TOKEN", "OAuthKeys", "SandboxServer"]
