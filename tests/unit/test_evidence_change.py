"""A stolen key: its last hour's evidence rising above its day's is a change from its history."""

from __future__ import annotations

import heapq
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from traffic import START, chat_app, harvester, small_traffic

import detectors.evidence.support as support_module
from detectors.alerts import Alert
from detectors.engine import Engine
from detectors.events import Event

HOURS = 32.0
TAKEOVER = START + 30 * 3600.0


@pytest.fixture(scope="module")
def events() -> list[Event]:
    """A chat app's key for 30 h, then a harvester on it for 2 h, among the fixture's keys."""
    owner = [e for e in chat_app(random.Random(1), "stolen", START, HOURS, 0.02) if e.ts < TAKEOVER]
    # The harvester's own request ids, so the deduplication does not drop its requests.
    thief = [
        e._replace(api_key_id="stolen")
        for e in harvester(random.Random(2), "thief", TAKEOVER, 2.0, 0.1)
    ]
    return list(heapq.merge(small_traffic(hours=HOURS), owner, thief, key=lambda e: e.ts))


def _first_critical(events: list[Event], key: str) -> tuple[Engine, Alert, float]:
    """The engine stopped at ``key``'s first ``critical`` alert, the alert, its event time."""
    engine = Engine()
    for event in events:
        for alert in engine.process(event).alerts:
            if alert.api_key_id == key and alert.severity == "critical":
                return engine, alert, event.ts
    raise AssertionError(f"{key} never reached critical")


def test_a_takeover_reaches_critical_sooner(
    events: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, alert, at = _first_critical(events, "stolen")
    verdict = engine.evaluate("stolen", at)
    assert verdict is not None and verdict.support.change_by_evidence > 0.0
    assert verdict.support.evidence_rise >= support_module.EVIDENCE_RISE[0]
    assert alert.score >= engine.config.critical_threshold
    # The same traffic with the change read from the harvest-like share alone.
    monkeypatch.setattr(support_module, "EVIDENCE_RISE", (1e9, 2e9))
    _, _, without = _first_critical(events, "stolen")
    assert TAKEOVER < at < without


def test_a_key_that_always_harvested_shows_no_change(events: list[Event]) -> None:
    engine = Engine()
    for event in events:
        engine.process(event)
    verdict = engine.evaluate("harvester-1", events[-1].ts)
    assert verdict is not None and verdict.total > 0.0
    assert verdict.support.change_by_evidence == 0.0
