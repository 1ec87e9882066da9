"""Evidence families: what a key collects, each measured against the population.

Every family turns a key's statistics into *evidence*, a number in log-odds
units (positive: like harvesting; negative: like a benign workload; 0: no
evidence either way), bounded by the family's own cap and floor so that no
family can decide alone. Positions come from
:class:`~detectors.evidence.population.PopulationScale` (1 = the population's
upper quartile, in spreads above its median), read at the bound of the key's
statistic that argues *against* the conclusion: the lower bound for evidence
of harvesting, the upper bound for evidence against it. A few requests thus
give no evidence, and a family whose input is absent (no prompt text, no
``max_tokens``) gives exactly 0.

Core families (what is collected):

* ``yield`` — long answers per request and much output per input token;
* ``quantity`` — output collected per day, against other keys (never negative:
  a small harvest is still a harvest);
* ``elicitation`` — prompts asking for reasoning, derivations, explanations,
  variants (a cue lexicon: :mod:`detectors.lexicon`);
* ``coverage`` — each prompt asks about new things; repeating and following up
  on the same things is benign use;
* ``structure`` — single-turn, self-contained prompts; conversations (prompts
  that carry the previous answer back) are benign use.

Supporting families (:func:`support`) — timing, infrastructure, model choice,
a change from the key's own history — never count on their own: the combiner
lets them raise confidence only in proportion to core evidence.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from detectors.evidence.scales import Scales, output_per_day
from detectors.evidence.statistics import KeyStatistics

__all__ = ["CAPS", "Evidence", "Part", "core_families", "ramp", "slice_families"]


def ramp(value: float, low: float, high: float) -> float:
    """0 at or below ``low``, 1 at or above ``high``, linear in between.

    >>> ramp(5, 0, 10), ramp(-1, 0, 10), ramp(11, 0, 10)
    (0.5, 0.0, 1.0)
    """
    if value <= low:
        return 0.0
    if value >= high:
        return 1.0
    return (value - low) / (high - low)


class Part(NamedTuple):
    """One statistic behind a family's evidence, in the units an analyst reads.

    ``position`` is in population spreads above the median (see
    :meth:`PopulationScale.position`); ``evidence`` is what this part added.
    """

    feature: str
    value: float
    baseline: float
    position: float
    evidence: float


class Evidence(NamedTuple):
    """A family's evidence and the parts that carried it."""

    family: str
    value: float
    parts: tuple[Part, ...]


#: (cap, floor) of each core family, in log-odds units.
CAPS: dict[str, tuple[float, float]] = {
    "yield": (3.0, -3.0),
    "quantity": (1.5, 0.0),
    "elicitation": (2.5, -1.5),
    "coverage": (0.5, -4.0),
    "structure": (1.5, -2.5),
}


LN2 = math.log(2.0)
#: Share of the elicitation floor that prompts without any cue word can reach.
ABSENT_WEIGHT = 0.5
#: Share of the yield evidence that output per input carries alone; long answers
#: against the population add the rest.
ANSWER_FLOOR = 0.5
#: Share of the yield evidence that long answers carry alone: for a key receiving more
#: than it sends whose prompts are too long for output per input to stand out (an agent
#: harness's tool descriptions, a long fixed system prompt), and for a key sending more
#: as far as it walks a task space (padding hides the ratio, not the task space).
ANSWER_ALONE = 0.5
#: How much of its weight constraint wording loses in front of answers long against
#: the population.
LONG_ANSWER_DISCOUNT = 0.5
#: Prompts from which what the text says of a key (its context, its asks) starts to
#: count, and from which it counts fully: the structure family's text evidence and the
#: "none asking" evidence read the same handful.
TEXT_PROMPTS = (6.0, 20.0)


def credible(n: float) -> float:
    """How far a family may speak on ``n`` observations: not at all on three, fully on 12.

    The bounds of a key's statistics already widen for few requests, but population
    spreads can be narrow (most keys never ask for reasoning): a key's first two or
    three requests must not be "far above" anyone.

    >>> credible(2), credible(7.5), credible(40)
    (0.0, 0.5, 1.0)
    """
    return ramp(n, 3.0, 12.0)


def _tokens(log_value: float) -> float:
    return math.expm1(log_value)


