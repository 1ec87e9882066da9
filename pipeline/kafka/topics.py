"""Topic administration: create the pipeline's topics and check their partition counts.

kafka-python's admin client, synchronous: it runs once at start-up, before any
consumption starts (the worker runs it in an executor).

- :func:`ensure_topics` creates requests, alerts, dead letters and the
  per-partition checkpoint topic, and checks existing ones;
- :func:`ensure_campaign_topics` creates the campaign stage's two
  one-partition topics (summaries, campaign checkpoints).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import Settings

__all__ = ["TopicMismatch", "TopicSpec", "ensure_campaign_topics", "ensure_topics", "topic_specs"]


class TopicMismatch(RuntimeError):
    """An existing topic has a partition count the pipeline cannot work with."""


@dataclass(frozen=True)
class TopicSpec:
    """A topic the pipeline needs: name, partitions, and topic-level configs."""

    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)
    #: whether an existing topic must have exactly ``partitions`` partitions
    strict: bool = True


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics of the pipeline.

    Alerts use the requests topic's partition count: the engine of requests
    partition ``p`` publishes to alerts partition ``p``, which lets a restarted
    worker find the alerts its predecessor already published.
    """
    p = settings.partitions
    return [
        TopicSpec(settings.requests_topic, p),
        TopicSpec(settings.alerts_topic, p),
        TopicSpec(settings.dead_letter_topic, settings.dead_letter_partitions, strict=False),
        TopicSpec(
            settings.checkpoint_topic,
            p,
            # Compacted: only the newest chunks of each partition's snapshot matter.
            {"cleanup.policy": "compact", "max.message.bytes": str(8 * 1024 * 1024)},
        ),
    ]


def ensure_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create missing pipeline topics; check the partition counts of existing ones.

    Returns
    -------
    list of str
        Names of the topics created by this call.

    Raises
    ------
    TopicMismatch
        When an existing topic's partition count differs from the settings
        (streaming/replay parity and crash recovery depend on it).
    """
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin",
        request_timeout_ms=int(timeout * 1000),
        **settings.kafka_python_options(),
    )
    created: list[str] = []
    try:
        existing = set(admin.list_topics())
        specs = topic_specs(settings)
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            # Another worker may create them between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(
                            spec.name,
                            spec.partitions,
                            settings.replication_factor,
                            topic_configs=spec.configs,
                        )
                        for spec in missing
                    ],
                    timeout_ms=int(timeout * 1000),
                )
            created = [spec.name for spec in missing]
        _check_partitions(admin, specs, timeout)
    finally:
        admin.close()
    return created


def _check_partitions(admin: Any, specs: list[TopicSpec], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wanted = {spec.name: spec for spec in specs if spec.strict}
    while True:
        described = admin.describe_topics(list(wanted))
        counts = {
            item.get("name") or item.get("topic"): len(item.get("partitions") or [])
            for item in described
        }
        if all(counts.get(name, 0) > 0 for name in wanted):
            break
        if time.monotonic() > deadline:  # metadata of just-created topics can lag a little
            raise TopicMismatch(f"topics not visible after {timeout}s: {sorted(wanted)}")
        time.sleep(0.1)
    for name, spec in wanted.items():
        if counts[name] != spec.partitions:
            raise TopicMismatch(
                f"topic {name!r} has {counts[name]} partitions, settings say {spec.partitions}: "
                "set DISTILLWATCH_PARTITIONS to the requests topic's count (alerts and "
                "checkpoint topics must match it)"
            )


def ensure_campaign_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create the summaries topic and the campaign checkpoint topic (one partition each).

    One partition each: the campaign stage is one instance (the one consumer of
    its group that holds partition 0), and its input must be totally ordered
    per source partition.
    """
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin",
        request_timeout_ms=int(timeout * 1000),
        **settings.kafka_python_options(),
    )
    try:
        existing = set(admin.list_topics())
        wanted = {
            settings.summaries_topic: {},
            # Compacted like the per-partition checkpoints: only the newest chunks matter.
            settings.campaign_checkpoint_topic: {
                "cleanup.policy": "compact",
                "max.message.bytes": str(8 * 1024 * 1024),
            },
        }
        missing = [name for name in wanted if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(name, 1, settings.replication_factor, topic_configs=wanted[name])
                        for name in missing
                    ],
                    timeout_ms=int(timeout * 1000),
                )
        _wait_visible(admin, list(wanted), timeout)
        return missing
    finally:
        admin.close()


def _has_leader(partition: dict[str, Any]) -> bool:
    leader = partition.get("leader_id", partition.get("leader", 0))
    return int(partition.get("error_code", 0)) == 0 and int(leader) >= 0


def _wait_visible(admin: Any, names: list[str], timeout: float) -> None:
    """Block until every topic has partitions with a leader: a send to a topic created a
    moment ago otherwise fails with NotLeaderForPartition on some brokers (Tansu)."""
    deadline = time.monotonic() + timeout
    while True:
        described = admin.describe_topics(names)
        ready = {
            item.get("name") or item.get("topic")
            for item in described
            if item.get("partitions") and all(_has_leader(p) for p in item["partitions"])
        }
        if ready >= set(names):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics not ready after {timeout}s: {sorted(set(names) - ready)}")
        time.sleep(0.1)
