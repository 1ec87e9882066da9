"""Plain-language text for alert reasons: a registry of features, and an alert's summary.

An alert's ``reasons`` are ``{feature, value, baseline}``; this module turns them
into words an on-call engineer reads without the source: the value in its unit,
and how far it is from what it was compared with (the population median, the
key's own history, or keys that act independently). The same text appears in the
alert's ``summary``, the triage page, ``hook audit`` and the demo.

A feature's wording is one line of :data:`FEATURES`: its unit, a phrase with
``{value}``, and what its baseline is. A name the registry does not know still
reads sensibly (:func:`describe` guesses the unit from the name's ending), so a
new feature works before it has its line. ``harvest_like.<feature>`` is the
feature measured on the key's harvest-like slice.

Pure and deterministic: the same reasons always give the same bytes (number
formats are fixed, no locale), so replay and the workers write identical alerts.

Examples
--------
>>> describe(Reason("answer_tokens", 1650.2, 266.0)).text
'answers average 1,650 tokens, 6.2 times the population median (266 tokens)'
>>> describe(Reason("reasoned_share", 0.98, 0.0)).text
'98% of requests go to a reasoning model'
>>> sliced = describe(Reason("harvest_like.sweep_share", 0.6, 0.05))
>>> print(sliced.text)  # doctest: +NORMALIZE_WHITESPACE
in its harvest-like requests: 60% of prompts fill a known frame with a new item, 12 times the
population median (5.0%)
>>> describe(Reason("brand_new_signal", 3.0, 1.5)).text
'brand new signal: 3.00, 2.0 times the baseline (1.50)'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "FEATURES",
    "SLICE_PREFIX",
    "Phrase",
    "ReasonLike",
    "Wording",
    "describe",
    "summarize",
]

#: Prefix of reasons measured on a key's harvest-like slice (detectors/state/slices.py).
SLICE_PREFIX = "harvest_like."

#: How many reasons the summary's first sentence names; a second sentence names more.
LEAD_REASONS = 2
MORE_REASONS = 2


class ReasonLike(Protocol):
    """Anything with a reason's three fields (``detectors.alerts.Reason``)."""

    @property
    def feature(self) -> str: ...

    @property
    def value(self) -> float: ...

    @property
    def baseline(self) -> float: ...


@dataclass(frozen=True)
class Reason:
    """A reason as read from JSON (for :func:`describe` on alert dicts)."""

    feature: str
    value: float
    baseline: float

    @classmethod
    def from_mapping(cls, obj: Mapping[str, Any]) -> Reason:
        """Read ``{feature, value, baseline}``; missing or odd numbers read as 0.

        >>> Reason.from_mapping({"feature": "x", "value": "?"})
        Reason(feature='x', value=0.0, baseline=0.0)
        """
        return cls(
            str(obj.get("feature", "")), _float(obj.get("value")), _float(obj.get("baseline"))
        )


@dataclass(frozen=True)
class Wording:
    """How one feature reads.

    ``unit``: ``share`` (0-1, shown in %), ``tokens``, ``ratio``, ``count``,
    ``strength`` (0-1 evidence, 2 decimals), ``whole`` (a count of things) or
    ``percent`` (0-1 spread, in %).
    ``phrase`` holds ``{value}``. ``compare``: what the baseline is:
    ``population`` (median key), ``own`` (the key's history), ``independent``
    (keys that act on their own) or ``none`` (the baseline is not a comparison).
    """

    unit: str
    phrase: str
    compare: str = "population"


