"""The contracts in docs/contracts/ against the code: schemas, parser and alerts agree."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from detectors.events import Event, parse_line

CONTRACTS = Path(__file__).resolve().parents[2] / "docs" / "contracts"

VALID: list[dict[str, Any]] = [
    {"ts": "2026-10-05T13:04:11.250Z", "api_key_id": "k1", "prompt_tokens": 12,
     "completion_tokens": 400},
    {"ts": 1791205451, "api_key_id": "k" * 128, "prompt_tokens": 0, "completion_tokens": 0,
     "request_id": "r1", "account_id": "a1", "model": "m", "endpoint": "/v1/chat/completions",
     "status": 200, "latency_ms": 12.5, "reasoning_tokens": 3, "n": 2, "temperature": 0.7,
     "max_tokens": 4000, "client_ip": "2001:db8::1", "user_agent": "sdk/1",
     "system_prompt_hash": "abc", "prompt_text": "hello", "account_created_at": 1790000000},
    {"ts": "2026-10-05T13:04:11+02:00", "api_key_id": "k2", "prompt_tokens": 1,
     "completion_tokens": 1, "account_created_at": "2026-01-01T00:00:00Z", "extra": [1, 2]},
]  # fmt: skip

INVALID: list[dict[str, Any]] = [
    {"api_key_id": "k1", "prompt_tokens": 1, "completion_tokens": 1},
    {"ts": 1791205451, "api_key_id": "", "prompt_tokens": 1, "completion_tokens": 1},
    {"ts": 1791205451, "api_key_id": "k" * 129, "prompt_tokens": 1, "completion_tokens": 1},
    {"ts": 1791205451, "api_key_id": "k1", "prompt_tokens": -1, "completion_tokens": 1},
    {"ts": 1791205451, "api_key_id": "k1", "prompt_tokens": 1, "completion_tokens": 1.5},
    {"ts": 1791205451, "api_key_id": "k1", "prompt_tokens": 1, "completion_tokens": 1,
     "status": 700},
    {"ts": 1791205451, "api_key_id": "k1", "prompt_tokens": 1, "completion_tokens": 1, "n": 0},
    {"ts": "yesterday", "api_key_id": "k1", "prompt_tokens": 1, "completion_tokens": 1},
]  # fmt: skip


def _schema(name: str) -> jsonschema.Draft202012Validator:
    schema = orjson.loads((CONTRACTS / name).read_bytes())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_contract_has_its_schema_in_the_repository() -> None:
    for doc, schema in (
        ("EVENTS.md", "events.schema.json"),
        ("ALERTS.md", "alert.schema.json"),
        ("HOOK.md", "hook-payload.schema.json"),
    ):
        assert (CONTRACTS / doc).is_file() and (CONTRACTS / schema).is_file()
        assert schema in (CONTRACTS / doc).read_text(), f"{doc} links its schema"
        _schema(schema)


@pytest.mark.parametrize("event", VALID)
def test_valid_events_pass_the_schema_and_the_parser(event: dict[str, Any]) -> None:
    _schema("events.schema.json").validate(event)
    assert isinstance(parse_line(orjson.dumps(event)), Event)


@pytest.mark.parametrize("event", INVALID)
def test_invalid_events_fail_the_schema_and_the_parser(event: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        _schema("events.schema.json").validate(event)
    assert not isinstance(parse_line(orjson.dumps(event)), Event)


@pytest.mark.parametrize("created", ["2026-01-01T00:00:00Z", 1790000000, 1790000000.5])
def test_account_created_at_is_read_when_readable(created: object) -> None:
    event = {**VALID[0], "account_created_at": created}
    parsed = parse_line(orjson.dumps(event))
    assert isinstance(parsed, Event) and parsed.account_created is not None


@pytest.mark.parametrize("created", ["last tuesday", -5, True, None, "", 1e300])
def test_an_unreadable_account_created_at_is_ignored_never_rejected(created: object) -> None:
    event = {**VALID[0], "account_created_at": created}
    _schema("events.schema.json").validate(event)
    parsed = parse_line(orjson.dumps(event))
    assert isinstance(parsed, Event), parsed
    assert parsed.account_created is None


def test_the_events_contract_lists_every_field_of_the_schema() -> None:
    text = (CONTRACTS / "EVENTS.md").read_text()
    schema = orjson.loads((CONTRACTS / "events.schema.json").read_bytes())
    for name in schema["properties"]:
        assert f"| `{name}` |" in text, name


def test_engine_alerts_validate_against_the_alert_schema() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from traffic import small_traffic

    from detectors.engine import Engine

    validator = _schema("alert.schema.json")
    engine = Engine()
    alerts = [a.to_dict() for e in small_traffic() for a in engine.process(e).alerts]
    assert alerts
    for alert in alerts:
        validator.validate(orjson.loads(orjson.dumps(alert)))
        assert alert["summary"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**alerts[0], "score": 1.5})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**alerts[0], "campaign_id": "camp_1"})  # without related_keys


def test_the_alert_contract_lists_every_field_of_the_schema() -> None:
    text = (CONTRACTS / "ALERTS.md").read_text()
    schema = orjson.loads((CONTRACTS / "alert.schema.json").read_bytes())
    for name in schema["properties"]:
        assert f"| `{name}` |" in text, name
