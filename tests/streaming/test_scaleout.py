"""Scale-out: two workers share the partitions; stop one, the other takes over.

The alert set still equals replay's, with no alert published twice. Runs on
the embedded broker (a graceful handover needs no exact end offsets).
"""

from __future__ import annotations

import asyncio

import pytest

from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics
from tests.streaming.helpers import Harness, alert_ids, test_settings, wait_alerts, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def test_two_workers_share_then_one_takes_over(embedded_broker, dataset):
    settings = test_settings(embedded_broker.bootstrap_servers, max_poll_records=200)
    ensure_topics(settings)
    push_file([dataset.events], settings)
    expected = dataset.lines - dataset.rejected

    async def scenario() -> tuple[list[int], list[int], int]:
        harness = Harness()
        first = await harness.start(settings)
        second = await harness.start(settings)
        try:
            await wait_for(
                lambda: (
                    bool(first.states and second.states)
                    and len(first.states) + len(second.states) == 8
                ),
                timeout=60,
                what="both workers holding partitions",
            )
            shared = (sorted(first.states), sorted(second.states))
            await wait_for(
                lambda: first.events_processed + second.events_processed > expected // 4,
                timeout=60,
                what="a quarter of the events",
            )
            await harness.stop(first)  # graceful: checkpoints, leaves the group
            await wait_for(lambda: len(second.states) == 8, 60, "the survivor taking over")
            await wait_for(
                lambda: first.events_processed + second.events_processed >= expected,
                timeout=90,
                what="all events",
            )
            # The campaign stage ran on one of them; if it was `first`, `second` took over.
            await wait_alerts(settings, len(dataset.alert_ids), timeout=60)
            return shared[0], shared[1], first.events_processed + second.events_processed
        finally:
            await harness.stop_all()

    first_parts, second_parts, processed = asyncio.run(scenario())
    assert first_parts and second_parts and not set(first_parts) & set(second_parts)
    assert processed == expected  # nothing processed twice across the handover
    ids = alert_ids(settings)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    assert set(ids) == dataset.alert_ids
