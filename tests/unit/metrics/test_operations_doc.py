"""docs/operations.md stays true: every metric documented, the alert rules valid."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.metrics._promtool import PROMTOOL, promtool
from tests.unit.metrics.test_families import busy_metrics

DOC = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _rules_yaml() -> str:
    section = _section("### Example alert rules")
    match = re.search(r"```yaml\n(groups:.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def _exposed() -> tuple[set[str], set[str]]:
    """Family names (counters with ``_total``) and every sample name of a busy bridge."""
    families: set[str] = set()
    samples: set[str] = set()
    for family in text_string_to_metric_families(busy_metrics().render().decode()):
        if family.name.endswith("_created"):
            continue  # prometheus-client's start-time twin of each counter/histogram
        families.add(family.name + ("_total" if family.type == "counter" else ""))
        samples.update(s.name for s in family.samples)
    return families, samples


def test_metrics_table_lists_exactly_the_exposed_families() -> None:
    """The table in docs/operations.md names every family /metrics has, and no other."""
    table = _section("## Metrics").split("### Example alert rules")[0]
    documented = set(re.findall(r"^\| `(bridge_\w+)` \|", table, re.M))
    families, _ = _exposed()
    assert documented == families


def test_alert_rules_use_only_real_metrics() -> None:
    """Every bridge_* series the example rules query is one the bridge exposes."""
    _, samples = _exposed()
    used = set(re.findall(r"\b(bridge_\w+)", _rules_yaml()))
    assert used
    assert used <= samples, used - samples


def test_alert_rules_pass_promtool(tmp_path: Path) -> None:
    """The example rules file passes `promtool check rules` where promtool is installed."""
    rules = tmp_path / "bridge-rules.yml"
    rules.write_text(_rules_yaml(), encoding="utf-8")
    if PROMTOOL is None:
        # `make test` installs it; in CI a missing promtool is a failure, never a skip.
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: `make test` installs Debian's prometheus")
        pytest.skip("promtool not installed (Debian package prometheus)")
    code, output = promtool("check", "rules", str(rules))
    assert code == 0, output
    assert "SUCCESS: 11 rules found" in output
