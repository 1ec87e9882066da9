"""Alerts and episodes: when a key is alerted, under which id, and in which shape.

The shape is checked field by field against ALERTS.md v1 (transcribed below, and the
transcription checked against the contract in the repository, docs/contracts/ALERTS.md).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from detectors.alerts import Alert, Episode, EpisodeTracker, Reason, alert_id
from detectors.config import EngineConfig
from detectors.timestamps import format_ts

CONFIG = EngineConfig()
WARNING, CRITICAL = CONFIG.warning_threshold, CONFIG.critical_threshold
RECOVER, RECOVERY = CONFIG.recover_threshold, CONFIG.recovery_seconds
T0 = 1_791_158_400.0
DETECTOR = "extraction_ensemble"

# ALERTS.md v1, "Alert object": field -> (required, allowed JSON types).
CONTRACT: dict[str, tuple[bool, tuple[type, ...]]] = {
    "alert_id": (True, (str,)),
    "api_key_id": (True, (str,)),
    "account_id": (True, (str, type(None))),
    "ts": (True, (str,)),
    "severity": (True, (str,)),
    "score": (True, (int, float)),
    "detector": (True, (str,)),
    "reasons": (True, (list,)),
    "summary": (False, (str,)),
    "campaign_id": (False, (str,)),
    "related_keys": (False, (list,)),
}
CONTRACT_FILE = Path(__file__).resolve().parents[2] / "docs" / "contracts" / "ALERTS.md"


def tracker() -> EpisodeTracker:
    return EpisodeTracker(WARNING, CRITICAL, RECOVER, RECOVERY)


def run(scores: list[tuple[float, float]], episode: Episode | None = None) -> list[str | None]:
    """Feed (score, seconds after T0) pairs; the severities alerted at."""
    ep = episode if episode is not None else Episode()
    t = tracker()
    return [t.update(ep, score, T0 + at) for score, at in scores]


# -- episodes -----------------------------------------------------------------------------


def test_below_warning_nothing_opens() -> None:
    ep = Episode()
    assert run([(WARNING - 0.01, 0), (0.0, 60), (RECOVER, 120)], ep) == [None] * 3
    assert ep.number == 0 and ep.severity is None


def test_a_warning_opens_at_the_threshold_and_escalates_once() -> None:
    ep = Episode()
    out = run(
        [(WARNING, 0), (WARNING + 0.05, 60), (CRITICAL, 120), (0.99, 180), (WARNING, 240)], ep
    )
    assert out == ["warning", None, "critical", None, None]
    assert ep.number == 1 and ep.severity == "critical"
    assert ep.peak_score == 0.99


def test_a_key_can_open_at_critical_and_is_not_re_alerted_lower() -> None:
    ep = Episode()
    assert run([(0.95, 0), (WARNING, 60), (CRITICAL, 120)], ep) == ["critical", None, None]
    assert ep.number == 1


def test_one_alert_per_episode_and_severity_however_long_it_lasts() -> None:
    scores = [(0.9 if i % 3 == 2 else 0.7, i * 300.0) for i in range(200)]
    out = run(scores)
    assert out.count("warning") == 1
    assert out.count("critical") == 1


def test_an_episode_closes_after_recovery_seconds_of_calm() -> None:
    ep = Episode()
    t = tracker()
    assert t.update(ep, 0.9, T0) == "critical"
    assert t.update(ep, RECOVER - 0.01, T0 + 100) is None  # calm starts
    assert t.update(ep, 0.1, T0 + 100 + RECOVERY - 1) is None
    assert ep.severity == "critical"  # not calm for long enough yet
    assert t.update(ep, 0.1, T0 + 100 + RECOVERY) is None
    assert ep.severity is None
    assert t.update(ep, WARNING, T0 + 100 + RECOVERY + 60) == "warning"
    assert ep.number == 2


def test_calm_must_be_continuous() -> None:
    ep = Episode()
    t = tracker()
    t.update(ep, 0.9, T0)
    t.update(ep, 0.1, T0 + 60)
    # Between recover and warning: not anomalous enough to alert, not calm either.
    assert t.update(ep, (RECOVER + WARNING) / 2, T0 + 60 + RECOVERY / 2) is None
    t.update(ep, 0.1, T0 + 120 + RECOVERY / 2)
    t.update(ep, 0.1, T0 + 60 + RECOVERY + 1)
    assert ep.severity == "critical"
    assert t.update(ep, 0.9, T0 + 60 + RECOVERY + 2) is None  # same episode, no new alert
    assert ep.number == 1


def test_recovery_is_measured_in_event_time() -> None:
    # Many calm scores close together do not close an episode; two far apart do.
    ep = Episode()
    t = tracker()
    t.update(ep, 0.9, T0)
    for i in range(1000):
        t.update(ep, 0.0, T0 + 1 + i)
    assert ep.severity == "critical"
    t.update(ep, 0.0, T0 + 1 + RECOVERY)
    assert ep.severity is None


def test_a_key_that_went_quiet_after_calming_down_alerts_again() -> None:
    ep = Episode()
    out = run([(0.9, 0), (0.1, 300), (0.9, 300 + 2 * RECOVERY)], ep)
    assert out == ["critical", None, "critical"]
    assert ep.number == 2


def test_each_new_episode_gets_the_next_number() -> None:
    ep = Episode()
    t = tracker()
    numbers = []
    at = T0
    for _ in range(4):
        assert t.update(ep, 0.9, at) == "critical"
        numbers.append(ep.number)
        t.update(ep, 0.0, at + 60)
        t.update(ep, 0.0, at + 60 + RECOVERY)
        at += 60 + RECOVERY + 60
    assert numbers == [1, 2, 3, 4]


def test_severity_of_follows_the_thresholds() -> None:
    t = tracker()
    grid = [i / 100 for i in range(101)]
    ranks = [{None: 0, "warning": 1, "critical": 2}[t.severity_of(s)] for s in grid]
    assert ranks == sorted(ranks)
    assert t.severity_of(WARNING) == "warning" and t.severity_of(CRITICAL) == "critical"
    assert t.severity_of(WARNING - 1e-9) is None


# -- alert ids ----------------------------------------------------------------------------


def test_alert_id_is_deterministic_and_hex() -> None:
    first = alert_id("key-1", DETECTOR, 3, "critical")
    assert first == alert_id("key-1", DETECTOR, 3, "critical")
    assert re.fullmatch(r"[0-9a-f]{32}", first)


def test_alert_id_differs_by_key_detector_episode_and_severity() -> None:
    base = ("key-1", DETECTOR, 1, "warning")
    variants = [
        base,
        ("key-2", DETECTOR, 1, "warning"),
        ("key-1", "campaign", 1, "warning"),
        ("key-1", DETECTOR, 2, "warning"),
        ("key-1", DETECTOR, 1, "critical"),
        ("key-11", DETECTOR, 1, "warning"),
        ("key-1", DETECTOR, 11, "warning"),
    ]
    ids = [alert_id(*v) for v in variants]
    assert len(set(ids)) == len(ids)


def test_alert_id_fields_do_not_run_into_each_other() -> None:
    # Concatenating without a separator would make these two the same string.
    assert alert_id("k1", DETECTOR, 23, "warning") != alert_id("k12", DETECTOR, 3, "warning")


# -- the alert object ---------------------------------------------------------------------


def _alert(**changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "alert_id": alert_id("key-1", DETECTOR, 1, "critical"),
        "api_key_id": "key-1",
        "account_id": "acct-1",
        "ts": format_ts(T0 + 3723.25),
        "severity": "critical",
        "score": 0.912345678,
        "detector": DETECTOR,
        "reasons": (
            Reason("template_share", 0.93, 0.1),
            Reason("active_hours_24h", 24.0, 9.0),
            Reason("output_tokens_mean", 1523.123456, 310.0),
        ),
    }
    fields.update(changes)
    return Alert(**fields)


def _check_contract(d: dict[str, Any]) -> None:
    for name, (required, types) in CONTRACT.items():
        if required:
            assert name in d, name
        if name in d:
            assert isinstance(d[name], types), (name, type(d[name]))
    assert set(d) <= set(CONTRACT)
    assert d["severity"] in ("warning", "critical")
    assert 0.0 <= d["score"] <= 1.0
    assert d["ts"].endswith("Z")
    parsed = datetime.fromisoformat(d["ts"].replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert d["reasons"], "an alert explains itself"
    for reason in d["reasons"]:
        assert set(reason) == {"feature", "value", "baseline"}
        assert isinstance(reason["feature"], str)
        assert isinstance(reason["value"], int | float)
        assert isinstance(reason["baseline"], int | float)
    if "campaign_id" in d or "related_keys" in d:
        assert "campaign_id" in d and "related_keys" in d
        assert all(isinstance(k, str) for k in d["related_keys"])


def test_a_key_alert_matches_the_contract_field_by_field() -> None:
    d = _alert().to_dict()
    _check_contract(d)
    assert list(d) == [name for name, (required, _) in CONTRACT.items() if required]
    assert d["ts"] == "2026-10-05T01:02:03.250Z"
    assert orjson.loads(_alert().to_json()) == d


def test_an_unknown_account_is_null_not_missing() -> None:
    d = _alert(account_id=None).to_dict()
    _check_contract(d)
    assert "account_id" in d and d["account_id"] is None


def test_campaign_fields_appear_only_on_campaign_alerts() -> None:
    d = _alert(
        campaign_id="camp-7",
        related_keys=("key-2", "key-3"),
        detector="campaign",
        summary="Critical (score 0.91): member of campaign camp-7 with 2 other keys.",
    )
    out = d.to_dict()
    _check_contract(out)
    assert list(out) == list(CONTRACT)
    assert out["related_keys"] == ["key-2", "key-3"]
    assert "campaign_id" not in _alert().to_dict()


def test_numbers_are_rounded_and_reasons_keep_their_order() -> None:
    d = _alert().to_dict()
    assert d["score"] == round(0.912345678, 4)
    assert [r["feature"] for r in d["reasons"]] == [
        "template_share",
        "active_hours_24h",
        "output_tokens_mean",
    ]
    assert d["reasons"][2]["value"] == round(1523.123456, 4)


def test_the_same_alert_serialises_to_the_same_bytes() -> None:
    assert _alert().to_json() == _alert().to_json()
    assert b"\n" not in _alert().to_json()


def test_the_transcribed_contract_matches_the_contract_file() -> None:
    text = CONTRACT_FILE.read_text()
    section = text.split("## Alert object", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    assert [name for name, _ in rows] == list(CONTRACT)
    for name, kind in rows:
        assert ("optional" not in kind) == CONTRACT[name][0], name


# -- reasons as the engine builds them ----------------------------------------------------


def test_engine_reasons_are_the_strongest_parts_first_with_their_baselines() -> None:
    from detectors.engine.explain import MAX_REASONS, reasons
    from detectors.engine.scoring import Verdict
    from detectors.evidence.families import Evidence, Part
    from detectors.evidence.statistics import key_statistics
    from detectors.evidence.support import Support

    families = (
        Evidence("yield", 2.0, (Part("answer_tokens", 900.0, 120.0, 3.0, 1.0),
                                Part("output_per_input", 12.0, 0.2, 4.0, 1.5))),
        Evidence("elicitation", 2.5, (Part("elicitation_share", 0.9, 0.01, 8.0, 2.5),)),
        Evidence("structure", -1.0, (Part("context_spread", 0.9, 0.0, 0.0, -1.0),)),
    )  # fmt: skip
    quiet = Support(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    verdict = Verdict(0.9, 8.0, "day", families, quiet, 0.0, key_statistics([0.0] * 40))
    out = reasons(verdict)
    assert [r.feature for r in out] == ["elicitation_share", "output_per_input", "answer_tokens"]
    assert out[1].value == 12.0 and out[1].baseline == 0.2
    assert len(reasons(verdict, "harvest_like.")) <= MAX_REASONS
    assert reasons(verdict, "harvest_like.")[0].feature == "harvest_like.elicitation_share"


def test_the_support_that_tipped_an_alert_keeps_a_place_among_its_reasons() -> None:
    from detectors.engine.explain import MAX_REASONS, reasons
    from detectors.engine.scoring import Verdict
    from detectors.evidence.families import Evidence, Part
    from detectors.evidence.statistics import key_statistics
    from detectors.evidence.support import Support

    parts = tuple(Part(f"part_{i}", 1.0, 0.0, 1.0, 2.0 - 0.1 * i) for i in range(6))
    families = (Evidence("yield", 3.0, parts),)
    changed = Support(*[0.0] * 13)._replace(change=1.0, change_by_evidence=1.0, evidence_rise=4.2)
    tipped = Verdict(0.9, 8.0, "hour", families, changed, 1.0, key_statistics([0.0] * 40))
    out = reasons(tipped)
    assert len(out) == MAX_REASONS
    assert [r.feature for r in out[:-1]] == [f"part_{i}" for i in range(MAX_REASONS - 1)]
    assert (out[-1].feature, out[-1].value) == ("evidence_change", 4.2)
    # Nothing added by support: the core parts fill every place.
    quiet = tipped._replace(support_added=0.0)
    assert [r.feature for r in reasons(quiet)] == [f"part_{i}" for i in range(MAX_REASONS)]
    # Ranked with the weights that scored it: where the scorer weighs a change at 0.25,
    # the change could not have tipped the alert and the five core parts keep their places.
    from detectors.evidence.combine import EvidenceCombiner

    light = EvidenceCombiner(
        support_weights={"timing": 1.5, "infrastructure": 0.75, "model": 0.25, "change": 0.25}
    )
    assert [r.feature for r in reasons(tipped, "", light)] == [
        f"part_{i}" for i in range(MAX_REASONS)
    ]
