#!/usr/bin/env bash
# `make demo`: the sandbox Magento plus the bridge on this checkout's inbox/ and outbox/.
#
#   DEMO_PORT=8080        the sandbox's port on 127.0.0.1 (a busy port is refused)
#   DEMO_TOKEN=demo-token the sandbox's Bearer token
#   DEMO_ROOT=<checkout>  the bridge folder (bridge.toml, inbox/, outbox/, archive/, ...)
#   DEMO_ONCE=1           one pass (`bridge run --once`) instead of the service, then stop
#
# The demo writes the sandbox's URL and token into DEMO_ROOT/bridge.toml, so `bridge
# process FILE`, `bridge status` ... from a second terminal in DEMO_ROOT reach the same
# sandbox while the demo runs.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$REPO" && cd "${BIN:-.venv/bin}" && pwd)
ROOT=${DEMO_ROOT:-$REPO}
PORT=${DEMO_PORT:-8080}
TOKEN=${DEMO_TOKEN:-demo-token}
URL="http://127.0.0.1:${PORT}"

# Refuse a busy port: otherwise the demo would talk to whatever listens there.
"$BIN/python" - "$PORT" <<'PY' || exit 1
import socket, sys
port = int(sys.argv[1])
try:
    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
except OSError:
    sys.exit(0)
print(f"demo: port {port} on 127.0.0.1 is busy; set DEMO_PORT to a free port",
      file=sys.stderr)
sys.exit(1)
PY

mkdir -p "$ROOT" && cd "$ROOT"
"$BIN/bridge" init . >/dev/null
# The sandbox's URL and token, and demo-friendly timings, go into bridge.toml itself
# (not only into this shell's environment) so other terminals use the same settings.
"$BIN/python" - bridge.toml "$URL" "$TOKEN" <<'PY'
import re, sys
from pathlib import Path
path, url, token = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
values = {"base_url": url, "token": token, "stable_seconds": 1, "poll_seconds": 10}
section, lines = "", []
for line in path.read_text(encoding="utf-8").splitlines():
    if m := re.match(r"\s*\[([\w.]+)\]", line):
        section = m.group(1)
    key = re.match(r"(\w+)\s*=\s*(\"[^\"]*\"|[^#\s]+)(\s*#.*)?$", line)
    wanted = {"magento": ("base_url", "token"), "folders": ("stable_seconds",),
              "orders": ("poll_seconds",)}.get(section, ())
    if key and key.group(1) in wanted:
        value = values[key.group(1)]
        text = f'"{value}"' if isinstance(value, str) else str(value)
        line = f"{key.group(1)} = {text}".ljust(37) + (key.group(3) or "").strip()
        line = line.rstrip()
    lines.append(line)
path.write_text("\n".join(lines) + "\n", encoding="utf-8")
PY

mkdir -p var
"$BIN/bridge" sandbox --port "$PORT" --token "$TOKEN" \
  --state var/sandbox-state.json > var/sandbox.log 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if ! kill -0 "$SANDBOX" 2>/dev/null; then
    echo "demo: the sandbox did not start: $(tail -n 1 var/sandbox.log)" >&2
    exit 1
  fi
  if "$BIN/python" - "$PORT" <<'PY' 2>/dev/null; then break; fi
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
  sleep 0.1
done

# The shop the samples expect: a second MSI source (samples/stock.* name `lager-malmo`)
# and, on a fresh sandbox only (its state survives restarts), two orders for
# samples/shipments.* (000000001 and 000000002) and some realistic ones.
"$BIN/python" - "$URL" "$TOKEN" <<'PY'
import sys, httpx
base, token = sys.argv[1], sys.argv[2]
auth = {"Authorization": f"Bearer {token}"}
httpx.post(base + "/sandbox/config", json={"sources": ["lager-malmo"]}).raise_for_status()
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

  Sandbox Magento:  ${URL}   (token ${TOKEN}; log in var/sandbox.log)
  Bridge folders:   $(pwd)   (settings in bridge.toml)

  Drop ERP files here:
    inbox/products/    products (XML or CSV, see samples/products.*)
    inbox/stock/       stock levels (see samples/stock.*)
    inbox/shipments/   shipments of Magento orders (see samples/shipments.*)
  New Magento orders appear as files in outbox/orders/.
  Applied files move to archive/, bad ones to failed/ with a .report.txt.
  Try, from a second terminal in $(pwd):
        $BIN/bridge process $REPO/samples/shipments.xml
        $BIN/bridge status      $BIN/bridge audit sku ERP-1001
        $BIN/bridge audit order 000000001

TXT
if [ "${DEMO_ONCE:-0}" = 1 ]; then
  "$BIN/bridge" run --once
else
  echo "  The bridge is running; Ctrl-C stops it and the sandbox."
  "$BIN/bridge" run
fi
