"""The provisioned Grafana dashboard: valid JSON that Grafana's file provider will load, every query valid
PromQL (Debian's promtool parses it) on the metrics of docs/metrics.md only, golden signals per process and
the event pipeline all present."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.metrics_contract import metric_names, sample_names

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "infra" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "liaison.json"
# What Grafana puts in place of its variables before the query reaches Prometheus.
VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", '"$service"': '"partners"', "$service": "partners"}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(board: dict) -> list[dict]:
    found = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries(board: dict) -> list[tuple[str, str]]:
    found = [(p["title"], t["expr"]) for p in panels(board) for t in p.get("targets", [])]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", variable["query"]["query"])
            found.append((f"${variable['name']}", inner.group(1)))
    return found


def as_promql(expression: str) -> str:
    for variable, value in VARIABLES.items():
        expression = expression.replace(variable, value)
    return expression


def test_the_dashboard_is_provisioned_from_the_repository():
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "liaison.yml").read_text())
    assert provider["apiVersion"] == 1 and provider["providers"][0]["type"] == "file"
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert datasource["datasources"][0]["type"] == "prometheus"
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(board):
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_query_reads_only_metrics_of_the_contract():
    known = sample_names()
    for title, expression in queries(dashboard()):
        unknown = metric_names(as_promql(expression)) - known
        assert not unknown, f"panel {title!r} reads metrics docs/metrics.md does not list: {unknown}"


def test_every_query_is_valid_promql(tmp_path):
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not on PATH: infra/system-packages.sh installs Debian's prometheus package")
    rules = [
        {"record": f"dashboard:query_{i}:check", "expr": as_promql(e)} for i, (_, e) in enumerate(queries(dashboard()))
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run([binary, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_golden_signals_per_process_and_the_event_pipeline_are_shown():
    board = dashboard()
    (per_service,) = [p for p in board["panels"] if p.get("repeat") == "service"]
    assert per_service["type"] == "row"
    read = {name for _, e in queries(board) for name in metric_names(as_promql(e))}
    golden = {"liaison_http_requests_total", "liaison_http_request_duration_seconds_bucket"}
    golden |= {"liaison_db_pool_connections_in_use", "process_cpu_seconds_total"}
    pipeline = {"liaison_outbox_rows", "liaison_outbox_oldest_pending_age_seconds", "liaison_relay_published_total"}
    pipeline |= {
        "liaison_relay_publish_failures_total",
        "liaison_consumer_lag_messages",
        "liaison_consumer_events_total",
    }
    notifications = {"liaison_deliveries_total", "liaison_scheduler_lag_seconds"}
    assert golden | pipeline | notifications <= read, (golden | pipeline | notifications) - read
