"""Unit tests of the evaluation's pure metrics on tiny hand-built inputs.

Expected values are derived in the test from the fixture's own constants, or by
a brute-force reference written here independently of pipeline.evaluate.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluate.campaigns import campaign_metrics
from pipeline.evaluate.evaluation import sample_keys
from pipeline.evaluate.inputs import EventIndex
from pipeline.evaluate.metrics import abuse_scenario_row, benign_archetype_row, overall
from pipeline.evaluate.outcomes import key_outcomes
from pipeline.evaluate.records import AlertRecord, FeedbackRecord, LabelRecord
from pipeline.evaluate.stats import percentile
from pipeline.evaluate.sweep import best_f1, best_f1_within_fpr, key_maxima, sweep, thresholds
from pipeline.evaluate.truth import apply_feedback

T0 = 1_800_000_000.0
TAKEOVER_START = T0 + 3600

LABELS = {
    "h1": LabelRecord("h1", "abuse", "hydra", T0, "c1"),
    "h2": LabelRecord("h2", "abuse", "hydra", T0, "c1"),
    "h3": LabelRecord("h3", "abuse", "hydra", T0, "c1"),
    "t1": LabelRecord("t1", "abuse", "takeover", TAKEOVER_START),
    "t2": LabelRecord("t2", "abuse", "takeover", TAKEOVER_START),
    "b1": LabelRecord("b1", "benign", "batch"),
    "b2": LabelRecord("b2", "benign", "batch"),
    "e1": LabelRecord("e1", "benign", "eval"),
}
H1_WARN, H1_CRIT, H2_WARN = T0 + 600, T0 + 1200, T0 + 300
T1_EARLY, T1_CRIT, T2_EARLY = T0 + 1800, TAKEOVER_START + 120, T0 + 60
ALERTS = [
    AlertRecord("a1", "h1", H1_WARN, "warning", 0.6, "ens", "X"),
    AlertRecord("a2", "h1", H1_CRIT, "critical", 0.9, "ens", "X"),
    AlertRecord("a3", "h2", H2_WARN, "warning", 0.55, "ens"),
    AlertRecord("a4", "t1", T1_EARLY, "warning", 0.7, "ens"),  # before its takeover: FP
    AlertRecord("a5", "t1", T1_CRIT, "critical", 0.95, "ens"),
    AlertRecord("a6", "t2", T2_EARLY, "critical", 0.8, "ens"),  # only before takeover
    AlertRecord("a7", "b1", T0 + 100, "warning", 0.58, "ens", "X"),  # benign in a campaign
    AlertRecord("a8", "e1", T0 + 50, "critical", 0.85, "ens"),
    AlertRecord("a9", "nobody", T0, "warning", 0.99, "ens"),  # unlabelled: ignored
]


def _events() -> EventIndex:
    index = EventIndex()
    for key in ("h1", "h2", "h3"):
        index.times[key] = [T0 + 60 * i for i in range(51)]
    for key in ("t1", "t2"):
        index.times[key] = [T0 + 60 * i for i in range(121)]
    return index


def test_per_key_detection_respects_attack_start() -> None:
    out = key_outcomes(LABELS, ALERTS)
    assert out["h1"].levels["warning"].first_ts == H1_WARN
    assert out["h1"].levels["critical"].first_ts == H1_CRIT
    # t1's early warning is not a detection; its later critical counts at both levels.
    assert out["t1"].levels["warning"].first_ts == T1_CRIT
    assert out["t1"].alerts_before_start == 1
    # t2 was alerted, but only before its attack started: alerted, not detected.
    assert out["t2"].levels["critical"].alerted and not out["t2"].levels["critical"].detected
    assert not out["h3"].levels["warning"].alerted
    assert "nobody" not in out


def test_alert_exactly_at_attack_start_is_a_detection_with_zero_delay() -> None:
    label = LabelRecord("k", "abuse", "takeover", TAKEOVER_START)
    just_before = AlertRecord("x0", "k", TAKEOVER_START - 0.001, "critical", 0.9, "ens")
    at_start = AlertRecord("x1", "k", TAKEOVER_START, "warning", 0.6, "ens")
    out = key_outcomes({"k": label}, [just_before, at_start])["k"]
    assert out.levels["warning"].detected and out.levels["warning"].ttd_minutes == 0.0
    assert not out.levels["critical"].detected and out.alerts_before_start == 1


def test_scenario_rows_recall_and_time_to_detect() -> None:
    out = key_outcomes(LABELS, ALERTS, _events())
    hydra = abuse_scenario_row("hydra", [out[k] for k in ("h1", "h2", "h3")])
    assert hydra["detected"] == {"warning": 2, "critical": 1}
    assert hydra["recall"]["warning"] == round(2 / 3, 6)
    minutes = sorted([(H1_WARN - T0) / 60, (H2_WARN - T0) / 60])
    ttd = hydra["time_to_detect_minutes"]["warning"]
    assert ttd["n"] == 2
    assert ttd["p50"] == pytest.approx(sum(minutes) / 2)
    assert ttd["p90"] == pytest.approx(minutes[0] + 0.9 * (minutes[1] - minutes[0]))
    assert ttd["max"] == pytest.approx(minutes[1])
    # Requests before detection: events in [start, first alert], inclusive.
    times = _events().times["h1"]
    expected_h1 = sum(1 for t in times if T0 <= t <= H1_WARN)
    assert out["h1"].levels["warning"].requests_before == expected_h1
    takeover = abuse_scenario_row("takeover", [out["t1"], out["t2"]])
    assert takeover["recall"] == {"warning": 0.5, "critical": 0.5}
    assert takeover["keys_alerted_before_attack"] == 2
    assert takeover["time_to_detect_minutes"]["critical"]["max"] == pytest.approx(
        (T1_CRIT - TAKEOVER_START) / 60
    )
    # Exposure: attacker requests after the takeover; t2 undetected sends all of them.
    after = [t for t in _events().times["t1"] if t >= TAKEOVER_START]
    before_t1 = sum(1 for t in after if t <= T1_CRIT)
    exposure = takeover["exposure"]
    assert exposure["attacker_requests"] == 2 * len(after)
    assert exposure["before_detection"]["critical"]["requests"] == before_t1 + len(after)


def test_benign_archetype_false_positive_rates() -> None:
    out = key_outcomes(LABELS, ALERTS)
    batch = benign_archetype_row("batch", [out["b1"], out["b2"]])
    assert batch["alerted"] == {"warning": 1, "critical": 0}
    assert batch["fp_rate"] == {"warning": 0.5, "critical": 0.0}
    evals = benign_archetype_row("eval", [out["e1"]])
    assert evals["fp_rate"] == {"warning": 1.0, "critical": 1.0}


def _reference_counts(level: str) -> tuple[int, int, int, int, int]:
    """Brute force over the raw lists: (tp, fp, fn, benign, benign alerted)."""
    rank = {"warning": 0, "critical": 1}
    tp = fp = fn = benign = benign_alerted = 0
    for key, label in LABELS.items():
        mine = [a for a in ALERTS if a.api_key_id == key and rank[a.severity] >= rank[level]]
        good = [a for a in mine if label.label == "abuse" and a.ts >= (label.attack_start or 0)]
        if label.label == "abuse":
            tp += bool(good)
            fn += not good
            fp += bool(mine) and not good
        else:
            benign += 1
            benign_alerted += bool(mine)
            fp += bool(mine)
    return tp, fp, fn, benign, benign_alerted


@pytest.mark.parametrize("level", ["warning", "critical"])
def test_overall_precision_recall_against_brute_force(level: str) -> None:
    result = overall(key_outcomes(LABELS, ALERTS))["levels"][level]
    tp, fp, fn, benign, benign_alerted = _reference_counts(level)
    assert (result["true_positives"], result["false_positives"], result["false_negatives"]) == (
        tp,
        fp,
        fn,
    )
    assert result["precision"] == pytest.approx(tp / (tp + fp), abs=1e-6)
    assert result["recall"] == pytest.approx(tp / (tp + fn), abs=1e-6)
    p, r = tp / (tp + fp), tp / (tp + fn)
    assert result["f1"] == pytest.approx(2 * p * r / (p + r), abs=1e-6)
    assert result["benign_fpr"] == pytest.approx(benign_alerted / benign, abs=1e-6)


def _reference_sweep_row(
    labels: dict[str, LabelRecord], alerts: list[AlertRecord], t: float
) -> tuple[int, int, int, int]:
    """(keys flagged, true positives, abusive keys, benign keys flagged) at threshold t."""
    flagged = {a.api_key_id for a in alerts if a.score >= t and a.api_key_id in labels}
    tp = {
        a.api_key_id
        for a in alerts
        if a.score >= t
        and a.api_key_id in labels
        and labels[a.api_key_id].label == "abuse"
        and a.ts >= (labels[a.api_key_id].attack_start or -math.inf)
    }
    abusive = sum(1 for label in labels.values() if label.label == "abuse")
    benign_flagged = sum(1 for k in flagged if labels[k].label == "benign")
    return len(flagged), len(tp), abusive, benign_flagged


def test_sweep_best_threshold() -> None:
    obs = ((a.api_key_id, a.ts, a.score) for a in ALERTS)
    rows = sweep(key_maxima(LABELS, obs), thresholds(100))
    best = best_f1(rows)
    assert best is not None
    # Reference: best F1 over the same grid, ties to the higher threshold.
    ref_best = (-1.0, -1.0)
    for t in thresholds(100):
        flagged, tp, abusive, _ = _reference_sweep_row(LABELS, ALERTS, t)
        p = tp / flagged if flagged else 0.0
        r = tp / abusive
        score = 2 * p * r / (p + r) if p + r else 0.0
        if score > 0 and round(score, 6) >= round(ref_best[0], 6):
            ref_best = (score, t)
    assert best["threshold"] == ref_best[1]
    assert best["f1"] == pytest.approx(ref_best[0], abs=1e-6)


_keys = st.sampled_from([f"k{i}" for i in range(6)])


@st.composite
def _cases(draw: st.DrawFn) -> tuple[dict[str, LabelRecord], list[AlertRecord]]:
    labels = {}
    for key in draw(st.sets(_keys, min_size=1)):
        abuse = draw(st.booleans())
        start = draw(st.sampled_from([None, 0.0, 50.0])) if abuse else None
        labels[key] = LabelRecord(key, "abuse" if abuse else "benign", "s", start)
    alerts = [
        AlertRecord(f"a{i}", key, ts, sev, score, "d")
        for i, (key, ts, sev, score) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        _keys,
                        st.sampled_from([0.0, 25.0, 50.0, 75.0]),
                        st.sampled_from(["warning", "critical"]),
                        st.sampled_from([0.0, 0.3, 0.5, 0.77, 1.0]),
                    ),
                    max_size=12,
                )
            )
        )
    ]
    return labels, alerts


@settings(max_examples=60, deadline=None)
@given(_cases())
def test_sweep_matches_brute_force(case: tuple[dict[str, LabelRecord], list[AlertRecord]]) -> None:
    labels, alerts = case
    grid = thresholds(20)
    rows = sweep(key_maxima(labels, ((a.api_key_id, a.ts, a.score) for a in alerts)), grid)
    benign = sum(1 for label in labels.values() if label.label == "benign")
    for row, t in zip(rows, grid, strict=True):
        flagged, tp, abusive, benign_flagged = _reference_sweep_row(labels, alerts, t)
        assert (row["keys_flagged"], row["true_positives"]) == (flagged, tp)
        assert row["precision"] == (round(tp / flagged, 6) if flagged else None)
        assert row["recall"] == (round(tp / abusive, 6) if abusive else None)
        assert row["benign_fpr"] == (round(benign_flagged / benign, 6) if benign else None)


def test_campaign_coverage_and_benign_pulled_in() -> None:
    result = campaign_metrics(key_outcomes(LABELS, ALERTS), ALERTS)
    (c1,) = result["campaigns"]
    members = [k for k, label in LABELS.items() if label.campaign_id == "c1"]
    member_alerts = [a for a in ALERTS if a.api_key_id in members]
    assert c1["members"] == len(members)
    assert c1["members_alerted"] == 2  # h1, h2 (h3 never alerted)
    assert c1["members_in_detected_campaign"] == 1  # only h1's alerts carry a campaign id
    assert c1["alerts"] == len(member_alerts)
    assert c1["alerts_with_campaign_id"] == sum(1 for a in member_alerts if a.campaign_id)
    assert c1["detected_campaign_ids"] == ["X"]
    assert c1["benign_keys_pulled_in"] == 1
    assert result["benign_keys_pulled_in_sample"] == ["b1"]
    assert result["detected_campaigns_without_abuse"] == 0


def test_feedback_overrides_and_extends_labels() -> None:
    fixed, counts = apply_feedback(
        LABELS,
        [
            FeedbackRecord("b2", "abuse", "confirmed harvesting"),
            FeedbackRecord("h1", "abuse", "confirmed"),
            FeedbackRecord("new", "benign", "partner"),
            FeedbackRecord("e1", "abuse", "first verdict"),
            FeedbackRecord("e1", "benign", "second verdict wins"),
        ],
    )
    assert counts == {"verdicts": 4, "confirmed": 2, "flipped": 1, "added": 1}
    assert fixed["b2"].label == "abuse" and fixed["b2"].scenario == "feedback:batch"
    assert fixed["new"].scenario == "feedback"
    assert fixed["e1"] == LABELS["e1"]
    # A benign key flipped to abuse counts as abusive from its first event.
    out = key_outcomes(fixed, ALERTS)
    assert out["b2"].is_abuse and not out["b2"].levels["warning"].detected
    assert LABELS["b2"].label == "benign"  # input not mutated


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.floats(0, 100))
def test_percentile_is_between_neighbours(values: list[float], q: float) -> None:
    result = percentile(values, q)
    assert result is not None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    assert ordered[math.floor(pos)] - 1e-6 <= result <= ordered[math.ceil(pos)] + 1e-6


def test_sample_keys_show_both_outcomes_in_key_order() -> None:
    samples = sample_keys(key_outcomes(LABELS, ALERTS), per_group=2)
    assert samples["hydra (abuse)"] == ["h1", "h3"]  # first alerted, first quiet
    assert samples["batch (benign)"] == ["b1", "b2"]
    assert samples["eval (benign)"] == ["e1"]
    assert sample_keys(key_outcomes(LABELS, ALERTS), per_group=1)["takeover (abuse)"] == ["t1"]


def test_best_threshold_within_a_benign_fpr_budget() -> None:
    obs = [(a.api_key_id, a.ts, a.score) for a in ALERTS]
    rows = sweep(key_maxima(LABELS, obs), thresholds(100))
    budget = 0.0
    picked = best_f1_within_fpr(rows, budget)
    assert picked is not None
    # Reference: among thresholds flagging no benign key, the highest F1 (ties: higher t).
    benign = [k for k, label in LABELS.items() if label.label == "benign"]
    allowed = [
        row
        for row, t in zip(rows, thresholds(100), strict=True)
        if not any(a.api_key_id in benign and a.score >= t for a in ALERTS)
    ]
    best = max(allowed, key=lambda row: (row["f1"], row["threshold"]))
    assert picked["threshold"] == best["threshold"] and picked["benign_fpr"] == 0.0


def test_labelled_campaigns_map_to_their_detected_ids() -> None:
    # A labelled campaign split over two detected ids, and one detected id shared by two
    # labelled campaigns (and a benign key), both show.
    labels = {
        "m1": LabelRecord("m1", "abuse", "hydra", T0, "L1"),
        "m2": LabelRecord("m2", "abuse", "hydra", T0, "L1"),
        "m3": LabelRecord("m3", "abuse", "hydra", T0, "L1"),
        "n1": LabelRecord("n1", "abuse", "swarm", T0, "L2"),
        "b1": LabelRecord("b1", "benign", "chat"),
    }
    alerts = [
        AlertRecord("a1", "m1", T0 + 60, "critical", 0.9, "campaign", "D1"),
        AlertRecord("a2", "m2", T0 + 120, "critical", 0.9, "campaign", "D1"),
        AlertRecord("a3", "m3", T0 + 30, "critical", 0.9, "campaign", "D2"),
        AlertRecord("a4", "n1", T0 + 90, "critical", 0.9, "campaign", "D2"),
        AlertRecord("a5", "b1", T0 + 90, "warning", 0.7, "campaign", "D2"),
    ]
    result = campaign_metrics(key_outcomes(labels, alerts), alerts)
    l1 = next(c for c in result["campaigns"] if c["campaign_id"] == "L1")
    parts = [(p["detected_id"], p["members"], p["other_labelled_campaigns"], p["benign_keys"])
             for p in l1["detected_campaign_map"]]  # fmt: skip
    assert parts == [("D1", 2, [], 0), ("D2", 1, ["L2"], 1)]
    assert l1["detected_campaign_map"][0]["first_alert_ts"] == T0 + 60
    assert l1["members_without_campaign_id"] == 0
    assert result["detected_ids_spanning_labelled_campaigns"] == ["D2"]
