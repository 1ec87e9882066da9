"""Crash recovery and broker restart, on Apache Kafka (Tansu's end offsets are low).

``distillwatch worker`` runs as a real subprocess (the faust app, with its
campaign stage); it is killed with SIGKILL mid-stream and started again. Alerts
(per-key and campaign) must equal replay's: none lost, none published twice (by
alert_id), state restored from checkpoints.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline.config import Settings
from pipeline.devtools.processes import stop_process
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics
from tests.streaming.conftest import BIN
from tests.streaming.helpers import alert_ids, test_settings

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.timeout(300)]


def _progress(settings: Settings) -> tuple[int, int]:
    """(committed offsets, end offsets) of the requests topic, summed over partitions."""
    tps = [TopicPartition(settings.requests_topic, p) for p in range(settings.partitions)]
    # A group member that never subscribes only reads the group's committed offsets.
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.group_id,
        enable_auto_commit=False,
    )
    try:
        ends = consumer.end_offsets(tps)
        done = sum(consumer.committed(tp) or 0 for tp in tps)
    finally:
        consumer.close(autocommit=False)
    return done, sum(ends.values())


def _wait_progress(settings: Settings, fraction: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, total = _progress(settings)
        except Exception:  # broker briefly unreachable
            done, total = 0, 1
        if total and done >= fraction * total:
            return
        time.sleep(0.2)
    raise AssertionError(f"worker did not reach {fraction:.0%} within {timeout}s")


def _start_worker(settings: Settings, log: Path, metrics_port: int = 0) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "DISTILLWATCH_METRICS_PORT": str(metrics_port),
        "DISTILLWATCH_PARTITIONS": str(settings.partitions),
        "DISTILLWATCH_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
        "DISTILLWATCH_HEARTBEAT_INTERVAL_MS": str(settings.heartbeat_interval_ms),
        "DISTILLWATCH_REBALANCE_TIMEOUT_MS": str(settings.rebalance_timeout_ms),
        "DISTILLWATCH_CHECKPOINT_INTERVAL_SECONDS": str(settings.checkpoint_interval_seconds),
        "DISTILLWATCH_CAMPAIGN_IDLE_SECONDS": str(settings.campaign_idle_seconds),
        "DISTILLWATCH_MAX_POLL_RECORDS": str(settings.max_poll_records),
        "DISTILLWATCH_ENGINE": '{"population_warmup": 10, "key_warmup_seconds": 600}',
    }
    handle = log.open("ab")
    return subprocess.Popen([str(BIN / "distillwatch"), "worker"], env=env, stdout=handle,
                            stderr=subprocess.STDOUT)  # fmt: skip


def wait_alert_count(settings: Settings, count: int, timeout: float) -> list[str]:
    """Alert ids on the topic once there are ``count`` (or when ``timeout`` is up)."""
    deadline = time.monotonic() + timeout
    while True:
        ids = alert_ids(settings)
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        time.sleep(0.5)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    stop_process(worker, timeout=30)


def test_kill_9_mid_stream_loses_and_duplicates_nothing(apache_kafka, dataset, tmp_path):
    # Small polls and a slower checkpoint cadence: the kill lands between
    # checkpoints, after alerts were published that the next checkpoint would cover.
    settings = test_settings(
        apache_kafka.bootstrap_servers, checkpoint_interval_seconds=1.5, max_poll_records=500
    )
    ensure_topics(settings)
    push_file([dataset.events], settings)
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, log)
    try:
        _wait_progress(settings, 0.15, timeout=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_with = len(alert_ids(settings))
        worker = _start_worker(settings, log)
        _wait_progress(settings, 1.0, timeout=150)
        wait_alert_count(settings, len(dataset.alert_ids), timeout=60)
    finally:
        _stop(worker)
    text = log.read_text(errors="replace")
    assert "restored from checkpoints: [0, 1, 2, 3, 4, 5, 6, 7]" in text, text[-3000:]
    ids = alert_ids(settings)
    # The kill usually lands mid-stream; on a fast run it can land after the last alert
    # but before the checkpoint covering it. Both must recover without loss or repeat,
    # so the moment is not asserted (it made the test flaky); the sets below are.
    assert killed_with <= len(ids)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    missing, extra = dataset.alert_ids - set(ids), set(ids) - dataset.alert_ids
    assert not missing and not extra, (sorted(missing), sorted(extra), killed_with)


def test_broker_restart_loses_no_event(apache_kafka, dataset, tmp_path):
    settings = test_settings(apache_kafka.bootstrap_servers, max_poll_records=500)
    ensure_topics(settings)
    push_file([dataset.events], settings)
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, log)
    try:
        _wait_progress(settings, 0.3, timeout=120)
        apache_kafka.stop()
        time.sleep(1.0)
        apache_kafka.start()
        _wait_progress(settings, 1.0, timeout=180)
        wait_alert_count(settings, len(dataset.alert_ids), timeout=60)
        assert worker.poll() is None, "the worker must survive a broker restart"
    finally:
        _stop(worker)
    ids = alert_ids(settings)
    assert len(ids) == len(set(ids))
    assert set(ids) == dataset.alert_ids
