"""The whole bridge under SIGKILL and Magento faults ends as a fault-free run does.

A seeded workload (products, stock, two-part shipments and new orders, as XML and
CSV) is run twice: once fault-free with ``bridge run --once``, and once with
``bridge run`` as a service that is SIGKILLed at seeded points (counted in Magento
calls) and restarted, while the sandbox answers 503s, 429s, slow answers and dropped
connections, some of them *after* doing the work. Magento's state and the outbox must
then be identical, every ERP shipment must be exactly one shipment and one invoice,
and every input file must be archived.

Replay a failure with ``CHAOS_SEED=<seed> pytest tests/chaos``; ``CHAOS_KILLS``
raises the number of kill points (never below 30).
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.sandbox import SandboxServer
from tests.chaos._snapshot import differences, exactly_once, snapshot
from tests.chaos._workload import DropFile, Workload, build_workload, increment_id
from tests.chaos.conftest import CountingLog
from tests.conftest import SANDBOX_TOKEN
from tests.e2e.conftest import BridgeHome, write_config

SEED = int(os.environ.get("CHAOS_SEED", "20261126"))
KILLS = max(30, int(os.environ.get("CHAOS_KILLS", "32")))
CALLS_BETWEEN_KILLS = (1, 14)
WRITES = r"/(ship|invoice)$|/products(/[^/]+)?$|/source-items$|/comments$"


@dataclass
class Chaos:
    """The chaos run's bookkeeping: what is still to do, and what happened."""

    rng: random.Random
    catalog: list[DropFile]
    shipments: list[DropFile]
    late_orders: list[dict[str, Any]]
    next_order: int
    kills: list[str] = field(default_factory=list)
    inodes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _seeded(message: str) -> str:
    return f"[CHAOS_SEED={SEED} replays this run] {message}"


