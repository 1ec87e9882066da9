"""Combine family evidence into one score, with missing evidence neutral.

The total is a sum of log-odds: each core family's evidence clipped to its cap
and floor (:data:`detectors.evidence.families.CAPS`), plus supporting evidence
that counts only in proportion to the core total (``gate``): timing, addresses
and model choice raise confidence in what the content shows, never create it.
A family without input adds exactly 0.

The caps are what make the combination safe. With the defaults, the strongest
single family adds 3, the strongest pair 5.5, ``warning`` needs 6 and ``critical``
7.5: no
family and no pair can reach it alone, while any sufficient set can — e.g.
yield, elicitation and coverage with prompt text, or yield far above the
population, single-turn structure, a large harvest per day and machine timing
from metadata alone. ``tests/unit/test_combine.py`` proves the first claim over
every family and pair.

The score reported in alerts is a logistic of the total, placed so that the
default thresholds (``warning`` 0.6, ``critical`` 0.85) sit at
:data:`WARNING_EVIDENCE` and :data:`CRITICAL_EVIDENCE`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from detectors.evidence.families import CAPS, Evidence, ramp
from detectors.evidence.support import Support, clean, held_persistence

__all__ = [
    "CRITICAL_EVIDENCE",
    "WARNING_EVIDENCE",
    "EvidenceCombiner",
    "evidence_to_score",
    "score_to_evidence",
]

WARNING_EVIDENCE = 6.0
CRITICAL_EVIDENCE = 7.5
# The logistic through (WARNING_EVIDENCE, 0.6) and (CRITICAL_EVIDENCE, 0.85).
_SLOPE = (math.log(0.85 / 0.15) - math.log(0.6 / 0.4)) / (CRITICAL_EVIDENCE - WARNING_EVIDENCE)
_OFFSET = math.log(0.6 / 0.4) - _SLOPE * WARNING_EVIDENCE


def evidence_to_score(total: float) -> float:
    """Score in [0, 1] for a total evidence.

    >>> warning = evidence_to_score(WARNING_EVIDENCE)
    >>> round(warning, 3), round(evidence_to_score(CRITICAL_EVIDENCE), 3)
    (0.6, 0.85)
    >>> evidence_to_score(-100.0) < 0.01
    True
    """
    z = _SLOPE * total + _OFFSET
    return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


def score_to_evidence(score: float) -> float:
    """Inverse of :func:`evidence_to_score`.

    >>> round(score_to_evidence(0.85), 6) == CRITICAL_EVIDENCE
    True
    """
    score = min(max(score, 1e-12), 1 - 1e-12)
    return (math.log(score / (1 - score)) - _OFFSET) / _SLOPE


class EvidenceCombiner:
    """Sum of capped core evidence plus gated support.

    Parameters
    ----------
    caps
        (cap, floor) per core family.
    support_weights
        Weight of each supporting signal (each in [0, 1]).
    support_cap
        Most the supporting signals may add together.
    gate
        Core totals between which support goes from counting nothing to counting fully.
    persistence
        Most that sustained core evidence (``Support.persistence``) adds, beside the
        other support, behind the same gate.

    Examples
    --------
    >>> from detectors.evidence.families import Evidence
    >>> comb = EvidenceCombiner()
    >>> full = Support(1.0, 1.0, 1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0)
    >>> total, added = comb.total([Evidence("yield", 9.0, ())], full)  # one family, capped
    >>> total - added, round(added, 3)  # support counts two thirds: core 3 is in the gate
    (3.0, 2.0)
    >>> comb.total([], full)[0]  # support alone counts nothing
    0.0
    """

    def __init__(
        self,
        caps: Mapping[str, tuple[float, float]] | None = None,
        support_weights: Mapping[str, float] | None = None,
        support_cap: float = 1.5,
        gate: tuple[float, float] = (1.0, 4.0),
        persistence: float = 1.5,
    ) -> None:
        self.caps = dict(CAPS if caps is None else caps)
        self.support_weights = dict(
            {"timing": 1.5, "infrastructure": 0.75, "model": 0.25, "change": 1.0}
            if support_weights is None
            else support_weights
        )
        self.support_cap = support_cap
        self.gate = gate
        self.persistence = persistence

    def clip(self, evidence: Evidence) -> float:
        cap, floor = self.caps[evidence.family]
        return min(max(evidence.value, floor), cap)

    def support_raw(self, signals: Support) -> float:
        """Supporting evidence before the gate, capped."""
        total = sum(
            weight * getattr(signals, name) for name, weight in self.support_weights.items()
        )
        return min(total, self.support_cap)

    def total(self, core: Iterable[Evidence], signals: Support) -> tuple[float, float]:
        """(total evidence, the part of it that came from support and persistence)."""
        return self.combine([self.clip(e) for e in core], signals)

    def combine(self, clipped: Sequence[float], signals: Support) -> tuple[float, float]:
        """:meth:`total` of core families already clipped (:meth:`clip`, in any order):
        a scorer that reads the core sums itself clips each family once."""
        core_total = sum(clipped)
        gate = ramp(core_total, *self.gate)
        # Persistence (how long the core evidence has held) counts beside the other
        # support, not inside its cap: it is not another circumstance of the requests
        # but how much of the key's history the evidence rests on. The requests it held
        # over count too, for at most half of it (``held_persistence``), and only while no family
        # argues against the key: a large sample of clean evidence is no chance reading,
        # where a mixed one (shared or repeated items, constrained answers, carried
        # context: benchmark and eval harnesses) is not made clearer by its size.
        persistence = held_persistence(signals, clean(clipped))
        added = (self.support_raw(signals) + self.persistence * persistence) * gate
        return core_total + added, added
