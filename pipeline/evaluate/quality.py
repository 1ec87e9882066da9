"""Detection quality that measures generalization: how much an attacker got before the alert.

The headline number is the share of an attacker's requests served before its
first ``warning`` and before its first ``critical`` alert, counted from the
attack start (a key never detected counts as 100 %), per key, then the median
key and the worst key of a group. Beside it: recall over keys that sent
something, minutes to ``critical`` for keys harvesting at >= 300 requests an
hour, and benign alert rates over benign keys that sent at least one event.

Groups are scenarios, structure values (``timing``, ``prompts``, ``split``...
when the labels carry the simulator's ``structure``) and splits (the
generalization table: held-out structures next to the tuned ones). Missed
attack keys and falsely flagged benign keys are listed with their reasons.

Every function here is pure over :class:`~pipeline.evaluate.outcomes.KeyOutcome` values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pipeline.evaluate.outcomes import KeyOutcome
from pipeline.evaluate.records import LEVELS, ScorePoint, format_ts, severity_rank
from pipeline.evaluate.stats import percentile, ratio

__all__ = [
    "FAST_PER_HOUR",
    "MAX_LISTED",
    "attack_summary",
    "benign_summary",
    "flagged_benign_keys",
    "generalization",
    "headline",
    "missed_keys",
    "structure_breakdown",
]

#: Keys sending at least this many requests within some 60 minutes are "fast harvesters".
FAST_PER_HOUR = 300
#: Keys listed by name in each of the missed / falsely flagged lists.
MAX_LISTED = 50


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _counted(outcomes: list[KeyOutcome]) -> tuple[list[KeyOutcome], str]:
    """Keys that sent something when that is known (events file), else every key."""
    if outcomes and all(o.active is not None for o in outcomes):
        return [o for o in outcomes if o.active], "active"
    return outcomes, "labelled"


def _served(outcomes: list[KeyOutcome]) -> dict[str, Any]:
    """Median and worst key's share served before each level (keys with known shares)."""
    out: dict[str, Any] = {}
    for level in LEVELS:
        shares = [o.served[level] for o in outcomes if o.served.get(level) is not None]
        known = [s for s in shares if s is not None]
        out[level] = {
            "keys": len(known),
            "median": _round(percentile(known, 50)),
            "worst": _round(max(known)) if known else None,
            "mean": _round(sum(known) / len(known)) if known else None,
        }
    return out


def _fast(outcomes: list[KeyOutcome]) -> dict[str, Any]:
    """Keys with >= FAST_PER_HOUR requests in some hour: minutes from start to critical."""
    fast = [o for o in outcomes if o.peak_hour is not None and o.peak_hour >= FAST_PER_HOUR]
    minutes = [
        o.levels["critical"].ttd_minutes
        for o in fast
        if o.levels["critical"].detected and o.levels["critical"].ttd_minutes is not None
    ]
    known = [m for m in minutes if m is not None]
    return {
        "per_hour": FAST_PER_HOUR,
        "keys": len(fast),
        "critical": len(known),
        "not_critical": len(fast) - len(known),
        "minutes_to_critical": {
            "p50": _round(percentile(known, 50), 1),
            "max": _round(max(known), 1) if known else None,
        },
    }


def attack_summary(outcomes: Iterable[KeyOutcome]) -> dict[str, Any]:
    """Recall, served-before shares and fast-key times of a group of abusive keys.

    Recall counts keys that sent at least one request from their attack start when the
    events are known (``basis: active``), else every labelled key (``labelled``).
    """
    keys = [o for o in outcomes if o.is_abuse]
    counted, basis = _counted(keys)
    detected = {lv: sum(o.levels[lv].detected for o in counted) for lv in LEVELS}
    return {
        "keys": len(keys),
        "counted": len(counted),
        "basis": basis,
        "detected": detected,
        "recall": {lv: ratio(detected[lv], len(counted)) for lv in LEVELS},
        "served_before": _served(counted),
        "fast": _fast(counted),
    }


def benign_summary(outcomes: Iterable[KeyOutcome]) -> dict[str, Any]:
    """Benign keys with a ``critical`` alert and with any alert, over keys that sent
    at least one event when the events are known (``basis: active``)."""
    keys = [o for o in outcomes if not o.is_abuse]
    counted, basis = _counted(keys)
    critical = sum(o.levels["critical"].alerted for o in counted)
    alerted = sum(o.levels["warning"].alerted for o in counted)
    return {
        "keys": len(keys),
        "counted": len(counted),
        "basis": basis,
        "critical": critical,
        "critical_rate": ratio(critical, len(counted)),
        "any": alerted,
        "any_rate": ratio(alerted, len(counted)),
    }


def _grouped(
    outcomes: Iterable[KeyOutcome], name: Callable[[KeyOutcome], str | None]
) -> dict[str, list[KeyOutcome]]:
    groups: dict[str, list[KeyOutcome]] = {}
    for outcome in outcomes:
        value = name(outcome)
        if value is not None:
            groups.setdefault(value, []).append(outcome)
    return dict(sorted(groups.items()))


def structure_breakdown(outcomes: Iterable[KeyOutcome]) -> dict[str, list[dict[str, Any]]]:
    """Per structure axis and value: the attack summary and the benign summary.

    Empty when no label carries a structure (label files written before it existed).
    """
    values = list(outcomes)
    axes = sorted({axis for o in values for axis, _ in o.label.structure})
    out: dict[str, list[dict[str, Any]]] = {}
    for axis in axes:

        def value_of(o: KeyOutcome, axis: str = axis) -> str | None:
            return o.label.axis(axis)

        out[axis] = [
            {"value": value, "attack": attack_summary(group), "benign": benign_summary(group)}
            for value, group in _grouped(values, value_of).items()
        ]
    return out


