"""Acceptance: a real Prometheus scrapes a running worker (and hook) fed by the simulator; every
PromQL expression of the dashboards and the rules is then evaluated through its HTTP API."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .driver import HookStandIn, WorkerStandIn, serve_both
from .prom import REPO, RULES, Prometheus, require_binary, running_prometheus
from .traffic import FAST_CONFIG, events, records

pytestmark = pytest.mark.integration

DASHBOARDS = sorted((REPO / "dashboards" / "grafana").glob("*.json"))
# Grafana's built-in variables, resolved the way Grafana would for a 1 s scrape interval.
BUILTINS = {"$__rate_interval": "5s", "$__interval": "1s", "$__range": "1m"}
LABEL_VALUES = re.compile(r"^label_values\((?P<match>.+),\s*(?P<label>\w+)\)$")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Prometheus, WorkerStandIn]]:
    require_binary("prometheus")
    values = list(records(events(seed=7, seconds=4 * 3600.0), 500))
    hook = HookStandIn()
    worker = WorkerStandIn(FAST_CONFIG, values, pause=0.03, hook=hook)
    worker_server, hook_server = serve_both(worker, hook)
    tmp = tmp_path_factory.mktemp("prometheus")
    jobs = {"distillwatch-worker": worker_server.port, "distillwatch-hook": hook_server.port}
    try:
        with running_prometheus(tmp, jobs) as prom:
            prom.wait('up{job="distillwatch-worker"} == 1')
            worker.start()
            assert worker.done.wait(timeout=90), "the worker stand-in did not finish in 90 s"
            # Scrapes after the last batch, so every range vector holds the final values.
            prom.wait("distillwatch_top_key_score")
            prom.wait('distillwatch_consumer_lag_records{partition="0"} == 0')
            time.sleep(2.5)
            yield prom, worker
    finally:
        worker.stop.set()
        if worker.is_alive():
            worker.join(timeout=10)
        worker_server.close()
        hook_server.close()


def _variables(board: dict[str, Any], prom: Prometheus) -> dict[str, str]:
    """Resolve each query variable to its first value, as Grafana would on load."""
    values = dict(BUILTINS)
    for var in board["templating"]["list"]:
        found = LABEL_VALUES.match(var["definition"])
        assert found, f"{board['uid']}: variable {var['name']} is not label_values(...)"
        options = prom.label_values(found["label"], found["match"])
        assert options, f"{board['uid']}: variable ${var['name']} has no values"
        values[f"${var['name']}"] = ".*" if var["includeAll"] else options[0]
    return values


def _expand(expr: str, values: dict[str, str]) -> str:
    # Longest names first, so $__rate_interval is not cut by $__range or similar.
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace(name, values[name])
    assert "$" not in expr, f"unresolved variable in {expr!r}"
    return expr


def _targets(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_targets_are_up(live: tuple[Prometheus, WorkerStandIn]) -> None:
    prom, worker = live
    assert prom.targets_up() == {"distillwatch-worker": 1.0, "distillwatch-hook": 1.0}
    assert worker.alerts, "the merged harvesters should raise alerts"


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.stem for p in DASHBOARDS])
def test_every_dashboard_query_returns_data(
    live: tuple[Prometheus, WorkerStandIn], path: Path
) -> None:
    prom, _ = live
    board = json.loads(path.read_text())
    values = _variables(board, prom)
    failures = []
    count = 0
    for title, expr in _targets(board):
        count += 1
        response = prom.query(_expand(expr, values))
        if response.get("status") != "success":
            failures.append(f"{title}: {response.get('error')} in {expr}")
        elif not response["data"]["result"]:
            failures.append(f"{title}: no data for {expr}")
    assert count >= 5
    assert not failures, "\n".join(failures)


def test_every_rule_is_loaded_healthy_and_evaluates(live: tuple[Prometheus, WorkerStandIn]) -> None:
    prom, _ = live
    declared = yaml.safe_load(RULES.read_text())
    names = {r["alert"] for g in declared["groups"] for r in g["rules"]}
    deadline = time.monotonic() + 10
    while True:  # wait (bounded) until every rule has been evaluated once
        loaded = prom.rules()
        if all(r.get("lastEvaluation", "").startswith("20") for r in loaded) or (
            time.monotonic() > deadline
        ):
            break
        time.sleep(0.5)
    assert {r["name"] for r in loaded} == names
    for rule in loaded:
        assert rule["health"] == "ok", f"{rule['name']}: {rule.get('lastError')}"
        response = prom.query(rule["query"])
        assert response["status"] == "success", f"{rule['name']}: {response.get('error')}"


def test_every_queried_metric_exists(live: tuple[Prometheus, WorkerStandIn]) -> None:
    """Only a live Prometheus catches a misspelt metric name (DESIGN.md): check them all."""
    prom, _ = live
    text = RULES.read_text() + "".join(p.read_text() for p in DASHBOARDS)
    used = set(re.findall(r"\bdistillwatch_[a-z_]+\b", text))
    used.discard("distillwatch_")
    missing = sorted(used - prom.metric_names())
    assert not missing, f"queried but never exposed: {missing}"
