"""Per-key features, one signal family at a time, from small hand-made event sequences.

Each test drives :class:`KeyState` the way the engine does (add per event, fold when a
window closes, :func:`key_features` after a fold) and asserts directions and invariants,
never numbers copied out of a run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from detectors.attributes import AttributeBits
from detectors.events import Event
from detectors.features import (
    CTOK,
    DAY,
    FEATURE_NAMES,
    HOUR,
    KeyState,
    N,
    key_features,
)
from detectors.fingerprints import fingerprint

START = 1_791_158_400.0  # 2026-10-05T00:00:00Z, on an hour and a day boundary
WINDOW = 300.0
SHARES = (
    "reasoning_share",
    "multi_sample_share",
    "capped_output_share",
    "high_max_tokens_share",
    "template_share",
    "reasoning_prompt_share",
    "hour_of_day_evenness",
    "error_share",
    "throttled_share",
    "new_ip_share",
    "new_user_agent_share",
    "content_observed",
)
CONTENT = (
    "template_share",
    "templates_active",
    "reasoning_prompt_share",
    "reasoned_output_mean",
    "vocabulary_breadth",
    "content_observed",
)


def drive(events: Iterable[Event], until: float | None = None) -> tuple[KeyState, dict[str, float]]:
    """Feed ``events`` (time-ordered, one key) as the engine does; features at ``until``.

    Every prompt is fingerprinted (the engine samples; sampling is not under test here).
    """
    bits = AttributeBits()
    state: KeyState | None = None
    for event in events:
        if state is None:
            state = KeyState(event.ts, WINDOW)
        elif event.ts >= state.window_end:
            state.fold(state.window_end)
            state.open_window(event.ts, WINDOW)
        fp = fingerprint(event.prompt_text) if event.prompt_text is not None else None
        state.add(
            event, fp, bits.ip(event.client_ip), bits.text(event.user_agent), bits.text(event.model)
        )
    assert state is not None, "no events"
    # Close the open window where the engine would, then let the key sit idle until ``until``.
    now = state.window_end
    state.fold(now)
    if until is not None and until > now:
        now = until
        state.fold(now)
    return state, key_features(state, now)


def steady(count: int, spacing: float, start: float = START, **fields: Any) -> list[Event]:
    """``count`` events ``spacing`` seconds apart, all with the same optional ``fields``."""
    return [Event(start + i * spacing, "k", 20, 400, **fields) for i in range(count)]


def mixed(count: int, every: int, spacing: float = 30.0, **fields: Any) -> list[Event]:
    """Plain events, with ``fields`` set on one event in ``every``."""
    return [
        Event(START + i * spacing, "k", 20, 400, **(fields if i % every == 0 else {}))
        for i in range(count)
    ]


# -- invariants ---------------------------------------------------------------------------


def _invariants(features: dict[str, float]) -> None:
    assert tuple(features) == FEATURE_NAMES
    for name, value in features.items():
        assert math.isfinite(value), name
        assert value >= 0.0, name
    for name in SHARES:
        assert features[name] <= 1.0 + 1e-6, name
    assert features["active_hours_24h"] <= 24.0


@pytest.mark.parametrize("with_text", [False, True])
def test_every_feature_is_named_finite_and_in_range(with_text: bool) -> None:
    rng = random.Random(3)
    events, t = [], START
    for i in range(400):
        t += rng.expovariate(1 / 200.0)
        events.append(
            Event(
                t,
                "k",
                rng.randint(0, 80),
                rng.randint(0, 3000),
                status=rng.choice((200, 200, 429, 500)),
                reasoning_tokens=rng.choice((0, 300)),
                n=rng.choice((1, 4)),
                temperature=rng.choice((None, 0.0, 0.7, 1.3)),
                max_tokens=rng.choice((None, 50, 8192)),
                client_ip=f"10.{rng.randint(0, 3)}.{rng.randint(0, 9)}.{rng.randint(1, 200)}",
                user_agent=rng.choice(("ua-a", "ua-b", None)),
                model=rng.choice(("small", "large")),
                prompt_text=f"Explain topic {i} step by step" if with_text else None,
            )
        )
    _invariants(drive(events)[1])


def test_fold_moves_the_window_into_the_horizons_and_clears_it() -> None:
    state = KeyState(START, WINDOW)
    for event in steady(5, 10.0):
        state.add(event, None)
    assert state.window[N] == 5 and state.window[CTOK] == 5 * 400
    assert all(state.horizon(h)[N] == 0 for h in range(3))
    state.fold(START + WINDOW)
    assert all(v == 0 for v in state.window)
    assert all(state.horizon(h)[N] == pytest.approx(5) for h in range(3))


# -- volume and tokens --------------------------------------------------------------------


def test_requests_per_hour_grows_with_requests_added() -> None:
    light = drive(steady(10, 360.0))[1]
    heavy = drive(steady(100, 36.0))[1]
    assert heavy["requests_per_hour"] > 5 * light["requests_per_hour"] > 0
    assert heavy["output_tokens_per_hour"] > light["output_tokens_per_hour"]


def test_longer_outputs_raise_the_mean_and_the_output_input_ratio() -> None:
    short = drive(Event(START + i * 30, "k", 100, 100) for i in range(50))[1]
    long = drive(Event(START + i * 30, "k", 100, 2000) for i in range(50))[1]
    assert long["output_tokens_mean"] > short["output_tokens_mean"] > 0
    assert long["output_input_ratio"] > short["output_input_ratio"] > 0
    # Same outputs from longer prompts: the mean is unchanged, the ratio falls.
    wordy = drive(Event(START + i * 30, "k", 1000, 2000) for i in range(50))[1]
    assert wordy["output_tokens_mean"] == pytest.approx(long["output_tokens_mean"])
    assert wordy["output_input_ratio"] < long["output_input_ratio"]


def test_after_an_idle_gap_the_hour_decays_faster_than_the_day_and_the_week() -> None:
    state, _ = drive(steady(60, 60.0))
    before = [state.horizon(h)[N] for h in range(3)]
    state.fold(state.folded_ts + 6 * HOUR)
    after = [state.horizon(h)[N] for h in range(3)]
    kept = [a / b for a, b in zip(after, before, strict=True)]
    assert 0 < kept[0] < kept[1] < kept[2] < 1


def test_requests_per_hour_decays_while_the_key_is_idle() -> None:
    events = steady(60, 60.0)
    _, fresh = drive(events)
    _, later = drive(events, until=START + 5 * HOUR)
    assert later["requests_per_hour"] < fresh["requests_per_hour"] / 10


def test_a_burst_over_a_quiet_week_reads_high_against_its_own_week() -> None:
    quiet = steady(7 * 24, HOUR)  # one request an hour for a week
    burst_at = quiet[-1].ts + HOUR
    burst = quiet + steady(200, 15.0, start=burst_at)
    same = quiet + steady(1, HOUR, start=burst_at)
    assert drive(burst)[1]["volume_vs_own_week"] > drive(same)[1]["volume_vs_own_week"]


# -- pacing -------------------------------------------------------------------------------


def metronome(hours: float, spacing: float = 60.0) -> list[Event]:
    return steady(int(hours * HOUR / spacing), spacing)


def bursty(hours: float, seed: int = 5) -> list[Event]:
    """Ten-minute bursts every three hours with random gaps inside them."""
    rng = random.Random(seed)
    events = []
    for burst in range(int(hours // 3)):
        t = START + burst * 3 * HOUR + 1.0
        end = t + 600.0
        while t < end:
            events.append(Event(t, "k", 20, 400))
            t += rng.expovariate(1 / 5.0)
    return events


def test_a_metronome_is_active_every_hour_and_flat_a_bursty_key_is_not() -> None:
    tick = drive(metronome(30))[1]
    burst = drive(bursty(30))[1]
    assert tick["active_hours_24h"] == 24
    assert burst["active_hours_24h"] < 12
    assert tick["hourly_volume_cv"] < burst["hourly_volume_cv"]
    assert tick["interarrival_cv"] < burst["interarrival_cv"]
    assert tick["sustained_hours"] > burst["sustained_hours"]
    assert tick["hour_of_day_evenness"] > burst["hour_of_day_evenness"]


def test_observed_hours_grow_with_the_age_of_the_key() -> None:
    young = drive(metronome(5))[1]
    old = drive(metronome(20))[1]
    assert 0 < young["observed_hours"] < old["observed_hours"] <= 20


def test_a_perfect_metronome_has_no_interarrival_variation() -> None:
    assert drive(metronome(3))[1]["interarrival_cv"] == pytest.approx(0.0, abs=1e-3)


# -- harvesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "fields"),
    [
        ("reasoning_share", {"reasoning_tokens": 800}),
        ("multi_sample_share", {"n": 4}),
        ("high_max_tokens_share", {"max_tokens": 8192}),
        ("capped_output_share", {"max_tokens": 400}),  # completion 400 = the cap
    ],
)
def test_harvesting_shares_follow_the_share_of_such_requests(
    feature: str, fields: dict[str, Any]
) -> None:
    shares = [drive(mixed(120, every, **fields))[1][feature] for every in (1, 2, 4)]
    plain = drive(mixed(120, 1))[1][feature]
    assert shares[0] > shares[1] > shares[2] > plain == 0.0
    assert shares[0] <= 1.0


def test_an_output_is_capped_from_95_percent_of_max_tokens() -> None:
    # completion_tokens is 400 in every event: capped at max_tokens <= 400 / 0.95.
    assert drive(mixed(20, 1, max_tokens=421))[1]["capped_output_share"] > 0.9
    assert drive(mixed(20, 1, max_tokens=422))[1]["capped_output_share"] == 0.0
    assert drive(mixed(20, 1, max_tokens=4000))[1]["capped_output_share"] == 0.0


def test_n_of_one_is_not_multi_sampling() -> None:
    assert drive(mixed(20, 1, n=1))[1]["multi_sample_share"] == 0.0
    assert drive(mixed(20, 1, n=2))[1]["multi_sample_share"] > 0.9


def test_a_temperature_sweep_counts_more_distinct_temperatures() -> None:
    temps = (0.0, 0.3, 0.7, 1.0, 1.3)
    sweep = [Event(START + i * 30, "k", 20, 400, temperature=temps[i % 5]) for i in range(50)]
    fixed = drive(mixed(50, 1, temperature=0.7))[1]["temperatures_distinct"]
    none = drive(mixed(50, 1))[1]["temperatures_distinct"]
    assert drive(sweep)[1]["temperatures_distinct"] > fixed + 2 > none + 2
    assert none == 0.0 < fixed


# -- content ------------------------------------------------------------------------------


def _topics(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(9)) for _ in range(count)]


def prompts(texts: Sequence[str], spacing: float = 30.0) -> list[Event]:
    return [
        Event(START + i * spacing, "k", 40, 900, prompt_text=text) for i, text in enumerate(texts)
    ]


def templated(count: int, topics: int = 40, reasoning: bool = False) -> list[str]:
    tail = " Think step by step and show your full reasoning." if reasoning else ""
    names = _topics(topics)
    return [
        f"Write a detailed encyclopedia article on {names[i % topics]} for students.{tail}"
        for i in range(count)
    ]


def distinct(count: int, seed: int = 11) -> list[str]:
    """Unrelated prompts: every one a different handful of made-up words."""
    rng = random.Random(seed)
    words = _topics(400, seed)
    return [" ".join(rng.sample(words, 10)) for _ in range(count)]


def test_a_templated_key_has_a_high_template_share_and_few_templates() -> None:
    tpl = drive(prompts(templated(60)))[1]
    dis = drive(prompts(distinct(60)))[1]
    assert tpl["template_share"] > 0.7
    assert dis["template_share"] < 0.2
    assert 1 <= tpl["templates_active"] <= 2
    assert dis["templates_active"] == 0


def test_step_by_step_prompts_raise_the_reasoning_prompt_share() -> None:
    plain = drive(prompts(templated(40)))[1]
    asks = drive(prompts(templated(40, reasoning=True)))[1]
    pairs = zip(templated(20), templated(20, reasoning=True), strict=True)
    half = [text for pair in pairs for text in pair]
    some = drive(prompts(half))[1]
    assert asks["reasoning_prompt_share"] > some["reasoning_prompt_share"]
    assert some["reasoning_prompt_share"] > plain["reasoning_prompt_share"] == 0.0
    assert asks["reasoning_prompt_share"] <= 1.0
    # Enough reasoning asks answered: their answers' length is measured.
    assert asks["reasoned_output_mean"] > 0 == plain["reasoned_output_mean"]


def test_vocabulary_breadth_grows_with_the_topics_swept() -> None:
    breadth = [
        drive(prompts(templated(120, topics=t)))[1]["vocabulary_breadth"] for t in (2, 20, 120)
    ]
    assert breadth[0] < breadth[1] < breadth[2]


def test_without_prompt_text_content_reads_zero_and_the_rest_still_works() -> None:
    texts = templated(60, reasoning=True)
    with_text = prompts(texts)
    without = [e._replace(prompt_text=None) for e in with_text]
    seen = drive(with_text)[1]
    blind = drive(without)[1]
    assert seen["content_observed"] == 1.0
    assert blind["content_observed"] == 0.0
    for name in CONTENT:
        assert blind[name] == 0.0, name
        assert seen[name] > 0.0, name
    for name in FEATURE_NAMES:
        if name not in CONTENT:
            assert blind[name] == pytest.approx(seen[name]), name
    assert blind["requests_per_hour"] > 0 and blind["output_tokens_mean"] > 0


def test_recurring_templates_are_reported_by_signature() -> None:
    state, _ = drive(prompts(templated(30)))
    signatures = state.templates()
    assert len(signatures) == 1
    assert signatures[0] != 0
    assert drive(prompts(distinct(30)))[0].templates() == ()
    assert drive(steady(30, 30.0))[0].templates() == ()


# -- infrastructure -----------------------------------------------------------------------


def test_distinct_ip_prefixes_and_user_agents_are_counted() -> None:
    one = [
        Event(START + i * 30, "k", 20, 400, client_ip=f"203.0.113.{i + 1}", user_agent="sdk/1")
        for i in range(40)
    ]
    many = [
        Event(START + i * 30, "k", 20, 400, client_ip=f"10.{i}.7.1", user_agent=f"bot/{i}")
        for i in range(40)
    ]
    narrow, wide = drive(one)[1], drive(many)[1]
    assert narrow["ip_prefixes"] < 1.5  # hosts of one /24 are one prefix
    assert narrow["user_agents"] < 1.5
    assert wide["ip_prefixes"] > 20 * narrow["ip_prefixes"]
    assert wide["user_agents"] > 20 * narrow["user_agents"]


def test_errors_and_throttling_are_shares_and_429_is_both() -> None:
    throttled = drive(mixed(40, 2, status=429))[1]
    failing = drive(mixed(40, 2, status=500))[1]
    client = drive(mixed(40, 4, status=404))[1]
    ok = drive(mixed(40, 1))[1]
    assert throttled["throttled_share"] == pytest.approx(throttled["error_share"])
    assert throttled["error_share"] > 0.3
    assert failing["error_share"] > client["error_share"] > ok["error_share"] == 0.0
    assert failing["throttled_share"] == 0.0 == ok["throttled_share"]


def _switch(at: float, ip: str, agent: str, pause: float = 0.0, pre_days: int = 1) -> list[Event]:
    """``pre_days`` days on one prefix and agent, then (after ``pause``) a switch at ``at``.

    Requests every ten minutes; the switch time ``at`` is seconds after ``START``.
    """
    events, t = [], START
    while t < START + at:
        events.append(Event(t, "k", 20, 400, client_ip="203.0.113.9", user_agent="sdk/1"))
        t += 600.0
    if pause:
        events = [e for e in events if e.ts < START + at - pause]
    for i in range(60):
        events.append(Event(START + at + 60 + i * 60, "k", 20, 400, client_ip=ip, user_agent=agent))
    return events


def test_a_switch_to_new_infrastructure_reads_as_new_ip_and_agent_share() -> None:
    # Traffic runs through midnight; the switch comes in the morning of day two.
    at = DAY + 6 * HOUR
    stayed = drive(_switch(at, "203.0.113.77", "sdk/1"))[1]
    moved = drive(_switch(at, "198.51.100.4", "curl/8"))[1]
    assert stayed["new_ip_share"] == 0.0 == stayed["new_user_agent_share"]
    assert 0.2 < moved["new_ip_share"] <= 1.0
    assert 0.2 < moved["new_user_agent_share"] <= 1.0


def test_a_switch_after_an_overnight_pause_reads_as_new() -> None:
    # Same key and switch as above, but the key was quiet from 22:00 until the switch.
    at = DAY + 6 * HOUR
    moved = drive(_switch(at, "198.51.100.4", "curl/8", pause=8 * HOUR))[1]
    assert moved["new_ip_share"] > 0.2
    assert moved["new_user_agent_share"] > 0.2


def test_a_switch_after_an_idle_day_reads_as_new() -> None:
    at = 2 * DAY + 12 * HOUR + 30 * 60  # mid-window, mid-day, after all of day two idle
    moved = drive(_switch(at, "198.51.100.4", "curl/8", pause=DAY + 13 * HOUR))[1]
    assert moved["new_ip_share"] > 0.2
    assert moved["new_user_agent_share"] > 0.2


def test_new_ip_share_needs_a_history() -> None:
    # On its first day a key has nothing to compare with: every prefix is "its own".
    events = [Event(START + i * 30, "k", 20, 400, client_ip=f"10.{i}.0.1") for i in range(40)]
    assert drive(events)[1]["new_ip_share"] == 0.0


def test_model_switching_counts_distinct_models() -> None:
    models = ("small", "large", "reasoning-xl")
    switching = [Event(START + i * 30, "k", 20, 400, model=models[i % 3]) for i in range(30)]
    loyal = drive(mixed(30, 1, model="small"))[1]["models_distinct"]
    assert drive(switching)[1]["models_distinct"] > loyal + 1.5
    assert drive(mixed(30, 1))[1]["models_distinct"] == 0.0 < loyal
