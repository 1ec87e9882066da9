"""The hook under hostile conditions, over real HTTP: redirects, ordering, idle floods.

- A provider that redirects (a login page) is a failure: retried, dead-lettered,
  never "delivered", and the redirect target never receives anything.
- An action on a key only ever climbs, across two policies and a release.
- 300 idle connections to the Alertmanager receiver are closed within its
  timeout while authorised alerts still go through; over the connection cap a
  client gets a 503; every bad request is one log line, never a traceback.
- ``hook check`` refuses ``window = inf`` and enforcing without a delivery URL;
  ``hook audit`` escapes control characters; the hook reads the workers' broker
  settings.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from pipeline.cli.main import main as distillwatch
from pipeline.hook import audit, outbox
from pipeline.hook.delivery import Deliverer
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.policy import ACTION_STRENGTH, PolicyError, parse_policy
from pipeline.hook.processor import Processor
from pipeline.hook.receiver import AlertmanagerReceiver
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

from .support import SECRET, ProviderServer, make_alert, make_policy, wait_until
from .test_hook_receiver import TOKEN, payload, post


class Redirector:
    """A real HTTP server answering every POST with 302 to a login page it also serves."""

    def __init__(self) -> None:
        self.posts = 0
        self.login_hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.posts += 1
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{outer.port}/login")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                outer.login_hits += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/actions"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hook_parts(tmp_path: Path, policy: Any, url: str) -> tuple[Processor, Deliverer, Store, Any]:
    policy = dataclasses.replace(policy, delivery=dataclasses.replace(policy.delivery, url=url))
    registry = CollectorRegistry()
    metrics = HookMetrics(registry)
    db = tmp_path / "hook.db"
    processor = Processor(policy, db, metrics, time.time)
    deliverer = Deliverer(
        db, policy.delivery, Secret(SECRET), metrics, time.time, cooldown=policy.limits.cooldown
    )
    return processor, deliverer, Store(db), registry


def test_a_redirect_is_retried_then_dead_lettered_never_delivered(tmp_path: Path) -> None:
    redirector = Redirector()
    policy = make_policy(delivery={"max_attempts": 3, "backoff_initial": 0.01, "backoff_max": 0.02})
    processor, deliverer, store, registry = hook_parts(tmp_path, policy, redirector.url)
    try:
        processor.handle_bytes(orjson.dumps(make_alert("a1", "key-r")), "kafka:alerts/0/0")

        def settled() -> bool:
            deliverer.deliver_due(store)
            return outbox.depth(store.conn)["pending"] == 0

        assert wait_until(settled, 10)
        assert outbox.depth(store.conn)["dead"] == 1 and outbox.depth(store.conn)["delivered"] == 0
        outcomes = [r.outcome for r in audit.query(store.conn, audit.AuditQuery(limit=100))]
        assert "delivered" not in outcomes and outcomes.count("dead-lettered") == 1
        (dead,) = audit.query(store.conn, audit.AuditQuery(outcome="dead-lettered"))
        assert "302 redirect (not followed)" in dead.reason and "3 attempts" in dead.reason
        assert redirector.posts == 3 and redirector.login_hits == 0  # never followed
        assert registry.get_sample_value("distillwatch_hook_dead_letters_total") == 1.0
    finally:
        processor.close()
        store.close()
        redirector.stop()


def test_no_weaker_action_after_a_stronger_one_across_policies_and_a_release(
    tmp_path: Path, provider: ProviderServer
) -> None:
    """Policy A climbs notify -> throttle; policy B suspends campaign members at once.

    The limiter holds A's throttle, B suspends, then a human releases the held
    throttle: the release is refused, and a throttle that was already pending
    in retries when the suspend went out is superseded, never sent.
    """
    doc = {
        "policies": [
            {"name": "campaign", "mode": "enforce", "severities": ["critical"],
             "require_campaign": True, "campaign_confirms": True, "ladder": ["suspend"]},
            {"name": "per-key", "mode": "enforce", "severities": ["warning", "critical"],
             "confirmations": 1, "ladder": ["notify", "throttle"]},
        ],
        "limits": {"max_actions_per_hour": 2, "cooldown": 0},
        "delivery": {"url": provider.url, "timeout": 2, "max_attempts": 50,
                     "backoff_initial": 0.01, "backoff_max": 0.02},
    }  # fmt: skip
    processor, deliverer, store, _ = hook_parts(tmp_path, parse_policy(doc), provider.url)
    try:
        handle = processor.handle_bytes
        # The first decisions are an hour and more old when the campaign alert comes (the
        # provider checks signatures against its own clock, so delivery keeps real time).
        processor.clock = lambda: time.time() - 3700
        handle(orjson.dumps(make_alert("w1", "key-a", severity="warning")), "kafka:alerts/0/0")
        deliverer.deliver_due(store)  # notify delivered
        handle(orjson.dumps(make_alert("w2", "key-b", severity="warning")), "kafka:alerts/0/1")
        handle(orjson.dumps(make_alert("c1", "key-a")), "kafka:alerts/0/2")  # throttle: held
        held = [r for r in outbox_rows(store) if r.status == "held"]
        assert [r.action for r in held] == ["throttle"]
        # The limiter's hour has passed; a campaign alert suspends the key.
        processor.clock = time.time
        handle(orjson.dumps(make_alert("c2", "key-a", campaign="camp-1")), "kafka:alerts/0/3")
        assert wait_until(lambda: deliverer.deliver_due(store) == 0 and not pending(store), 10)
        code = distillwatch(
            ["hook", "release", str(held[0].id), "--reason", "ticket", "--db", str(store.path)]
        )
        assert code == 1  # refused: key-a already got suspend
        assert outbox.get(store.conn, held[0].id).status == "held"  # type: ignore[union-attr]
    finally:
        processor.close()
        store.close()
    sent = [orjson.loads(r["body"]) for r in provider.requests if r["verified"]]
    actions = [s["action"] for s in sent if s["api_key_id"] == "key-a"]
    assert actions == ["notify", "suspend"]
    strengths = [ACTION_STRENGTH[a] for a in actions]
    assert strengths == sorted(strengths)


def test_a_weaker_action_still_in_retries_is_superseded(
    tmp_path: Path, provider: ProviderServer
) -> None:
    doc = {
        "policies": [
            {"name": "per-key", "mode": "enforce", "severities": ["warning"],
             "confirmations": 1, "ladder": ["throttle"]},
            {"name": "campaign", "mode": "enforce", "severities": ["critical"],
             "confirmations": 1, "ladder": ["suspend"]},
        ],
        "limits": {"max_actions_per_hour": 100, "cooldown": 0},
        "delivery": {"url": provider.url, "timeout": 2, "max_attempts": 50,
                     "backoff_initial": 5, "backoff_max": 5},
    }  # fmt: skip
    processor, deliverer, store, registry = hook_parts(tmp_path, parse_policy(doc), provider.url)
    try:
        provider.fail_next = [503]  # the throttle's first attempt fails: it waits 2.5-5 s
        processor.handle_bytes(orjson.dumps(make_alert("w", "key-s", severity="warning")), "k:0")
        deliverer.deliver_due(store)
        processor.handle_bytes(orjson.dumps(make_alert("c", "key-s")), "k:1")
        deliverer.deliver_due(store)  # the suspend goes out first
        deliverer.clock = lambda: time.time() + 10
        deliverer.deliver_due(store)  # the throttle's retry is due now
    finally:
        processor.close()
    assert outbox.depth(store.conn)["superseded"] == 1
    store.close()
    bodies = [orjson.loads(r["body"]) for r in provider.requests if r["verified"]]
    assert [b["action"] for b in bodies] == ["throttle", "suspend"]  # the 503, then suspend
    assert (
        registry.get_sample_value("distillwatch_hook_deliveries_total", {"result": "superseded"})
        == 1.0
    )


def outbox_rows(store: Store) -> list[outbox.OutboxRow]:
    ids = [row[0] for row in store.conn.execute("SELECT id FROM outbox ORDER BY id")]
    return [row for i in ids if (row := outbox.get(store.conn, i)) is not None]


def pending(store: Store) -> bool:
    return outbox.depth(store.conn)["pending"] > 0


def test_idle_connections_are_closed_and_authorised_alerts_still_pass(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "hook.db"
    processor = Processor(make_policy(), db, HookMetrics(CollectorRegistry()), time.time)
    receiver = AlertmanagerReceiver(processor, Secret(TOKEN), timeout=2.0).start()
    idle: list[socket.socket] = []
    caplog.set_level(logging.DEBUG, logger="pipeline.hook.receiver")
    try:
        host, port = receiver.address
        for _ in range(300):
            idle.append(socket.create_connection((host, port), timeout=10))
        started = time.monotonic()
        status, body = post(receiver, payload("key-flood"))
        assert status == 200 and body["decided"] == 1  # not starved by the idle ones
        for sock in idle:
            sock.settimeout(max(0.1, started + 6.0 - time.monotonic()))
            assert sock.recv(1) == b""  # closed by the receiver, within its timeout (+ slack)
        assert time.monotonic() - started < 6.0
    finally:
        for sock in idle:
            sock.close()
        receiver.stop()
        processor.close()
    records = [r for r in caplog.records if r.name == "pipeline.hook.receiver"]
    assert not any(r.exc_info for r in records)  # never a traceback
    timeouts = [r for r in records if "timed out" in r.getMessage()]
    assert len(timeouts) == 300  # one line per idle connection


def test_over_the_cap_a_client_gets_503_and_bad_requests_are_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "hook.db"
    processor = Processor(make_policy(), db, HookMetrics(CollectorRegistry()), time.time)
    receiver = AlertmanagerReceiver(processor, Secret(TOKEN), timeout=2.0, max_connections=4)
    receiver.start()
    caplog.set_level(logging.WARNING, logger="pipeline.hook.receiver")
    try:
        host, port = receiver.address
        held = [socket.create_connection((host, port)) for _ in range(4)]
        time.sleep(0.3)  # the four are being served (waiting for their request lines)
        extra = socket.create_connection((host, port), timeout=5)
        assert extra.recv(64).startswith(b"HTTP/1.1 503")
        extra.close()
        for sock in held:
            sock.close()
        time.sleep(0.3)
        assert post(receiver, payload("key-cap"), token=b"wrong")[0] == 401
        slow = socket.create_connection((host, port), timeout=5)
        slow.sendall(
            b"POST /alertmanager HTTP/1.1\r\nAuthorization: Bearer " + TOKEN
            + b"\r\nContent-Length: 100\r\n\r\n{"
        )  # fmt: skip
        assert slow.recv(64).startswith(b"HTTP/1.0 408")  # the body never came in time
        slow.close()
    finally:
        receiver.stop()
        processor.close()
    records = [r for r in caplog.records if r.name == "pipeline.hook.receiver"]
    assert not any(r.exc_info for r in records)
    messages = [r.getMessage() for r in records]
    assert sum("too many connections" in m for m in messages) == 1
    assert sum("401" in m for m in messages) == 1
    assert sum("408" in m for m in messages) == 1


def test_check_refuses_an_infinite_window_and_enforcing_without_a_url(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="finite duration"):
        parse_policy({"policies": [{"name": "p", "window": float("inf")}]})
    inf = tmp_path / "inf.toml"
    inf.write_text('[[policies]]\nname = "p"\nwindow = inf\n')
    assert distillwatch(["hook", "check", str(inf)]) == 2
    no_url = tmp_path / "no-url.toml"
    no_url.write_text('[[policies]]\nname = "p"\nmode = "enforce"\n')
    assert distillwatch(["hook", "check", str(no_url)]) == 2
    shadow = tmp_path / "shadow.toml"
    shadow.write_text('[[policies]]\nname = "p"\n')
    assert distillwatch(["hook", "check", str(shadow)]) == 0


def test_audit_escapes_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hook.db"
    processor = Processor(make_policy(), db, HookMetrics(CollectorRegistry()), time.time)
    key = "key-\x1b[2J\x1b[31mevil\rforged line"
    processor.handle_bytes(orjson.dumps(make_alert("x1", key)), "kafka:alerts/0/0")
    processor.close()
    assert distillwatch(["hook", "audit", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert "key-\\x1b[2J\\x1b[31mevil\\x0dforged line" in out


def test_the_hook_reads_the_workers_broker_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from pipeline.hook.cli import broker_settings

    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093")
    monkeypatch.setenv("DISTILLWATCH_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("DISTILLWATCH_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("DISTILLWATCH_SASL_USERNAME", "hook")
    monkeypatch.setenv("DISTILLWATCH_SASL_PASSWORD", "s3cret")
    monkeypatch.setenv("DISTILLWATCH_SSL_CAFILE", str(tmp_path / "ca.pem"))
    options = broker_settings(argparse.Namespace(bootstrap_servers=None)).kafka_python_options()
    assert options == {
        "bootstrap_servers": "kafka-1:9093",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "hook",
        "sasl_plain_password": "s3cret",
        "ssl_cafile": str(tmp_path / "ca.pem"),
    }
    flag = broker_settings(argparse.Namespace(bootstrap_servers="other:9092"))
    assert flag.kafka_bootstrap_servers == "other:9092"
