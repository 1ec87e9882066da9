"""The Alertmanager webhook receiver over real HTTP: auth, idempotency, bad payloads."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from pipeline.hook import audit
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.processor import Processor
from pipeline.hook.receiver import AlertmanagerReceiver
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

from .support import make_policy

TOKEN = b"am-token-7f3a9c"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[AlertmanagerReceiver, Path]]:
    db = tmp_path / "hook.db"
    processor = Processor(make_policy(), db, HookMetrics(CollectorRegistry()), time.time)
    server = AlertmanagerReceiver(processor, Secret(TOKEN)).start()
    try:
        yield server, db
    finally:
        server.stop()
        processor.close()


def post(
    server: AlertmanagerReceiver, payload: object, token: bytes | None = TOKEN
) -> tuple[int, Any]:
    host, port = server.address
    data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    request = urllib.request.Request(f"http://{host}:{port}/alertmanager", data=data, method="POST")
    if token is not None:
        request.add_header("Authorization", "Bearer " + token.decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, orjson.loads(exc.read())


def payload(*keys: str) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}/{api_key_id=~".+"}:{alertname="KeyAbuse"}',
        "status": "firing",
        "receiver": "suspension-hook",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "KeyAbuse", "severity": "critical", "api_key_id": key},
                "annotations": {"score": "0.99"},
                "startsAt": "2026-10-05T10:00:00.000Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": f"fp-{key}",
            }
            for key in keys
        ],
    }


def test_receiver_binds_loopback_and_requires_the_token(
    receiver: tuple[AlertmanagerReceiver, Path],
) -> None:
    server, db = receiver
    assert server.address[0] == "127.0.0.1"
    assert post(server, payload("k1"), token=None)[0] == 401
    assert post(server, payload("k1"), token=b"wrong")[0] == 401
    store = Store(db)
    try:
        assert audit.query(store.conn, audit.AuditQuery()) == []  # nothing decided
    finally:
        store.close()


def test_resends_are_idempotent(receiver: tuple[AlertmanagerReceiver, Path]) -> None:
    server, db = receiver
    status, first = post(server, payload("k1", "k2"))
    assert status == 200 and first["decided"] == 2 and first["duplicates"] == 0
    status, again = post(server, payload("k1", "k2"))  # Alertmanager's repeat_interval re-send
    assert status == 200 and again["duplicates"] == 2
    store = Store(db)
    try:
        rows = audit.query(store.conn, audit.AuditQuery())
        assert [r.outcome for r in rows] == ["acted", "acted", "skipped", "skipped"]
        assert {r.source for r in rows} == {"alertmanager"}
        queued = store.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        assert queued == 2  # one action per alert, however often it is re-sent
    finally:
        store.close()


def test_bad_payloads_get_400_and_are_kept(receiver: tuple[AlertmanagerReceiver, Path]) -> None:
    server, db = receiver
    status, body = post(server, {"version": "3", "alerts": []})
    assert status == 400 and "version" in body["error"]
    status, body = post(server, b"not json")
    assert status == 400 and "bad_json" in body["error"]
    status, body = post(server, {"version": "4", "alerts": [{"labels": {"severity": "critical"}}]})
    assert status == 200 and "api_key_id is required" in body["rejected"][0]
    store = Store(db)
    try:
        kept = store.conn.execute("SELECT code, raw FROM rejected ORDER BY id").fetchall()
    finally:
        store.close()
    assert [code for code, _ in kept] == ["bad_payload", "bad_json", "missing_field"]
    assert kept[1][1] == b"not json"
