"""Persistence counts the requests clean evidence rests on, not only the hours it held."""

from __future__ import annotations

import pytest

from detectors.events import Event
from detectors.evidence.combine import EvidenceCombiner
from detectors.evidence.families import Evidence
from detectors.evidence.scales import Scales
from detectors.evidence.statistics import key_statistics
from detectors.evidence.support import PERSISTENCE_REQUESTS, REQUESTS_WEIGHT, Support, support
from detectors.state import layout as L
from detectors.state.keystate import KeyState

CLEAN = [
    Evidence("yield", 3.0, ()),
    Evidence("elicitation", 2.5, ()),
    Evidence("structure", 1.5, ()),
]
MIXED = [*CLEAN, Evidence("coverage", -0.5, ())]


def _key(requests: int, minutes: float, elevated_after: float) -> tuple[KeyState, float]:
    """A key sending ``requests`` evenly over ``minutes``, elevated from ``elevated_after`` s."""
    state = KeyState(0.0, 300.0)
    step = minutes * 60.0 / requests
    for i in range(requests):
        state.add(Event(i * step, "k", 40, 1200), None)
    now = minutes * 60.0
    state.times[L.ELEVATED_SINCE] = elevated_after
    return state, now


def _signals(state: KeyState, now: float) -> Support:
    return support(state, key_statistics(state.sums(1, now)), now, Scales())


def _added(core: list[Evidence], signals: Support) -> float:
    return EvidenceCombiner().total(core, signals)[1]


def test_a_heavy_key_persists_after_hundreds_of_requests_in_minutes() -> None:
    signals = _signals(*_key(1000, 30.0, 300.0))
    # 25 minutes held is far from the hours persistence needs by time alone.
    assert signals.persistence == 0.0 and signals.requests_held > PERSISTENCE_REQUESTS[1]
    quiet = signals._replace(requests_held=0.0)
    gained = _added(CLEAN, signals) - _added(CLEAN, quiet)
    assert gained == pytest.approx(REQUESTS_WEIGHT * EvidenceCombiner().persistence)


def test_requests_do_not_clear_up_mixed_evidence() -> None:
    signals = _signals(*_key(1000, 30.0, 300.0))
    assert _added(MIXED, signals) == _added(MIXED, signals._replace(requests_held=0.0))


def test_a_light_key_held_as_long_gains_nothing() -> None:
    signals = _signals(*_key(40, 30.0, 300.0))
    assert signals.requests_held < PERSISTENCE_REQUESTS[0]
    assert _added(CLEAN, signals) == _added(CLEAN, signals._replace(requests_held=0.0))


def test_a_key_never_elevated_holds_nothing() -> None:
    state, now = _key(1000, 30.0, 300.0)
    state.times[L.ELEVATED_SINCE] = float("inf")
    signals = _signals(state, now)
    assert (signals.persistence, signals.requests_held) == (0.0, 0.0)


def test_requests_held_follow_the_rate_while_held() -> None:
    # Same rate, half the time held: about half the requests.
    full = _signals(*_key(600, 60.0, 0.0)).requests_held
    half = _signals(*_key(600, 60.0, 1800.0)).requests_held
    assert half == pytest.approx(full / 2, rel=0.05)
