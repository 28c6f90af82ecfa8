"""`bridge process`, `retry`, `resolve`, `status` and `audit` as an operator uses them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import BridgeHome

CP1252 = (
    Path(__file__).parents[1] / "fixtures" / "erp" / "products-cp1252.csv"
).read_bytes()
PRODUCT = "<products><product><sku>OPS-1</sku><name>Mug</name><price>9</price></product></products>"


def _file_id(home: BridgeHome, name: str) -> int:
    out = home.cli("audit", "file", name).stdout
    found = re.search(r"#(\d+) received", out)
    assert found is not None, out
    return int(found.group(1))


def test_failed_files_are_retried_and_resolved_from_the_cli(home: BridgeHome) -> None:
    """An operator retries one failed file and resolves another; status then is clear."""
    home.drop("products", "bad.xml", "<products>")
    home.drop("products", "erp.csv", CP1252)
    assert home.cli("run", "--once").returncode == 1
    bad, erp = _file_id(home, "bad.xml"), _file_id(home, "erp.csv")
    status = home.cli("status").stdout
    assert "needs attention (2 failed or partly applied file(s)" in status
    assert f"#{bad} " in status.split("needs attention")[1]

    retried = home.cli("retry", str(bad), "--by", "ops")
    assert retried.returncode == 0, retried.stderr
    assert (home.root / "inbox" / "products" / "bad.xml").read_text() == "<products>"
    assert len(list((home.root / "failed" / "products").glob("*_bad.xml"))) == 1

    resolved = home.cli("resolve", str(erp), "--note", "ERP re-sends it", "--by", "ann")
    assert resolved.returncode == 0, resolved.stderr
    assert "resolved by ann" in resolved.stdout
    audit = home.cli("audit", "file", "erp.csv").stdout
    assert re.search(r"resolved \S+ \S+ UTC by ann: ERP re-sends it", audit)
    assert "needs attention" not in home.cli("status").stdout

    again = home.cli("resolve", str(erp), "--note", "twice", "--by", "bob")
    assert again.returncode == 1
    assert "already resolved by ann" in again.stderr
    assert home.cli("retry", "999").returncode == 1
    assert home.cli("resolve", str(erp)).returncode == 2  # --note is required


def test_process_prints_the_outcome_and_exit_code(home: BridgeHome) -> None:
    """`bridge process` prints only the file's outcome: 0 when done, 1 when it failed."""
    ok = home.cli("process", str(home.drop("products", "p.xml", PRODUCT)))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("products/p.xml: done -> ")
    assert "orders exported" not in ok.stdout  # no export ran
    bad = home.cli("process", str(home.drop("products", "bad.xml", "<products>")))
    assert bad.returncode == 1
    assert "products/bad.xml: failed" in bad.stdout
    assert "report: " in bad.stdout


def test_process_takes_an_inbox_file_with_its_done_file(home: BridgeHome) -> None:
    """With done files, `bridge process` claims the file and its done file together."""
    path = home.drop("products", "p.xml", PRODUCT)
    path.with_name("p.xml.done").write_bytes(b"")
    # A process of its own: in-process, the CLI's logging set-up would outlive the test.
    args = ["process", str(path), "--config", str(home.config)]
    result = subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**home.env(), "BRIDGE_FOLDERS__DONE_SUFFIX": ".done"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (home.root / "inbox" / "products").iterdir()) == []
    [archived] = [p for p in home.files("archive") if p.name.endswith("_p.xml")]
    assert archived.with_name(archived.name + ".done").is_file()


def test_status_json_exit_code_says_whether_something_needs_attention(
    home: BridgeHome,
) -> None:
    """`status --json` exits 0 while healthy and 1 with an unresolved failure, as JSON."""
    import json

    healthy = home.cli("status", "--json")
    assert healthy.returncode == 0, healthy.stderr
    facts = json.loads(healthy.stdout)
    assert facts["needs_attention"] is False
    assert facts["service"]["running"] is False
    assert facts["at"].endswith("+00:00")
    home.cli("process", str(home.drop("products", "bad.xml", "<products>")))
    sick = home.cli("status", "--json")
    assert sick.returncode == 1
    facts = json.loads(sick.stdout)
    assert facts["attention_reasons"] == [
        "1 failed or partly applied file(s) unresolved"
    ]
    assert [f["name"] for f in facts["attention"]] == ["bad.xml"]
    assert {c["kind"]: c["failed_entries"] for c in facts["folders"]}["products"] == 1
    text = home.cli("status")
    assert text.returncode == 1
    assert "UTC" in text.stdout
    assert (
        "needs attention: 1 failed or partly applied file(s) unresolved" in text.stdout
    )


def test_running_service_writes_a_heartbeat_status_reads(home: BridgeHome) -> None:
    """While `bridge run` runs, status says the service is running on this host."""
    import json
    import os
    import time

    proc = home.popen("run")
    try:
        deadline = time.monotonic() + 60
        facts: dict[str, object] = {}
        while time.monotonic() < deadline:
            out = home.cli("status", "--json")
            facts = json.loads(out.stdout)["service"]
            if facts["running"]:
                break
            time.sleep(0.5)
        assert facts["running"] is True
        assert facts["pid"] == proc.pid
        assert facts["host"] == os.uname().nodename
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_process_dry_run_prints_the_plan_and_moves_nothing(home: BridgeHome) -> None:
    """`process --dry-run` prints each record's plan, exits 1 on a reject, moves nothing."""
    plan = home.drop("products", "p.xml", PRODUCT)
    ok = home.cli("process", str(plan), "--dry-run")
    assert ok.returncode == 0, ok.stderr
    assert "products/p.xml: dry run, nothing applied (planned)" in ok.stdout
    assert "line 1 OPS-1: create" in ok.stdout
    assert plan.read_text() == PRODUCT
    stock = home.drop("stock", "s.csv", "sku,qty\nNOT-THERE,1\n")
    bad = home.cli("process", str(stock), "--dry-run")
    assert bad.returncode == 1
    assert "NOT-THERE: reject" in bad.stdout
    assert stock.exists()
    assert not list((home.root / "archive").rglob("*s.csv"))
