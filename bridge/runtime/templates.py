"""The commented ``bridge.toml`` that ``bridge init`` writes."""

from __future__ import annotations

__all__ = ["CONFIG_TEMPLATE"]

CONFIG_TEMPLATE = """\
# bridge.toml: settings of the ERP <-> Magento file bridge.
# Every key can also be set from the environment as BRIDGE_<SECTION>__<KEY>,
# e.g. BRIDGE_MAGENTO__TOKEN=... (the environment wins over this file).

[magento]
base_url = "http://127.0.0.1:8080"   # REST goes to {base_url}/rest/...
token = ""                           # integration access token, sent as Bearer
# Or sign with OAuth 1.0a (HMAC-SHA256) using the integration's four keys:
# consumer_key = ""
# consumer_secret = ""
# access_token = ""
# access_token_secret = ""
timeout_seconds = 30
concurrency = 4                      # requests in flight at most
website_ids = [1]                    # websites a NEW product is assigned to
attribute_set_id = 4                 # 4 = "Default" on a stock install
ean_attribute = "ean"                # custom attribute code for the EAN; "" = not sent
inventory = "msi"                    # "msi" (source items) or "legacy" (stockItems)
source_code = "default"              # MSI source when a stock record names none
batch_size = 20                      # array items per call (Magento's default input limit)
max_retries = 5                      # transient errors (timeouts, 429, 5xx) per request

[folders]
root = "."                           # inbox/, outbox/, archive/, failed/, var/ live here
stable_seconds = 2                   # size and mtime unchanged this long = file complete
done_suffix = ""                     # e.g. ".done": take FILE only once FILE.done exists
scan_seconds = 5                     # full rescan interval (watchdog wakes it earlier)
max_file_mb = 1024                   # larger files are refused with a report

[folders.csv]                        # CSV decoding; per kind: [folders.csv.stock] ...
encoding = "utf-8"                   # a BOM is accepted; e.g. "cp1252" for old ERPs
decimal_separator = "."              # or ","

[ledger]
url = "sqlite:///var/bridge.db"      # or postgresql+psycopg://user@host/db

[orders]
format = "xml"                       # or "csv", "ubl", "opentrans", "idoc", "edifact"
states = ["new", "processing"]       # order states to export
min_age_seconds = 0                  # export only orders at least this old
poll_seconds = 60
invoice_fee = "derived"              # or "extension_attribute:<code>" or "none"
overlap_seconds = 300                # re-read this far behind the cursor (no order is missed)

[shipments]
notify_customer = true
capture = true                       # capture the payment for each invoice
amount_tolerance = 0.01              # ERP invoice_amount vs Magento invoice grand total
settle_seconds = 600                # a ship/invoice call without a clear answer: wait this long
                                    # for Magento to show the document before posting again
on_amount_mismatch = "report"       # "hold": no invoice (no capture) while the ERP's amount
                                    # and Magento's differ; release/close with bridge resolve

[sftp]                               # host = "" means local folders only
host = ""
port = 22
username = ""
key_file = ""                        # private key; key_passphrase = "" if any; or password = ""
known_hosts = "~/.ssh/known_hosts"   # host keys are checked strictly against this file
inbox = "/inbox"                     # remote; products/ stock/ shipments/ below it
outbox = "/outbox"                   # remote; orders/ below it
archive = "/archive"                 # remote files go here once handled locally
poll_seconds = 30
allow_legacy_algorithms = false      # true: also SHA-1 key exchange, SHA-1/MD5 MACs and
                                     # CBC ciphers, for old servers. ssh-rsa (SHA-1) host
                                     # keys never work (paramiko 5 dropped them): such a
                                     # server needs an rsa-sha2 or ed25519 host key.

[runtime]
lease_seconds = 30                   # a process's hold on a file, an ERP shipment or the
                                     # order export, renewed while it works; another
                                     # process takes the work over after it (owner died)
log_format = "auto"                  # "json", "console", or "auto" (console on a terminal)
log_file = ""                        # e.g. "var/log/bridge.log": a rotating file instead
                                     # of stdout (the service) / stderr (other commands)
log_file_max_mb = 50                 # rotate at this size ...
log_file_backups = 5                 # ... keeping this many old files (bridge.log.1 ...)
# Settings are read once at start: after editing this file, restart `bridge run`.
"""
