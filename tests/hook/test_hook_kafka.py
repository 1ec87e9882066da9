"""The hook as a process on a real Kafka-protocol broker (embedded Tansu).

kill -9 between the outbox write and the send, restart, exactly one delivery;
analyst labels travelling through the compacted feedback topic.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.cli.main import main as distillwatch
from pipeline.devtools.embedded_broker import EmbeddedBroker
from pipeline.hook import audit
from pipeline.hook.policy import load_policy
from pipeline.hook.runner import CRASH_ENV, RunSettings, run_hook
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

from .support import REPO, SECRET, ProviderServer, make_alert

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        yield running


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        if topic not in admin.list_topics():
            admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for value in values:
            producer.send(topic, value=value)
        producer.flush(timeout=10)
    finally:
        producer.close(timeout=10)


def write_policy(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps(
            {
                "policies": [
                    {"name": "p", "mode": "enforce", "confirmations": 1, "ladder": ["suspend"]}
                ],
                "limits": {"cooldown": 0},
                "delivery": {"url": url, "backoff_initial": 0.05, "backoff_max": 0.2},
            }
        )
    )
    return path


def audit_rows(db: Path, **filters: Any) -> list[audit.AuditRow]:
    store = Store(db)
    try:
        return audit.query(store.conn, audit.AuditQuery(limit=1000, **filters))
    finally:
        store.close()


def run_hook_process(
    tmp_path: Path, bootstrap: str, topic: str, url: str, *, crash: bool
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DISTILLWATCH_HOOK_HMAC_KEY_FILE": str(tmp_path / "hmac")}
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = "after-outbox-commit"
    # python -m, so the crash is a real SIGKILL of a real process, not an exception.
    command = [sys.executable, "-m", "pipeline.hook.cli", "run"]
    command += ["--policy", str(write_policy(tmp_path, url)), "--db", str(tmp_path / "hook.db")]
    command += ["--bootstrap-servers", bootstrap, "--alerts-topic", topic, "--metrics", "off"]
    command += ["--group-id", f"hook-{topic}", "--session-timeout", "6"]
    command += ["--until-idle", "1.5", "--max-seconds", "40"]
    return subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=90, check=False
    )


def test_kill_9_between_outbox_write_and_send_delivers_once(
    broker: EmbeddedBroker, tmp_path: Path, provider: ProviderServer
) -> None:
    (tmp_path / "hmac").write_bytes(SECRET + b"\n")
    topic = "alerts-kill9"
    produce(broker.bootstrap_servers, topic, [orjson.dumps(make_alert("a-kill", "key-k"))])

    crashed = run_hook_process(tmp_path, broker.bootstrap_servers, topic, provider.url, crash=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert provider.requests == []  # killed after the outbox commit, before any send
    assert [r.outcome for r in audit_rows(tmp_path / "hook.db")] == ["acted"]

    restarted = run_hook_process(
        tmp_path, broker.bootstrap_servers, topic, provider.url, crash=False
    )
    assert restarted.returncode == 0, restarted.stderr
    assert dict(provider.applied) == {audit_rows(tmp_path / "hook.db")[0].idempotency_key: 1}
    assert len(provider.requests) == 1 and provider.requests[0]["verified"]
    outcomes = [r.outcome for r in audit_rows(tmp_path / "hook.db", alert_id="a-kill")]
    # The uncommitted record is read again and recognised; the outbox row is sent once.
    assert sorted(outcomes) == ["acted", "delivered", "skipped"]
    assert "test-hmac-secret" not in restarted.stderr + restarted.stdout  # never logged

    # The restarted hook committed its offset: a third start would read nothing.
    # (committed() fetches the group's offset without joining the group.)
    reader = KafkaConsumer(
        bootstrap_servers=broker.bootstrap_servers,
        group_id=f"hook-{topic}",
        enable_auto_commit=False,
    )
    try:
        assert reader.committed(TopicPartition(topic, 0)) == 1
    finally:
        reader.close()


def test_labels_travel_through_the_feedback_topic(
    broker: EmbeddedBroker, tmp_path: Path, provider: ProviderServer
) -> None:
    bootstrap = broker.bootstrap_servers
    feedback_file = tmp_path / "feedback.jsonl"
    args = ["label", "key-benign", "--benign", "--reason", "eval harness EVAL-7"]
    code = distillwatch(
        [*args, "--feedback-file", str(feedback_file), "--bootstrap-servers", bootstrap]
    )
    assert code == 0
    line = json.loads(feedback_file.read_text())
    assert (line["api_key_id"], line["label"]) == ("key-benign", "benign")
    topic = "alerts-feedback"
    produce(
        bootstrap,
        topic,
        [orjson.dumps(make_alert("b1", "key-benign")), orjson.dumps(make_alert("b2", "key-bad"))],
    )
    policy = load_policy(write_policy(tmp_path, provider.url))
    settings = RunSettings(
        db_path=tmp_path / "hook.db",
        kafka={"bootstrap_servers": bootstrap},
        alerts_topic=topic,
        group_id="hook-feedback-test",
        until_idle=1.5,
        max_seconds=40,
    )
    # In a thread: run_hook only installs signal handlers in the main thread.
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run_hook(settings, policy, Secret(SECRET), None))
    )
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and result == [0]
    (benign,) = audit_rows(settings.db_path, api_key_id="key-benign")
    assert benign.outcome == "skipped"
    assert benign.reason == "analyst labelled the key benign: eval harness EVAL-7"
    assert [r.outcome for r in audit_rows(settings.db_path, api_key_id="key-bad")] == [
        "acted",
        "delivered",
    ]
    assert len(provider.requests) == 1
