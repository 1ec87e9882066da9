"""Readers for the evaluation's input files.

Each reader streams a JSON Lines file (optionally gzip-compressed), turns
every line into a typed record and counts the lines it could not use in a
:class:`ReadReport`: a malformed line is reported, never fatal. A file that
cannot be opened or decompressed raises :class:`InputError`, whose message is
the one-line error the command prints.

Prompt text in event files is parsed (it is part of the JSON line) but never
kept: only key, time and request id survive a line.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

from pipeline.evaluate.records import (
    ABUSE,
    BENIGN,
    LEVELS,
    AlertRecord,
    FeedbackRecord,
    LabelRecord,
    ScorePoint,
    parse_ts,
)

T = TypeVar("T")

#: How many malformed-line examples a report keeps (enough to diagnose, bounded).
MAX_EXAMPLES = 5


class InputError(Exception):
    """An input file cannot be read at all; ``str(exc)`` is a one-line message."""


@dataclass
class ReadReport:
    """What a reader saw in one file.

    Attributes
    ----------
    role, path
        Which input this is (``alerts``, ``labels``...) and where it came from.
    lines
        Non-blank lines read.
    records
        Records produced (an event line holding a JSON array yields several).
    malformed
        Lines or array items that could not be used.
    duplicates
        Records dropped as repeats (same alert id, same key's label twice...).
    examples
        The first few ``"line N: reason"`` strings, for the report.
    """

    role: str
    path: str
    lines: int = 0
    records: int = 0
    malformed: int = 0
    duplicates: int = 0
    examples: list[str] = field(default_factory=list)

    def reject(self, line_no: int, reason: str) -> None:
        """Count one malformed line (or array item) and keep an example."""
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"line {line_no}: {reason}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stable key order."""
        return {
            "role": self.role,
            "path": self.path,
            "lines": self.lines,
            "records": self.records,
            "malformed": self.malformed,
            "duplicates": self.duplicates,
            "malformed_examples": list(self.examples),
        }


def _open(path: Path, role: str) -> io.BufferedIOBase:
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {role} file '{path}': {exc.strerror or exc}") from exc


def iter_json_lines(path: Path, role: str, report: ReadReport) -> Iterator[tuple[int, object]]:
    """Yield ``(line number, decoded JSON)`` for each non-blank line of ``path``.

    Lines that are not JSON are counted as malformed in ``report``; errors
    reading or decompressing the file raise :class:`InputError`.
    """
    handle = _open(path, role)
    line_no = 0
    try:
        with handle:
            for line_no, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                report.lines += 1
                try:
                    yield line_no, orjson.loads(raw)
                except orjson.JSONDecodeError:
                    report.reject(line_no, "not valid JSON")
    except (OSError, EOFError, zlib.error) as exc:
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise InputError(
            f"cannot read {role} file '{path}' (after line {line_no}): {detail}"
        ) from exc


def _require_str(obj: dict[str, object], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{name}' must be a non-empty string")
    return value


def _optional_str(obj: dict[str, object], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string or null")
    return value or None


def _require_ts(obj: dict[str, object], name: str) -> float:
    if name not in obj:
        raise ValueError(f"'{name}' is missing")
    try:
        return parse_ts(obj[name])
    except ValueError as exc:
        raise ValueError(f"'{name}': {exc}") from exc


def _require_number(obj: dict[str, object], name: str) -> float:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'{name}' must be a number")
    return float(value)


def _as_object(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def parse_alert(value: object) -> AlertRecord:
    """Validate one ALERTS.md object.

    >>> parse_alert({"alert_id": "a1", "api_key_id": "k", "ts": "2026-01-01T00:00:00Z",
    ...              "severity": "critical", "score": 0.9, "detector": "ensemble"}).severity
    'critical'
    """
    obj = _as_object(value)
    severity = obj.get("severity")
    if severity not in LEVELS:
        raise ValueError(f"'severity' must be one of {', '.join(LEVELS)}")
    score = _require_number(obj, "score")
    if not 0.0 <= score <= 1.0:
        raise ValueError("'score' must be in [0, 1]")
    return AlertRecord(
        alert_id=_require_str(obj, "alert_id"),
        api_key_id=_require_str(obj, "api_key_id"),
        ts=_require_ts(obj, "ts"),
        severity=str(severity),
        score=score,
        detector=_require_str(obj, "detector"),
        campaign_id=_optional_str(obj, "campaign_id"),
        reasons=_reasons(obj.get("reasons")),
    )


#: Reasons kept per alert (they come strongest first).
MAX_REASONS = 3


def _number_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.4g}"


def _reasons(value: object) -> tuple[str, ...]:
    """The first reasons as text; anything unexpected is skipped (reasons are advisory).

    >>> _reasons([{"feature": "yield", "value": 812.5, "baseline": 120}, "junk"])
    ('yield=812.5 (baseline 120)',)
    """
    if not isinstance(value, list):
        return ()
    out = []
    for reason in value:
        if not isinstance(reason, dict) or not isinstance(reason.get("feature"), str):
            continue
        text = f"{reason['feature']}={_number_text(reason.get('value'))}"
        if reason.get("baseline") is not None:
            text += f" (baseline {_number_text(reason['baseline'])})"
        out.append(text)
        if len(out) == MAX_REASONS:
            break
    return tuple(out)


def _structure(obj: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """The label's ``structure``, flattened to (axis, value) strings.

    Other generators nest it (``{"timing": {"shape": "drip"}}`` becomes
    ``timing.shape = drip``) and use numbers and lists; an extra field of another
    generator never makes a label unusable.

    >>> _structure({"structure": {"timing": {"shape": "drip", "on": 4.0}, "langs": ["it", "ko"]}})
    (('langs', 'it,ko'), ('timing.on', '4.0'), ('timing.shape', 'drip'))
    """
    value = obj.get("structure")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError("'structure' must be an object")
    flat: dict[str, str] = {}

    def walk(prefix: str, item: object) -> None:
        if isinstance(item, dict):
            for k, v in item.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(item, list | tuple):
            flat[prefix] = ",".join(str(v) for v in item)
        else:
            flat[prefix] = str(item)

    walk("", value)
    return tuple(sorted(flat.items()))


def parse_label(value: object) -> LabelRecord:
    """Validate one ``labels.jsonl`` object (format written by ``simulate``).

    ``structure`` is optional (older label files have none).

    >>> parse_label({"api_key_id": "k", "label": "abuse", "scenario": "swarm",
    ...              "structure": {"timing": "drip", "split": "holdout"}}).axis("timing")
    'drip'
    >>> parse_label({"api_key_id": "k", "label": "benign", "scenario": "chat"}).structure
    ()
    """
    obj = _as_object(value)
    label = obj.get("label")
    if label not in (ABUSE, BENIGN):
        raise ValueError("'label' must be 'benign' or 'abuse'")
    start = obj.get("attack_start")
    return LabelRecord(
        api_key_id=_require_str(obj, "api_key_id"),
        label=str(label),
        scenario=_require_str(obj, "scenario"),
        attack_start=None if start is None else _require_ts(obj, "attack_start"),
        campaign_id=_optional_str(obj, "campaign_id"),
        account_id=_optional_str(obj, "account_id"),
        structure=_structure(obj),
    )


def parse_feedback(value: object) -> FeedbackRecord:
    """Validate one analyst feedback object ``{api_key_id, label, reason}``."""
    obj = _as_object(value)
    label = obj.get("label")
    if label not in (ABUSE, BENIGN):
        raise ValueError("'label' must be 'benign' or 'abuse'")
    return FeedbackRecord(
        api_key_id=_require_str(obj, "api_key_id"),
        label=str(label),
        reason=_optional_str(obj, "reason") or "",
    )


def parse_score(value: object) -> ScorePoint:
    """Validate one ``replay --scores`` object ``{api_key_id, ts, score[, total, evidence]}``.

    >>> parse_score({"api_key_id": "k", "ts": 60.0, "score": 0.5, "total": 4.5,
    ...              "evidence": {"yield": 3.0, "support": 1.5}}).evidence
    (('yield', 3.0), ('support', 1.5))
    """
    obj = _as_object(value)
    total = None if obj.get("total") is None else _require_number(obj, "total")
    evidence = obj.get("evidence") or {}
    if not isinstance(evidence, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in evidence.values()
    ):
        raise ValueError("'evidence' must map names to numbers")
    return ScorePoint(
        api_key_id=_require_str(obj, "api_key_id"),
        ts=_require_ts(obj, "ts"),
        score=_require_number(obj, "score"),
        total=total,
        evidence=tuple((str(k), float(v)) for k, v in evidence.items()),
    )


def iter_records(
    path: Path, role: str, parse: Callable[[object], T], report: ReadReport
) -> Iterator[T]:
    """Yield ``parse(line)`` for each usable line, counting the others in ``report``."""
    for line_no, value in iter_json_lines(path, role, report):
        try:
            record = parse(value)
        except ValueError as exc:
            report.reject(line_no, str(exc))
            continue
        report.records += 1
        yield record


def read_alerts(path: Path) -> tuple[list[AlertRecord], ReadReport]:
    """Read ``alerts.jsonl``; repeated ``alert_id``s count once (consumers deduplicate)."""
    report = ReadReport("alerts", str(path))
    seen: set[str] = set()
    alerts: list[AlertRecord] = []
    for alert in iter_records(path, "alerts", parse_alert, report):
        if alert.alert_id in seen:
            report.duplicates += 1
            continue
        seen.add(alert.alert_id)
        alerts.append(alert)
    return alerts, report


def read_labels(path: Path) -> tuple[dict[str, LabelRecord], ReadReport]:
    """Read ``labels.jsonl`` into ``{api_key_id: label}``; a repeated key's last line wins."""
    report = ReadReport("labels", str(path))
    labels: dict[str, LabelRecord] = {}
    for label in iter_records(path, "labels", parse_label, report):
        if label.api_key_id in labels:
            report.duplicates += 1
        labels[label.api_key_id] = label
    return labels, report


def read_feedback(path: Path) -> tuple[list[FeedbackRecord], ReadReport]:
    """Read analyst feedback lines, in file order (later lines win when applied)."""
    report = ReadReport("feedback", str(path))
    return list(iter_records(path, "feedback", parse_feedback, report)), report


def iter_scores(path: Path, report: ReadReport) -> Iterator[ScorePoint]:
    """Stream score points (files can be large: one point per key per scoring)."""
    return iter_records(path, "scores", parse_score, report)


def _event_items(value: object) -> Iterable[object]:
    # A replay line is one event; shippers' batches (a JSON array) are accepted too.
    return value if isinstance(value, list) else (value,)


@dataclass
class EventIndex:
    """Request times of the keys the evaluation follows, from an events file.

    ``times[key]`` is sorted and counts a repeated ``request_id`` once (retries
    and at-least-once delivery are not extra attacker requests). ``active`` holds
    every key that sent at least one event (benign rates count only those).
    """

    times: dict[str, list[float]] = field(default_factory=dict)
    events_total: int = 0
    active: set[str] = field(default_factory=set)

    def first_ts(self, key: str) -> float | None:
        """Event time of the key's first request, or ``None`` if it sent none."""
        times = self.times.get(key)
        return times[0] if times else None


def read_events(path: Path, keys: set[str]) -> tuple[EventIndex, ReadReport]:
    """Index the request times of ``keys`` in an events ``.jsonl``/``.jsonl.gz`` file.

    Only ``api_key_id``, ``ts`` and ``request_id`` are read; events of other keys
    are counted but not validated further (their content is irrelevant here).
    """
    report = ReadReport("events", str(path))
    index = EventIndex()
    seen_ids: dict[str, set[str]] = {}
    for line_no, value in iter_json_lines(path, "events", report):
        for item in _event_items(value):
            if not isinstance(item, dict) or not isinstance(item.get("api_key_id"), str):
                report.reject(line_no, "event without a string 'api_key_id'")
                continue
            report.records += 1
            index.events_total += 1
            key = item["api_key_id"]
            index.active.add(key)
            if key not in keys:
                continue
            try:
                ts = _require_ts(item, "ts")
            except ValueError as exc:
                report.reject(line_no, str(exc))
                continue
            request_id = item.get("request_id")
            if isinstance(request_id, str):
                ids = seen_ids.setdefault(key, set())
                if request_id in ids:
                    report.duplicates += 1
                    continue
                ids.add(request_id)
            index.times.setdefault(key, []).append(ts)
    for times in index.times.values():
        times.sort()
    return index, report
