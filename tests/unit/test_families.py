"""Structure and elicitation evidence from the text of a handful of prompts.

A key sending a few requests a day has no pairs close in time, so the turn test
cannot bound its share of conversation turns for days; the text can say sooner
whether its prompts carry anything beyond a fixed context. The same number of
prompts lets the absence of any ask for reasoning count against it.
"""

from __future__ import annotations

import pytest

from detectors.evidence.families import (
    Evidence,
    coverage_family,
    elicitation_family,
    structure_family,
    yield_family,
)
from detectors.evidence.scales import Scales
from detectors.evidence.statistics import (
    NOTHING,
    Bounded,
    KeyStatistics,
    mean_bounds,
    share_bounds,
)


def stats(
    n: float, *, prompts: float, hidden_sd: float, cues: float = 0.0, same: float = 0.0
) -> KeyStatistics:
    """A key with ``n`` requests, none continuing another, ``prompts`` of them with text."""
    with_text = prompts >= 1.0
    zero = Bounded(0.0, 0.0, 2.0 / n)  # no turn beyond chance, bound as key_statistics does
    return KeyStatistics(
        n=n,
        answer=mean_bounds(6.0 * n, 36.0 * n, n, 0.5),
        yield_=mean_bounds(2.5 * n, 6.25 * n, n, 0.5),
        turns=zero,
        harvestlike_share=share_bounds(n, n),
        reasoned_share=0.0,
        prompts=prompts,
        cue_share=share_bounds(cues, prompts) if with_text else NOTHING,
        repeat_share=share_bounds(0.0, prompts) if with_text else NOTHING,
        shared_share=share_bounds(0.0, prompts) if with_text else NOTHING,
        sweep_share=share_bounds(0.0, prompts) if with_text else NOTHING,
        limit_share=share_bounds(0.0, prompts) if with_text else NOTHING,
        hidden=mean_bounds(3.5 * prompts, 12.25 * prompts, prompts, 0.5),
        hidden_sd=hidden_sd,
        same_context=share_bounds(same * prompts, prompts) if with_text else NOTHING,
        output_tokens=400.0 * n,
        gap_cv=0.0,
        gaps=0.0,
    )


def test_a_few_self_contained_prompts_are_single_turn_before_timing_can_tell() -> None:
    scales = Scales()
    sparse = structure_family(stats(16.0, prompts=16.0, hidden_sd=0.02), scales)
    metadata = structure_family(stats(16.0, prompts=0.0, hidden_sd=0.0), scales)
    assert metadata.value == 0.0  # timing alone: the turn bound is still wide
    assert sparse.value > 1.0  # the text: nothing carried beyond a fixed context


def test_varying_context_counts_against_from_the_same_few_prompts() -> None:
    scales = Scales()
    chat = structure_family(stats(16.0, prompts=16.0, hidden_sd=1.2), scales)
    assert chat.value < -1.0
    # Below a handful of prompts the text says nothing either way.
    assert structure_family(stats(5.0, prompts=5.0, hidden_sd=1.2), scales).value == 0.0
    assert structure_family(stats(5.0, prompts=5.0, hidden_sd=0.0), scales).value == 0.0


def test_a_few_recurring_contexts_are_fixed_contexts_not_carried_context() -> None:
    # Red team round 3 (persona_rotation): three system prompts rotated per request give
    # a wide spread of hidden sizes, but each size keeps coming back.
    scales = Scales()
    personas = structure_family(stats(40.0, prompts=40.0, hidden_sd=0.8, same=0.9), scales)
    carried = structure_family(stats(40.0, prompts=40.0, hidden_sd=0.8, same=0.1), scales)
    assert personas.value > 1.0
    assert carried.value < -1.0
    shares = {p.feature: p.value for p in personas.parts}
    assert shares["recurring_context_share"] == pytest.approx(0.9)


def test_many_requests_single_turn_by_timing_alone_as_before() -> None:
    scales = Scales()
    busy = structure_family(stats(400.0, prompts=0.0, hidden_sd=0.0), scales)
    assert busy.value == 1.5


def test_prompts_without_any_ask_count_against_once_the_bound_allows() -> None:
    scales = Scales()
    warm_cue_scale(scales)
    few = elicitation_family(stats(6.0, prompts=6.0, hidden_sd=0.0), scales)
    many = elicitation_family(stats(40.0, prompts=40.0, hidden_sd=0.0), scales)
    asking = elicitation_family(stats(40.0, prompts=40.0, hidden_sd=0.0, cues=36.0), scales)
    assert few.value > many.value
    assert many.value < 0.0
    assert asking.value > 1.0


