"""Plain-language reasons (detectors/wording.py) and the alert's ``summary``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors import wording
from detectors.alerts import Alert, Reason, alert_id
from detectors.wording import FEATURES, describe, summarize

ROOT = Path(__file__).resolve().parents[2]

#: Where the per-key engine names its reasons (features the analyst sees).
ENGINE_SOURCES = ("detectors/evidence/families.py", "detectors/engine/explain.py")


def _engine_feature_names() -> set[str]:
    names: set[str] = set()
    for rel in ENGINE_SOURCES:
        text = (ROOT / rel).read_text()
        names.update(re.findall(r'Part\(\s*"([a-z_]+)"', text))
        names.update(re.findall(r'Reason\(\s*prefix \+ "([a-z_]+)"', text))
    return names


def test_every_feature_the_engine_names_has_its_wording() -> None:
    names = _engine_feature_names()
    assert len(names) >= 10, names  # the scan itself still finds the engine's features
    missing = sorted(names - set(FEATURES))
    assert not missing, f"add one line each to detectors.wording.FEATURES: {missing}"


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_every_registered_feature_reads_with_its_value_and_unit(feature: str) -> None:
    wording_ = FEATURES[feature]
    assert "{value}" in wording_.phrase
    phrase = describe(Reason(feature, 0.42, 0.1))
    assert phrase.known
    assert phrase.value in phrase.text
    assert "_" not in phrase.text.replace("max_tokens", ""), phrase.text
    if wording_.unit in ("share", "percent"):
        assert phrase.value == "42%"
    if wording_.unit == "tokens":
        assert phrase.value.endswith(" tokens")


def test_how_far_from_the_population_is_said_in_words() -> None:
    far = describe(Reason("answer_tokens", 2000.0, 250.0))
    assert far.comparison == "8.0 times the population median (250 tokens)"
    near = describe(Reason("answer_tokens", 260.0, 250.0))
    assert near.comparison.startswith("close to the population median")
    below = describe(Reason("output_per_input", 0.1, 2.0))
    assert below.comparison == "20 times less than the population median (2.00)"
    none = describe(Reason("elicitation_share", 0.5, 0.0))
    assert none.comparison == "where the median key has 0%"


def test_campaign_infrastructure_is_compared_with_independent_keys() -> None:
    phrase = describe(Reason("shared_ip_prefixes", 0.8, 0.1))
    assert phrase.comparison == "8.0 times the overlap of independent keys (0.10)"


def test_the_slice_prefix_reads_as_the_feature_in_its_harvest_like_requests() -> None:
    plain = describe(Reason("answer_tokens", 900.0, 100.0))
    sliced = describe(Reason(wording.SLICE_PREFIX + "answer_tokens", 900.0, 100.0))
    assert sliced.known
    assert sliced.text == "in its harvest-like requests: " + plain.text


def test_an_unknown_feature_still_reads_sensibly() -> None:
    phrase = describe(Reason("frame_reuse_share", 0.3, 0.05))
    assert not phrase.known
    assert phrase.text == "frame reuse share: 30%, 6.0 times the baseline (5.0%)"
    assert describe(Reason("", 1.0, 0.0)).text.startswith("unnamed signal")


def test_odd_numbers_never_break_the_text() -> None:
    for value in (float("nan"), float("inf"), -1.0, 1e300):
        assert isinstance(describe(Reason("answer_tokens", value, 2.0)).text, str)
    odd = wording.Reason.from_mapping({"feature": "answer_tokens", "value": None})
    assert describe(odd).value == "0 tokens"


def test_summary_is_one_or_two_sentences_strongest_first() -> None:
    reasons = [
        Reason("elicitation_share", 0.95, 0.02),
        Reason("answer_tokens", 1800.0, 250.0),
        Reason("sweep_share", 0.7, 0.05),
        Reason("hourly_volume_cv", 0.01, 0.0),
        Reason("reasoned_share", 1.0, 0.0),
    ]
    text = summarize("critical", 0.93, reasons)
    assert text.startswith("Critical (score 0.93): 95% of prompts ask for written-out reasoning")
    assert text.index("95%") < text.index("1,800 tokens") < text.index("Also:")
    assert text.count(". ") + 1 <= 2 and text.endswith(".")
    assert "reasoning model" not in text  # at most four reasons, the rest on the page


def test_silent_reasons_are_left_out_of_the_summary() -> None:
    text = summarize(
        "warning",
        0.7,
        [Reason("synchronized_activity", 0.0, 0.0), Reason("accounts", 4.0, 1.0)],
        campaign_id="c-1",
        related=3,
    )
    assert "same hours" not in text
    assert "member of campaign c-1 with 3 other keys" in text


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*FEATURES, "harvest_like.sweep_share", "new_thing"]),
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=6,
    ),
    st.floats(0, 1),
)
def test_summary_is_deterministic_and_printable(
    raw: list[tuple[str, float, float]], score: float
) -> None:
    reasons = [Reason(*r) for r in raw]
    first = summarize("critical", score, reasons)
    assert first == summarize("critical", score, list(reasons))
    assert first.isprintable()


def test_the_alert_carries_its_summary_after_the_reasons() -> None:
    reasons = (Reason("answer_tokens", 1800.0, 250.0),)
    alert = Alert(
        alert_id=alert_id("k", "extraction_ensemble", 1, "critical"),
        api_key_id="k",
        account_id=None,
        ts="2026-10-05T00:00:00.000Z",
        severity="critical",
        score=0.9,
        detector="extraction_ensemble",
        reasons=reasons,
        summary=summarize("critical", 0.9, reasons),
    )
    d = alert.to_dict()
    keys = list(d)
    assert keys.index("summary") == keys.index("reasons") + 1
    assert d["summary"].startswith("Critical (score 0.90): answers average 1,800 tokens")
    assert alert.to_json() == alert.to_json()


def test_engine_alerts_carry_the_summary_of_their_own_reasons() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from traffic import small_traffic

    from detectors.engine import Engine

    engine = Engine()
    alerts = [a for event in small_traffic() for a in engine.process(event).alerts]
    assert alerts, "the fixture raises alerts"
    for alert in alerts:
        assert alert.summary == summarize(alert.severity, alert.score, alert.reasons)
        assert alert.to_dict()["summary"] == alert.summary
