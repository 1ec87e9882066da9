"""Detection metrics from per-key outcomes: per scenario, per benign archetype, overall.

All functions are pure and return JSON-ready dicts with a fixed key order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.evaluate.outcomes import KeyOutcome
from pipeline.evaluate.records import LEVELS
from pipeline.evaluate.stats import distribution, f1, ratio


def by_scenario(outcomes: Iterable[KeyOutcome], abuse: bool) -> dict[str, list[KeyOutcome]]:
    """Group abusive (or benign) outcomes by scenario, scenarios sorted."""
    grouped: dict[str, list[KeyOutcome]] = {}
    for outcome in outcomes:
        if outcome.is_abuse == abuse:
            grouped.setdefault(outcome.label.scenario, []).append(outcome)
    return dict(sorted(grouped.items()))


def _ttd_block(outcomes: list[KeyOutcome]) -> dict[str, Any]:
    """Time-to-detect and requests-before-detection distributions, per level."""
    minutes: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    for level in LEVELS:
        detected = [o.levels[level] for o in outcomes if o.levels[level].detected]
        known = [lv.ttd_minutes for lv in detected if lv.ttd_minutes is not None]
        block = distribution(known)
        block["unknown_start"] = len(detected) - len(known)
        minutes[level] = block
        counts = [float(lv.requests_before) for lv in detected if lv.requests_before is not None]
        requests[level] = distribution(counts, digits=1) if counts else None
    return {"time_to_detect_minutes": minutes, "requests_before_detection": requests}


def _exposure(outcomes: list[KeyOutcome]) -> dict[str, Any] | None:
    """Attacker requests in total and sent before detection (undetected keys: all of them).

    ``None`` when request counts are unknown (no events file).
    """
    if any(o.attacker_requests is None for o in outcomes):
        return None
    total = sum(o.attacker_requests or 0 for o in outcomes)
    before: dict[str, Any] = {}
    for level in LEVELS:
        sent = 0
        for outcome in outcomes:
            lv = outcome.levels[level]
            if lv.detected and lv.requests_before is not None:
                sent += lv.requests_before
            else:
                sent += outcome.attacker_requests or 0
        before[level] = {"requests": sent, "share": ratio(sent, total)}
    return {"attacker_requests": total, "before_detection": before}


def abuse_scenario_row(scenario: str, outcomes: list[KeyOutcome]) -> dict[str, Any]:
    """Metrics of one abusive scenario."""
    keys = len(outcomes)
    detected = {lv: sum(o.levels[lv].detected for o in outcomes) for lv in LEVELS}
    row: dict[str, Any] = {
        "scenario": scenario,
        "keys": keys,
        "detected": detected,
        "recall": {lv: ratio(detected[lv], keys) for lv in LEVELS},
        "keys_alerted_before_attack": sum(1 for o in outcomes if o.alerts_before_start),
        "alerts_before_attack": sum(o.alerts_before_start for o in outcomes),
    }
    row.update(_ttd_block(outcomes))
    row["exposure"] = _exposure(outcomes)
    return row


def benign_archetype_row(archetype: str, outcomes: list[KeyOutcome]) -> dict[str, Any]:
    """False-positive rates of one benign archetype."""
    keys = len(outcomes)
    alerted = {lv: sum(o.levels[lv].alerted for o in outcomes) for lv in LEVELS}
    return {
        "archetype": archetype,
        "keys": keys,
        "alerted": alerted,
        "fp_rate": {lv: ratio(alerted[lv], keys) for lv in LEVELS},
        "alerts": sum(o.alerts for o in outcomes),
    }


def level_counts(outcomes: Iterable[KeyOutcome], level: str) -> dict[str, Any]:
    """Confusion counts over keys at one level, with precision, recall, F1, benign FPR.

    A key is a positive when it has any alert at ``level``; it is a true positive
    when it is abusive and one of those alerts came at/after its attack start.
    An abusive key alerted only before its attack start is a false positive and
    a false negative.
    """
    tp = fp = fn = benign = benign_alerted = 0
    for outcome in outcomes:
        lv = outcome.levels[level]
        if outcome.is_abuse:
            tp += lv.detected
            fn += not lv.detected
            fp += lv.alerted and not lv.detected
        else:
            benign += 1
            benign_alerted += lv.alerted
            fp += lv.alerted
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    return {
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1(precision, recall),
        "benign_fpr": ratio(benign_alerted, benign),
    }


def overall(outcomes: Mapping[str, KeyOutcome]) -> dict[str, Any]:
    """Overall numbers over all labelled keys."""
    values = list(outcomes.values())
    abusive = [o for o in values if o.is_abuse]
    result: dict[str, Any] = {
        "keys": len(values),
        "abuse_keys": len(abusive),
        "benign_keys": len(values) - len(abusive),
        "levels": {lv: level_counts(values, lv) for lv in LEVELS},
        "alerts": {
            "on_labelled_keys": sum(o.alerts for o in values),
            "on_abuse_keys_before_attack": sum(o.alerts_before_start for o in abusive),
            "on_benign_keys": sum(o.alerts for o in values if not o.is_abuse),
        },
    }
    result.update(_ttd_block(abusive))
    result["exposure"] = _exposure(abusive)
    return result
