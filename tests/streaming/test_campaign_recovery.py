"""The campaign stage survives kill -9 and hands over: no campaign alert lost or duplicated.

Kill: ``distillwatch worker`` (a real subprocess, on Apache Kafka because Tansu
reports end offsets low) is killed with SIGKILL once its campaign stage has
published some but not all campaign alerts, then started again: the stage must
restore its checkpoint, not re-publish what its predecessor published after
that checkpoint, and end with exactly replay's alerts.

Handover: two in-process workers on the embedded broker; the one running the
stage leaves gracefully mid-stream and the other takes the stage over.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline.config import Settings
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics
from tests.streaming.helpers import Harness, alert_ids, test_settings, wait_alerts, wait_for
from tests.streaming.test_recovery import _start_worker, _stop, _wait_progress, wait_alert_count

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _campaign_alerts(settings: Settings) -> list[str]:
    from tests.streaming.helpers import read_topic

    records = read_topic(settings, settings.alerts_topic)
    alerts = [orjson.loads(r.value) for r in records]
    return [a["alert_id"] for a in alerts if a["detector"] == "campaign"]


def _wait_first_campaign_alert(settings: Settings, timeout: float) -> None:
    """Block until one campaign alert is on the alerts topic (a live consumer: fast)."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    try:
        tps = [TopicPartition(settings.alerts_topic, p) for p in range(settings.partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=100).values():
                if any(orjson.loads(r.value)["detector"] == "campaign" for r in records):
                    return
        raise AssertionError(f"no campaign alert within {timeout}s")
    finally:
        consumer.close()


@pytest.mark.kafka
def test_kill_9_campaign_stage_loses_and_duplicates_nothing(apache_kafka, dataset, tmp_path):
    settings = test_settings(
        apache_kafka.bootstrap_servers, checkpoint_interval_seconds=1.0, max_poll_records=300
    )
    ensure_topics(settings)
    push_file([dataset.events], settings)
    log = tmp_path / "worker.log"
    worker = _start_worker(settings, log)
    try:
        _wait_first_campaign_alert(settings, timeout=150)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_with = _campaign_alerts(settings)
        worker = _start_worker(settings, log)
        _wait_progress(settings, 1.0, timeout=150)
        wait_alert_count(settings, len(dataset.alert_ids), timeout=60)
    finally:
        _stop(worker)
    text = log.read_text(errors="replace")
    assert "campaign stage assigned (restored from checkpoint)" in text, text[-3000:]
    assert 0 < len(killed_with) < len(dataset.campaign_ids), "kill mid-way through campaigns"
    campaign = _campaign_alerts(settings)
    assert len(campaign) == len(set(campaign)), "a campaign alert was published twice"
    assert set(campaign) == dataset.campaign_ids
    ids = alert_ids(settings)
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not twice, ("published twice", twice, len(killed_with))
    assert set(ids) == dataset.alert_ids, (set(ids) ^ dataset.alert_ids, len(killed_with))


def test_campaign_stage_hands_over_when_its_worker_leaves(embedded_broker, dataset):
    settings = test_settings(embedded_broker.bootstrap_servers, max_poll_records=200)
    ensure_topics(settings)
    push_file([dataset.events], settings)

    async def scenario() -> tuple[bool, bool]:
        harness = Harness()
        first = await harness.start(settings)
        second = await harness.start(settings)
        try:
            holders = [first, second]

            def stage_held() -> bool:
                return any(p.campaigns and p.campaigns.stage for p in holders)

            await wait_for(stage_held, 60, "a worker holding the campaign stage")
            holder = next(p for p in holders if p.campaigns and p.campaigns.stage)
            other = second if holder is first else first
            await wait_for(
                lambda: holder.campaigns is not None and holder.campaigns.alerts_published > 0,
                timeout=90,
                what="the first campaign alerts",
            )
            await harness.stop(holder)  # graceful: checkpoints the stage, leaves both groups
            await wait_for(
                lambda: other.campaigns is not None and other.campaigns.stage is not None,
                timeout=60,
                what="the other worker taking the stage over",
            )
            await wait_alerts(settings, len(dataset.alert_ids), timeout=90)
            assert other.campaigns is not None and other.campaigns.merger is not None
            late = other.campaigns.merger.stats.late
            return other.campaigns.alerts_published > 0, late == 0
        finally:
            await harness.stop_all()

    published_after, none_late = asyncio.run(scenario())
    ids = alert_ids(settings)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    assert set(ids) == dataset.alert_ids
    assert none_late
    assert published_after or not dataset.campaign_ids - set(ids)
