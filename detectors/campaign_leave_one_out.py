"""A small cluster's profile without each of its members in turn, without rebuilding it.

A member of a small cluster is judged against the profile of the others
(:meth:`~detectors.campaign_membership.Membership._member_link`): it shares every word
and frame with a profile it helped make. Scoring a cluster of ``n`` such members
built ``n`` profiles of ``n - 1`` records each, the stage's largest cost. Everything a
profile is made of is a count or a median, so :class:`LeaveOneOut` counts the whole
cluster once and takes each member out of the counts (integers: exact) and out of
the sorted values (the same elements :func:`statistics.median` would pick).

:meth:`LeaveOneOut.without` returns what
:func:`~detectors.campaign_clusters.build_profile` returns for the other members,
field for field, except ``prompts`` (left empty: a member's link to its own cluster
never reads them, :func:`~detectors.campaign_clusters.link_to` with ``own_prompts``)
and the order of ``frames`` (a dict read by key only).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from functools import reduce
from operator import or_

from detectors.campaign_clusters import HOUR, ClusterProfile, KeyRecord, topic_bits, topical
from detectors.campaign_cohorts import opening_bursts, opening_days
from detectors.campaign_links import EMPTY_TOPICS, FAMILIES, TopicProfile
from detectors.campaign_population import DAY, TOPIC_BITS, Population, TopicBackground
from detectors.campaign_profiles import (
    CORE_LIFT,
    IP_PREFIX_MASK,
    bit_counts,
    core_need,
    prefix_pool,
    set_bits,
    shared_agent,
    shared_frames,
    shared_need,
    topic_profile,
    topics_of,
    typical_hours,
)
from detectors.summaries import IP_PREFIX_BITS

__all__ = ["LeaveOneOut"]


class _Sorted:
    """One value per member, in stable sorted order, for medians without one member.

    Sorting all values once and skipping one member's place gives exactly the list
    :func:`statistics.median` sorts for the others (a stable sort keeps equal values,
    ``0.0`` and ``-0.0`` too, in member order either way). A NaN has no place in a
    sort, so with one the others' values are sorted as :func:`statistics.median` would.
    """

    __slots__ = ("_nan", "_order", "_place", "_values")

    def __init__(self, values: list[float]) -> None:
        self._values = values
        self._nan = any(v != v for v in values)
        self._order = sorted(range(len(values)), key=values.__getitem__)
        self._place = {index: place for place, index in enumerate(self._order)}

    def median(self, without: int | None = None) -> float:
        """:func:`statistics.median` of the values, the one at ``without`` left out."""
        values = self._values
        if self._nan:
            return statistics.median(v for i, v in enumerate(values) if i != without)
        order = self._order
        m = len(order)
        skip = m
        if without is not None:
            skip = self._place[without]
            m -= 1
        if not m:
            raise statistics.StatisticsError("no median for empty data")
        # The k-th of the others is at place k, or k + 1 past the skipped one (written
        # out: a profile takes seven medians per member).
        k = m // 2
        upper = values[order[k if k < skip else k + 1]]
        if m % 2 == 1:
            return upper
        k -= 1
        return (values[order[k if k < skip else k + 1]] + upper) / 2


class LeaveOneOut:
    """Profiles of a cluster's members without each one (see the module docstring).

    Parameters
    ----------
    records
        The members' records, in the cluster's member order.
    population, background, frame_popularity, now
        As for :func:`~detectors.campaign_clusters.build_profile`.

    Examples
    --------
    >>> from detectors.campaign_clusters import build_profile
    >>> from detectors.campaign_population import Population, TopicBackground
    >>> population, background = Population(0.0, 1e6, 5.0), TopicBackground()
    >>> records = [KeyRecord(f"a{i}", 0.0) for i in range(4)]
    >>> for i, r in enumerate(records):
    ...     r.topics, r.ip_bits, r.rate = (1 << 40) - 1 << i, 0b111 << i, float(i)
    ...     background.add(r.topics, 0.0)
    >>> background.add((1 << 200) - 1 << 50, 0.0)
    >>> loo = LeaveOneOut(records, population, background, {}, 7200.0)
    >>> others = records[1:]
    >>> direct = build_profile(others, population, background, topic_bits(others), {}, 7200.0)
    >>> loo.without(0) == direct._replace(prompts=())
    True
    """

    def __init__(
        self,
        records: Sequence[KeyRecord],
        population: Population,
        background: TopicBackground,
        frame_popularity: dict[int, float],
        now: float,
    ) -> None:
        self._records = records
        self._population = population
        self._background = background
        self._popularity = frame_popularity
        self._now = now
        self._hour = hour = int(now // HOUR)
        self._topic_counts = topic_bits(records)
        self._with_topics = sum(1 for r in records if topical(r.topics))
        frame_counts: dict[int, int] = {}
        for r in records:
            for gid in set(r.frames):
                frame_counts[gid] = frame_counts.get(gid, 0) + 1
        self._frame_counts = frame_counts
        ip_bits = [r.ip_bits for r in records]
        self._ip_counts = bit_counts(ip_bits, IP_PREFIX_BITS)
        self._ip_present = reduce(or_, ip_bits, 0) & IP_PREFIX_MASK
        # Read by every profile without a member: worked out once.
        self._ip_present_bits = set_bits(self._ip_present)
        self._ip_total = sum(self._ip_counts)
        #: prefix weights read so far (the population does not move while a cluster is scored)
        self._ip_weights: dict[int, float] = {}
        #: the topics of the profile without a member whose topics are not counted (all
        #: members'), and the core bits without one whose are (see :meth:`_core_masks`)
        self._all_topics: TopicProfile | None = None
        self._masks: tuple[int, int, list[float], float] | None = None
        self._ua_counts = bit_counts([r.ua_bits for r in records], 64)
        self._hours = [r.hours_at(hour) for r in records]
        self._hour_counts = bit_counts(self._hours, 24)
        self._families = [_Sorted([r.families[i] for r in records]) for i in range(len(FAMILIES))]
        new = [i for i, r in enumerate(records) if population.is_new(_onset(r), now)]
        #: member index -> its place among the new members (whose onsets make the cohort)
        self._new = {index: place for place, index in enumerate(new)}
        self._onsets = _Sorted([records[i].onset for i in new])
        #: openings per day of the new members whose account age came with the data
        self._opened = opening_days(records[i].onset for i in new if records[i].onset_known)
        self._volumes = _Sorted([math.log10(r.rate + 1.0) for r in records])

    def __len__(self) -> int:
        return len(self._records)

    def without(self, index: int) -> ClusterProfile:
        """The profile of every member but ``records[index]`` (at least one other)."""
        records = self._records
        record = records[index]
        n = len(records) - 1
        if n < 1:
            raise ValueError("a profile without the only member is no profile")
        population, now = self._population, self._now
        topics = self._topics_without(record.topics)
        need = shared_need(n)
        frame_counts = self._frame_counts
        own_frames = set(record.frames)
        if own_frames:
            frame_counts = dict(frame_counts)
            for gid in own_frames:
                frame_counts[gid] -= 1
        frames = shared_frames(frame_counts, need, population.popular_keys, self._popularity)
        ip_counts = _minus(self._ip_counts, record.ip_bits, IP_PREFIX_BITS)
        total = self._ip_total - (record.ip_bits & IP_PREFIX_MASK).bit_count()  # sum(ip_counts)
        pool, pool_weights = prefix_pool(
            ip_counts, n, population, now, self._ip_present, self._ip_weights,
            self._ip_present_bits, total,
        )  # fmt: skip
        ua_counts = _minus(self._ua_counts, record.ua_bits, 64)
        ua, ua_weight = shared_agent(ua_counts, need, n, population, now)
        families = tuple(column.median(index) for column in self._families)
        place = self._new.get(index)
        onsets = len(self._new) - (place is not None)
        cohort = self._onsets.median(place) if onsets * 2 >= n else math.nan
        opened = self._opened
        if place is not None and record.onset_known:
            opened = dict(opened)
            day = int(record.onset // DAY)
            opened[day] -= 1
            if not opened[day]:
                del opened[day]  # as the others' own count has no such day
        bursts = opening_bursts(opened, population, now)
        typical = typical_hours(_minus(self._hour_counts, self._hours[index], 24), n)
        volume = self._volumes.median(index)
        return ClusterProfile(
            topics, frames, pool, pool_weights, ua, ua_weight, (), families, n, cohort,
            typical, self._hour, volume, bursts,
        )  # fmt: skip

    def _topics_without(self, own: int) -> TopicProfile:
        """:func:`topic_profile` of the others' topic counts.

        A member whose topics are not counted (none, or too dense) leaves the counts as
        they are. Without one whose are, a bit is core when it would be with the whole
        count (``keep``) and the member does not hold it, or with one fewer (``drop``)
        and the member holds it: two bitmaps for all members instead of a pass over the
        256 counts for each (:func:`topic_profile`'s tests, on the same numbers).
        """
        if not topical(own):
            if self._all_topics is None:
                self._all_topics = topic_profile(
                    self._topic_counts, self._with_topics, self._background
                )
            return self._all_topics
        if self._masks is None:
            self._masks = self._core_masks(self._with_topics - 1)
        keep, drop, frequency, density = self._masks
        own &= (1 << TOPIC_BITS) - 1
        core = (keep & ~own) | (drop & own)
        if not core:
            return EMPTY_TOPICS
        return topics_of(core, [frequency[b] for b in set_bits(core)], density)

    def _core_masks(self, n: int) -> tuple[int, int, list[float], float]:
        # (keep, drop, per-bit population frequency, density) for n members with topics.
        background = self._background
        density = background.density
        frequency = [0.0] * TOPIC_BITS
        if not n or not background.summaries or density <= 0.0:
            return 0, 0, frequency, density  # topic_profile: no core at all
        need = core_need(n)
        seen, summaries = background.counts, background.summaries
        keep = drop = 0
        for b, c in enumerate(self._topic_counts):
            if c < need:  # and c - 1 too
                continue
            g = frequency[b] = seen[b] / summaries
            if c / n >= CORE_LIFT * g:
                keep |= 1 << b
            if c - 1 >= need and (c - 1) / n >= CORE_LIFT * g:
                drop |= 1 << b
        return keep, drop, frequency, density


def _minus(counts: list[int], bits: int, width: int) -> list[int]:
    """Column counts without one value's bits (the lowest ``width``)."""
    bits &= (1 << width) - 1
    if not bits:
        return counts
    out = list(counts)
    while bits:
        low = bits & -bits
        out[low.bit_length() - 1] -= 1
        bits ^= low
    return out


def _onset(record: KeyRecord) -> float | None:
    return None if math.isnan(record.onset) else record.onset
