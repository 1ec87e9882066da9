"""The high-max_tokens slice: extraction mixed into a busy key's traffic is scored on its own."""

from __future__ import annotations

import heapq
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from traffic import START, chat_app, classifier, harvester

from detectors.alerts import Alert
from detectors.engine import Engine
from detectors.events import Event
from detectors.slices import PREFIX

HOURS = 30.0


def _as(key: str, tag: str, stream: Iterator[Event], **changes: Any) -> Iterator[Event]:
    """Re-key a fixture stream (request ids stay unique across the merged streams)."""
    for event in stream:
        yield event._replace(api_key_id=key, request_id=f"{tag}-{event.request_id}", **changes)


def _traffic(seed: int) -> list[Event]:
    rng = random.Random(seed)

    def r() -> random.Random:
        return random.Random(rng.random())

    streams = [
        # A reseller's diurnal customers with a harvester hidden in them (~5 % of requests).
        _as("mixed-1", "c", chat_app(r(), "x", START, HOURS, peak=0.6)),
        _as("mixed-1", "h", harvester(r(), "x", START + 6 * 3600, HOURS, rate=0.02)),
        # The same customers next to a diurnal long-form writer asking for room to answer:
        # high max_tokens as a minority, but neither templated sweeps nor machine-paced.
        _as("benign-1", "c", chat_app(r(), "y", START, HOURS, peak=0.6)),
        _as("benign-1", "l", chat_app(r(), "y", START, HOURS, peak=0.06), max_tokens=8192),
    ]
    # Population the anomaly model learns from.
    streams += [chat_app(r(), f"chat-{i}", START, HOURS, peak=0.03) for i in range(6)]
    streams += [classifier(r(), f"clf-{i}", START, HOURS, rate=0.05) for i in range(2)]
    return list(heapq.merge(*streams, key=lambda e: e.ts))


@pytest.fixture(scope="module")
def run() -> tuple[Engine, list[Alert]]:
    engine = Engine()
    alerts = [alert for event in _traffic(11) for alert in engine.process(event)]
    return engine, alerts


def test_mixed_extraction_is_critical_and_explained_by_the_slice(
    run: tuple[Engine, list[Alert]],
) -> None:
    _, alerts = run
    critical = [a for a in alerts if a.api_key_id == "mixed-1" and a.severity == "critical"]
    assert critical, "the harvester hidden in mixed-1 was not caught"
    assert critical[0].reasons[0].feature.startswith(PREFIX)


def test_without_the_slice_the_key_is_not_critical(monkeypatch: pytest.MonkeyPatch) -> None:
    # The counterfactual: the same traffic with slices never opened. The harvester
    # is diluted below critical, so the slice, not the fixture, makes the difference.
    monkeypatch.setattr("detectors.engine.wants_slice", lambda state: False)
    engine = Engine()
    alerts = [alert for event in _traffic(11) for alert in engine.process(event)]
    assert not [a for a in alerts if a.api_key_id == "mixed-1" and a.severity == "critical"]


def test_benign_minorities_and_plain_keys(run: tuple[Engine, list[Alert]]) -> None:
    engine, alerts = run
    assert {a.api_key_id for a in alerts} == {"mixed-1"}
    benign = engine.key_state("benign-1")
    assert benign is not None and benign.high_slice is not None  # judged, and cleared
    # Keys without high-max_tokens requests never pay for a slice.
    for key in ("chat-0", "clf-0"):
        state = engine.key_state(key)
        assert state is not None and state.high_slice is None
