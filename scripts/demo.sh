#!/usr/bin/env bash
# `make demo`: the sandbox Magento plus the bridge on this checkout's inbox/ and outbox/.
# DEMO_ONCE=1 runs one pass (`bridge run --once`) instead of the service, then stops.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${DEMO_PORT:-8080}
TOKEN=demo-token
export BRIDGE_MAGENTO__BASE_URL="http://127.0.0.1:${PORT}"
export BRIDGE_MAGENTO__TOKEN="$TOKEN"
export BRIDGE_FOLDERS__STABLE_SECONDS=1
export BRIDGE_ORDERS__POLL_SECONDS=10

"$BIN/bridge" init . >/dev/null
mkdir -p var
"$BIN/bridge" sandbox --port "$PORT" --token "$TOKEN" --seed-orders 5 \
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

# Sample data: a product catalogue and stock levels from the ERP.
cp samples/products.xml inbox/products/demo-products.xml
cp samples/stock.csv inbox/stock/demo-stock.csv

cat <<TXT

  Sandbox Magento:  http://127.0.0.1:${PORT}   (token ${TOKEN}; log in var/sandbox.log)
  Bridge folders:   $(pwd)

  Drop ERP files here:
    inbox/products/    products (XML or CSV, see samples/products.*)
    inbox/stock/       stock levels (see samples/stock.*)
    inbox/shipments/   shipments of Magento orders (see samples/shipments.*)
  New Magento orders appear as files in outbox/orders/.
  Applied files move to archive/, bad ones to failed/ with a .report.txt.
  Try:  cp samples/shipments.xml inbox/shipments/
        .venv/bin/bridge status      .venv/bin/bridge audit sku ERP-1001

TXT
if [ "${DEMO_ONCE:-0}" = 1 ]; then
  "$BIN/bridge" run --once
else
  echo "  The bridge is running; Ctrl-C stops it and the sandbox."
  "$BIN/bridge" run
fi