W = Wording
#: feature -> wording. A new feature needs one line here (unknown names still read).
FEATURES: dict[str, Wording] = {
    # per-key engine, core families
    "answer_tokens": W("tokens", "answers average {value}"),
    "output_per_input": W("ratio", "{value} output tokens per input token"),
    "output_tokens_per_day": W("tokens", "collects {value} of output a day"),
    "elicitation_share": W("share", "{value} of prompts ask for written-out reasoning or worked solutions"),  # noqa: E501
    "constrained_answer_share": W("share", "{value} of prompts constrain the answer (options, labels, formats)", "none"),  # noqa: E501
    "sweep_share": W("share", "{value} of prompts fill a known frame with a new item"),
    "repeated_prompt_share": W("share", "{value} of prompts repeat the key's earlier ones", "none"),
    "shared_prompt_share": W("share", "{value} of prompts were also sent by other keys", "none"),
    "single_turn_share": W("share", "{value} of requests are single-turn, self-contained", "none"),
    "conversation_turn_share": W("share", "{value} of requests continue a conversation", "none"),
    "context_spread": W("strength", "context beyond the prompt varies by {value} (log spread)", "none"),  # noqa: E501
    "recurring_context_share": W("share", "{value} of prompts carry one of a few recurring contexts (fixed system prompts)", "none"),  # noqa: E501
    "hidden_context_tokens": W("tokens", "sends {value} of context beyond the visible prompt"),
    "harvest_like_share": W("share", "{value} of requests are harvest-like (short prompt, long answer)"),  # noqa: E501
    # per-key engine, supporting signals
    "hourly_volume_cv": W("percent", "hourly volume varies by only {value} from hour to hour (machine-paced)", "none"),  # noqa: E501
    "prefixes_per_request": W("count", "{value} network prefixes per request (rotating addresses)", "none"),  # noqa: E501
    "reasoned_share": W("share", "{value} of requests go to a reasoning model", "none"),
    "harvest_like_change": W("strength", "harvest-like traffic rose against its own history (change {value})", "none"),  # noqa: E501
    "evidence_change": W("strength", "its last hour's evidence rose above its day's (by {value} log-odds)", "none"),  # noqa: E501
    "hours_at_warning": W("hours", "its evidence has held for {value}", "none"),
    "requests_at_warning": W("whole", "its evidence has held over {value} requests", "none"),
    # campaign stage
    "shared_ip_prefixes": W("strength", "members share network prefixes (overlap {value})", "independent"),  # noqa: E501
    "accounts": W("whole", "members belong to {value} accounts", "none"),
    "shared_template_extraction_content": W("strength", "members fill shared templates with extraction-style prompts (strength {value})", "none"),  # noqa: E501
    "synchronized_activity": W("strength", "members are active in the same hours (strength {value})", "none"),  # noqa: E501
    "synchronized_first_seen": W("strength", "members first appeared together (strength {value})", "none"),  # noqa: E501
    "shared_user_agent": W("strength", "members share a user agent (strength {value})", "none"),
    "new_keys_share": W("share", "{value} of members are new keys", "none"),
}  # fmt: skip

_COMPARED = {
    "population": "the population median",
    "own": "its own history",
    "independent": "the overlap of independent keys",
}


