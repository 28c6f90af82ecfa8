"""Three services and `bridge process` on one ledger, under SIGKILLs and faults.

The seeded workload of ``test_kill_restart`` is run fault-free with one
``bridge run --once`` (the reference), then by three ``bridge run`` services sharing
the folders and the ledger (SQLite, and the suite's PostgreSQL), while
``bridge process FILE`` is called on inbox files, services are SIGKILLed and
restarted, and the sandbox answers slowly or with 503s. The end state must equal the
reference: each input archived once, each order one file and one comment, each ERP
shipment one shipment and one invoice.

Replay with ``CHAOS_SEED=<seed> pytest tests/chaos/test_multi_instance.py``.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.sandbox import SandboxServer
from tests.chaos._snapshot import differences, exactly_once, snapshot
from tests.chaos._workload import build_workload
from tests.chaos.conftest import CountingLog
from tests.chaos.test_kill_restart import (
    SEED,
    Chaos,
    _feed,
    _files_problems,
    _prepare,
    _reference,
    _seeded,
    _settle,
    _watch_outbox,
)
from tests.e2e.conftest import BridgeHome, write_config

ROUNDS = 14
SERVICES = 3
LEASE = "[runtime]\nlease_seconds = 4\n"


def _home(root: Path, url: str, ledger_url: str | None) -> BridgeHome:
    root.mkdir(parents=True)
    extra = f'[ledger]\nurl = "{ledger_url}"\n' if ledger_url else ""
    # A ship or invoice call cut by a kill or latency makes its delivery uncertain: it is
    # posted again only once Magento shows nothing after settle_seconds (default 600 s,
    # longer than this test). The sandbox answers within 0.1 s, so 2 s is safe here.
    extra += "[shipments]\nsettle_seconds = 2\n"
    write_config(root, url, extra)
    # write_config ends with its own [runtime] table: add the lease time to it.
    cfg = root / "bridge.toml"
    cfg.write_text(cfg.read_text().replace("[runtime]\n", LEASE, 1))
    return BridgeHome(root, url)


def _faults(rng: random.Random) -> dict[str, Any]:
    plans: list[dict[str, Any]] = [
        {},
        {"latency_ms": rng.randint(20, 150)},
        {"status": 503, "count": rng.randint(1, 3)},
        {"status": 503, "count": 1, "latency_ms": rng.randint(10, 80)},
    ]
    return dict(rng.choice(plans))


def _process_some(home: BridgeHome, rng: random.Random) -> subprocess.Popen[str] | None:
    """Start `bridge process FILE` on a file lying in an inbox, if there is one."""
    files = [p for p in home.files("inbox") if not p.name.startswith(".")]
    if not files:
        return None
    path = rng.choice(files)
    kind = path.parent.name
    return home.popen("process", str(path), "--kind", kind)


def _round(
    home: BridgeHome,
    chaos: Chaos,
    server: SandboxServer,
    services: list[subprocess.Popen[str]],
    helpers: list[subprocess.Popen[str]],
) -> None:
    rng = chaos.rng
    plan = _faults(rng)
    httpx.post(server.url + "/sandbox/faults", json=plan, timeout=10).raise_for_status()
    _feed(home, chaos, server.url)
    if rng.random() < 0.6:
        helper = _process_some(home, rng)
        if helper is not None:
            helpers.append(helper)
    time.sleep(rng.uniform(0.3, 1.2))
    if rng.random() < 0.5:
        victim = rng.randrange(len(services))
        services[victim].send_signal(signal.SIGKILL)
        services[victim].wait(timeout=10)
        services[victim] = home.popen("run")
        chaos.kills.append(f"service {victim} killed, faults {plan}")
    _watch_outbox(home, chaos)


def _stop_all(processes: list[subprocess.Popen[str]]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def _multi(server: SandboxServer, tmp_path: Path, ledger_url: str | None) -> list[str]:
    work = build_workload(SEED)
    reference = _reference(server, work, tmp_path / "reference")
    _prepare(server, work)
    home = _home(tmp_path / "multi", server.url, ledger_url)
    chaos = Chaos(
        rng=random.Random(SEED * 104729 + 3),
        catalog=list(work.catalog_files),
        shipments=list(work.shipment_files),
        late_orders=list(work.late_orders),
        next_order=len(work.early_orders) + 1,
    )
    services = [home.popen("run") for _ in range(SERVICES)]
    helpers: list[subprocess.Popen[str]] = []
    try:
        for _ in range(ROUNDS):
            _round(home, chaos, server, services, helpers)
    finally:
        _stop_all([*services, *helpers])
    print("\n".join(chaos.kills))  # noqa: T201 - the kill points, for a replay
    log = (home.root / "bridge-run.log").read_text(errors="replace")
    if "Traceback" in log:
        chaos.problems.append("a traceback in the services' log:\n" + log[-3000:])
    time.sleep(4.5)  # the killed processes' leases expire: `run --once` takes over
    _settle(home, server, chaos)
    _watch_outbox(home, chaos)
    state = snapshot(server.url, home.root / "outbox" / "orders")
    return [
        *chaos.problems,
        *_files_problems(home, work),
        *exactly_once(state, work.erp_shipments),
        *differences(reference, state),
    ]


@pytest.mark.timeout(480)
def test_three_services_and_process_calls_on_sqlite(
    chaos_sandbox: tuple[SandboxServer, CountingLog], tmp_path: Path
) -> None:
    """Three services plus `bridge process` on one SQLite ledger end as the reference."""
    print(f"CHAOS_SEED={SEED}")  # noqa: T201 - shown on failure
    problems = _multi(chaos_sandbox[0], tmp_path, None)
    assert problems == [], _seeded("\n".join(problems))


@pytest.mark.timeout(480)
def test_three_services_and_process_calls_on_postgres(
    chaos_sandbox: tuple[SandboxServer, CountingLog],
    tmp_path: Path,
    fresh_postgres_url: str,
) -> None:
    """Three services plus `bridge process` on one PostgreSQL ledger end as the reference."""
    print(f"CHAOS_SEED={SEED}")  # noqa: T201 - shown on failure
    problems = _multi(chaos_sandbox[0], tmp_path, fresh_postgres_url)
    assert problems == [], _seeded("\n".join(problems))
