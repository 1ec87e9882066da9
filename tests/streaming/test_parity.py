"""Parity: the same events through replay and through the worker give the same alerts.

Against the embedded broker and Apache Kafka (when it can be fetched). The
worker runs in this process (StreamProcessor, the loop the faust app hosts,
with its campaign stage); replay runs ``pipeline.runtime.replay.replay_files``, what
``distillwatch replay`` runs. Per-key and campaign alerts both count.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest
from kafka import KafkaProducer

from detectors.summary_merge import MergeStats
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics
from tests.streaming.conftest import Dataset
from tests.streaming.helpers import (
    Harness,
    alert_ids,
    read_topic,
    test_settings,
    wait_alerts,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def _run_until_done(settings, dataset: Dataset) -> MergeStats:
    """Run one worker until every event and every expected alert went through."""
    expected_events = dataset.lines - dataset.rejected
    harness = Harness()
    processor = await harness.start(settings)
    try:
        await wait_for(
            lambda: processor.events_processed >= expected_events,
            timeout=120,
            what=f"{expected_events} events through the worker",
        )
        # Campaign alerts trail: the last ones wait for every partition to go idle.
        await wait_alerts(settings, len(dataset.alert_ids), timeout=60)
        stage = processor.campaigns
        assert stage is not None and stage.merger is not None
        merger = stage.merger
        # The last summaries raise no alert: wait for the idle release to take them too.
        await wait_for(lambda: merger.pending == 0, 30, "the campaign stage's idle release")
        return merger.stats
    finally:
        await harness.stop_all()


@pytest.mark.parametrize("batch_size", [1, 500], ids=["single-event", "batched"])
def test_worker_alerts_equal_replay(broker_servers, dataset, batch_size):
    settings = test_settings(broker_servers)
    ensure_topics(settings)
    stats = push_file([dataset.events], settings, batch_size=batch_size)
    assert stats.lines == dataset.lines
    merge = asyncio.run(_run_until_done(settings, dataset))

    ids = alert_ids(settings)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    missing, extra = dataset.alert_ids - set(ids), set(ids) - dataset.alert_ids
    assert not missing and not extra, (sorted(missing), sorted(extra))
    assert dataset.campaign_ids <= set(ids)
    # The stage saw every summary replay's engines emitted, none twice, none late.
    assert (merge.offered, merge.duplicates, merge.late) == (dataset.summaries, 0, 0)
    assert merge.released == merge.offered
    dead = [orjson.loads(r.value) for r in read_topic(settings, settings.dead_letter_topic)]
    assert len(dead) == dataset.rejected
    for letter in dead:
        assert letter["topic"] == settings.requests_topic
        assert {"reason", "partition", "offset"} <= set(letter)
        assert "value" not in letter  # the raw value may hold prompt text


def test_mixed_batches_reach_the_owning_partition_once(embedded_broker):
    """A batch mixing keys is split: every event is processed once, by its key's engine."""
    settings = test_settings(embedded_broker.bootstrap_servers, partitions=4)
    ensure_topics(settings)
    events = [
        {"ts": 1_791_000_000 + i, "api_key_id": f"key-{i % 37}", "prompt_tokens": 5,
         "completion_tokens": 50, "request_id": f"r{i}"}
        for i in range(3000)
    ]  # fmt: skip
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    for start in range(0, len(events), 100):  # all batches on partition 0, keys mixed
        chunk = events[start : start + 100]
        value = b"\n".join(orjson.dumps(e) for e in chunk) if start % 200 else orjson.dumps(chunk)
        producer.send(settings.requests_topic, value, partition=0)
    producer.send(settings.requests_topic, b'[{"ts": 1}, 7]', partition=0)  # two bad items
    producer.flush()
    producer.close()

    async def scenario() -> tuple[Counter[int], int]:
        harness = Harness()
        processor = await harness.start(settings)
        try:
            await wait_for(lambda: processor.events_processed >= len(events), 90, "all events")
            await asyncio.sleep(1.0)  # anything processed twice would show up by now
            per_partition = Counter(
                {p: s.engine.stats.events_valid for p, s in processor.states.items()}
            )
            return per_partition, processor.events_processed
        finally:
            await harness.stop_all()

    per_partition, processed = asyncio.run(scenario())
    assert processed == len(events)
    from detectors.partitioning import partition_for

    expected = Counter(partition_for(str(e["api_key_id"]), 4) for e in events)
    assert per_partition == expected
    dead = [orjson.loads(r.value) for r in read_topic(settings, settings.dead_letter_topic)]
    assert sorted(d["index"] for d in dead) == [0, 1]