def _walks(st: KeyStatistics, scales: Scales) -> float:
    """How clearly a key walks a task space, in [0, 1]: its sweep share against the
    population's (the coverage family's evidence for, before ``credible``), 0 without
    prompt text or while the population's sweep scale is cold."""
    sweep = scales.sweep_share
    if st.prompts < 1.0 or not sweep.warm:
        return 0.0
    return ramp(sweep.position(st.sweep_share.low), 1.0, 3.0)


def yield_family(st: KeyStatistics, scales: Scales, explain: bool = True) -> Evidence:
    """Much output per input token, in long answers, against the population.

    Without ``explain`` the parts are left out (the value is the same): see
    :func:`core_families`.
    """
    cap, floor = CAPS["yield"]
    if st.n < 1.0:
        return Evidence("yield", 0.0, ())
    ans_lo = scales.answer.position(st.answer.low)
    yld_lo = scales.yield_.position(st.yield_.low)
    ans_hi = scales.answer.position(st.answer.high)
    yld_hi = scales.yield_.position(st.yield_.high)
    # Output per input token is scale-free (both are tokens); answer length sharpens it.
    # The ratio speaks only for a key that gets back more than it sends. Long answers
    # against the population speak on their own (up to ANSWER_ALONE of the family) for
    # such a key, or for one walking a task space whatever it sends: padding every
    # prompt with a passage of its own closed the family on a harvester (red team round
    # 9), while long-input products (a code generator given its repository, reports
    # written from data tables) get long answers to one task again and again (round 10).
    receives = ramp(st.yield_.low, 0.0, LN2)
    by_ratio = (
        receives
        * ramp(yld_lo, 1.5, 4.0)
        * (ANSWER_FLOOR + (1.0 - ANSWER_FLOOR) * ramp(ans_lo, 0.5, 2.5))
    )
    by_answers = ANSWER_ALONE * ramp(ans_lo, 1.5, 3.0)
    if by_answers > 0.0 and receives < 1.0:  # read the task space only where it matters
        by_answers *= max(receives, _walks(st, scales) * credible(st.prompts))
    up = max(by_ratio, by_answers)
    down = max(ramp(-ans_hi, 1.0, 3.0), ramp(-yld_hi, 1.0, 3.0))
    value = (cap * up + floor * down) * credible(st.n)
    if not explain:
        return Evidence("yield", value, ())
    # The reasons name what carried it: both statistics, or the answers alone.
    to_answers = 1.0 if by_answers > by_ratio else 0.5
    up_part, down_part = cap * up, floor * down * 0.5
    parts = (
        Part("answer_tokens", _tokens(st.answer.value), _tokens(scales.answer.median),
             scales.answer.position(st.answer.value), up_part * to_answers + down_part),
        Part("output_per_input", math.exp(st.yield_.value), math.exp(scales.yield_.median),
             scales.yield_.position(st.yield_.value),
             up_part * (1.0 - to_answers) + down_part),
    )  # fmt: skip
    return Evidence("yield", value, parts)


def quantity_family(
    st: KeyStatistics, scales: Scales, span_seconds: float, explain: bool = True
) -> Evidence:
    """Output collected per day, far above other keys'.

    ``span_seconds`` is how much time the horizon's sums stand for (:func:`span`).
    """
    cap, _ = CAPS["quantity"]
    if st.n < 1.0:
        return Evidence("quantity", 0.0, ())
    per_day = output_per_day(st.output_tokens, span_seconds)
    position = scales.output_day.position(per_day)
    value = cap * ramp(position, 1.0, 3.0) * credible(st.n)
    if not explain:
        return Evidence("quantity", value, ())
    part = Part("output_tokens_per_day", _tokens(per_day), _tokens(scales.output_day.median),
                position, value)  # fmt: skip
    return Evidence("quantity", value, (part,))


