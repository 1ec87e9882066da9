"""Alert validation, Alertmanager conversion, signatures and secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.hook.intake import AlertRejected, decode_alerts, from_alertmanager, parse_alert
from pipeline.hook.signing import Secret, SecretError, load_secret, sign_headers, verify

from .support import SECRET, T0, load_doc_verifier, make_alert


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"api_key_id": None}, "missing_field", "api_key_id"),
        ({"api_key_id": "k" * 129}, "bad_field", "api_key_id"),
        ({"severity": "page"}, "bad_field", "severity"),
        ({"score": 1.5}, "bad_field", "score"),
        ({"score": True}, "bad_field", "score"),
        ({"ts": "yesterday"}, "bad_field", "ts"),
        ({"ts": "2026-10-05T00:00:00"}, "bad_field", "ts"),
        ({"detector": ""}, "bad_field", "detector"),
        ({"campaign_id": 7}, "bad_field", "campaign_id"),
    ],
)
def test_malformed_alerts_are_rejected_with_the_field(
    change: dict[str, object], code: str, field: str
) -> None:
    alert = make_alert("a1") | change
    with pytest.raises(AlertRejected) as info:
        parse_alert(alert)
    assert info.value.code == code
    assert field in info.value.message


def test_decode_alerts_accepts_object_or_array_and_rejects_garbage() -> None:
    assert len(decode_alerts(b'{"a": 1}')) == 1
    assert len(decode_alerts(b'[{"a": 1}, {"b": 2}]')) == 2
    with pytest.raises(AlertRejected, match="bad_json"):
        decode_alerts(b"{not json")


def _am_alert(**labels: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "ProviderKeyAbuse", "severity": "critical", **labels},
        "annotations": {"summary": "x"},
        "startsAt": "2026-10-05T00:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "c0ffee",
    }


def test_alertmanager_payload_converts_with_stable_ids() -> None:
    payload = {
        "version": "4",
        "groupKey": "{}:{}",
        "status": "firing",
        "alerts": [
            _am_alert(api_key_id="key-9", account_id="acct-9"),
            {**_am_alert(api_key_id="key-9"), "status": "resolved"},
        ],
    }
    alerts, resolved = from_alertmanager(payload)
    assert resolved == 1
    parsed = parse_alert(alerts[0])
    assert parsed.api_key_id == "key-9" and parsed.account_id == "acct-9"
    assert parsed.detector == "alertmanager:ProviderKeyAbuse"
    assert parsed.score == 1.0
    assert parsed.ts == pytest.approx(T0 + 0.123456)
    again, _ = from_alertmanager(payload)  # a re-send keeps the id
    assert parse_alert(again[0]).alert_id == parsed.alert_id
    other = {**_am_alert(api_key_id="key-9"), "startsAt": "2026-10-06T00:00:00Z"}
    (second,), _ = from_alertmanager({"version": "4", "alerts": [other]})
    assert parse_alert(second).alert_id != parsed.alert_id  # a new episode, a new id


def test_alertmanager_envelope_and_alert_errors() -> None:
    with pytest.raises(AlertRejected, match="version"):
        from_alertmanager({"version": "3", "alerts": []})
    (no_key,), _ = from_alertmanager({"version": "4", "alerts": [_am_alert()]})
    with pytest.raises(AlertRejected, match="api_key_id is required"):
        parse_alert(no_key)


def test_signature_round_trip_and_doc_snippet_agree() -> None:
    body = b'{"kind":"action"}'
    headers = sign_headers(SECRET, body, timestamp=int(T0))
    doc_verify = load_doc_verifier()
    assert verify(
        SECRET,
        body,
        headers["X-Distillwatch-Timestamp"],
        headers["X-Distillwatch-Signature"],
        now=T0 + 1,
    )
    assert doc_verify(SECRET, headers, body, now=T0 + 1)
    assert not doc_verify(SECRET, headers, body + b" ", now=T0 + 1)  # tampered body
    assert not doc_verify(b"other", headers, body, now=T0 + 1)  # wrong secret
    assert not doc_verify(SECRET, headers, body, now=T0 + 301)  # replayed later
    forged = dict(headers, **{"X-Distillwatch-Timestamp": str(int(T0) + 200)})
    assert not doc_verify(SECRET, forged, body, now=T0 + 200)  # timestamp is signed


def test_secrets_from_env_or_file_and_never_shown(tmp_path: Path) -> None:
    assert load_secret("S", {}) is None
    direct = load_secret("S", {"S": "hunter2\n"})
    assert direct is not None and direct.reveal() == b"hunter2"
    path = tmp_path / "s"
    path.write_bytes(b"from-file\n")
    from_file = load_secret("S", {"S_FILE": str(path)})
    assert from_file is not None and from_file.reveal() == b"from-file"
    assert "from-file" not in repr(from_file) and "from-file" not in f"{from_file}"
    with pytest.raises(SecretError, match="only one"):
        load_secret("S", {"S": "a", "S_FILE": str(path)})
    with pytest.raises(SecretError, match="cannot read"):
        load_secret("S", {"S_FILE": str(tmp_path / "missing")})
    with pytest.raises(SecretError):
        Secret(b"")
