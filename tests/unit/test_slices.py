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
from traffic import START, TOPICS, chat_app, classifier, harvester

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


ARTICLES = (
    "Write a blog post about {t} for a general audience.",
    "Draft a product newsletter section on {t}, friendly tone.",
    "Write chapter notes on {t} for my novel's research file.",
    "Create a long-form explainer about {t} with headings.",
    "Write a travel magazine feature that mentions {t}.",
    "Compose a detailed press release about {t}.",
)


def _platform_long_form(rng: random.Random, key: str, hours: float, rate: float) -> Iterator[Event]:
    """A platform's long-form customers across time zones: long, flat, around the clock,
    several variants per request, high max_tokens; varied requests, no worked answers."""
    ts, i = START, 0
    while ts < START + hours * 3600:
        ts += rng.expovariate(rate)
        i += 1
        n = rng.choice((1, 2, 3))
        topic = f"{rng.choice(TOPICS)} {rng.choice(TOPICS)}"
        yield Event(
            ts,
            key,
            rng.randint(80, 600),
            n * rng.randint(1500, 3500),
            request_id=f"{key}-lf-{i}",
            account_id=f"acct-{key}",
            model="large",
            n=n,
            temperature=0.9,
            max_tokens=8192,
            client_ip=f"203.0.113.{rng.randint(1, 9)}",
            user_agent="platform-gateway/3.1",
            prompt_text=rng.choice(ARTICLES).format(t=topic) + f" ({rng.randint(0, 10**6)})",
        )


def _platform_traffic(seed: int) -> list[Event]:
    rng = random.Random(seed)

    def r() -> random.Random:
        return random.Random(rng.random())

    def around_the_clock(stream: Iterator[Event]) -> Iterator[Event]:
        return _as("platform-1", "c", stream, user_agent="platform-gateway/3.1")

    streams = [
        # Customers in every time zone: the platform's chat is flat, not diurnal.
        around_the_clock(chat_app(r(), "p0", START, HOURS, peak=0.5)),
        around_the_clock(chat_app(r(), "p1", START + 8 * 3600, HOURS, peak=0.5)),
        around_the_clock(chat_app(r(), "p2", START + 16 * 3600, HOURS, peak=0.5)),
        _platform_long_form(r(), "platform-1", HOURS, rate=0.04),
    ]
    streams += [chat_app(r(), f"chat-{i}", START, HOURS, peak=0.03) for i in range(6)]
    streams += [classifier(r(), f"clf-{i}", START, HOURS, rate=0.05) for i in range(2)]
    return list(heapq.merge(*streams, key=lambda e: e.ts))


def _platform_alerts() -> list[Alert]:
    engine = Engine()
    alerts = [alert for event in _platform_traffic(5) for alert in engine.process(event)]
    state = engine.key_state("platform-1")
    assert state is not None and state.high_slice is not None, "the fixture must open a slice"
    return [a for a in alerts if a.api_key_id == "platform-1"]


def test_a_platforms_long_form_slice_does_not_lift_its_key() -> None:
    assert _platform_alerts() == []


def test_without_the_content_gate_the_platform_slice_would_alert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The counterfactual: slices trusted whatever they ask for. Long, flat, sampled
    # several times over: harvest and pacing evidence enough for an alert.
    monkeypatch.setattr("detectors.engine.slice_trust", lambda content: 1.0)
    assert _platform_alerts()
