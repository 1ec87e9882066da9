"""Reasons for an alert: the statistics that carried its evidence, strongest first.

Each reason names a statistic, the key's value in the unit an analyst reads
(tokens, shares, tokens per day) and the population median it was measured
against. Supporting signals (timing, addresses, model) are listed after the core
evidence, and only when they added to the score.
"""

from __future__ import annotations

from detectors.alerts import Reason
from detectors.engine.scoring import Verdict
from detectors.evidence.combine import EvidenceCombiner
from detectors.evidence.support import Support, clean, held_persistence

__all__ = ["MAX_REASONS", "reasons"]

MAX_REASONS = 5
#: What a supporting signal must add (log-odds, at full gate) to take a core reason's
#: place: a third of the 1.5 between `warning` and `critical`.
TIPPING = 0.5
#: The default weights, for a caller that does not pass the scorer's.
_COMBINER = EvidenceCombiner()


def reasons(
    verdict: Verdict, prefix: str = "", combiner: EvidenceCombiner = _COMBINER
) -> tuple[Reason, ...]:
    """The reasons of an alert raised on ``verdict`` (features named ``prefix + name``);
    supporting signals ranked by what each adds with ``combiner``'s weights (the scorer's
    that weighed them)."""
    ranked = sorted(
        (part for family in verdict.families for part in family.parts if part.evidence > 0),
        key=lambda part: (-part.evidence, part.feature),
    )
    support = _support(verdict, prefix, combiner)
    # A support that could tip an alert (a change, persistence, machine timing: at least
    # TIPPING at full gate) keeps the last place, where five core parts used to fill the
    # list (red team round 8: a feature launch at `critical` by a change its reasons did
    # not name). Model choice never adds that much, and never takes a core part's place.
    room = MAX_REASONS - (1 if support and support[0][0] >= TIPPING else 0)
    out = [Reason(prefix + p.feature, p.value, p.baseline) for p in ranked[:room]]
    out.extend(reason for _, reason in support[: MAX_REASONS - len(out)])
    return tuple(out)


def _support(
    verdict: Verdict, prefix: str, combiner: EvidenceCombiner
) -> list[tuple[float, Reason]]:
    """The supporting signals that added to ``verdict``'s score, each with what it adds
    at full gate (its signal times its weight in ``combiner``), largest first."""
    if verdict.support_added <= 0:
        return []
    s = verdict.support
    weights = combiner.support_weights
    change, change_reason = _change(s, prefix)
    held, held_reason = _persistence(s, clean(f.value for f in verdict.families), prefix)
    signals = sorted(
        (
            (weights["timing"] * s.timing,
             Reason(prefix + "hourly_volume_cv", s.hourly_volume_cv, 0.0)),
            (weights["infrastructure"] * s.infrastructure,
             Reason(prefix + "prefixes_per_request", s.prefixes_per_request, 0.0)),
            (weights["model"] * s.model,
             Reason(prefix + "reasoned_share", s.reasoned_share, 0.0)),
            (weights["change"] * change, change_reason),
            (combiner.persistence * held, held_reason),
        ),
        key=lambda item: -item[0],
    )  # fmt: skip
    return [(added, reason) for added, reason in signals if added > 0]


def _persistence(s: Support, is_clean: bool, prefix: str) -> tuple[float, Reason]:
    """Persistence by what carried it: hours held, or the requests sent while it held."""
    held = held_persistence(s, is_clean)
    if held > s.persistence:
        return held, Reason(prefix + "requests_at_warning", s.requests_held, 0.0)
    return held, Reason(prefix + "hours_at_warning", s.hours_at_warning, 0.0)


def _change(s: Support, prefix: str) -> tuple[float, Reason]:
    """A change by what carried it: the harvest-like share, or the core evidence."""
    if s.change_by_evidence > 0.0 and s.change_by_evidence >= s.change:
        return s.change, Reason(prefix + "evidence_change", s.evidence_rise, 0.0)
    return s.change, Reason(prefix + "harvest_like_change", s.harvest_like_change, 0.0)