def _admin(url: str, method: str, path: str, body: Any) -> Any:
    answer = httpx.request(
        method,
        url + path,
        json=body,
        timeout=30,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    answer.raise_for_status()
    return answer.json()


def _place(url: str, spec: dict[str, Any], expected_number: str) -> None:
    order = _admin(url, "POST", "/sandbox/orders", spec)
    assert order["increment_id"] == expected_number, _seeded("order ids drifted")


def _prepare(server: SandboxServer, work: Workload) -> None:
    """An empty shop with the base catalogue and the early orders, as in every run."""
    server.reset()
    for product in work.base_products:
        _admin(server.url, "POST", "/rest/all/V1/products", {"product": product})
    for n, spec in enumerate(work.early_orders, start=1):
        _place(server.url, spec, increment_id(n))


def _home(root: Path, url: str) -> BridgeHome:
    root.mkdir(parents=True)
    write_config(root, url)
    return BridgeHome(root, url)


def _drop(home: BridgeHome, f: DropFile) -> None:
    home.drop(f.kind, f.name, f.data)


def _run_once(home: BridgeHome) -> list[str]:
    """Run `bridge run --once`; a non-zero exit (failed file, rejects) is a problem."""
    run = home.cli("run", "--once")
    if run.returncode == 0:
        return []
    return [f"run --once exit {run.returncode}:\n{run.stdout}{run.stderr[-2000:]}"]


def _reference(server: SandboxServer, work: Workload, root: Path) -> dict[str, Any]:
    """The fault-free run: orders exported first, then everything else applied."""
    _prepare(server, work)
    home = _home(root, server.url)
    for f in work.catalog_files:
        _drop(home, f)
    problems = _run_once(home)
    for f in work.shipment_files:
        _drop(home, f)
    first_late = len(work.early_orders) + 1
    for n, spec in enumerate(work.late_orders, start=first_late):
        _place(server.url, spec, increment_id(n))
    problems += _run_once(home) + _files_problems(home, work)
    assert problems == [], _seeded("reference run:\n" + "\n".join(problems))
    return snapshot(server.url, home.root / "outbox" / "orders")


def _fault_plan(rng: random.Random) -> dict[str, Any]:
    """One of the fault plans Magento (or the network to it) can throw at the bridge."""
    plans: list[dict[str, Any]] = [
        {},
        {"status": 503, "count": rng.randint(1, 3)},
        {"status": 429, "count": 1},
        {"status": 502, "count": rng.randint(1, 2)},
        {"drop": rng.randint(1, 2)},
        {"latency_ms": rng.randint(20, 120)},
        {
            "status": 503,
            "count": rng.randint(1, 2),
            "after_write": True,
            "paths": WRITES,
        },
        {"drop": 1, "after_write": True, "paths": r"/(ship|invoice)$"},
        {"status": 500, "count": 1, "after_write": True, "paths": r"/(ship|invoice)$"},
    ]
    plan = dict(rng.choice(plans))
    if rng.random() < 0.3:
        plan["latency_ms"] = rng.randint(5, 60)
    return plan


def _exported(home: BridgeHome) -> set[str]:
    folder = home.root / "outbox" / "orders"
    return {p.stem.removeprefix("order-") for p in folder.glob("order-*")}


def _place_late(chaos: Chaos, url: str) -> None:
    _place(url, chaos.late_orders.pop(0), increment_id(chaos.next_order))
    chaos.next_order += 1


def _feed(home: BridgeHome, chaos: Chaos, url: str) -> None:
    """Hand the running bridge its next bit of work, as ERP and shop would."""
    if chaos.catalog and chaos.rng.random() < 0.7:
        _drop(home, chaos.catalog.pop(0))
    exported = _exported(home)
    ready = [f for f in chaos.shipments if set(f.orders) <= exported]
    if ready and chaos.rng.random() < 0.6:
        chaos.shipments.remove(ready[0])
        _drop(home, ready[0])
    if chaos.late_orders and chaos.rng.random() < 0.3:
        _place_late(chaos, url)


def _watch_outbox(home: BridgeHome, chaos: Chaos) -> None:
    """Note each order file's inode: a second export would replace the file."""
    for p in (home.root / "outbox" / "orders").glob("order-*"):
        ino = p.stat().st_ino
        if chaos.inodes.setdefault(p.name, ino) != ino:
            chaos.inodes[p.name] = ino
            chaos.problems.append(f"outbox: {p.name} was written again (re-exported)")


def _one_kill(
    home: BridgeHome, chaos: Chaos, server: SandboxServer, log: CountingLog
) -> None:
    """Start `bridge run`, let it make a few Magento calls, SIGKILL it."""
    plan = _fault_plan(chaos.rng)
    httpx.post(server.url + "/sandbox/faults", json=plan, timeout=10).raise_for_status()
    calls = chaos.rng.randint(*CALLS_BETWEEN_KILLS)
    extra = chaos.rng.uniform(0, 0.08)
    start = log.magento_calls
    proc = home.popen("run")
    try:
        log.wait_for(start + calls, timeout=6)
        time.sleep(extra)
        assert proc.poll() is None, _seeded(
            "bridge run exited by itself:\n" + _log_tail(home)
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    chaos.kills.append(
        f"kill {len(chaos.kills) + 1}: after {log.magento_calls - start} "
        f"calls (+{extra:.3f}s), faults {plan}"
    )


def _log_tail(home: BridgeHome) -> str:
    path = home.root / "bridge-run.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _settle(home: BridgeHome, server: SandboxServer, chaos: Chaos) -> None:
    """Faults off, the rest of the workload in, runs until nothing is pending."""
    httpx.post(server.url + "/sandbox/faults", json={}, timeout=10).raise_for_status()
    for f in chaos.catalog:
        _drop(home, f)
    chaos.problems += _run_once(home)
    for f in chaos.shipments:
        _drop(home, f)
    while chaos.late_orders:
        _place_late(chaos, server.url)
    for _ in range(3):
        last = _run_once(home)
        if not any((home.root / "var" / "work").rglob("*_*")):
            break
    chaos.problems += last


def _files_problems(home: BridgeHome, work: Workload) -> list[str]:
    """Every dropped file is archived exactly once; nothing failed, nothing left."""
    names = sorted(f.name for f in [*work.catalog_files, *work.shipment_files])
    archived = sorted(
        p.name.split("_", 1)[1]
        for p in home.files("archive")
        if not p.name.endswith(".report.txt")
    )
    problems = (
        [f"archive holds {archived}, expected {names}"] if archived != names else []
    )
    problems += [f"failed/: {p.name}" for p in home.files("failed")]
    left = [*home.files("inbox"), *home.files("var/work")]
    problems += [f"left behind: {p}" for p in left if p.name != ".gitkeep"]
    return problems


@pytest.mark.timeout(480)  # ~1.5 min alone; room for a loaded CI machine
def test_sigkill_and_faults_end_as_the_fault_free_run(
    chaos_sandbox: tuple[SandboxServer, CountingLog], tmp_path: Path
) -> None:
    """≥30 seeded SIGKILLs under 503/429/latency/drops leave the same end state."""
    server, log = chaos_sandbox
    work = build_workload(SEED)
    print(f"CHAOS_SEED={SEED} kills={KILLS}")  # noqa: T201 - shown on failure
    reference = _reference(server, work, tmp_path / "reference")
    assert exactly_once(reference, work.erp_shipments) == [], _seeded("reference run")

    _prepare(server, work)
    home = _home(tmp_path / "chaos", server.url)
    chaos = Chaos(
        rng=random.Random(SEED * 7919 + 1),
        catalog=list(work.catalog_files),
        shipments=list(work.shipment_files),
        late_orders=list(work.late_orders),
        next_order=len(work.early_orders) + 1,
    )
    while len(chaos.kills) < KILLS:
        _feed(home, chaos, server.url)
        _one_kill(home, chaos, server, log)
        _watch_outbox(home, chaos)
    print("\n".join(chaos.kills))  # noqa: T201 - the kill points, for a replay
    _settle(home, server, chaos)
    _watch_outbox(home, chaos)
    state = snapshot(server.url, home.root / "outbox" / "orders")
    problems = [
        *chaos.problems,
        *_files_problems(home, work),
        *exactly_once(state, work.erp_shipments),
        *differences(reference, state),
    ]
    assert problems == [], _seeded("\n".join(problems))
