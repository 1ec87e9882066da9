"""Put the pieces together: read inputs, compute every metric, pick sample keys.

:func:`load_inputs` does the I/O; :func:`evaluate` is pure given the loaded
inputs (plus an optional stream of score points) and returns an
:class:`Evaluation` whose ``metrics`` is what ``metrics.json`` holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.evaluate.campaigns import campaign_metrics
from pipeline.evaluate.inputs import (
    EventIndex,
    InputError,
    ReadReport,
    iter_scores,
    read_alerts,
    read_events,
    read_feedback,
    read_labels,
)
from pipeline.evaluate.metrics import (
    abuse_scenario_row,
    benign_archetype_row,
    by_scenario,
    overall,
)
from pipeline.evaluate.outcomes import KeyOutcome, key_outcomes, unlabelled
from pipeline.evaluate.quality import (
    attack_summary,
    benign_summary,
    flagged_benign_keys,
    generalization,
    headline,
    missed_keys,
    structure_breakdown,
)
from pipeline.evaluate.records import ABUSE, AlertRecord, LabelRecord, ScorePoint
from pipeline.evaluate.sweep import best_f1, best_f1_within_fpr, key_maxima, sweep, thresholds
from pipeline.evaluate.truth import apply_feedback, count_labels

SCHEMA = "distillwatch.evaluate/v2"

#: A timeline is a key's ``(event time, score)`` points in time order.
Timeline = list[tuple[float, float]]


@dataclass
class Inputs:
    """Everything read from disk (score points are streamed later, see :func:`evaluate`)."""

    labels: dict[str, LabelRecord]
    alerts: list[AlertRecord]
    events: EventIndex | None = None
    feedback_counts: dict[str, int] | None = None
    reports: list[ReadReport] = field(default_factory=list)


@dataclass
class Evaluation:
    """The result: ``metrics`` (JSON-ready) plus what the plots need."""

    metrics: dict[str, Any]
    outcomes: dict[str, KeyOutcome]
    samples: dict[str, list[str]]
    timelines: dict[str, Timeline]
    timeline_source: str


def load_inputs(
    alerts_path: Path,
    labels_path: Path,
    events_path: Path | None = None,
    feedback_path: Path | None = None,
) -> Inputs:
    """Read labels (with feedback applied), alerts and optionally events.

    Raises
    ------
    InputError
        When a file cannot be read, or the labels hold no usable line.
    """
    labels, labels_report = read_labels(labels_path)
    if not labels:
        raise InputError(
            f"labels file '{labels_path}' has no usable label line "
            f"({labels_report.malformed} malformed)"
        )
    reports = [labels_report]
    feedback_counts = None
    if feedback_path is not None:
        feedback, feedback_report = read_feedback(feedback_path)
        labels, feedback_counts = apply_feedback(labels, feedback)
        reports.append(feedback_report)
    alerts, alerts_report = read_alerts(alerts_path)
    reports.insert(0, alerts_report)
    events = None
    if events_path is not None:
        abusive = {key for key, label in labels.items() if label.label == ABUSE}
        events, events_report = read_events(events_path, abusive)
        reports.append(events_report)
    return Inputs(labels, alerts, events, feedback_counts, reports)


def sample_keys(outcomes: Mapping[str, KeyOutcome], per_group: int = 2) -> dict[str, list[str]]:
    """Pick up to ``per_group`` keys per scenario/archetype, deterministically.

    In key-id order: first a detected (abuse) or alerted (benign) key, then a
    missed or quiet one, then the next keys in order, so each plot shows both
    outcomes when the group has both.
    """
    groups: dict[str, list[KeyOutcome]] = {}
    for outcome in outcomes.values():
        groups.setdefault(group_name(outcome.label), []).append(outcome)
    chosen: dict[str, list[str]] = {}
    for name, members in sorted(groups.items()):
        ordered = sorted(members, key=lambda o: o.label.api_key_id)
        hit = [o for o in ordered if o.levels["warning"].alerted]
        miss = [o for o in ordered if not o.levels["warning"].alerted]
        picks: list[str] = []
        for pool in (hit[:1], miss[:1], ordered[: per_group + 2]):
            for outcome in pool:
                key = outcome.label.api_key_id
                if len(picks) < per_group and key not in picks:
                    picks.append(key)
        chosen[name] = picks
    return chosen


def group_name(label: LabelRecord) -> str:
    """Display name of a key's group: ``"<scenario> (abuse)"`` or ``"<archetype> (benign)"``.

    >>> group_name(LabelRecord("k", "abuse", "hydra"))
    'hydra (abuse)'
    """
    return f"{label.scenario} ({label.label})"


def _collect(
    points: Iterable[ScorePoint],
    wanted: set[str],
    timelines: dict[str, Timeline],
    peaks: dict[str, ScorePoint],
) -> Iterator[tuple[str, float, float]]:
    # One pass over a possibly large file: keep sample keys' points and each key's
    # point of strongest evidence (why a missed key stayed under), fold the rest.
    for point in points:
        key = point.api_key_id
        if key in wanted:
            timelines.setdefault(key, []).append((point.ts, point.score))
        if point.total is not None:
            peak = peaks.get(key)
            if peak is None or peak.total is None or point.total > peak.total:
                peaks[key] = point
        yield key, point.ts, point.score


def _sweep_block(source: str, rows: list[dict[str, Any]], max_fpr: float) -> dict[str, Any]:
    return {
        "source": source,
        "best": best_f1(rows),
        "max_benign_fpr": max_fpr,
        "best_within_fpr": best_f1_within_fpr(rows, max_fpr),
        "rows": rows,
    }


def evaluate(
    inputs: Inputs,
    score_points: Iterable[ScorePoint] | None = None,
    sweep_steps: int = 100,
    samples_per_group: int = 2,
    max_fpr: float = 0.01,
) -> Evaluation:
    """Compute all metrics. ``score_points`` (``replay --scores``) is optional.

    ``max_fpr`` is the benign false-positive budget for the second threshold pick.
    """
    outcomes = key_outcomes(inputs.labels, inputs.alerts, inputs.events)
    grid = thresholds(sweep_steps)
    alert_rows = sweep(
        key_maxima(inputs.labels, ((a.api_key_id, a.ts, a.score) for a in inputs.alerts)), grid
    )
    samples = sample_keys(outcomes, samples_per_group)
    wanted = {key for keys in samples.values() for key in keys}
    timelines: dict[str, Timeline] = {}
    peaks: dict[str, ScorePoint] = {}
    score_sweep = None
    source = "alerts"
    if score_points is not None:
        source = "scores"
        rows = sweep(
            key_maxima(inputs.labels, _collect(score_points, wanted, timelines, peaks)), grid
        )
        score_sweep = _sweep_block("scores", rows, max_fpr)
    else:
        for alert in inputs.alerts:
            if alert.api_key_id in wanted:
                timelines.setdefault(alert.api_key_id, []).append((alert.ts, alert.score))
    for points in timelines.values():
        points.sort()

    abusive = by_scenario(outcomes.values(), abuse=True)
    summaries = {name: attack_summary(group) for name, group in abusive.items()}
    benign_all = benign_summary(outcomes.values())
    metrics: dict[str, Any] = {
        "schema": SCHEMA,
        "inputs": [report.to_dict() for report in inputs.reports],
        "labels": {**count_labels(inputs.labels), "feedback": inputs.feedback_counts},
        "events_given": inputs.events is not None,
        "headline": headline(summaries, attack_summary(outcomes.values()), benign_all),
        "overall": overall(outcomes),
        "unlabelled_alerts": unlabelled(inputs.labels, inputs.alerts),
        "scenarios": [
            {**abuse_scenario_row(name, group), "quality": summaries[name]}
            for name, group in abusive.items()
        ],
        "benign_archetypes": [
            {**benign_archetype_row(name, group), "quality": benign_summary(group)}
            for name, group in by_scenario(outcomes.values(), abuse=False).items()
        ],
        "generalization": generalization(outcomes.values()),
        "structures": structure_breakdown(outcomes.values()),
        "missed_attack_keys": missed_keys(outcomes.values(), peaks=peaks),
        "flagged_benign_keys": flagged_benign_keys(outcomes.values()),
        "threshold_sweep": _sweep_block("alerts", alert_rows, max_fpr),
        "score_sweep": score_sweep,
        "campaigns": campaign_metrics(outcomes, inputs.alerts),
        "samples": {"source": source, "keys": samples},
    }
    return Evaluation(metrics, outcomes, samples, timelines, source)


def stream_scores(path: Path) -> tuple[Iterator[ScorePoint], ReadReport]:
    """Open a scores file for :func:`evaluate`; the report fills as it is consumed."""
    report = ReadReport("scores", str(path))
    return iter_scores(path, report), report
