"""The combination: no family and no pair reaches critical alone; any sufficient set may;
missing evidence is neutral; support never counts on its own."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from detectors.config import EngineConfig
from detectors.evidence.combine import (
    CRITICAL_EVIDENCE,
    WARNING_EVIDENCE,
    EvidenceCombiner,
    evidence_to_score,
)
from detectors.evidence.families import CAPS, Evidence
from detectors.evidence.support import Support

FULL_SUPPORT = Support(1.0, 1.0, 1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0)
NO_SUPPORT = Support(0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0)
CRITICAL = EngineConfig().critical_threshold
WARNING = EngineConfig().warning_threshold


def _at_cap(names: tuple[str, ...]) -> list[Evidence]:
    return [Evidence(name, 100.0, ()) for name in names]


def test_thresholds_sit_where_the_config_puts_them() -> None:
    assert abs(evidence_to_score(CRITICAL_EVIDENCE) - CRITICAL) < 1e-9
    assert abs(evidence_to_score(WARNING_EVIDENCE) - WARNING) < 1e-9


def test_no_single_family_reaches_critical_even_with_full_support() -> None:
    comb = EvidenceCombiner()
    for name in CAPS:
        total, _ = comb.total(_at_cap((name,)), FULL_SUPPORT)
        assert evidence_to_score(total) < CRITICAL, name


def test_no_pair_reaches_critical_without_support() -> None:
    comb = EvidenceCombiner()
    for pair in itertools.combinations(CAPS, 2):
        total, _ = comb.total(_at_cap(pair), NO_SUPPORT)
        assert evidence_to_score(total) < CRITICAL, pair


def test_support_counts_as_a_family_and_with_any_one_family_stays_below_critical() -> None:
    comb = EvidenceCombiner()
    for name in CAPS:
        total, _ = comb.total(_at_cap((name,)), FULL_SUPPORT)
        assert evidence_to_score(total) < CRITICAL
    _, added = comb.total(_at_cap(("yield",)), FULL_SUPPORT)
    assert added > 0


def test_sufficient_sets_reach_critical() -> None:
    comb = EvidenceCombiner()
    with_text = ("yield", "elicitation", "coverage", "structure")
    metadata_only = ("yield", "quantity", "structure")
    for names, support in ((with_text, NO_SUPPORT), (metadata_only, FULL_SUPPORT)):
        total, _ = comb.total(_at_cap(names), support)
        assert evidence_to_score(total) >= CRITICAL, names


def test_support_alone_or_against_negative_core_adds_nothing() -> None:
    comb = EvidenceCombiner()
    assert comb.total([], FULL_SUPPORT) == (0.0, 0.0)
    total, added = comb.total([Evidence("yield", -2.0, ())], FULL_SUPPORT)
    assert added == 0.0 and total == -2.0


@given(
    st.dictionaries(st.sampled_from(sorted(CAPS)), st.floats(-50, 50), max_size=len(CAPS)),
    st.sampled_from(sorted(CAPS)),
)
def test_a_missing_family_is_exactly_a_zero_one(values: dict[str, float], absent: str) -> None:
    comb = EvidenceCombiner()
    values.pop(absent, None)
    present = [Evidence(name, value, ()) for name, value in values.items()]
    zero = [*present, Evidence(absent, 0.0, ())]
    assert comb.total(present, FULL_SUPPORT) == comb.total(zero, FULL_SUPPORT)


@given(st.lists(st.floats(-1e6, 1e6), min_size=len(CAPS), max_size=len(CAPS)))
def test_total_is_bounded_by_the_caps(values: list[float]) -> None:
    comb = EvidenceCombiner()
    core = [Evidence(name, v, ()) for name, v in zip(sorted(CAPS), values, strict=True)]
    total, added = comb.total(core, FULL_SUPPORT)
    top = sum(cap for cap, _ in CAPS.values()) + comb.support_cap + comb.persistence
    bottom = sum(floor for _, floor in CAPS.values())
    assert bottom <= total <= top
    assert 0.0 <= added <= comb.support_cap + comb.persistence
