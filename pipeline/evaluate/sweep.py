"""Threshold sweep: which score threshold would have served best.

For a threshold ``t`` a key counts as detected when any of its scores is
``>= t``. Alert scores are the default source; ``replay --scores`` timelines
give the same sweep below the engine's own alerting threshold.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.evaluate.outcomes import qualifies
from pipeline.evaluate.records import ABUSE, LabelRecord
from pipeline.evaluate.stats import f1, ratio


@dataclass(frozen=True, slots=True)
class KeyMax:
    """A key's highest score overall and over the times that count as detection."""

    abuse: bool
    any: float | None = None
    qualifying: float | None = None


def key_maxima(
    labels: Mapping[str, LabelRecord],
    observations: Iterable[tuple[str, float, float]],
) -> dict[str, KeyMax]:
    """Fold ``(api_key_id, ts, score)`` observations into per-key maxima.

    Every labelled key gets an entry (``None`` maxima when it has no score).
    A score counts as a detection only on an abusive key at/after its attack start
    (:func:`~pipeline.evaluate.outcomes.qualifies`). Unlabelled keys are ignored.

    >>> labels = {"a": LabelRecord("a", "abuse", "s", attack_start=10.0)}
    >>> key_maxima(labels, [("a", 5.0, 0.9), ("a", 11.0, 0.4), ("x", 1.0, 1.0)])
    {'a': KeyMax(abuse=True, any=0.9, qualifying=0.4)}
    """
    best_any: dict[str, float] = {}
    best_q: dict[str, float] = {}
    for key, ts, score in observations:
        label = labels.get(key)
        if label is None:
            continue
        if score > best_any.get(key, -1.0):
            best_any[key] = score
        if qualifies(ts, label) and score > best_q.get(key, -1.0):
            best_q[key] = score
    return {
        key: KeyMax(label.label == ABUSE, best_any.get(key), best_q.get(key))
        for key, label in sorted(labels.items())
    }


def thresholds(steps: int) -> list[float]:
    """``steps + 1`` evenly spaced thresholds from 0 to 1.

    >>> thresholds(4)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if steps < 1:
        raise ValueError("steps must be >= 1")
    return [round(i / steps, 6) for i in range(steps + 1)]


def _count_at_least(ordered: list[float], t: float) -> int:
    return len(ordered) - bisect_left(ordered, t)


def sweep(maxima: Mapping[str, KeyMax], grid: Sequence[float]) -> list[dict[str, Any]]:
    """Precision, recall, F1 and benign FPR over keys for each threshold in ``grid``.

    >>> m = {"a": KeyMax(True, 0.9, 0.9), "b": KeyMax(False, 0.6), "c": KeyMax(True)}
    >>> [(row["threshold"], row["precision"], row["recall"]) for row in sweep(m, [0.5, 0.7])]
    [(0.5, 0.5, 0.5), (0.7, 1.0, 0.5)]
    """
    any_scores = sorted(m.any for m in maxima.values() if m.any is not None)
    q_scores = sorted(m.qualifying for m in maxima.values() if m.qualifying is not None)
    benign_scores = sorted(m.any for m in maxima.values() if not m.abuse and m.any is not None)
    abuse_keys = sum(1 for m in maxima.values() if m.abuse)
    benign_keys = len(maxima) - abuse_keys
    rows = []
    for t in grid:
        positives = _count_at_least(any_scores, t)
        tp = _count_at_least(q_scores, t)
        benign_alerted = _count_at_least(benign_scores, t)
        precision = ratio(tp, positives)
        recall = ratio(tp, abuse_keys)
        rows.append(
            {
                "threshold": t,
                "keys_flagged": positives,
                "true_positives": tp,
                "false_positives": positives - tp,
                "precision": precision,
                "recall": recall,
                "f1": f1(precision, recall),
                "benign_fpr": ratio(benign_alerted, benign_keys),
            }
        )
    return rows


def best_f1(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The row with the highest F1; ties go to the higher threshold (fewer alerts).

    ``rows`` must be in ascending threshold order, as :func:`sweep` returns them.

    ``None`` when no threshold detects anything.

    >>> best_f1([{"threshold": 0.2, "f1": 0.5}, {"threshold": 0.4, "f1": 0.5}])
    {'threshold': 0.4, 'f1': 0.5}
    """
    best: dict[str, Any] | None = None
    for row in rows:
        if row["f1"] > 0 and (best is None or row["f1"] >= best["f1"]):
            best = row
    return best


def best_f1_within_fpr(rows: Sequence[dict[str, Any]], max_fpr: float) -> dict[str, Any] | None:
    """Best-F1 row among thresholds whose benign FPR is at most ``max_fpr``.

    What an operator who can afford at most ``max_fpr`` of benign keys flagged
    would pick; ``None`` when no such threshold detects anything.

    >>> rows = [{"threshold": 0.1, "f1": 0.9, "benign_fpr": 0.3},
    ...         {"threshold": 0.8, "f1": 0.6, "benign_fpr": 0.0}]
    >>> best_f1_within_fpr(rows, 0.01)["threshold"]
    0.8
    """
    allowed = [row for row in rows if row["benign_fpr"] is None or row["benign_fpr"] <= max_fpr]
    return best_f1(allowed)
