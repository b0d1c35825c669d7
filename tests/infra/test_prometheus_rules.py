"""The alerting rules, checked by Debian's real promtool: valid, on the metrics of docs/metrics.md only,
each alert fires on the series that should fire it and stays quiet on a healthy system
(infra/prometheus/tests/), and each has its runbook entry in docs/operations.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.metrics_contract import metric_names, sample_names

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "infra" / "prometheus"
RULES = PROMETHEUS / "rules" / "liaison.rules.yml"
RULE_TESTS = PROMETHEUS / "tests" / "liaison.rules.test.yml"


def promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not on PATH: infra/system-packages.sh installs Debian's prometheus package")
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def alerts() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_rules_are_valid():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in result.stdout


def test_the_local_scrape_configuration_is_valid_and_names_every_process():
    result = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    services = {target["labels"]["service"] for target in job["static_configs"]}
    assert services == {"gateway", "partners", "engagements", "notifications"}


def test_every_alert_fires_when_it_should_and_stays_quiet_otherwise():
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_case_and_a_quiet_case():
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired, quiet = set(), set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert fired == names and quiet == names


def test_the_rule_tests_catch_an_alert_that_never_fires_or_always_fires(tmp_path):
    for mutant, expression in (("never", "vector(0) > 1"), ("always", "vector(1)")):
        rules = yaml.safe_load(RULES.read_text())
        for rule in (r for g in rules["groups"] for r in g["rules"]):
            rule["expr"] = expression
        folder = tmp_path / mutant
        (folder / "rules").mkdir(parents=True)
        (folder / "tests").mkdir()
        (folder / "rules" / RULES.name).write_text(yaml.safe_dump(rules))
        shutil.copy(RULE_TESTS, folder / "tests" / RULE_TESTS.name)
        result = promtool("test", "rules", str(folder / "tests" / RULE_TESTS.name))
        assert result.returncode != 0, mutant
        missed = [rule["alert"] for rule in alerts() if rule["alert"] not in result.stdout + result.stderr]
        assert not missed, f"no rule test noticed that these alerts {mutant} fire: {missed}"


def test_rules_read_only_metrics_of_the_contract():
    known = sample_names()
    for rule in alerts():
        unknown = metric_names(rule["expr"]) - known
        assert not unknown, f"{rule['alert']} reads metrics docs/metrics.md does not list: {unknown}"


def test_every_alert_has_a_runbook_entry():
    guide = (ROOT / "docs" / "operations.md").read_text()
    headings = set(re.findall(r"^### (\w+)$", guide, re.MULTILINE))
    for rule in alerts():
        assert rule["alert"] in headings, f"docs/operations.md has no '### {rule['alert']}'"
        assert rule["annotations"]["runbook_url"] == f"docs/operations.md#{rule['alert'].lower()}"


def test_the_name_reader_finds_what_an_expression_selects():
    expression = 'sum by (service) (rate(a_total{x="y{z}"}[5m])) / on (service) group_left b > 1e3 unless c offset 5m'
    assert metric_names(expression) == {"a_total", "b", "c"}
    assert metric_names("histogram_quantile(0.9, sum by (le) (rate(d_bucket[$__rate_interval])))") == {"d_bucket"}
