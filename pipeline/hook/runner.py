"""Wire the hook together and run it: inputs, processor, delivery, metrics.

Threads: the main thread polls Kafka (alerts, then feedback); the delivery
thread drains the outbox; the Alertmanager receiver and the metrics server
each serve in their own thread. All state is in the SQLite file.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from pipeline.hook import outbox
from pipeline.hook.consumer import AlertConsumer, FeedbackConsumer
from pipeline.hook.delivery import Deliverer
from pipeline.hook.feedback import FeedbackRecord, FileFollower
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.policy import Policy
from pipeline.hook.processor import Processor
from pipeline.hook.receiver import AlertmanagerReceiver
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

__all__ = ["CRASH_ENV", "RunSettings", "run_hook"]

log = logging.getLogger("distillwatch.hook")

# Test-only fault injection for the kill -9 acceptance test: when set to
# "after-outbox-commit" the hook SIGKILLs itself right after the first outbox
# commit and never starts its sender, so the crash lands between "written to
# the outbox" and "sent" every time, not only when a race happens to allow it.
CRASH_ENV = "DISTILLWATCH_HOOK_TEST_CRASH"


@dataclass(frozen=True)
class RunSettings:
    """Everything ``distillwatch hook run`` needs besides the policy and secrets."""

    db_path: Path
    #: kafka-python options from the one settings object (servers, SASL, TLS); None: no Kafka
    kafka: dict[str, Any] | None = None
    alerts_topic: str = "alerts"
    group_id: str = "distillwatch-hook"
    feedback_topic: str | None = "distillwatch-feedback"
    feedback_file: Path | None = None
    listen: tuple[str, int] | None = None
    metrics: tuple[str, int] | None = None
    session_timeout: float = 10.0
    until_idle: float | None = None
    max_seconds: float | None = None
    #: Alertmanager receiver: seconds a connection may take per request, and at most
    #: this many connections at once (more are answered 503 and closed)
    listen_timeout: float = 10.0
    listen_max_connections: int = 512


def run_hook(
    settings: RunSettings,
    policy: Policy,
    hmac_key: Secret | None,
    am_token: Secret | None,
    *,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], float] = time.time,
    stop: threading.Event | None = None,
) -> int:
    """Run until stopped (SIGTERM/SIGINT, ``stop``, idle or time limit); return an exit code."""
    stop = stop or threading.Event()
    registry = registry or CollectorRegistry()
    metrics = HookMetrics(registry)
    crash = os.environ.get(CRASH_ENV) == "after-outbox-commit"
    deliverer = (
        Deliverer(
            settings.db_path,
            policy.delivery,
            hmac_key,
            metrics,
            clock,
            cooldown=policy.limits.cooldown,
        )
        if hmac_key is not None
        else None
    )

    def after_commit(rows: int) -> None:
        if crash:
            os.kill(os.getpid(), signal.SIGKILL)
        if deliverer is not None:
            deliverer.wake.set()

    processor = Processor(
        policy, settings.db_path, metrics, clock, after_outbox_commit=after_commit
    )
    threads: list[threading.Thread] = []
    closers: list[Callable[[], None]] = [processor.close]
    _install_signal_handlers(stop)
    try:
        if settings.metrics is not None:
            server, _ = start_http_server(
                settings.metrics[1], settings.metrics[0], registry=registry
            )
            closers += [server.server_close, server.shutdown]
        if deliverer is not None and not crash:
            thread = threading.Thread(
                target=deliverer.run, args=(stop,), name="hook-delivery", daemon=True
            )
            thread.start()
            threads.append(thread)
        # Labels first: a benign label must be in place before the alerts it suppresses.
        follower = FileFollower(settings.feedback_file) if settings.feedback_file else None
        if follower is not None:
            follower.poll(lambda record: _apply(processor, record))
        alerts = feedback = None
        if settings.kafka:
            alerts = AlertConsumer(
                settings.kafka,
                settings.alerts_topic,
                settings.group_id,
                processor,
                session_timeout=settings.session_timeout,
            )
            closers.append(alerts.close)
            if settings.feedback_topic:
                feedback = FeedbackConsumer(settings.kafka, settings.feedback_topic)
                closers.append(feedback.close)
        if feedback is not None:
            feedback.catch_up(lambda record: _apply(processor, record))
        if settings.listen is not None:
            assert am_token is not None  # checked by the CLI
            receiver = AlertmanagerReceiver(
                processor,
                am_token,
                *settings.listen,
                timeout=settings.listen_timeout,
                max_connections=settings.listen_max_connections,
            ).start()
            closers.append(receiver.stop)
            log.info("alertmanager receiver on http://%s:%d%s", *receiver.address, receiver.path)
        _loop(settings, processor, alerts, feedback, follower, stop)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for close in reversed(closers):
            close()
    return 0


def _loop(
    settings: RunSettings,
    processor: Processor,
    alerts: AlertConsumer | None,
    feedback: FeedbackConsumer | None,
    follower: FileFollower | None,
    stop: threading.Event,
) -> None:
    def apply(record: FeedbackRecord) -> None:
        _apply(processor, record)

    started = last_busy = time.monotonic()
    store = Store(settings.db_path)
    try:
        while not stop.is_set():
            if follower is not None:
                follower.poll(apply)
            if feedback is not None:
                feedback.poll_once(apply)
            consumed = alerts.poll_once(0.5) if alerts is not None else 0
            if alerts is None:
                stop.wait(0.2)
            now = time.monotonic()
            joining = alerts is not None and not alerts.ready
            if consumed or joining or outbox.depth(store.conn)["pending"]:
                last_busy = now
            if settings.until_idle is not None and now - last_busy >= settings.until_idle:
                log.info("idle for %.1fs with an empty outbox: exiting", settings.until_idle)
                return
            if settings.max_seconds is not None and now - started >= settings.max_seconds:
                log.info("time limit of %.1fs reached: exiting", settings.max_seconds)
                return
    finally:
        store.close()


def _apply(processor: Processor, record: FeedbackRecord) -> None:
    processor.label(
        record.api_key_id, record.label, record.reason, record.labelled_at, record.labelled_ts
    )


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signals can only be handled in the main thread (tests run us elsewhere)

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