def warm_cue_scale(scales: Scales) -> None:
    """Teach the population's cue share: most keys ask for little."""
    for i in range(400):
        scales.cue_share.learn_one(0.02 * (i % 5), now=0.0)


def _population() -> Scales:
    """Scales taught by 200 keys: answers about 350 tokens, half as much out as in, a
    few prompts in ten filling a known frame with new items."""
    scales = Scales()
    for i in range(200):
        wobble = (i % 21 - 10) / 10.0  # -1 .. 1, spread evenly
        key = stats(40.0, prompts=40.0, hidden_sd=0.0)
        n = key.n
        answer, out_per_in = 5.86 + 0.5 * wobble, -0.7 + 1.0 * wobble
        key = key._replace(
            answer=mean_bounds(answer * n, answer * answer * n, n, 0.5),
            yield_=mean_bounds(out_per_in * n, out_per_in * out_per_in * n, n, 0.5),
            sweep_share=share_bounds(n * (0.1 + 0.05 * wobble), n),
        )
        scales.learn(key, 86400.0, float(i), 1.0)
    return scales


def _answers(scales: Scales, answer: float, out_per_in: float) -> float:
    """Yield evidence of a key with 40 requests of these (natural log) sizes."""
    return _yield(scales, answer, out_per_in).value


def _yield(scales: Scales, answer: float, out_per_in: float, sweep: float = 0.0) -> Evidence:
    key = stats(40.0, prompts=40.0, hidden_sd=0.0)
    n = key.n
    key = key._replace(
        answer=mean_bounds(answer * n, (answer * answer + 0.04) * n, n, 0.5),
        yield_=mean_bounds(out_per_in * n, (out_per_in * out_per_in + 0.04) * n, n, 0.5),
        sweep_share=share_bounds(sweep * n, n),
    )
    return yield_family(key, scales)


def test_long_answers_count_when_long_prompts_hide_the_ratio() -> None:
    # Independent set 2's agentic trajectory harvest: a long fixed harness prompt in,
    # 1,700-token trajectories out; output per input (1.35) is within the population's.
    scales = _population()
    harness = _answers(scales, 7.44, 0.3)
    usual_answers = _answers(scales, 5.86, 0.3)
    assert harness > 0.25
    assert harness > 5.0 * usual_answers  # the answers, not the ratio, carry it
    # Short prompts and long answers still say more than the answers alone.
    assert _answers(scales, 7.44, 2.5) > 1.5 * harness
    # Less out than in: a harvester padding every prompt, and a product writing long
    # answers from long inputs (a repository, a data table). What tells them apart is
    # the task space: the harvester's prompts fill its frames with new items, so its
    # long answers keep what they carry alone; the product's one task gets none.
    padded = _yield(scales, 7.44, -0.7, sweep=0.9).value
    assert padded > harness and padded > 1.0
    assert _answers(scales, 7.44, -0.7) <= 0.0
    # Answers as long as the population's, sent with long prompts, collect nothing.
    assert _yield(scales, 5.86, -0.7, sweep=0.9).value <= 0.0
    # Its reasons name the answers, not the ratio that did not carry it.
    parts = {p.feature: p.evidence for p in _yield(scales, 7.44, 0.3).parts}
    assert parts["answer_tokens"] > 0.0 and parts["output_per_input"] <= 0.0


def test_a_sweep_counts_as_a_walk_only_where_the_prompts_ask_for_worked_answers() -> None:
    # A content generator fills "write a blog post about {product}" and an eval harness
    # its options and "Answer:": new items in one frame, like a curriculum walk. Measured
    # on every quality set, such sweeps took benign pipelines to `critical` and no
    # attack key; a walk that asks for worked answers keeps its evidence.
    scales = _population()
    warm_cue_scale(scales)

    def walker(cues: float) -> KeyStatistics:
        key = stats(40.0, prompts=40.0, hidden_sd=0.0, cues=cues)
        return key._replace(sweep_share=share_bounds(0.9 * key.n, key.n))

    for cues, sweeps in ((36.0, True), (0.0, False)):
        key = walker(cues)
        asks = elicitation_family(key, scales)
        alone = coverage_family(key, scales)  # without the elicitation evidence
        seen = coverage_family(key, scales, asks)
        assert alone.value > 0.4  # the sweep itself, against the population's
        assert (seen.value == alone.value) if sweeps else (seen.value == 0.0)
        assert (asks.value > 0.0) == sweeps
