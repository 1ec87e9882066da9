"""Ground truth: simulator labels, corrected or extended by analyst feedback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from pipeline.evaluate.records import ABUSE, BENIGN, FeedbackRecord, LabelRecord

#: Scenario given to keys that only analyst feedback labels.
FEEDBACK_SCENARIO = "feedback"


def apply_feedback(
    labels: Mapping[str, LabelRecord], feedback: Iterable[FeedbackRecord]
) -> tuple[dict[str, LabelRecord], dict[str, Any]]:
    """Return labels with analyst verdicts applied, and counts of what changed.

    The last verdict on a key wins. A verdict that flips a key's label moves it to
    scenario ``"feedback:<old scenario>"`` so simulator scenarios keep their meaning;
    a key flipped to benign leaves its campaign and has no attack start; a key
    flipped to abuse counts as abusive from its first event. A key the labels do
    not know joins scenario ``"feedback"``.

    >>> base = {"k1": LabelRecord("k1", ABUSE, "hydra", 10.0, "c1")}
    >>> fixed, counts = apply_feedback(base, [FeedbackRecord("k1", BENIGN, "reseller")])
    >>> fixed["k1"].scenario, fixed["k1"].label, fixed["k1"].campaign_id, counts["flipped"]
    ('feedback:hydra', 'benign', None, 1)
    """
    verdicts: dict[str, FeedbackRecord] = {}
    for record in feedback:
        verdicts[record.api_key_id] = record
    result = dict(labels)
    counts = {"verdicts": len(verdicts), "confirmed": 0, "flipped": 0, "added": 0}
    for key, verdict in sorted(verdicts.items()):
        current = result.get(key)
        if current is None:
            result[key] = LabelRecord(key, verdict.label, FEEDBACK_SCENARIO)
            counts["added"] += 1
        elif current.label == verdict.label:
            counts["confirmed"] += 1
        else:
            result[key] = replace(
                current,
                label=verdict.label,
                scenario=f"{FEEDBACK_SCENARIO}:{current.scenario}",
                attack_start=None,
                campaign_id=current.campaign_id if verdict.label == ABUSE else None,
            )
            counts["flipped"] += 1
    return result, counts


def count_labels(labels: Mapping[str, LabelRecord]) -> dict[str, int]:
    """Keys per label.

    >>> count_labels({"a": LabelRecord("a", ABUSE, "x"), "b": LabelRecord("b", BENIGN, "y")})
    {'keys': 2, 'abuse': 1, 'benign': 1}
    """
    abuse = sum(1 for label in labels.values() if label.label == ABUSE)
    return {"keys": len(labels), ABUSE: abuse, BENIGN: len(labels) - abuse}
