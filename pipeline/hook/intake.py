"""Alerts as the hook receives them: validation and Alertmanager conversion.

Two inputs reach the hook: alert objects from the alerts topic (ALERTS.md)
and Alertmanager webhook notifications (payload version "4"). Both become an
:class:`IncomingAlert`; anything malformed raises :class:`AlertRejected` with
a reason code and a message that names the field, so the caller can keep the
raw input and move on.

Examples
--------
>>> alert = parse_alert({"alert_id": "a1", "api_key_id": "k1", "ts": "2026-10-05T00:00:00Z",
...                      "severity": "critical", "score": 0.97, "detector": "ensemble"})
>>> alert.api_key_id, alert.ts
('k1', 1791158400.0)
>>> parse_alert({"alert_id": "a1"})
Traceback (most recent call last):
...
pipeline.hook.intake.AlertRejected: missing_field: api_key_id is required
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline.hook.policy import SEVERITIES, PolicyError, parse_rfc3339

__all__ = ["AlertRejected", "IncomingAlert", "decode_alerts", "from_alertmanager", "parse_alert"]

MAX_KEY_LENGTH = 128


class AlertRejected(ValueError):
    """An input is not a valid alert; ``code`` is a stable reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IncomingAlert:
    """The fields of an alert the policy needs, plus the original object."""

    alert_id: str
    api_key_id: str
    ts: float  # event time, Unix seconds
    ts_text: str
    severity: str
    score: float
    detector: str
    account_id: str | None = None
    campaign_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


def parse_alert(obj: object) -> IncomingAlert:
    """Validate one ALERTS.md alert object.

    Raises
    ------
    AlertRejected
        With code ``not_an_object``, ``missing_field`` or ``bad_field``.
    """
    if not isinstance(obj, Mapping):
        raise AlertRejected("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    alert_id = _required_str(obj, "alert_id", 512)
    api_key_id = _required_str(obj, "api_key_id", MAX_KEY_LENGTH)
    ts_text = _required_str(obj, "ts", 64)
    try:
        ts = parse_rfc3339(ts_text, "ts")
    except PolicyError as exc:
        raise AlertRejected("bad_field", str(exc)) from None
    severity = _required_str(obj, "severity", 16)
    if severity not in SEVERITIES:
        raise AlertRejected("bad_field", f"severity must be one of {list(SEVERITIES)}")
    if "score" not in obj:
        raise AlertRejected("missing_field", "score is required")
    score = obj["score"]
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= score <= 1.0:
        raise AlertRejected("bad_field", f"score must be a number in [0, 1], got {score!r}")
    if math.isnan(score):
        raise AlertRejected("bad_field", "score must not be NaN")
    return IncomingAlert(
        alert_id=alert_id,
        api_key_id=api_key_id,
        ts=ts,
        ts_text=ts_text,
        severity=severity,
        score=float(score),
        detector=_required_str(obj, "detector", 128),
        account_id=_optional_str(obj, "account_id"),
        campaign_id=_optional_str(obj, "campaign_id"),
        raw=dict(obj),
    )


def decode_alerts(data: bytes) -> list[object]:
    """Decode a record value: one JSON alert object or a JSON array of them.

    Raises
    ------
    AlertRejected
        With code ``bad_json`` when the bytes are not JSON.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise AlertRejected("bad_json", f"not valid JSON: {exc}") from None
    return list(value) if isinstance(value, list) else [value]


def from_alertmanager(payload: object) -> tuple[list[object], int]:
    """Turn an Alertmanager v4 webhook payload into alert objects.

    Returns the firing alerts converted to ALERTS.md-shaped objects (left for
    :func:`parse_alert` to validate) and the number of resolved notifications
    skipped. The ``alert_id`` comes from ``annotations.alert_id`` when the rule
    sets it, else from the fingerprint and ``startsAt``, which Alertmanager
    repeats unchanged on every re-send of one firing episode: re-sends
    deduplicate. Without a ``score`` annotation a firing rule counts as 1.0.

    Raises
    ------
    AlertRejected
        With code ``bad_payload`` when the envelope itself is wrong.
    """
    if not isinstance(payload, Mapping):
        raise AlertRejected("bad_payload", "expected a JSON object")
    if payload.get("version") != "4":
        raise AlertRejected(
            "bad_payload", f"unsupported Alertmanager payload version {payload.get('version')!r}"
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise AlertRejected("bad_payload", "alerts must be a list")
    converted: list[object] = []
    resolved = 0
    for item in alerts:
        if not isinstance(item, Mapping):
            converted.append(item)  # parse_alert rejects it with a clear message
            continue
        if item.get("status") == "resolved":
            resolved += 1
            continue
        labels = item.get("labels") if isinstance(item.get("labels"), Mapping) else {}
        notes = item.get("annotations") if isinstance(item.get("annotations"), Mapping) else {}
        assert isinstance(labels, Mapping) and isinstance(notes, Mapping)  # for mypy
        seed = f"{item.get('fingerprint', '')}\x00{item.get('startsAt', '')}"
        alert_id = notes.get("alert_id") or labels.get("alert_id")
        if not alert_id:
            alert_id = "am-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
        score: object = notes.get("score", labels.get("score", 1.0))
        if isinstance(score, str):
            with contextlib.suppress(ValueError):  # left as text: parse_alert names the field
                score = float(score)
        obj: dict[str, object] = {
            "alert_id": alert_id,
            "api_key_id": labels.get("api_key_id"),
            "account_id": labels.get("account_id"),
            "ts": item.get("startsAt"),
            "severity": labels.get("severity"),
            "score": score,
            "detector": labels.get("detector") or f"alertmanager:{labels.get('alertname', '')}",
            "reasons": [],
            "source": "alertmanager",
        }
        if labels.get("campaign_id"):
            obj["campaign_id"] = labels["campaign_id"]
        converted.append(obj)
    return converted, resolved


def _required_str(obj: Mapping[str, Any], name: str, max_length: int) -> str:
    if name not in obj or obj[name] is None:
        raise AlertRejected("missing_field", f"{name} is required")
    value = obj[name]
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise AlertRejected("bad_field", f"{name} must be a string of 1-{max_length} characters")
    return value


def _optional_str(obj: Mapping[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise AlertRejected("bad_field", f"{name} must be a non-empty string or null")
    return value
