"""Helpers for the triage tests; the alerts themselves: pipeline/devtools/triage_sample.py."""

from __future__ import annotations

import socket
from typing import Any

from pipeline.devtools.triage_sample import (
    BENIGN_WARNING,
    CAMPAIGN_ID,
    HARVESTER,
    MEMBERS,
    SIBLING,
    T0,
    sample_alerts,
    sample_lines,
)

__all__ = [
    "BENIGN_WARNING",
    "CAMPAIGN_ID",
    "HARVESTER",
    "MEMBERS",
    "SIBLING",
    "T0",
    "as_dicts",
    "free_port",
    "hook_db_with_a_held_action",
    "sample_alerts",
    "sample_lines",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_dicts() -> list[dict[str, Any]]:
    return [a.to_dict() for a in sample_alerts()]


def hook_db_with_a_held_action(path: Any, alert: dict[str, Any]) -> None:
    """A real hook database in which the limiter held an action on ``alert``'s key.

    The hook's own Processor decides (enforcing policy, limiter at 0 actions an hour),
    so the audit row and the held outbox row are the hook's, not hand-made.
    """
    import time

    import orjson
    from prometheus_client import CollectorRegistry

    from pipeline.hook.metrics import HookMetrics
    from pipeline.hook.processor import Processor
    from tests.hook.support import make_policy

    policy = make_policy(limits={"max_actions_per_hour": 0})
    processor = Processor(policy, path, HookMetrics(CollectorRegistry()), time.time)
    try:
        processor.handle_bytes(orjson.dumps(alert), "kafka:alerts/0/0")
    finally:
        processor.close()
