#!/usr/bin/env bash
# `make demo`: the sandbox Magento plus the bridge on this checkout's inbox/ and outbox/.
# DEMO_ONCE=1 runs one pass (`bridge run --once`) instead of the service, then stops.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$REPO" && cd "${BIN:-.venv/bin}" && pwd)
ROOT=${DEMO_ROOT:-$REPO}
mkdir -p "$ROOT" && cd "$ROOT"
PORT=${DEMO_PORT:-8080}
TOKEN=demo-token
export BRIDGE_MAGENTO__BASE_URL="http://127.0.0.1:${PORT}"
export BRIDGE_MAGENTO__TOKEN="$TOKEN"
export BRIDGE_FOLDERS__STABLE_SECONDS=1
export BRIDGE_ORDERS__POLL_SECONDS=10

"$BIN/bridge" init . >/dev/null
mkdir -p var
"$BIN/bridge" sandbox --port "$PORT" --token "$TOKEN" \
  --state var/sandbox-state.json > var/sandbox.log 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  if "$BIN/python" - "$PORT" <<'PY' 2>/dev/null; then break; fi
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
  sleep 0.1
done

# Two orders for samples/shipments.xml (orders 000000001 and 000000002), then some
# realistic ones; only on a fresh sandbox (its state survives restarts).
"$BIN/python" - "$PORT" "$TOKEN" <<'PY'
import sys, httpx
base, token = f"http://127.0.0.1:{sys.argv[1]}", sys.argv[2]
auth = {"Authorization": f"Bearer {token}"}
found = httpx.get(base + "/rest/V1/orders", headers=auth,
                  params={"searchCriteria[pageSize]": "1"}).json()
if found.get("total_count", 0) == 0:
    customer = {"email": "karin.lund@example.se", "firstname": "Karin", "lastname": "Lund"}
    httpx.post(base + "/sandbox/orders", json={
        "customer": customer, "shipping_amount": 49, "payment_method": "sveawebpay_invoice",
        "invoice_fee": 29, "items": [
            {"sku": "ERP-1001", "qty": 2, "price": 129, "tax_percent": 25},
            {"sku": "ERP-1003", "qty": 1, "price": 89, "tax_percent": 25}]}).raise_for_status()
    httpx.post(base + "/sandbox/orders", json={
        "customer": {"email": "olof@example.se", "firstname": "Olof", "lastname": "Ek"},
        "shipping_amount": 0, "payment_method": "checkmo", "invoice_fee": 0,
        "items": [{"sku": "ERP-1002", "qty": 1, "price": 549.5, "tax_percent": 25}]}
    ).raise_for_status()
    httpx.post(base + "/sandbox/seed", json={"orders": 3}).raise_for_status()
PY

# Sample data: a product catalogue and stock levels from the ERP.
cp "$REPO/samples/products.xml" inbox/products/demo-products.xml
cp "$REPO/samples/stock.csv" inbox/stock/demo-stock.csv

cat <<TXT

  Sandbox Magento:  http://127.0.0.1:${PORT}   (token ${TOKEN}; log in var/sandbox.log)
  Bridge folders:   $(pwd)

  Drop ERP files here:
    inbox/products/    products (XML or CSV, see samples/products.*)
    inbox/stock/       stock levels (see samples/stock.*)
    inbox/shipments/   shipments of Magento orders (see samples/shipments.*)
  New Magento orders appear as files in outbox/orders/.
  Applied files move to archive/, bad ones to failed/ with a .report.txt.
  Try:  cp $REPO/samples/shipments.xml inbox/shipments/
        $BIN/bridge status      $BIN/bridge audit sku ERP-1001
        $BIN/bridge audit order 000000001

TXT
if [ "${DEMO_ONCE:-0}" = 1 ]; then
  "$BIN/bridge" run --once
else
  echo "  The bridge is running; Ctrl-C stops it and the sandbox."
  "$BIN/bridge" run
fi