@dataclass(frozen=True)
class Phrase:
    """One reason in words: the sentence, and its parts for a table."""

    feature: str
    text: str
    value: str
    baseline: str
    comparison: str
    known: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (the triage API)."""
        return {
            "feature": self.feature,
            "text": self.text,
            "value": self.value,
            "baseline": self.baseline,
            "comparison": self.comparison,
            "known": self.known,
        }


def describe(reason: ReasonLike) -> Phrase:
    """One reason in plain language: value with unit, and how far from its baseline.

    >>> describe(Reason("output_per_input", 36.7, 40.0)).comparison
    'close to the population median (40.0)'
    >>> describe(Reason("hourly_volume_cv", 0.004, 0.0)).text
    'hourly volume varies by only 0.40% from hour to hour (machine-paced)'
    >>> describe(Reason("answer_tokens", 10.0, 400.0)).comparison
    '40 times less than the population median (400 tokens)'
    """
    feature = reason.feature
    inner = feature[len(SLICE_PREFIX) :] if feature.startswith(SLICE_PREFIX) else feature
    wording = FEATURES.get(inner)
    known = wording is not None
    if wording is None:
        wording = _guess(inner)
    value, baseline = _float(reason.value), _float(reason.baseline)
    value_text = _format(value, wording.unit)
    baseline_text = _format(baseline, wording.unit)
    comparison = _comparison(value, baseline, wording, baseline_text)
    text = wording.phrase.format(value=value_text)
    if comparison:
        text += ", " + comparison
    if len(inner) != len(feature):
        text = "in its harvest-like requests: " + text
    return Phrase(feature, text, value_text, baseline_text, comparison, known)


def summarize(
    severity: str,
    score: float,
    reasons: Iterable[ReasonLike],
    campaign_id: str | None = None,
    related: int = 0,
) -> str:
    """One or two sentences for an alert: what it is and its strongest reasons.

    Reasons that carry nothing (value and baseline both 0) are left out.

    >>> print(summarize("critical", 0.912, [Reason("answer_tokens", 1650.0, 266.0),
    ...                                     Reason("elicitation_share", 0.9, 0.02)]))
    ... # doctest: +NORMALIZE_WHITESPACE
    Critical (score 0.91): answers average 1,650 tokens, 6.2 times the population median (266
    tokens); 90% of prompts ask for written-out reasoning or worked solutions, 45 times the
    population median (2.0%).
    >>> print(summarize("warning", 0.7, [Reason("accounts", 12, 1),
    ...                                  Reason("synchronized_activity", 0, 0)],
    ...                 campaign_id="camp-1", related=11))  # doctest: +NORMALIZE_WHITESPACE
    Warning (score 0.70): member of campaign camp-1 with 11 other keys; members belong to 12
    accounts.
    >>> summarize("warning", 0.65, [])
    'Warning (score 0.65): no single reason stands out.'
    """
    phrases = [describe(r).text for r in reasons if not _silent(r)]
    head = f"{severity[:1].upper()}{severity[1:]} (score {_float(score):.2f})"
    lead: list[str] = []
    if campaign_id is not None:
        others = "other key" if related == 1 else "other keys"
        lead.append(f"member of campaign {campaign_id} with {related} {others}")
    lead.extend(phrases[:LEAD_REASONS])
    if not lead:
        return f"{head}: no single reason stands out."
    text = f"{head}: {'; '.join(lead)}."
    more = phrases[LEAD_REASONS : LEAD_REASONS + MORE_REASONS]
    if more:
        text += f" Also: {'; '.join(more)}."
    return text


def _silent(reason: ReasonLike) -> bool:
    return _float(reason.value) == 0.0 and _float(reason.baseline) == 0.0


def _guess(name: str) -> Wording:
    """A wording for a feature the registry does not know, from its name.

    >>> _guess("template_share").phrase, _guess("output_tokens").unit, _guess("x_cv").unit
    ('template share: {value}', 'tokens', 'percent')
    """
    words = name.replace(".", " ").replace("_", " ").strip() or "unnamed signal"
    if name.endswith("_share"):
        unit = "share"
    elif name.endswith("_tokens"):
        unit = "tokens"
    elif name.endswith("_cv"):
        unit = "percent"
    else:
        unit = "count"
    return Wording(unit, words + ": {value}", "baseline")


def _comparison(value: float, baseline: float, wording: Wording, baseline_text: str) -> str:
    compare = wording.compare
    if compare == "none":
        return ""
    against = _COMPARED.get(compare, "the baseline")
    if baseline == 0.0:
        if value == 0.0 or compare == "baseline":
            return ""
        if compare == "population":
            return f"where the median key has {baseline_text}"
        return f"against {baseline_text} for {against}"
    if compare == "own":
        return f"against {baseline_text} in {against}"
    ratio = value / baseline if baseline > 0 else math.inf
    if baseline < 0 or not math.isfinite(ratio):
        return f"against {baseline_text} for {against}"
    if ratio >= 1.5:
        return f"{_times(ratio)} times {against} ({baseline_text})"
    if 0 < ratio <= 1 / 1.5:
        return f"{_times(1 / ratio)} times less than {against} ({baseline_text})"
    if ratio == 0:
        return f"against {baseline_text} for {against}"
    return f"close to {against} ({baseline_text})"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.1f}"


def _format(value: float, unit: str) -> str:
    """``value`` in ``unit``, with a fixed format.

    >>> [_format(v, "share") for v in (0.0, 0.004, 0.05, 0.987)]
    ['0%', '0.40%', '5.0%', '99%']
    >>> [_format(v, "tokens") for v in (3.2, 1650.4, 2_400_000)]
    ['3 tokens', '1,650 tokens', '2.4M tokens']
    >>> _format(36.71, "ratio"), _format(0.5, "count"), _format(0.8333, "strength")
    ('36.7', '0.50', '0.83')
    """
    if unit in ("share", "percent"):
        pct = value * 100.0
        if pct == 0.0:
            return "0%"
        if abs(pct) >= 10:
            return f"{pct:.0f}%"
        if abs(pct) >= 1:
            return f"{pct:.1f}%"
        return f"{pct:.2f}%"
    if unit == "tokens":
        return _number(value, whole=True) + " tokens"
    if unit == "hours":
        return f"{value:.1f} hours"
    if unit == "strength":
        return f"{value:.2f}"
    if unit == "whole":
        return _number(value, whole=True)
    return _number(value)


def _number(value: float, whole: bool = False) -> str:
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:.1f}B"
    if size >= 1e6:
        return f"{value / 1e6:.1f}M"
    if size >= 100 or whole:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) else 0.0
