"""Fault injection on Apache Kafka: hostile records, forged and unreadable checkpoints.

A real ``distillwatch worker`` (the faust app, its campaign stage in-process)
runs on Apache Kafka:

- every hostile record shape of issue 15 (tests/faults/shapes.py), pushed among
  the dataset's valid traffic, gives exactly the control run's alert ids (per-key
  and campaign; none lost, none twice) and one dead letter each;
- checkpoints forged or damaged on the checkpoint topics before the worker
  starts (a pickle that would create a file, bytes that are not zlib, an old
  pickle-format snapshot, a forged campaign checkpoint) execute nothing: the
  worker holds those partitions, processes the others exactly as replay does,
  and a real Prometheus with the project's rules fires
  ``DistillwatchCheckpointRestoreFailed`` within a minute.

kill -9 and a broker restart are tests/streaming/test_recovery.py and
test_campaign_recovery.py; docs/STREAMING.md lists them all.
"""

from __future__ import annotations

import pickle
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from detectors.partitioning import router
from pipeline.config import Settings
from pipeline.devtools.embedded_broker import free_port
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_campaign_topics, ensure_topics
from pipeline.wire.checkpoint import Checkpoint, encode_chunks
from tests.faults.shapes import SHAPES
from tests.observability.prom import running_prometheus
from tests.streaming.helpers import alert_ids, read_topic, test_settings
from tests.streaming.test_recovery import _start_worker, _stop, _wait_progress, wait_alert_count

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.timeout(300)]


def test_hostile_records_change_nothing_but_the_dead_letters(apache_kafka, dataset, tmp_path):
    settings = test_settings(apache_kafka.bootstrap_servers, max_poll_records=500)
    ensure_topics(settings)
    lines = dataset.events.read_bytes().splitlines()
    step = len(lines) // (len(SHAPES) + 1)
    mixed = list(lines)
    for i, (value, _) in enumerate(reversed(list(SHAPES.values()))):
        mixed.insert(step * (len(SHAPES) - i), value)  # spread through the stream
    hostile = tmp_path / "events-with-hostile.jsonl"
    hostile.write_bytes(b"\n".join(mixed) + b"\n")
    push_file([hostile], settings)
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, log)
    try:
        _wait_progress(settings, 1.0, timeout=150)
        wait_alert_count(settings, len(dataset.alert_ids), timeout=60)
        assert worker.poll() is None, "a hostile record stopped the worker"
    finally:
        _stop(worker)
    ids = alert_ids(settings)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    assert set(ids) == dataset.alert_ids, (
        dataset.alert_ids - set(ids),
        set(ids) - dataset.alert_ids,
    )
    letters = [orjson.loads(r.value) for r in read_topic(settings, settings.dead_letter_topic)]
    assert len(letters) == dataset.rejected + len(SHAPES)
    reasons = Counter(letter["reason"] for letter in letters)
    for _, reason in SHAPES.values():
        assert reasons[reason] >= 1
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


class Marker:
    """Unpickling it creates a file: what a forged checkpoint would make a worker do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (Path.touch, (self.path,))


def _forge(settings: Settings, topic: str, owner: str, partition: int, blob: bytes, raw: bool):
    """Write a checkpoint record as the worker would read it (the owner header copied)."""
    checkpoint = Checkpoint(partition, offset=0, alerts_offset=0, engine=blob, sequence=7)
    checkpoint.owner = owner
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        for chunk in encode_chunks(checkpoint, 512 * 1024):
            value = blob if raw else chunk.value  # raw: not even zlib
            producer.send(topic, value, key=chunk.key, partition=partition, headers=chunk.headers)
        producer.flush()
    finally:
        producer.close()


def _committed(settings: Settings) -> dict[int, int]:
    tps = [TopicPartition(settings.requests_topic, p) for p in range(settings.partitions)]
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.group_id,
        enable_auto_commit=False,
    )
    try:
        ends = consumer.end_offsets(tps)
        return {tp.partition: (consumer.committed(tp) or 0) - ends[tp] for tp in tps}
    finally:
        consumer.close(autocommit=False)


def test_forged_and_unreadable_checkpoints_execute_nothing_and_fire_the_rule(
    apache_kafka, dataset, tmp_path
):
    settings = test_settings(apache_kafka.bootstrap_servers, max_poll_records=500)
    ensure_topics(settings)
    ensure_campaign_topics(settings)
    marker = tmp_path / "executed"
    owner = f"{settings.group_id}/{settings.requests_topic}"
    forged = pickle.dumps(Marker(marker))
    _forge(settings, settings.checkpoint_topic, owner, 0, forged, raw=False)  # a pickle
    _forge(settings, settings.checkpoint_topic, owner, 1, b"\x00garbage", raw=True)  # not zlib
    _forge(settings, settings.checkpoint_topic, owner, 2, pickle.dumps((3, {})), raw=False)
    _forge(settings, settings.campaign_checkpoint_topic, owner + "/campaigns", 0, forged, raw=False)
    push_file([dataset.events], settings)
    port = free_port()
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, log, metrics_port=port)
    held = {0, 1, 2}
    try:
        with running_prometheus(tmp_path, {"distillwatch-worker": port}) as prom:
            started = time.monotonic()
            prom.wait(
                'ALERTS{alertname="DistillwatchCheckpointRestoreFailed", alertstate="firing"}',
                timeout=60,
            )
            fired_after = time.monotonic() - started
            prom.wait('distillwatch_partitions_failed{stage="detect"} == 3', timeout=30)
            prom.wait('distillwatch_checkpoint_restore_failures_total{stage="campaigns"} == 1', 30)
            prom.wait("sum(distillwatch_campaign_stage_held) == 0", timeout=30)
        deadline = time.monotonic() + 150
        while any(lag < 0 for p, lag in _committed(settings).items() if p not in held):
            assert time.monotonic() < deadline, "the healthy partitions were not processed"
            assert worker.poll() is None
            time.sleep(0.5)
        assert worker.poll() is None, "a refused checkpoint must not stop the other partitions"
    finally:
        _stop(worker)
    assert not marker.exists(), "a forged checkpoint executed code"
    assert fired_after < 60
    text = log.read_text(errors="replace")
    for partition in held:
        assert f"partition {partition} held, not processed" in text, text[-3000:]
    assert "campaign stage not run: its checkpoint was refused" in text
    assert "Traceback" not in text
    # The other partitions raised exactly replay's per-key alerts for their keys.
    route = router(settings.partitions)
    expected = {
        a["alert_id"]
        for a in dataset.alerts
        if a["detector"] != "campaign" and route(a["api_key_id"]) not in held
    }
    got = alert_ids(settings)
    assert len(got) == len(set(got)) and set(got) == expected
