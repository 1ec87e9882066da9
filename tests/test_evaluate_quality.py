"""The generalization numbers of `evaluate` on hand-made inputs whose answers are known.

Keys (T0 = attack start unless said otherwise):
  a1 bulk_harvest, tune:    400 requests 5 s apart; warning at the 40th, critical at the 100th
  a2 bulk_harvest, holdout:  50 requests a minute apart; never alerted
  a3 key_takeover, holdout: 10 owner requests, then 20 after its start; warning at the 5th
  a4 swarm, tune:           silent (no events)
  b1 support_bot, holdout:  active, critical alert
  b2 chat_app, tune:        active, warning alert
  b3 chat_app, tune:        active, no alert
  b4 chat_app, tune:        silent, warning alert (left out of the rates over active keys)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli.main import main
from pipeline.evaluate.evaluation import Evaluation, Inputs, evaluate
from pipeline.evaluate.inputs import EventIndex
from pipeline.evaluate.quality import missed_keys
from pipeline.evaluate.records import AlertRecord, LabelRecord, format_ts

T0 = 1_800_000_000.0
START3 = T0 + 3600.0


def _structure(split: str, timing: str, prompts: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"split": split, "timing": timing, "prompts": prompts}.items()))


LABELS = {
    "a1": LabelRecord("a1", "abuse", "bulk_harvest", structure=_structure("tune", "flat",
                                                                            "templates")),
    "a2": LabelRecord("a2", "abuse", "bulk_harvest",
                      structure=_structure("holdout", "duty_cycle", "grammar")),
    "a3": LabelRecord("a3", "abuse", "key_takeover", START3,
                      structure=_structure("holdout", "drip", "grammar")),
    "a4": LabelRecord("a4", "abuse", "swarm", structure=_structure("tune", "flat", "templates")),
    "b1": LabelRecord("b1", "benign", "support_bot",
                      structure=_structure("holdout", "flat", "conversation")),
    "b2": LabelRecord("b2", "benign", "chat_app",
                      structure=_structure("tune", "daily_curve", "free_text")),
    "b3": LabelRecord("b3", "benign", "chat_app",
                      structure=_structure("tune", "daily_curve", "free_text")),
    "b4": LabelRecord("b4", "benign", "chat_app",
                      structure=_structure("tune", "daily_curve", "free_text")),
}  # fmt: skip
A1 = [T0 + 5.0 * i for i in range(400)]
A2 = [T0 + 60.0 * i for i in range(50)]
A3 = [T0 + 60.0 * i for i in range(10)] + [START3 + 60.0 * i for i in range(20)]
ALERTS = [
    AlertRecord("x1", "a1", A1[39], "warning", 0.6, "ensemble", reasons=("yield=9",)),
    AlertRecord("x2", "a1", A1[99], "critical", 0.9, "ensemble", reasons=("yield=12",)),
    AlertRecord("x3", "a3", START3 + 240.0, "warning", 0.62, "ensemble",
                reasons=("change=0.8 (baseline 0.1)", "new_ip_share=1")),
    AlertRecord("x4", "b1", T0 + 500.0, "critical", 0.88, "ensemble", reasons=("n_turns=9",)),
    AlertRecord("x5", "b2", T0 + 700.0, "warning", 0.61, "ensemble", reasons=("cue=0.4",)),
    AlertRecord("x6", "b4", T0 + 900.0, "warning", 0.7, "ensemble"),
]  # fmt: skip


def _events() -> EventIndex:
    index = EventIndex()
    index.times = {"a1": list(A1), "a2": list(A2), "a3": list(A3)}
    index.active = {"a1", "a2", "a3", "b1", "b2", "b3"}
    return index


@pytest.fixture(scope="module")
def result() -> Evaluation:
    return evaluate(Inputs(LABELS, ALERTS, _events()))


def _scenario(result: Evaluation, name: str) -> dict[str, Any]:
    row = next(s for s in result.metrics["scenarios"] if s["scenario"] == name)
    return dict(row["quality"])


def test_served_before_shares_per_key_and_scenario(result: Evaluation) -> None:
    out = result.outcomes
    assert out["a1"].served == {"warning": 40 / 400, "critical": 100 / 400}
    assert out["a2"].served == {"warning": 1.0, "critical": 1.0}  # never detected: 100 %
    assert out["a3"].served == {"warning": 5 / 20, "critical": 1.0}  # from its attack start
    bulk = _scenario(result, "bulk_harvest")
    assert bulk["served_before"]["critical"] == {
        "keys": 2, "median": (0.25 + 1.0) / 2, "worst": 1.0, "mean": (0.25 + 1.0) / 2,
    }  # fmt: skip
    assert bulk["served_before"]["warning"]["median"] == pytest.approx((0.1 + 1.0) / 2)
    assert bulk["recall"] == {"warning": 0.5, "critical": 0.5}


def test_silent_keys_are_left_out_of_recall(result: Evaluation) -> None:
    swarm = _scenario(result, "swarm")
    assert (swarm["keys"], swarm["counted"], swarm["basis"]) == (1, 0, "active")
    assert swarm["recall"]["critical"] is None
    legacy = next(s for s in result.metrics["scenarios"] if s["scenario"] == "swarm")
    assert legacy["recall"]["critical"] == 0.0  # the old column still counts every key


def test_fast_keys_minutes_to_critical(result: Evaluation) -> None:
    assert result.outcomes["a1"].peak_hour == 400
    assert result.outcomes["a2"].peak_hour == 50
    fast = result.metrics["headline"]["fast"]
    assert (fast["keys"], fast["critical"], fast["not_critical"]) == (1, 1, 0)
    assert fast["minutes_to_critical"]["p50"] == round((A1[99] - T0) / 60, 1)


def test_benign_rates_count_only_keys_that_sent_something(result: Evaluation) -> None:
    benign = result.metrics["headline"]["benign"]
    assert (benign["counted"], benign["critical"], benign["any"]) == (3, 1, 2)
    assert benign["critical_rate"] == round(1 / 3, 6) and benign["any_rate"] == round(2 / 3, 6)
    chat = next(b for b in result.metrics["benign_archetypes"] if b["archetype"] == "chat_app")
    assert chat["quality"]["counted"] == 2 and chat["quality"]["any"] == 1
    assert chat["fp_rate"]["warning"] == round(2 / 3, 6)  # the old column: every labelled key


def test_headline_means_over_scenarios(result: Evaluation) -> None:
    h = result.metrics["headline"]
    # bulk_harvest 1/2, key_takeover 0/1; swarm counted no key and is left out of the mean.
    assert h["mean_scenario_recall"]["critical"] == pytest.approx((0.5 + 0.0) / 2)
    served = h["served_before"]["critical"]
    assert served["mean_scenario_median"] == pytest.approx((0.625 + 1.0) / 2)
    assert served["worst_key"] == 1.0


def test_generalization_puts_held_out_next_to_tune(result: Evaluation) -> None:
    g = result.metrics["generalization"]
    splits = {row["split"]: row for row in g["splits"]}
    holdout, tune = splits["holdout"], splits["tune"]
    assert holdout["attack"]["counted"] == 2 and holdout["attack"]["recall"]["critical"] == 0.0
    assert holdout["attack"]["served_before"]["critical"]["median"] == 1.0
    assert tune["attack"]["recall"]["critical"] == 1.0  # a1 (a4 sent nothing)
    assert tune["attack"]["served_before"]["critical"]["median"] == 0.25
    assert (holdout["benign"]["critical_rate"], holdout["benign"]["any_rate"]) == (1.0, 1.0)
    assert (tune["benign"]["critical_rate"], tune["benign"]["any_rate"]) == (0.0, 0.5)
    # Every scenario weighs alike: holdout has bulk_harvest 0/1 and key_takeover 0/1.
    assert holdout["scenario_means"]["recall"]["critical"] == 0.0
    assert tune["scenario_means"]["served_before_median"]["critical"] == 0.25  # swarm: none
    per = {(row["scenario"], row["split"]): row for row in g["scenarios"]}
    assert per[("bulk_harvest", "tune")]["recall"]["critical"] == 1.0
    assert per[("bulk_harvest", "holdout")]["recall"]["critical"] == 0.0


def test_structure_breakdown_per_axis_value(result: Evaluation) -> None:
    timing = {row["value"]: row for row in result.metrics["structures"]["timing"]}
    assert set(timing) == {"flat", "duty_cycle", "drip", "daily_curve"}
    assert timing["flat"]["attack"]["recall"]["critical"] == 1.0  # a1 (a4 silent)
    assert timing["flat"]["benign"]["critical"] == 1  # b1
    assert timing["drip"]["attack"]["served_before"]["warning"]["median"] == 0.25


def test_missed_and_flagged_keys_are_listed_with_reasons(result: Evaluation) -> None:
    missed = result.metrics["missed_attack_keys"]
    assert missed["total"] == 2  # a2 and a3; a1 was caught, a4 sent nothing
    first, second = missed["listed"]
    assert (first["api_key_id"], first["requests_served"], first["reasons"]) == (
        "a2", 50, ["no alert"]
    )  # fmt: skip
    assert second["api_key_id"] == "a3" and second["reached"] == "warning"
    assert second["reasons"] == ["change=0.8 (baseline 0.1)", "new_ip_share=1"]
    assert second["structure"]["timing"] == "drip"
    flagged = result.metrics["flagged_benign_keys"]
    assert [f["api_key_id"] for f in flagged["listed"]] == ["b1", "b4", "b2"]
    assert flagged["listed"][0]["severity"] == "critical"
    assert flagged["listed"][0]["reasons"] == ["n_turns=9"]
    assert flagged["listed"][1]["reasons"] == ["ensemble: no reasons given"]
    assert flagged["listed"][0]["at"] == format_ts(T0 + 500.0)
    assert len(missed_keys(result.outcomes.values(), limit=1)["listed"]) == 1


def test_without_events_rates_count_every_labelled_key() -> None:
    metrics = evaluate(Inputs(LABELS, ALERTS)).metrics
    benign = metrics["headline"]["benign"]
    assert (benign["basis"], benign["counted"], benign["any"]) == ("labelled", 4, 3)
    assert metrics["events_given"] is False
    swarm = next(s for s in metrics["scenarios"] if s["scenario"] == "swarm")["quality"]
    assert swarm["counted"] == 1 and swarm["served_before"]["critical"]["keys"] == 0


def test_labels_without_structure_still_evaluate() -> None:
    plain = {
        key: LabelRecord(x.api_key_id, x.label, x.scenario, x.attack_start)
        for key, x in LABELS.items()
    }
    metrics = evaluate(Inputs(plain, ALERTS, _events())).metrics
    assert metrics["generalization"] is None and metrics["structures"] == {}
    assert metrics["headline"]["benign"]["counted"] == 3


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_cli_reports_the_new_sections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = [
        {
            "api_key_id": x.api_key_id,
            "account_id": None,
            "label": x.label,
            "scenario": x.scenario,
            "campaign_id": None,
            "attack_start": None if x.attack_start is None else format_ts(x.attack_start),
            **({"structure": dict(x.structure)} if x.api_key_id != "b3" else {}),
        }
        for x in LABELS.values()
    ]  # fmt: skip  (b3's line has no structure: old and new lines mix)
    alerts = [
        {"alert_id": a.alert_id, "api_key_id": a.api_key_id, "ts": format_ts(a.ts),
         "severity": a.severity, "score": a.score, "detector": a.detector,
         "reasons": [{"feature": r.split("=")[0], "value": 1.0, "baseline": 0.5}
                     for r in a.reasons]}
        for a in ALERTS
    ]  # fmt: skip
    times = {"a1": A1, "a2": A2, "a3": A3, "b1": [T0], "b2": [T0], "b3": [T0]}
    events = [
        {"ts": t, "api_key_id": key, "request_id": f"{key}-{i}", "prompt_tokens": 1,
         "completion_tokens": 1}
        for key, series in times.items()
        for i, t in enumerate(series)
    ]  # fmt: skip
    out = tmp_path / "out"
    code = main([
        "evaluate", str(_write(tmp_path / "alerts.jsonl", alerts)),
        str(_write(tmp_path / "labels.jsonl", labels)), "--events",
        str(_write(tmp_path / "events.jsonl", events)), "--out", str(out),
    ])  # fmt: skip
    console = capsys.readouterr().out
    assert code == 0
    report = (out / "report.md").read_text()
    sections = (
        "## Headline",
        "## Generalization",
        "## Missed attack keys",
        "## Falsely flagged benign keys",
        "### timing",
        "change=1 (baseline 0.5)",
    )
    for text in sections:
        assert text in report, text
    assert "| a2 | bulk_harvest |" in report and "no alert" in report
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["schema"] == "distillwatch.evaluate/v2"
    assert metrics["headline"]["benign"]["counted"] == 3
    assert "headline" in console and "split holdout" in console


def test_a_missed_key_shows_where_its_evidence_peaked() -> None:
    from pipeline.evaluate.records import ScorePoint

    points = [
        ScorePoint("a2", A2[10], 0.2, 3.0, (("yield", 3.0), ("structure", 0.0))),
        ScorePoint("a2", A2[30], 0.5, 5.5, (("elicitation", 2.5), ("yield", 3.0))),
        ScorePoint("a2", A2[40], 0.4, 4.0, (("yield", 3.0), ("elicitation", 1.0))),
        ScorePoint("a1", A1[5], 0.3, None),  # a score file without evidence: nothing kept
    ]
    metrics = evaluate(Inputs(LABELS, ALERTS), score_points=points).metrics
    listed = {m["api_key_id"]: m for m in metrics["missed_attack_keys"]["listed"]}
    peak = listed["a2"]["peak_evidence"]
    assert peak["total"] == 5.5 and peak["ts"] == format_ts(A2[30])
    assert list(peak["evidence"]) == ["yield", "elicitation"]  # largest first
    assert listed["a3"]["peak_evidence"] is None
