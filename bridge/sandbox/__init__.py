"""The local Magento 2.4 REST stand-in: demos, trials and every integration test.

It imports nothing of the bridge's client or flows (S1.4), so it cannot agree with
the client by sharing its mistakes: its rules come from Magento's own code (cited
in ``docs/sandbox.md``) and the official REST schema.

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
  tax unless ``prices_include_tax``; ``tax_percent`` per item; ``parent_sku`` makes
  a configurable line, ``bundle`` a bundle with its selections; optional
  ``discount_amount``, ``shipping_discount_amount``, ``invoice_fee`` (tax-free,
  stored as Svea WebPay's module stores it: only inside ``grand_total``),
  ``created_at``, ``increment_id``, addresses, ``currency``. Ordered SKUs need
  salable quantity; a SKU without source items is given what its orders need.
- ``POST /sandbox/faults``: ``{"status": 503, "count": 3}``, ``{"drop": 2}``,
  ``{"latency_ms": 50}``, ``{"after_write": true, ...}``, ``{"paths": "regex"}``,
  ``{"message": "Could not save a shipment, see error log for details"}``,
  ``{}`` clears; ``GET /sandbox/faults`` shows what is left.
- ``GET /sandbox/requests`` (``DELETE`` forgets), ``GET /sandbox/emails`` (what
  Magento would have mailed), ``POST /sandbox/reset``,
  ``POST /sandbox/seed {"orders": N}``, ``POST /sandbox/orders/{id}/state``,
  ``POST /sandbox/config {"input_limit": false, "order_statuses": {...},
  "sources": [...], "attributes": [...]}``.

``state_file`` keeps the shop across restarts; ``record_file`` appends every
exchange as one JSON line, which the test suite validates against the official
schema at the end of every run (``tests/conftest.py``).

Magento's behaviour, the file each part follows, and what is not modelled are in
``docs/sandbox.md`` (MSI deduction on shipment, Magento's OAuth check, ship
clamping, invoice rounding, bundles, the fee module).
"""

from __future__ import annotations

from bridge.sandbox._auth import OAuthKeys
from bridge.sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["DEFAULT_TOKEN", "OAuthKeys", "SandboxServer"]
