"""Reasons for an alert: the statistics that carried its evidence, strongest first.

Each reason names a statistic, the key's value in the unit an analyst reads
(tokens, shares, tokens per day) and the population median it was measured
against. Supporting signals (timing, addresses, model) are listed after the core
evidence, and only when they added to the score.
"""

from __future__ import annotations

from detectors.alerts import Reason
from detectors.engine.scoring import Verdict
from detectors.evidence.support import Support, held_persistence

__all__ = ["MAX_REASONS", "reasons"]

MAX_REASONS = 5


def reasons(verdict: Verdict, prefix: str = "") -> tuple[Reason, ...]:
    """The reasons of an alert raised on ``verdict`` (features named ``prefix + name``)."""
    ranked = sorted(
        (part for family in verdict.families for part in family.parts if part.evidence > 0),
        key=lambda part: (-part.evidence, part.feature),
    )
    out = [Reason(prefix + p.feature, p.value, p.baseline) for p in ranked[:MAX_REASONS]]
    if verdict.support_added > 0 and len(out) < MAX_REASONS:
        s = verdict.support
        clean = all(family.value >= 0.0 for family in verdict.families)
        signals = sorted(
            (
                (s.timing, Reason(prefix + "hourly_volume_cv", s.hourly_volume_cv, 0.0)),
                (
                    s.infrastructure,
                    Reason(prefix + "prefixes_per_request", s.prefixes_per_request, 0.0),
                ),
                (s.model * 0.25, Reason(prefix + "reasoned_share", s.reasoned_share, 0.0)),
                _change(s, prefix),
                _persistence(s, clean, prefix),
            ),
            key=lambda item: -item[0],
        )
        for weight, reason in signals:
            if weight > 0 and len(out) < MAX_REASONS:
                out.append(reason)
    return tuple(out)


def _persistence(s: Support, clean: bool, prefix: str) -> tuple[float, Reason]:
    """Persistence by what carried it: hours held, or the requests sent while it held."""
    held = held_persistence(s, clean)
    if held > s.persistence:
        return held, Reason(prefix + "requests_at_warning", s.requests_held, 0.0)
    return held, Reason(prefix + "hours_at_warning", s.hours_at_warning, 0.0)


def _change(s: Support, prefix: str) -> tuple[float, Reason]:
    """A change by what carried it: the harvest-like share, or the core evidence."""
    if s.change_by_evidence > 0.0 and s.change_by_evidence >= s.change:
        return s.change, Reason(prefix + "evidence_change", s.evidence_rise, 0.0)
    return s.change, Reason(prefix + "harvest_like_change", s.harvest_like_change, 0.0)
