"""Supporting evidence: timing, infrastructure, model choice and change.

Harvesters choose their timing (flat 24/7, office hours, duty cycles, a drip),
their infrastructure and their model, and benign customers make every one of
these choices too: a translation service runs around the clock, a mobile app's
users arrive from thousands of addresses, a support bot runs on a reasoning
model. None of them is evidence on its own. Each is a number in [0, 1] that
the combiner (:mod:`detectors.evidence.combine`) lets raise confidence only in
proportion to what the core families already found.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from detectors.evidence.families import ramp
from detectors.evidence.scales import Scales, span
from detectors.evidence.statistics import KeyStatistics, share_bounds
from detectors.pacing import hourly_flatness
from detectors.sketches import linear_count
from detectors.state import layout as L
from detectors.state.keystate import KeyState

__all__ = [
    "ELEVATED",
    "PERSISTENCE_HOURS",
    "PERSISTENCE_REQUESTS",
    "REQUESTS_WEIGHT",
    "Support",
    "clean",
    "held_persistence",
    "support",
    "with_evidence_change",
]

#: Hours core evidence must hold before persistence starts to count, and fully counts.
PERSISTENCE_HOURS = (2.0, 6.0)
#: Requests sent while core evidence held from which persistence starts to count, and
#: fully counts (``EvidenceCombiner.total``): a sample size, not a rate (the same count is
#: as convincing at any traffic scale), reached in minutes by a heavy harvester and in
#: hours or never by a light key.
PERSISTENCE_REQUESTS = (100.0, 400.0)
#: Most of persistence that requests alone earn: a large sample shows the evidence is no
#: chance reading, but only time shows that a key keeps collecting (a declared benchmark
#: run sends ten thousand reasoning prompts in a few hours, then stops).
REQUESTS_WEIGHT = 0.5
#: How far the last hour's core evidence must exceed the day's (log-odds) for a change
#: to start counting, and to count fully (``with_evidence_change``).
EVIDENCE_RISE = (2.0, 4.0)
#: Key age (seconds) from which a change can count at all, and fully: a key needs a
#: history its last hour can differ from.
HISTORY_AGE = (6 * 3600.0, 24 * 3600.0)
#: Core evidence (log-odds, support aside) from which a key counts as elevated. 4.5, not 5,
#: since one partition's population scales (learned from every key) came out more
#: conservative than eight learned from an eighth each: at 4.5 recall is where it was
#: with half the benign ``critical`` keys (README, "Partitions and shared prompts").
ELEVATED = 4.5


class Support(NamedTuple):
    """Supporting signals in [0, 1], each with the value it was read from."""

    timing: float
    infrastructure: float
    model: float
    change: float
    persistence: float
    hourly_volume_cv: float
    active_hours: float
    interarrival_cv: float
    prefixes_per_request: float
    new_infrastructure_share: float
    reasoned_share: float
    harvest_like_change: float
    hours_at_warning: float
    requests_held: float = 0.0
    change_by_evidence: float = 0.0
    evidence_rise: float = 0.0


def support(
    state: KeyState,
    day: KeyStatistics,
    now: float,
    scales: Scales,
    sums: list[float] | None = None,
    hour: list[float] | None = None,
) -> Support:
    """Timing, infrastructure and model signals of a key at event time ``now``.

    ``sums`` and ``hour`` are the state's day and hour sums at ``now`` when the caller
    has them already (:meth:`KeyState.sums`, which they are read from otherwise).
    """
    # Machine pacing: the same volume every hour, around the clock, for many hours
    # (Poisson noise removed, so it holds at any rate), or gaps more regular than
    # independent arrivals.
    cv, observed = hourly_flatness(state, now)
    active = float(int(state.times[L.ACTIVE_MASK]).bit_count())
    flat = 1.0 - ramp(cv, 0.15, 0.45)
    around = ramp(active / max(min(observed, 24.0), 1.0), 0.8, 0.95)
    enough = ramp(observed, 4.0, 16.0) * ramp(day.n / max(min(observed, 24.0), 1.0), 2.0, 8.0)
    regular = ramp(1.0 - day.gap_cv, 0.5, 0.8) * ramp(day.gaps, 30.0, 100.0)
    timing = max(flat * around * enough, regular)
    # Every request from another network (a rotating proxy pool), or a key that moved
    # to prefixes and agents it never used before (stolen or resold).
    prefixes = linear_count(state.bitmap(L.IP_TODAY, L.IP_YESTERDAY, L.IP_WORDS),
                            L.IP_PREFIX_BITS)  # fmt: skip
    per_request = prefixes / max(min(day.n, float(L.IP_PREFIX_BITS)), 1.0)
    rotation = ramp(per_request, 0.3, 0.8) * ramp(day.n, 10.0, 30.0)
    if sums is None:
        sums = state.sums(1, now)
    new_share = 0.0
    if (
        state.bits[L.IP_HISTORY]
        or state.bits[L.UA_HISTORY]
        or any(state.bits[L.IP_HISTORY + i] for i in range(1, L.IP_WORDS))
    ):
        n = max(sums[L.N], 1.0)
        new_share = max(sums[L.NEW_IP], sums[L.NEW_UA]) / n
    infrastructure = max(rotation, ramp(new_share, 0.3, 0.7))
    model = ramp(scales.reasoned.position(day.reasoned_share), 1.0, 2.0)
    # A change from the key's own week: far more harvest-like requests in the last hour
    # than over its history (a stolen key, extraction starting inside a reseller's
    # traffic). Only for keys old enough to have a history.
    week_n, week_hits = state.week(now)
    if hour is None:
        hour = state.sums(0, now)
    before = week_hits / max(week_n, 1.0)
    recent = share_bounds(hour[L.HARVESTLIKE], hour[L.N]).low
    history = ramp(now - state.first_ts, *HISTORY_AGE)
    change = ramp(recent - before, 0.1, 0.3) * history
    # Severity rests on how long the evidence has held and on how many requests it rests
    # on, not only on how much there is: a key whose core evidence has stayed high for
    # hours keeps collecting, where an eval job is over in a few (see ``ELEVATED``); a key
    # whose evidence has held over hundreds of requests has shown it on a sample no
    # chance reading explains, and a heavy harvester sends them in minutes (the combiner
    # weighs those, see ``PERSISTENCE_REQUESTS``). The requests are estimated from the
    # last hour's rate (its decayed count over the time it stands for) times the time
    # held: no per-key counter is kept for it.
    held_seconds = max(now - state.times[L.ELEVATED_SINCE], 0.0)
    held = held_seconds / 3600.0
    rate = hour[L.N] / span(now - state.first_ts, L.HOUR)
    requests_held = rate * held_seconds
    persistence = ramp(held, PERSISTENCE_HOURS[0], PERSISTENCE_HOURS[1])
    return Support(timing, infrastructure, model, change, persistence, cv, active, day.gap_cv,
                   per_request, new_share, day.reasoned_share, recent - before,
                   held, requests_held)  # fmt: skip


def clean(core: Iterable[float]) -> bool:
    """Whether no core family argues against the key (every value, clipped or not: a
    clip keeps the sign, at least 0): what :func:`held_persistence` asks of evidence
    before its size counts.

    >>> clean([3.0, 0.0, 1.5]), clean([3.0, -0.5]), clean([])
    (True, False, True)
    """
    return all(value >= 0.0 for value in core)


def held_persistence(signals: Support, clean: bool) -> float:
    """Persistence with the requests the evidence held over: the hours' ramp, or
    :data:`REQUESTS_WEIGHT` of the requests' ramp when larger and the evidence is
    ``clean`` (no core family argues against the key). The combiner weighs it and the
    reasons name what carried it.

    >>> s = Support(0, 0, 0, 0, 0.25, 0, 0, 0, 0, 0, 0, 0, 2.5, requests_held=400.0)
    >>> held_persistence(s, True), held_persistence(s, False)
    (0.5, 0.25)
    """
    if not clean or signals.requests_held <= 0.0:
        return signals.persistence
    by_requests = REQUESTS_WEIGHT * ramp(signals.requests_held, *PERSISTENCE_REQUESTS)
    return max(signals.persistence, by_requests)


def with_evidence_change(signals: Support, rise: float, age: float) -> Support:
    """``signals`` with a change also read from how far the last hour's core evidence
    exceeds the day's (``rise``, log-odds), for a key ``age`` seconds old.

    The harvest-like share's change sees a key that starts asking for long answers; a
    stolen key whose new holder harvests can differ from its owner in every family at
    once (other prompts, other items, no conversations) while each request is no more
    harvest-like than the owner's were. The day's sums still hold the owner's traffic
    for hours, so the hour horizon reads the holder alone and the day mostly the owner:
    the gap between the two is the change. A key that has always harvested has no gap,
    and a young key no history (``HISTORY_AGE``).

    >>> quiet = Support(*[0.0] * 13)
    >>> s = with_evidence_change(quiet, 3.0, 48 * 3600.0)
    >>> s.change, s.change_by_evidence, s.evidence_rise
    (0.5, 0.5, 3.0)
    >>> with_evidence_change(quiet, 3.0, 3600.0).change  # an hour-old key has no history
    0.0
    """
    by_evidence = ramp(rise, *EVIDENCE_RISE) * ramp(age, *HISTORY_AGE)
    return signals._replace(
        change=max(signals.change, by_evidence),
        change_by_evidence=by_evidence,
        evidence_rise=rise,
    )