def elicitation_family(st: KeyStatistics, scales: Scales, explain: bool = True) -> Evidence:
    """Prompts that ask for written-out reasoning, against prompts that constrain the answer.

    Evidence only with prompt text. Against: most prompts give options, ask for a
    label or a format (evaluation items, classification), or many prompts and none
    asks for more than an answer.
    """
    cap, floor = CAPS["elicitation"]
    if st.prompts < 1.0:
        return Evidence("elicitation", 0.0, ())
    scale = scales.cue_share
    if not scale.warm:
        return Evidence("elicitation", 0.0, ())
    up = ramp(scale.position(st.cue_share.low), 1.0, 3.0)
    # A constraint is judged by its outcome as well as its words: "Answer:" or "respond
    # in JSON" in front of a long worked answer limits little, so constraint wording
    # counts half where the key's answers are long against the population (an
    # evaluation harness asking for chain of thought then "Answer:" keeps half its
    # benefit of the doubt; its shared and repeated items carry the rest).
    short = 1.0 - LONG_ANSWER_DISCOUNT * ramp(scales.answer.position(st.answer.low), 0.5, 2.0)
    limited = ramp(st.limit_share.low, 0.2, 0.6) * short
    # Many prompts and hardly any asking for more than an answer: weak evidence (hard
    # tasks elicit worked answers unasked, and the lexicon cannot know every language),
    # so it weighs ABSENT_WEIGHT of the floor. It is read from as few prompts as the
    # structure family's text evidence (TEXT_PROMPTS); the upper bound of the cue share
    # decides how soon "hardly any" holds.
    absent = ramp(st.prompts, *TEXT_PROMPTS) * (1.0 - ramp(st.cue_share.high, 0.1, 0.3))
    against = max(ABSENT_WEIGHT * absent, limited)
    value = (cap * up * (1.0 - limited) + floor * against) * credible(st.prompts)
    if not explain:
        return Evidence("elicitation", value, ())
    parts = (
        Part("elicitation_share", st.cue_share.value, scale.median,
             scale.position(st.cue_share.value), cap * up * (1.0 - limited)),
        Part("constrained_answer_share", st.limit_share.value, 0.0, 0.0, floor * limited),
    )  # fmt: skip
    return Evidence("elicitation", value, parts)


def coverage_family(
    st: KeyStatistics, scales: Scales, asks: Evidence | None = None, explain: bool = True
) -> Evidence:
    """Walking a task space (new items in known frames) against repeating and following up.

    Evidence for: a large share of prompts that fill one of the key's frames with
    items it has not asked about recently, as far as the prompts do not argue against
    asking for worked answers (``asks``: the key's elicitation evidence). Evidence
    against: prompts the key sent before (retries, iterations, a benchmark run again),
    prompts other keys sent too (public benchmarks, a client library's defaults), and
    prompts about what the key just asked (follow-ups: few new items without a frame).
    """
    cap, floor = CAPS["coverage"]
    if st.prompts < 1.0:
        return Evidence("coverage", 0.0, ())
    sweep = scales.sweep_share
    # A frame filled with new items is what every templated pipeline sends: a content
    # generator's "write a blog post about {product}", an eval harness's options and
    # "Answer:". It is a walk over a task space when the items are asked to be worked
    # out; where the prompts argue against that (none asks for more than an answer, or
    # most constrain it), the sweep is a template's slots and adds nothing.
    up = _walks(st, scales) * (1.0 - _asks_against(asks))
    repeats = ramp(st.repeat_share.low, 0.05, 0.3)
    shared = ramp(st.shared_share.low, 0.05, 0.3)
    down = max(repeats, shared)
    value = (cap * up + floor * down) * credible(st.prompts)
    if not explain:
        return Evidence("coverage", value, ())
    parts = (
        Part("sweep_share", st.sweep_share.value, sweep.median,
             sweep.position(st.sweep_share.value), cap * up),
        Part("repeated_prompt_share", st.repeat_share.value, 0.0, 0.0, floor * repeats),
        Part("shared_prompt_share", st.shared_share.value, 0.0, 0.0, floor * shared),
    )  # fmt: skip
    return Evidence("coverage", value, parts)


def _asks_against(asks: Evidence | None) -> float:
    """How far elicitation evidence argues against asking for worked answers, in [0, 1]:
    1 from the evidence that prompts asking for nothing more earn alone (``ABSENT_WEIGHT``
    of the floor) down, 0 for none or any evidence for."""
    if asks is None or asks.value >= 0.0:
        return 0.0
    return min(asks.value / (ABSENT_WEIGHT * CAPS["elicitation"][1]), 1.0)


