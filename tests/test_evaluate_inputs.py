"""Readers: malformed lines are counted and reported, unreadable files raise InputError."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluate.evaluation import load_inputs
from pipeline.evaluate.inputs import InputError, read_alerts, read_events, read_labels
from pipeline.evaluate.records import parse_ts

GOOD_ALERT: dict[str, Any] = {
    "alert_id": "a1",
    "api_key_id": "k1",
    "account_id": None,
    "ts": "2026-10-05T13:04:11.250Z",
    "severity": "warning",
    "score": 0.7,
    "detector": "ensemble",
    "reasons": [],
}


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_alerts_malformed_lines_counted_not_fatal(tmp_path: Path) -> None:
    bad = [
        "{not json",
        json.dumps({**GOOD_ALERT, "alert_id": "a2", "severity": "info"}),
        json.dumps({**GOOD_ALERT, "alert_id": "a3", "score": 1.5}),
        json.dumps({k: v for k, v in GOOD_ALERT.items() if k != "ts"} | {"alert_id": "a4"}),
        json.dumps({**GOOD_ALERT, "alert_id": "a5", "ts": "2026-10-05T13:04:11"}),  # naive
        json.dumps([1, 2]),
    ]
    good = [json.dumps(GOOD_ALERT), json.dumps({**GOOD_ALERT, "alert_id": "b", "score": 1})]
    path = _write_lines(tmp_path / "alerts.jsonl", [good[0], *bad, "", good[1], good[0]])
    alerts, report = read_alerts(path)
    assert [a.alert_id for a in alerts] == ["a1", "b"]
    assert report.malformed == len(bad)
    assert report.duplicates == 1  # a1 twice: consumers deduplicate by alert id
    assert report.lines == len(good) + len(bad) + 1  # the blank line is not counted
    assert report.examples[0].startswith("line 2:")
    assert any("severity" in e for e in report.examples)
    assert alerts[0].ts == parse_ts(GOOD_ALERT["ts"])


def test_labels_last_line_wins_and_nulls(tmp_path: Path) -> None:
    rows = [
        {
            "api_key_id": "k",
            "account_id": "a",
            "label": "benign",
            "scenario": "batch",
            "attack_start": None,
            "campaign_id": None,
        },
        {
            "api_key_id": "k",
            "account_id": "a",
            "label": "abuse",
            "scenario": "takeover",
            "attack_start": "2026-10-05T00:00:00Z",
            "campaign_id": None,
        },
        {"api_key_id": "j", "label": "maybe", "scenario": "x"},
    ]
    labels, report = read_labels(_write_lines(tmp_path / "l.jsonl", [json.dumps(r) for r in rows]))
    assert labels["k"].scenario == "takeover"
    assert labels["k"].attack_start == parse_ts("2026-10-05T00:00:00Z")
    assert (report.duplicates, report.malformed) == (1, 1)


def test_events_gzip_dedup_and_batches(tmp_path: Path) -> None:
    events = [
        {"ts": 30, "api_key_id": "k", "request_id": "r1", "prompt_tokens": 1},
        {"ts": 10, "api_key_id": "k", "request_id": "r2", "prompt_text": "secret"},
        {"ts": 10, "api_key_id": "k", "request_id": "r2"},  # retry: counts once
        {"ts": 5, "api_key_id": "other"},
    ]
    lines = [json.dumps(e) for e in events[:2]]
    lines.append(json.dumps(events[2:]))  # a shipper's batch on one line
    lines.append('{"ts": 1}')
    path = tmp_path / "events.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    index, report = read_events(path, {"k"})
    assert index.times["k"] == [10.0, 30.0]
    assert index.first_ts("k") == 10.0 and index.first_ts("other") is None
    assert (report.records, report.malformed, report.duplicates) == (4, 1, 1)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read alerts file .*nope\.jsonl"):
        read_alerts(tmp_path / "nope.jsonl")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read labels file"):
        read_labels(tmp_path)


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(b"this is not gzip data at all\n")
    with pytest.raises(InputError, match="cannot read events file"):
        read_events(path, {"k"})


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    blob = gzip.compress(b"".join(b'{"ts": %d, "api_key_id": "k"}\n' % i for i in range(2000)))
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(InputError, match="cannot read events file"):
        read_events(path, {"k"})


def test_labels_without_usable_lines_are_an_error(tmp_path: Path) -> None:
    labels = _write_lines(tmp_path / "labels.jsonl", ["garbage", '{"label": "abuse"}'])
    alerts = _write_lines(tmp_path / "alerts.jsonl", [json.dumps(GOOD_ALERT)])
    with pytest.raises(InputError, match=r"no usable label line \(2 malformed\)"):
        load_inputs(alerts, labels)
