"""Processor + outbox + delivery against a real HTTP server standing in for the provider."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from pipeline.hook import audit, outbox
from pipeline.hook.delivery import Attempt, Deliverer
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.policy import Policy
from pipeline.hook.processor import Processor
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

from .support import SECRET, ProviderServer, make_alert, make_policy, wait_until


@dataclasses.dataclass
class Hook:
    processor: Processor
    deliverer: Deliverer
    registry: CollectorRegistry
    store: Store

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def handle(self, *alerts: dict[str, Any]) -> None:
        for alert in alerts:
            self.processor.handle_bytes(orjson.dumps(alert), "kafka:alerts/0/0")

    def deliver_all(self, timeout: float = 10.0) -> bool:
        """Run delivery passes until nothing is pending (bounded)."""

        def done() -> bool:
            self.deliverer.deliver_due(self.store)
            return outbox.depth(self.store.conn)["pending"] == 0

        return wait_until(done, timeout)

    def statuses(self) -> dict[str, int]:
        return outbox.depth(self.store.conn)

    def audit_rows(self, **filters: Any) -> list[audit.AuditRow]:
        return audit.query(self.store.conn, audit.AuditQuery(limit=1000, **filters))


MakeHook = Callable[..., Hook]


@pytest.fixture
def make_hook(tmp_path: Path) -> Iterator[MakeHook]:
    opened: list[Hook] = []

    def build(policy: Policy, provider: ProviderServer, secret: bytes = SECRET) -> Hook:
        delivery = dataclasses.replace(policy.delivery, url=provider.url)
        policy = dataclasses.replace(policy, delivery=delivery)
        registry = CollectorRegistry()
        metrics = HookMetrics(registry)
        db = tmp_path / "hook.db"
        processor = Processor(policy, db, metrics, time.time)
        deliverer = Deliverer(db, policy.delivery, Secret(secret), metrics, time.time)
        hook = Hook(processor, deliverer, registry, Store(db))
        opened.append(hook)
        return hook

    yield build
    for hook in opened:
        hook.processor.close()
        hook.store.close()


def test_requests_are_signed_and_carry_the_contract(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    hook = make_hook(make_policy(), provider)
    hook.handle(*(make_alert(f"a{i}", f"key-{i}") for i in range(3)))
    assert hook.deliver_all()
    assert len(provider.requests) == 3
    assert all(r["verified"] for r in provider.requests) and provider.bad_signatures == 0
    for request in provider.requests:
        body = orjson.loads(request["body"])
        assert body["kind"] == "action" and body["action"] == "suspend"
        assert body["idempotency_key"] == request["headers"]["Idempotency-Key"]
        assert body["alert"]["api_key_id"] == body["api_key_id"]
        assert request["headers"]["Content-Type"] == "application/json"
    assert hook.metric("distillwatch_hook_deliveries_total", result="delivered") == 3
    assert len(hook.audit_rows(outcome="delivered")) == 3


def test_outage_then_recovery_delivers_every_action_exactly_once(make_hook: MakeHook) -> None:
    provider = ProviderServer().start()
    provider.stop()  # the provider is down: connections are refused on its port
    hook = make_hook(make_policy(), provider)
    stop = threading.Event()
    thread = threading.Thread(target=hook.deliverer.run, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        hook.handle(*(make_alert(f"a{i}", f"key-{i}") for i in range(5)))
        hook.handle(make_alert("a0", "key-0"))  # a re-read alert must not queue twice
        assert wait_until(
            lambda: hook.metric("distillwatch_hook_retries_total") >= 10, timeout=10
        ), "the hook should keep retrying while the provider is down"
        assert hook.statuses()["pending"] == 5
        provider.fail_next = [503, 429]  # back, but still shaky for two requests
        provider.start()  # same port
        assert wait_until(lambda: hook.statuses()["delivered"] == 5, timeout=10)
    finally:
        stop.set()
        thread.join(timeout=5)
        provider.stop()
    assert sorted(provider.applied.values()) == [1] * 5  # each key accepted exactly once
    assert provider.bad_signatures == 0
    assert hook.statuses()["dead"] == 0
    assert hook.metric("distillwatch_hook_dead_letters_total") == 0


def test_permanent_failure_dead_letters_at_once_and_release_redrives(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    from pipeline.hook.cli import main

    hook = make_hook(make_policy(), provider)
    provider.fail_next = [400]
    hook.handle(make_alert("a1"))
    assert hook.deliver_all()
    assert hook.statuses()["dead"] == 1 and len(provider.requests) == 1
    (dead,) = hook.audit_rows(outcome="dead-lettered")
    assert "permanent failure: HTTP 400" in dead.reason
    assert hook.metric("distillwatch_hook_dead_letters_total") == 1
    assert dead.outbox_id is not None
    code = main(["release", "--db", hook.store.path, str(dead.outbox_id), "--reason", "fixed"])
    assert code == 0
    assert hook.deliver_all()
    assert hook.statuses()["delivered"] == 1
    assert list(provider.applied.values()) == [1]
    assert [r.outcome for r in hook.audit_rows(alert_id="a1")] == [
        "acted",
        "dead-lettered",
        "requeued",
        "delivered",
    ]


def test_attempts_are_bounded(make_hook: MakeHook, provider: ProviderServer) -> None:
    hook = make_hook(make_policy(delivery={"max_attempts": 3}), provider)
    provider.fail_next = [503] * 10
    hook.handle(make_alert("a1"))
    assert hook.deliver_all()
    assert len(provider.requests) == 3
    (dead,) = hook.audit_rows(outcome="dead-lettered")
    assert dead.reason.startswith("gave up after 3 attempts")
    assert hook.metric("distillwatch_hook_retries_total") == 2


def test_wrong_secret_is_refused_by_the_provider(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    hook = make_hook(make_policy(), provider, secret=b"not-the-shared-secret")
    hook.handle(make_alert("a1"))
    assert hook.deliver_all()
    assert provider.bad_signatures == 1 and not provider.applied
    assert hook.statuses()["dead"] == 1


def test_shadow_mode_sends_nothing_but_audits_everything(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    policy = make_policy(
        rule={"mode": "shadow", "ladder": ["notify", "suspend"]},
        allowlist={"api_keys": ["key-allowed"]},
        limits={"max_actions_per_hour": 2},
    )
    hook = make_hook(policy, provider)
    inputs = [
        make_alert("a1", "key-1"),
        make_alert("a2", "key-1"),
        make_alert("a3", "key-2"),  # over the limiter: shadow-held
        make_alert("a4", "key-allowed"),
        make_alert("a5", "key-5", severity="warning"),
        make_alert("a1", "key-1"),  # duplicate
    ]
    hook.handle(*inputs)
    hook.processor.handle_bytes(b"{garbage", "kafka:alerts/0/9")
    hook.deliverer.deliver_due(hook.store)
    time.sleep(0.2)  # give a wrongly queued request time to show up
    assert provider.requests == []
    assert sum(hook.statuses().values()) == 0
    outcomes = [r.outcome for r in hook.audit_rows()]
    assert outcomes == [
        "shadow-acted",
        "shadow-acted",
        "shadow-held",
        "skipped",
        "skipped",
        "skipped",
        "rejected",
    ]
    assert all(r.mode == "shadow" for r in hook.audit_rows() if r.outcome.startswith("shadow"))
    assert hook.metric("distillwatch_hook_actions_total", action="suspend", mode="shadow") == 1


def test_limiter_holds_action_n_plus_one_and_pages(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    from pipeline.hook.cli import main

    page_url = provider.url.replace("/actions", "/pages")
    hook = make_hook(
        make_policy(limits={"max_actions_per_hour": 2}, delivery={"page_url": page_url}),
        provider,
    )
    hook.handle(*(make_alert(f"a{i}", f"key-{i}") for i in range(4)))
    assert hook.deliver_all()
    kinds = [orjson.loads(r["body"])["kind"] for r in provider.requests]
    assert sorted(kinds) == ["action", "action", "page"]  # one page, not one per hold
    assert hook.statuses()["held"] == 2
    held = hook.audit_rows(outcome="held")
    assert [r.alert_id for r in held] == ["a2", "a3"]
    assert hook.metric("distillwatch_hook_limiter_holds_total", mode="enforce") == 2
    assert main(["release", "--db", hook.store.path, str(held[0].outbox_id), "--reason", "ok"]) == 0
    assert hook.deliver_all()
    assert hook.statuses()["held"] == 1 and hook.statuses()["delivered"] == 4


def test_malformed_inputs_are_kept_and_good_ones_in_the_batch_still_act(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    hook = make_hook(make_policy(), provider)
    batch = orjson.dumps([make_alert("good"), {"alert_id": "bad", "severity": "critical"}])
    result = hook.processor.handle_bytes(batch, "kafka:alerts/0/7")
    assert [e.code for e in result.rejected] == ["missing_field"]
    assert [d.outcome for d in result.decisions] == ["acted"]
    rows = hook.store.conn.execute("SELECT source, code, raw FROM rejected").fetchall()
    assert rows[0][0] == "kafka:alerts/0/7#1" and orjson.loads(rows[0][2])["alert_id"] == "bad"
    assert hook.metric("distillwatch_hook_rejected_inputs_total", code="missing_field") == 1


def test_audit_log_is_append_only(make_hook: MakeHook, provider: ProviderServer) -> None:
    hook = make_hook(make_policy(), provider)
    hook.handle(make_alert("a1"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        hook.store.conn.execute("UPDATE audit SET outcome = 'skipped'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        hook.store.conn.execute("DELETE FROM audit")
    assert len(hook.audit_rows()) == 1


def test_delivery_thread_survives_a_failing_pass(
    make_hook: MakeHook, provider: ProviderServer
) -> None:
    hook = make_hook(make_policy(), provider)
    real_post = hook.deliverer.post
    calls: list[str] = []

    def flaky_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Attempt:
        calls.append(url)
        if len(calls) == 1:
            raise RuntimeError("boom")  # e.g. a bug or a locked database mid-pass
        return real_post(url, body, headers, timeout)

    hook.deliverer.post = flaky_post
    stop = threading.Event()
    thread = threading.Thread(target=hook.deliverer.run, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        hook.handle(make_alert("a1"))
        hook.deliverer.wake.set()
        assert wait_until(lambda: hook.statuses()["delivered"] == 1, timeout=10)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert len(calls) == 2 and list(provider.applied.values()) == [1]