def structure_family(st: KeyStatistics, scales: Scales, explain: bool = True) -> Evidence:
    """Single-turn, self-contained requests against conversations and carried context.

    A conversation sends each answer back in the next prompt (``turns``, beyond what
    prompt sizes give by chance); chat, tutoring, RAG and agents carry context that
    varies from request to request (the spread of the tokens beyond the visible
    prompt). A harvester's prompts are the question and at most a fixed system prompt.
    """
    cap, floor = CAPS["structure"]
    if st.n < 1.0:
        return Evidence("structure", 0.0, ())
    turns = ramp(st.turns.low, 0.03, 0.2)
    # The context beyond the visible prompt, read from a handful of prompts on: varying
    # from request to request (history, retrieved passages, tool output) or always the
    # same (the question and at most a fixed system prompt).
    seen = ramp(st.prompts, *TEXT_PROMPTS)
    # A spread made of a few sizes that keep recurring is a few fixed contexts (personas
    # rotated per request, a product's per-tool system prompts), not carried context:
    # history and retrieved passages rarely match one of the last few sizes.
    recurring = ramp(st.same_context.low, 0.4, 0.7)
    spread = ramp(st.hidden_sd, 0.2, 0.5) * (1.0 - recurring)
    varied = seen * ramp(st.hidden_sd, 0.35, 0.8) * (1.0 - recurring)
    fixed = seen * (1.0 - spread)
    # Single-turn from timing alone needs many requests: the turn test only has pairs
    # close in time to compare, and a key sending a few requests a day has none, so its
    # bound stays wide for days. The text says it sooner: prompts that carry nothing
    # beyond a fixed context, none of them continuing a recent answer.
    by_turns = ramp(st.n, 10.0, 40.0) * (1.0 - ramp(st.turns.high, 0.02, 0.1))
    by_text = fixed * (1.0 - ramp(st.turns.value, 0.02, 0.1))
    single = max(by_turns * (1.0 - seen * spread), by_text)
    carried = max(turns, varied)
    value = cap * single + floor * carried
    if not explain:
        return Evidence("structure", value, ())
    parts = (
        Part("single_turn_share", 1.0 - max(st.turns.value, 0.0), 0.0, 0.0, cap * single),
        Part("conversation_turn_share", st.turns.value, 0.0, 0.0, floor * turns),
        Part("context_spread", st.hidden_sd, 0.0, 0.0, floor * varied),
        Part("recurring_context_share", st.same_context.value, 0.0, 0.0, 0.0),
    )  # fmt: skip
    return Evidence("structure", value, parts)


def share_family(key: KeyStatistics, scales: Scales, explain: bool = True) -> Evidence:
    """For a slice: how much more often than other keys the key gets harvest-like answers.

    Takes the place of ``yield`` when a key's harvest-like requests are judged on
    their own (their own yield is high by construction).
    """
    cap, _ = CAPS["yield"]
    scale = scales.harvestlike
    position = scale.position(key.harvestlike_share.low)
    value = cap * ramp(position, 1.5, 4.0) if scale.warm else 0.0
    if not explain:
        return Evidence("yield", value, ())
    part = Part("harvest_like_share", key.harvestlike_share.value, scale.median,
                scale.position(key.harvestlike_share.value), value)  # fmt: skip
    return Evidence("yield", value, (part,))


def slice_families(
    sliced: KeyStatistics,
    key: KeyStatistics,
    scales: Scales,
    span_seconds: float,
    explain: bool = True,
) -> list[Evidence]:
    """Core families of a slice: its share of the key, and what its requests ask for.

    Structure is left out: requests chosen for their short prompts and long answers
    look single-turn and self-contained whatever the key does. ``explain`` as for
    :func:`core_families`.
    """
    asks = elicitation_family(sliced, scales, explain)
    return [
        share_family(key, scales, explain),
        quantity_family(sliced, scales, span_seconds, explain),
        asks,
        coverage_family(sliced, scales, asks, explain),
    ]


def core_families(
    st: KeyStatistics, scales: Scales, span_seconds: float, explain: bool = True
) -> list[Evidence]:
    """Every core family's evidence for one horizon's statistics.

    Without ``explain`` every family's parts are left out (``()``), the values are the
    same: the parts only name an alert's reasons, and most scorings raise none (the
    engine scores without them and again with them when an alert is due).
    """
    asks = elicitation_family(st, scales, explain)
    return [
        yield_family(st, scales, explain),
        quantity_family(st, scales, span_seconds, explain),
        asks,
        coverage_family(st, scales, asks, explain),
        structure_family(st, scales, explain),
    ]
