"""Acceptance (issue 4): a real Prometheus scrapes a running worker and hook fed by the simulator;
every PromQL expression of the dashboards and the rules is then evaluated through its HTTP API.

Everything is real: the embedded Kafka-protocol broker (Tansu), `distillwatch worker` and
`distillwatch hook run` as subprocesses, simulator traffic pushed with `push_file`, a loopback
HTTP endpoint for the hook's deliveries, and the Debian `prometheus` binary.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import load_settings
from pipeline.devtools.embedded_broker import EmbeddedBroker
from pipeline.devtools.triage_sample import sample_alerts
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics

from .processes import Receiver, running_hook, running_worker
from .prom import REPO, RULES, Prometheus, free_port, require_binary, running_prometheus
from .traffic import FAST_CONFIG, events, write_events

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

DASHBOARDS = sorted((REPO / "dashboards" / "grafana").glob("*.json"))
# Grafana's built-in variables, resolved the way Grafana would for a 1 s scrape interval.
BUILTINS = {"$__rate_interval": "5s", "$__interval": "1s", "$__range": "1m"}
LABEL_VALUES = re.compile(r"^label_values\((?P<match>.+),\s*(?P<label>\w+)\)$")
WAIT = 60.0  # seconds, for each stage of the pipeline to show up in Prometheus


@dataclass
class Live:
    prom: Prometheus
    receiver: Receiver
    items: int  # events and rejections the worker must count for the pushed file


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    require_binary("prometheus")
    tmp = tmp_path_factory.mktemp("obs-live")
    lines, items = write_events(tmp / "events.jsonl", events(seed=7))
    with EmbeddedBroker() as broker:
        settings = load_settings(
            None,
            kafka_bootstrap_servers=broker.bootstrap_servers,
            partitions=FAST_CONFIG.partitions,
        )
        ensure_topics(settings)
        with (
            Receiver(secrets.token_hex(16).encode()) as receiver,
            running_worker(
                broker.bootstrap_servers, FAST_CONFIG, "obs-detect", tmp / "worker.log"
            ) as worker,
            running_hook(
                broker.bootstrap_servers, settings.alerts_topic, receiver, free_port(), tmp
            ) as hook,
        ):
            jobs = {"distillwatch-worker": worker.port, "distillwatch-hook": hook.port}
            with running_prometheus(tmp, jobs) as prom:
                prom.wait('up{job="distillwatch-worker"} == 1')
                stats = push_file([tmp / "events.jsonl"], settings, batch_size=500)
                assert stats.lines == lines
                # The detector is retuned often: deterministic alerts (built by the real alert
                # code) make sure the hook acts and its limiter holds, whatever the worker
                # raises on this traffic.
                _publish_sample_alerts(broker.bootstrap_servers, settings.alerts_topic)
                stages = (
                    # every pushed line counted by the worker (events or rejections)
                    f"sum(distillwatch_events_total) >= {items}",
                    "max(distillwatch_consumer_lag_records) == 0"
                    f" and count(distillwatch_consumer_lag_records) == {FAST_CONFIG.partitions}",
                    "distillwatch_top_key_score",
                    # the hook consumed every alert the worker published (and the sample) ...
                    "sum(distillwatch_hook_alerts_received_total) > 0 and"
                    " sum(distillwatch_hook_alerts_received_total)"
                    f" == scalar(sum(distillwatch_alerts_total)) + {len(sample_alerts())}",
                    # ... delivered the enforced notify, and the limiter held the rest
                    'distillwatch_hook_deliveries_total{result="delivered"} > 0',
                    "sum(distillwatch_hook_limiter_holds_total) > 0",
                )
                for condition in stages:
                    try:
                        prom.wait(condition, timeout=WAIT)
                    except AssertionError as exc:
                        worker.check_alive()  # a dead process explains itself first
                        hook.check_alive()
                        raise AssertionError(
                            f"{exc}\n--- worker log:\n{worker.log_tail()}"
                            f"\n--- hook log:\n{hook.log_tail()}"
                        ) from None
                # Scrapes after the last batch, so every range vector holds the final values.
                time.sleep(2.5)
                yield Live(prom, receiver, items)


def _publish_sample_alerts(brokers: str, topic: str) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    try:
        for alert in sample_alerts():
            producer.send(topic, key=alert.api_key_id.encode(), value=alert.to_json())
        producer.flush(30)
    finally:
        producer.close(10)


def _variables(board: dict[str, Any], prom: Prometheus) -> dict[str, str]:
    """Resolve each query variable to its first value, as Grafana would on load."""
    values = dict(BUILTINS)
    for var in board["templating"]["list"]:
        if var["type"] in ("datasource", "textbox", "constant"):
            continue  # not in PromQL: the datasource picks Prometheus, textboxes feed links
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


def test_targets_are_up(live: Live) -> None:
    prom = live.prom
    assert prom.targets_up() == {"distillwatch-worker": 1.0, "distillwatch-hook": 1.0}
    totals = prom.query("sum(distillwatch_events_total)")["data"]["result"]
    assert float(totals[0]["value"][1]) == live.items, "each pushed line is counted once"
    critical = prom.query('sum(distillwatch_alerts_total{severity="critical"})')
    assert float(critical["data"]["result"][0]["value"][1]) > 0, "harvesters should alert"
    # The hook's enforced notify reached the endpoint, signed; shadow rules sent nothing.
    assert "/distillwatch/actions" in live.receiver.paths
    assert live.receiver.bad_signatures == 0


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.stem for p in DASHBOARDS])
def test_every_dashboard_query_returns_data(live: Live, path: Path) -> None:
    prom = live.prom
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


def test_every_rule_is_loaded_healthy_and_evaluates(live: Live) -> None:
    prom = live.prom
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


def test_every_queried_metric_exists(live: Live) -> None:
    """Only a live Prometheus catches a misspelt metric name (DESIGN.md): check them all."""
    prom = live.prom
    text = RULES.read_text() + "".join(p.read_text() for p in DASHBOARDS)
    used = set(re.findall(r"\bdistillwatch_[a-z_]+\b", text))
    used.discard("distillwatch_")
    missing = sorted(used - prom.metric_names())
    assert not missing, f"queried but never exposed: {missing}"
