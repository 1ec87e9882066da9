"""The hook's request body against docs/contracts/hook-payload.schema.json.

Both the documented example (docs/HOOK.md) and a body the hook really sends to a real
HTTP server must validate, and the example's ids and summary must be what the code
derives: a doc that drifts from the hook fails here.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from prometheus_client import CollectorRegistry
from referencing import Registry, Resource

from detectors.alerts import Reason
from detectors.campaigns import DETECTOR as CAMPAIGN_DETECTOR
from detectors.engine.engine import DETECTOR as ENGINE_DETECTOR
from detectors.wording import FEATURES, summarize
from pipeline.hook import outbox
from pipeline.hook.decide import idempotency_key
from pipeline.hook.delivery import Deliverer
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.processor import Processor
from pipeline.hook.signing import Secret
from pipeline.hook.store import Store

from .support import SECRET, ProviderServer, make_alert, make_policy, wait_until

CONTRACTS = Path(__file__).resolve().parents[2] / "docs" / "contracts"
DOC = Path(__file__).resolve().parents[2] / "docs" / "HOOK.md"


def _validator() -> jsonschema.Draft202012Validator:
    alert = orjson.loads((CONTRACTS / "alert.schema.json").read_bytes())
    payload = orjson.loads((CONTRACTS / "hook-payload.schema.json").read_bytes())
    registry: Registry[Any] = (
        Registry()
        .with_resource("alert.schema.json", Resource.from_contents(alert))
        .with_resource(alert["$id"], Resource.from_contents(alert))
    )
    return jsonschema.Draft202012Validator(payload, registry=registry)


def _doc_example() -> tuple[dict[str, Any], str]:
    text = DOC.read_text()
    body = next(b for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"kind": "action"' in b)
    header = re.search(r"^Idempotency-Key: (\S+)$", text, re.M)
    assert header is not None
    return orjson.loads(body), header.group(1)


def test_the_documented_request_validates_and_matches_the_code() -> None:
    example, header_key = _doc_example()
    _validator().validate(example)
    alert = example["alert"]
    assert re.fullmatch(r"[0-9a-f]{32}", alert["alert_id"])
    assert example["idempotency_key"] == header_key
    assert header_key == idempotency_key(alert["alert_id"], example["action"])
    assert alert["detector"] in (ENGINE_DETECTOR, CAMPAIGN_DETECTOR)
    assert re.fullmatch(r"camp_[0-9a-f]{16}", alert["campaign_id"])
    assert all(r["feature"] in FEATURES for r in alert["reasons"])
    reasons = [Reason(r["feature"], r["value"], r["baseline"]) for r in alert["reasons"]]
    others = example["alert"]["summary"].split(" with ", 1)[1].split(" other", 1)[0]
    assert alert["summary"] == summarize(
        alert["severity"], alert["score"], reasons, alert["campaign_id"], int(others)
    )


def test_the_schema_refuses_what_the_contract_refuses() -> None:
    example, _ = _doc_example()
    validator = _validator()
    for broken in (
        {**example, "version": 2},
        {**example, "action": "delete"},
        {**example, "alert": {**example["alert"], "severity": "info"}},
        {k: v for k, v in example.items() if k != "alert"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


@pytest.mark.integration
def test_a_body_the_hook_sends_validates(tmp_path: Path, provider: ProviderServer) -> None:
    policy = make_policy()
    policy = dataclasses.replace(
        policy, delivery=dataclasses.replace(policy.delivery, url=provider.url)
    )
    metrics = HookMetrics(CollectorRegistry())
    db = tmp_path / "hook.db"
    processor = Processor(policy, db, metrics, time.time)
    deliverer = Deliverer(db, policy.delivery, Secret(SECRET), metrics, time.time)
    store = Store(db)
    try:
        alert = make_alert("a" * 32, "key-1", campaign="camp_0123456789abcdef")
        processor.handle_bytes(orjson.dumps(alert), "kafka:alerts/0/0")

        def delivered() -> bool:
            deliverer.deliver_due(store)
            return outbox.depth(store.conn)["pending"] == 0

        assert wait_until(delivered)
    finally:
        processor.close()
        store.close()
    bodies = [orjson.loads(r["body"]) for r in provider.requests]
    assert bodies and bodies[0]["kind"] == "action"
    for body in bodies:
        _validator().validate(body)


def test_hook_audit_shows_the_alerts_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.hook.cli import main

    db = tmp_path / "hook.db"
    processor = Processor(make_policy(), db, HookMetrics(CollectorRegistry()), time.time)
    alert = make_alert("b" * 32, "key-9")
    no_summary = {k: v for k, v in make_alert("c" * 32, "key-8").items() if k != "summary"}
    try:
        processor.handle_bytes(orjson.dumps(alert), "kafka:alerts/0/0")
        processor.handle_bytes(orjson.dumps(no_summary), "kafka:alerts/0/1")
    finally:
        processor.close()
    assert main(["audit", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert f"why: {alert['summary']}" in text
    # An alert written before `summary` existed is worded from its reasons.
    assert "why: Critical (score 0.95): 90% of prompts ask for written-out reasoning" in text
    assert main(["audit", "--db", str(db), "--json", "--key", "key-9"]) == 0
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["summary"] == alert["summary"] for r in rows)
