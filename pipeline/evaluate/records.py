"""Typed records the evaluation works on, and the time helpers they need.

Everything here is plain data: the readers in :mod:`pipeline.evaluate.inputs`
build these records, the pure functions in :mod:`pipeline.evaluate.metrics`
and friends consume them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

#: Severity levels, weakest first. A key is "detected at level L" when it has an
#: alert whose severity is L or stronger.
LEVELS: tuple[str, ...] = ("warning", "critical")
_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVELS)}

ABUSE = "abuse"
BENIGN = "benign"


def severity_rank(severity: str) -> int:
    """Rank of a severity (0 = warning, 1 = critical).

    >>> severity_rank("critical") > severity_rank("warning")
    True
    """
    return _RANK[severity]


def at_or_above(severity: str, level: str) -> bool:
    """Whether an alert of ``severity`` counts at ``level``.

    >>> at_or_above("critical", "warning"), at_or_above("warning", "critical")
    (True, False)
    """
    return _RANK[severity] >= _RANK[level]


def parse_ts(value: object) -> float:
    """Parse an event-time value into Unix epoch seconds.

    Accepts what the contracts allow: a number of epoch seconds or an RFC 3339
    string with an explicit offset (naive times are ambiguous and rejected).

    >>> parse_ts("2026-10-05T13:04:11.250Z")
    1791205451.25
    >>> parse_ts(1791205451)
    1791205451.0
    >>> parse_ts("2026-10-05T13:04:11")
    Traceback (most recent call last):
    ...
    ValueError: timestamp without a UTC offset: '2026-10-05T13:04:11'
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite timestamp: {value!r}")
        return number
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"timestamp without a UTC offset: {value!r}")
        return parsed.timestamp()
    raise ValueError(f"not a timestamp: {value!r}")


def format_ts(epoch: float) -> str:
    """Format epoch seconds as RFC 3339 UTC with millisecond precision.

    >>> format_ts(1791205451.25)
    '2026-10-05T13:04:11.250Z'
    """
    text = datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """The parts of an alert (ALERTS.md) the evaluation needs.

    ``reasons`` keeps the first few reasons as ``"feature=value (baseline b)"`` text.
    """

    alert_id: str
    api_key_id: str
    ts: float
    severity: str
    score: float
    detector: str
    campaign_id: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """Ground truth for one key, from ``labels.jsonl`` (possibly corrected by feedback).

    ``structure`` is the simulator's drawn structure as sorted ``(axis, value)`` pairs
    (empty for label files without it).

    >>> LabelRecord("k", "abuse", "s", structure=(("split", "tune"),)).axis("split")
    'tune'
    """

    api_key_id: str
    label: str
    scenario: str
    attack_start: float | None = None
    campaign_id: str | None = None
    account_id: str | None = None
    structure: tuple[tuple[str, str], ...] = ()

    def axis(self, name: str) -> str | None:
        """The value of one structure axis, ``None`` when the label does not say."""
        for axis, value in self.structure:
            if axis == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """An analyst's verdict on one key; it overrides or extends the labels."""

    api_key_id: str
    label: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One score of one key at one event time (``replay --scores`` output).

    ``total`` and ``evidence`` (what each family and the support added) are there when
    the replay wrote them; older score files carry only the score.
    """

    api_key_id: str
    ts: float
    score: float
    total: float | None = None
    evidence: tuple[tuple[str, float], ...] = ()