def generalization(outcomes: Iterable[KeyOutcome]) -> dict[str, Any] | None:
    """Held-out structures next to tuned ones: per split, and per scenario and split.

    ``None`` when the labels say nothing about splits.
    """
    values = [o for o in outcomes if o.label.axis("split") is not None]
    if not values:
        return None
    splits = _grouped(values, lambda o: o.label.axis("split"))
    rows = [
        {"split": split, "attack": attack_summary(group), "benign": benign_summary(group)}
        for split, group in splits.items()
    ]
    per_scenario = [
        {"scenario": scenario, "split": split, **attack_summary(group)}
        for (scenario, split), group in _scenario_splits([o for o in values if o.is_abuse])
    ]
    for row in rows:  # campaigns have hundreds of keys: also weigh every scenario alike
        mine = [r for r in per_scenario if r["split"] == row["split"]]
        row["scenario_means"] = {
            "recall": {lv: _mean(r["recall"][lv] for r in mine) for lv in LEVELS},
            "served_before_median": {
                lv: _mean(r["served_before"][lv]["median"] for r in mine) for lv in LEVELS
            },
        }
    return {"splits": rows, "scenarios": per_scenario}


def _scenario_splits(
    outcomes: list[KeyOutcome],
) -> list[tuple[tuple[str, str], list[KeyOutcome]]]:
    groups: dict[tuple[str, str], list[KeyOutcome]] = {}
    for o in outcomes:
        groups.setdefault((o.label.scenario, o.label.axis("split") or ""), []).append(o)
    return sorted(groups.items())


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return _round(sum(known) / len(known)) if known else None


def headline(
    scenarios: Mapping[str, Mapping[str, Any]], attack: Mapping[str, Any], benign: Mapping[str, Any]
) -> dict[str, Any]:
    """The numbers the product is judged on, over per-scenario summaries.

    ``scenarios`` maps a scenario to its :func:`attack_summary`; ``attack`` and
    ``benign`` summarise all keys.
    """
    rows = list(scenarios.values())
    return {
        "mean_scenario_recall": {lv: _mean(row["recall"][lv] for row in rows) for lv in LEVELS},
        "served_before": {
            lv: {
                "mean_scenario_median": _mean(row["served_before"][lv]["median"] for row in rows),
                "worst_key": attack["served_before"][lv]["worst"],
            }
            for lv in LEVELS
        },
        "fast": attack["fast"],
        "benign": benign,
    }


def _structure_dict(outcome: KeyOutcome) -> dict[str, str]:
    return dict(outcome.label.structure)


def _reasons(outcome: KeyOutcome) -> list[str]:
    alert = outcome.top_alert
    if alert is None:
        return ["no alert"]
    return list(alert.reasons) or [f"{alert.detector}: no reasons given"]


def _peak(point: ScorePoint | None) -> dict[str, Any] | None:
    if point is None or point.total is None:
        return None
    ranked = sorted(point.evidence, key=lambda item: -abs(item[1]))
    return {
        "total": round(point.total, 3),
        "ts": format_ts(point.ts),
        "evidence": {name: round(value, 3) for name, value in ranked},
    }


def missed_keys(
    outcomes: Iterable[KeyOutcome],
    limit: int = MAX_LISTED,
    peaks: Mapping[str, ScorePoint] | None = None,
) -> dict[str, Any]:
    """Abusive keys never at ``critical`` (silent keys left out when events are known),
    most requests served first; each with its highest-scoring alert's reasons and, with
    a scores trace that carries evidence, the scoring where its evidence peaked (what
    each family added there: why it stayed under)."""
    peaks = peaks or {}
    keys = [o for o in outcomes if o.is_abuse and not o.levels["critical"].detected]
    keys = [o for o in keys if o.active is not False]
    keys.sort(key=lambda o: (-(o.attacker_requests or 0), o.label.api_key_id))
    rows = []
    for o in keys[:limit]:
        alert = o.top_alert
        rows.append(
            {
                "api_key_id": o.label.api_key_id,
                "scenario": o.label.scenario,
                "structure": _structure_dict(o),
                "requests_served": o.attacker_requests,
                "reached": "warning" if o.levels["warning"].detected else None,
                "top_score": None if alert is None else alert.score,
                "reasons": _reasons(o),
                "peak_evidence": _peak(peaks.get(o.label.api_key_id)),
            }
        )
    return {"total": len(keys), "listed": rows}


def flagged_benign_keys(outcomes: Iterable[KeyOutcome], limit: int = MAX_LISTED) -> dict[str, Any]:
    """Benign keys with any alert, most severe and highest scoring first, with reasons."""
    keys = [o for o in outcomes if not o.is_abuse and o.top_alert is not None]

    def order(o: KeyOutcome) -> tuple[int, float, str]:
        alert = o.top_alert
        assert alert is not None
        return (-severity_rank(alert.severity), -alert.score, o.label.api_key_id)

    keys.sort(key=order)
    rows = []
    for o in keys[:limit]:
        alert = o.top_alert
        assert alert is not None
        rows.append(
            {
                "api_key_id": o.label.api_key_id,
                "archetype": o.label.scenario,
                "structure": _structure_dict(o),
                "severity": alert.severity,
                "score": alert.score,
                "alerts": o.alerts,
                "at": format_ts(alert.ts),
                "reasons": _reasons(o),
            }
        )
    return {"total": len(keys), "listed": rows}
