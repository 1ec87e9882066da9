"""What one step of the engine emits: alerts, scores, campaign summaries.

The engine is a pure step, like a stateful map: ``Engine.process(event)``
returns everything the event caused and keeps no output buffers for drivers to
drain. Most events cause nothing and get the one shared :data:`NOTHING`, which
is false; a scoring emits its score, perhaps an alert, and (when summaries are
enabled) the key's campaign summary.

Examples
--------
>>> bool(NOTHING), NOTHING.alerts
(False, ())
>>> step = Emitted(scores=(Scored("k", 60.0, 0.2),))
>>> bool(step), step.plus(Emitted()).scores == step.scores
(True, True)
"""

from __future__ import annotations

from typing import NamedTuple

from detectors.alerts import Alert
from detectors.summaries import KeySummary

__all__ = ["NOTHING", "Emitted", "Scored"]


class Scored(NamedTuple):
    """One scoring of one key: for score histograms and analysts' timelines.

    ``total`` is the evidence behind ``score`` (log-odds) and ``evidence`` what each
    core family and the supporting signals added to it (``(name, value)``, families
    before their caps, as :mod:`detectors.evidence.families` gives them), read at
    ``horizon`` (``hour``, ``day`` or ``slice``): why a key stayed under a threshold
    as much as why it crossed one.
    """

    api_key_id: str
    ts: float
    score: float
    total: float = 0.0
    horizon: str = ""
    evidence: tuple[tuple[str, float], ...] = ()


class Emitted(NamedTuple):
    """The outputs of one step (false when it emitted nothing)."""

    alerts: tuple[Alert, ...] = ()
    scores: tuple[Scored, ...] = ()
    summaries: tuple[KeySummary, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.alerts or self.scores or self.summaries)

    def plus(self, other: Emitted) -> Emitted:
        """Both steps' outputs, this one's first."""
        if not other:
            return self
        if not self:
            return other
        return Emitted(
            self.alerts + other.alerts,
            self.scores + other.scores,
            self.summaries + other.summaries,
        )


#: The output of a step that emitted nothing (shared: most events).
NOTHING = Emitted()
