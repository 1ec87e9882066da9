"""Groups of keys that collect alike: records of candidate keys, clusters, their profiles.

Only *candidate* keys get a record: keys whose own evidence leans to extraction
(:attr:`CampaignConfig.candidate_total`), or that had one already. Everyone else
only feeds the population statistics (:mod:`detectors.campaign_population`) and
the frame index, so the stage's memory grows with the suspicious keys, not with
the customer base.

A :class:`Cluster` is a set of candidate keys tied together; its
:class:`ClusterProfile` (refreshed when the cluster is scored) says what its
members share: core topics, frames, a prefix pool, a user agent, their evidence
families, the prompts they sent. A key is compared with profiles
(:func:`link_to`) and files itself under the one it is most tied to, or founds a
cluster of its own; a cluster's id is a hash of its founding key and time.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import NamedTuple

from detectors.alerts import Episode
from detectors.campaign_cohorts import burst_link, opening_bursts, opening_days
from detectors.campaign_links import (
    EMPTY_TOPICS,
    ESTABLISHED_CORE,
    FAMILIES,
    INFRA_MIN_POOLED,
    SAME_CHANCE,
    SAME_OVERLAP,
    TOPIC_DENSE,
    TOPIC_MIN_BITS,
    TOPIC_MIN_HITS,
    Link,
    TopicProfile,
    counted_topic_link,
    frame_link,
    infra_link,
    onset_link,
    profile_link,
    rhythm_link,
    same_prompts,
    topic_link,
)
from detectors.campaign_population import TOPIC_BITS, Population, TopicBackground
from detectors.campaign_profiles import (
    IP_PREFIX_MASK,
    bit_counts,
    median,
    prefix_pool,
    shared_agent,
    shared_frames,
    shared_need,
    topic_profile,
    typical_hours,
)
from detectors.summaries import IP_PREFIX_BITS

__all__ = [
    "ALIKE",
    "Cluster",
    "ClusterProfile",
    "KeyRecord",
    "bit_counts",
    "build_profile",
    "cluster_id",
    "cluster_tie",
    "link_to",
    "tied_link",
    "topic_bits",
    "topic_profile",
    "topical",
]

HOUR = 3600.0
#: Most item identities a profile keeps to recognise the same items asked again.
PROFILE_PROMPTS = 512
#: Prior weight (in keys) of an even density when the population is still small.
PRIOR_KEYS = 5.0
#: Timing evidence (an account opened with the cluster's cohort and kept to its hours)
#: that ties a key without text or shared addresses: a metadata-only campaign.
TIMING_TIE = 1.5
#: How alike (``Link.profile``, at most 0.5) a key tied by timing alone must be to its
#: cluster: evidence families within about 3.5 of the members' median, rates within 5x.
ALIKE = 0.25


class KeyRecord:
    """What the stage remembers about one candidate key (no text; a few ints and floats).

    ``onset`` is NaN when the key's age is unknown (an established customer).
    ``families`` are its evidence families in :data:`~detectors.campaign_links.FAMILIES`
    order; ``frames`` the ids of its frame groups; ``hours`` its 24-hour activity mask
    with bit 0 the hour ``hour``.
    """

    __slots__ = (
        "account",
        "cluster",
        "episode",
        "events",
        "families",
        "first_ts",
        "frames",
        "hour",
        "hours",
        "ip_bits",
        "label",
        "label_score",
        "label_ts",
        "last_ts",
        "link",
        "onset",
        "onset_known",
        "prompts",
        "rate",
        "scan_ts",
        "topics",
        "total",
        "ua_bits",
    )

    def __init__(self, account: str | None, first_ts: float) -> None:
        self.account = account
        self.first_ts = first_ts
        self.last_ts = first_ts
        self.onset = math.nan
        self.onset_known = False  # from account_created, not assumed from a first sighting
        self.total = 0.0
        self.families: tuple[float, ...] = (0.0,) * len(FAMILIES)
        self.topics = 0
        self.frames: tuple[int, ...] = ()
        self.prompts: tuple[int, ...] = ()
        self.ip_bits = 0
        self.ua_bits = 0
        self.hours = 0
        self.hour = int(first_ts // HOUR)
        self.events = 0.0
        self.rate = 0.0  # requests an hour over its age (at most a day)
        self.cluster = 0  # 0: in none
        self.link = 0.0
        self.scan_ts = -math.inf
        self.label: str | None = None  # the campaign id it is alerted under
        self.label_score = 0.0
        self.label_ts = -math.inf
        self.episode: Episode | None = None

    def hours_at(self, hour: int) -> int:
        """The activity mask aligned so that bit 0 is ``hour``."""
        shift = hour - self.hour
        if shift >= 24:
            return 0
        if shift >= 0:
            return (self.hours << shift) & 0xFFFFFF
        return self.hours >> -shift

    def benign_signs(self) -> bool:
        """Conversations or repetition in its own evidence: a product's user, not a harvester."""
        _, _, coverage, structure, _ = self.families
        return coverage < -0.5 or structure < -0.5


def cluster_id(key: str, ts: float) -> int:
    """A cluster's id: a 63-bit hash of its founding key and time (stable, no text).

    >>> cluster_id("k", 1.0) == cluster_id("k", 1.0), cluster_id("k", 1.0) > 0
    (True, True)
    """
    digest = hashlib.blake2b(f"{key}/{ts!r}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1 or 1


class ClusterProfile(NamedTuple):
    """What a cluster's members share (see :func:`build_profile`)."""

    topics: TopicProfile
    frames: dict[int, float]
    pool: int
    pool_weights: dict[int, float]
    user_agent: int
    ua_weight: float
    #: sorted: a set would come back from a snapshot in another order
    prompts: tuple[int, ...]
    families: tuple[float, ...]
    members: int
    #: median onset of the members that are new (NaN: none is)
    cohort: float = math.nan
    #: hours (24-bit mask, bit 0 = ``hour``) in which most members were active
    hours: int = 0
    hour: int = 0
    #: median request rate of the members (log10 of requests an hour)
    volume: float = 0.0
    #: (day, strength) of the bursts of account openings its new members belong to
    #: (:func:`~detectors.campaign_cohorts.opening_bursts`)
    bursts: tuple[tuple[int, float], ...] = ()


EMPTY_PROFILE = ClusterProfile(EMPTY_TOPICS, {}, 0, {}, 0, 0.0, (), (0.0,) * 5, 0)
#: A new key whose onset is this close to its cluster's cohort opened with it.
COHORT_WINDOW = 6 * 3600.0


class Cluster:
    """One cluster: members (key -> last summary time), its profile and latest score."""

    __slots__ = (
        "cid",
        "grown_ts",
        "held_since",
        "last_ts",
        "members",
        "profile",
        "result",
        "scored_ts",
    )

    def __init__(self, cid: int, ts: float) -> None:
        self.cid = cid
        self.grown_ts = -math.inf
        self.members: dict[str, float] = {}
        self.last_ts = ts
        self.scored_ts = -math.inf
        self.profile = EMPTY_PROFILE
        self.result: object = None  # detectors.campaign_score.CampaignScore
        #: since when the cluster has been a campaign (at warning or above) without a break
        self.held_since = math.inf


def build_profile(
    members: Sequence[KeyRecord],
    population: Population,
    background: TopicBackground,
    topic_counts: Sequence[int],
    frame_popularity: dict[int, float],
    now: float,
    prompts_read: bool = True,
) -> ClusterProfile:
    """What ``members`` share, each shared thing weighted by how unusual it is.

    ``topic_counts`` are the members' topic bits counted;
    ``frame_popularity`` gives, per frame group of the members, the ordinary,
    established keys using it; a frame counts fully when few of them use it (the same
    rule as addresses, :meth:`Population.ip_weight`). Without ``prompts_read`` the
    profile's ``prompts`` are left empty (for a link that does not read them:
    :func:`link_to` with ``own_prompts``).
    """
    n = len(members)
    if not n:
        return EMPTY_PROFILE
    held = [r.topics for r in members if 0 < r.topics.bit_count() <= TOPIC_DENSE]  # topical()
    present = reduce(or_, held, 0) & ((1 << TOPIC_BITS) - 1)
    topics = topic_profile(topic_counts, len(held), background, present)
    need = shared_need(n)
    frame_counts: dict[int, int] = {}
    for r in members:
        for gid in set(r.frames):
            frame_counts[gid] = frame_counts.get(gid, 0) + 1
    frames = shared_frames(frame_counts, need, population.popular_keys, frame_popularity)
    ip_bits = [r.ip_bits for r in members]
    ip_counts = bit_counts(ip_bits, IP_PREFIX_BITS)
    present = reduce(or_, ip_bits, 0) & IP_PREFIX_MASK
    # sum(ip_counts), from the members when they are fewer than the counts (most are).
    total = sum([(b & IP_PREFIX_MASK).bit_count() for b in ip_bits]) if n < 64 else -1
    pool, pool_weights = prefix_pool(ip_counts, n, population, now, present, None, None, total)
    ua_counts = bit_counts([r.ua_bits for r in members], 64)
    ua, ua_weight = shared_agent(ua_counts, need, n, population, now)
    prompts: set[int] = set()
    for r in members if prompts_read else ():
        prompts.update(r.prompts)
        if len(prompts) >= PROFILE_PROMPTS:
            break
    # One column per family (a record's families are one per FAMILIES entry).
    columns = zip(*[r.families for r in members], strict=True)
    families = tuple([median(list(column)) for column in columns])
    # population.is_new(_onset(r), now), written out: ``onset == onset`` is not NaN.
    fresh = population.new_key_seconds
    onsets = [r.onset for r in members if r.onset == r.onset and now - r.onset < fresh]
    cohort = median(onsets) if len(onsets) * 2 >= n else math.nan
    opened = [r.onset for r in members if r.onset_known and now - r.onset < fresh]
    bursts = opening_bursts(opening_days(opened), population, now)
    hour = int(now // HOUR)
    hour_counts = bit_counts([r.hours_at(hour) for r in members], 24)
    typical = typical_hours(hour_counts, n)
    volume = median([math.log10(r.rate + 1.0) for r in members])
    return ClusterProfile(
        topics, frames, pool, pool_weights, ua, ua_weight, tuple(sorted(prompts)), families, n,
        cohort, typical, hour, volume, bursts,
    )  # fmt: skip


def topical(bits: int) -> bool:
    """Whether a topic bitmap says what its key asks about (some bits, not most)."""
    return 0 < bits.bit_count() <= TOPIC_DENSE


def topic_bits(records: Sequence[KeyRecord]) -> list[int]:
    """The members' topic bits counted, dense bitmaps left out (see :data:`TOPIC_DENSE`)."""
    return bit_counts([r.topics for r in records if topical(r.topics)], TOPIC_BITS)


def _onset(record: KeyRecord) -> float | None:
    return None if math.isnan(record.onset) else record.onset


def link_to(
    record: KeyRecord, profile: ClusterProfile, own_prompts: bool = False, least: float = -1.0
) -> Link:
    """How strongly ``record`` is tied to a cluster with ``profile``. When topics, frames
    and addresses together give less than ``least``, the other channels are not read
    (a quick rejection: such a key cannot join anyway).

    ``own_prompts``: the record is a member, so its own prompts are in the profile's set
    and do not count as the same prompts sent again.
    """
    topics, frames, infra = _content(record, profile)
    if topics + frames + infra < least:
        return Link(topics, frames, infra)
    return _rest(record, profile, own_prompts, topics, frames, infra, _timing(record, profile))


def tied_link(record: KeyRecord, profile: ClusterProfile, min_content: float) -> Link | None:
    """:func:`link_to` for a key looking for a cluster to join, or None when the link could
    not tie it there at all (neither ``min_content`` from topics, frames and addresses nor
    :data:`TIMING_TIE` from timing with a profile :data:`ALIKE`; see
    :func:`detectors.campaign_membership.tied`).

    The same link as :func:`link_to` whenever it is not None; a key compares itself with
    every cluster and is tied to few, so the channels that cannot tie it alone (client,
    profile, the same prompts) are read only for those few.
    """
    # _content's channels, each read in full only where it can give anything: the
    # quick tests are the functions' own first ones (the same values, types included).
    topics = 0.0
    ptopics = profile.topics
    core = ptopics.core
    if core:
        bits = record.topics
        k = bits.bit_count()
        if TOPIC_MIN_BITS <= k <= TOPIC_DENSE:
            hits = (bits & core).bit_count()
            if hits >= TOPIC_MIN_HITS:  # else topic_link gives 0.0
                established = profile.members >= ESTABLISHED_CORE
                topics = counted_topic_link(k, hits, ptopics, established)
    frames: float = 0.0
    pframes = profile.frames
    if pframes:
        own = record.frames
        if not own:
            frames = 0  # frame_link of no frames: an empty sum, the int 0 (passed on as is)
        elif not pframes.keys().isdisjoint(own):  # else a sum of 0.0s: 0.0
            frames = frame_link(own, pframes)
    infra = 0.0
    pool = profile.pool
    if pool and (record.ip_bits & pool).bit_count() >= INFRA_MIN_POOLED:  # else 0.0
        infra = infra_link(record.ip_bits, pool, profile.pool_weights)
    if topics + frames + infra < min_content:
        if not record.onset_known:
            return None  # an assumed onset gives timing at most 0.25 + 1: below the tie
        timing = _timing(record, profile)
        if timing < TIMING_TIE:
            return None
        link = _rest(record, profile, False, topics, frames, infra, timing)
        return link if link.profile >= ALIKE else None
    timing = _timing(record, profile)
    return _rest(record, profile, False, topics, frames, infra, timing)


def _content(record: KeyRecord, profile: ClusterProfile) -> tuple[float, float, float]:
    # The channels that tie a key on their own: topics, frames, addresses.
    topics = 0.0
    if profile.topics.core:
        topics = topic_link(record.topics, profile.topics, profile.members >= ESTABLISHED_CORE)
    frames = frame_link(record.frames, profile.frames) if profile.frames else 0.0
    infra = infra_link(record.ip_bits, profile.pool, profile.pool_weights) if profile.pool else 0.0
    return topics, frames, infra


def _timing(record: KeyRecord, profile: ClusterProfile) -> float:
    # An account opened with the cluster's cohort (within hours of its median, or in a
    # burst of openings its new accounts make), more so when kept to its hours.
    timing = onset_link(record.onset, record.onset_known, profile.cohort, COHORT_WINDOW)
    if profile.bursts and record.onset_known and not record.prompts:
        # Only for a key that sent no prompt text (no item identities): one whose text
        # is read is tied by what it collects, and new customers opened in a campaign's
        # busy week share its days, not its content.
        burst = burst_link(record.onset, profile.bursts)
        timing = burst if burst > timing else timing
    if timing and profile.hours:
        timing += rhythm_link(record.hours_at(profile.hour), profile.hours)
    return timing


def _rest(
    record: KeyRecord,
    profile: ClusterProfile,
    own_prompts: bool,
    topics: float,
    frames: float,
    infra: float,
    timing: float,
) -> Link:
    # The channels that only add to (or take from) a tie: client, profile, same prompts.
    ua = 0.0
    if profile.user_agent and record.ua_bits & profile.user_agent:
        ua = round(0.5 * profile.ua_weight, 6)
    same = 0.0
    if not own_prompts and profile.prompts and record.prompts:
        shared = same_prompts(record.prompts, profile.prompts)
        same = float(min(max(shared - SAME_CHANCE, 0), 4))
    fit = 0.0
    if profile.members:
        fit = profile_link(record.families, profile.families, record.rate, profile.volume)
    return Link(topics, frames, infra, ua, fit, same, timing)


def cluster_tie(a: ClusterProfile, b: ClusterProfile) -> float:
    """How strongly cluster ``a``'s shared content ties it to cluster ``b``: ``a``'s core
    topics read as one key's topics, its frames, its prefix pool.

    >>> from detectors.campaign_links import TopicProfile
    >>> core = (1 << 40) - 1
    >>> p = EMPTY_PROFILE._replace(topics=TopicProfile(core, 4.0, 0.4, 0.1, 40.0), members=9)
    >>> cluster_tie(p, p)
    3.0
    """
    topics = topic_link(a.topics.core, b.topics)
    frames = frame_link(tuple(a.frames), b.frames) if b.frames else 0.0
    infra = infra_link(a.pool, b.pool, b.pool_weights) if b.pool and a.pool else 0.0
    return topics + frames + infra


def shared_prompt_share(members: Sequence[KeyRecord]) -> float:
    """How far the members run *the same* items (a public dataset), from 0 to 1: per
    member that shares more than :data:`SAME_CHANCE` of its sampled item identities
    with anyone, the share of them a typical other member also holds, read against
    :data:`SAME_OVERLAP` and capped at 1; averaged over members.

    Labs running one public benchmark each send most of its items, so any two share a
    large part of their samples. Keys drawing items from one pool, however many, give
    each pair an overlap of about the pool share one key samples: one identity shared
    with *some* member is what a large swarm on a small pool shows too (red-team rounds
    3 and 4: 93 % of members, 3 % pairwise), so sharing with *some* member is not the
    measure.

    Six labs sending the same eight items; forty keys each sampling eight of a
    pool of 200 (a typical pair shares 4 % of them):

    >>> import random
    >>> labs = [KeyRecord(f"lab{i}", 0.0) for i in range(6)]
    >>> for r in labs:
    ...     r.prompts = tuple(range(8))
    >>> swarm = [KeyRecord(f"s{i}", 0.0) for i in range(40)]
    >>> for i, r in enumerate(swarm):
    ...     r.prompts = tuple(random.Random(i).sample(range(200), 8))
    >>> shared_prompt_share(labs), round(shared_prompt_share(swarm), 2)
    (1.0, 0.37)
    """
    owners: dict[int, int] = {}
    for r in members:
        for p in set(r.prompts):
            owners[p] = owners.get(p, 0) + 1
    others = len(members) - 1
    if others < 1:
        return 0.0
    total = 0.0
    for r in members:
        mine = set(r.prompts)
        # More than SAME_CHANCE identities held by others at all, as before.
        if sum(owners[p] > 1 for p in mine) > SAME_CHANCE:
            overlap = sum(owners[p] - 1 for p in mine) / (others * len(mine))
            total += min(overlap / SAME_OVERLAP, 1.0)
    return total / len(members)


def topic_counts_array(records: Sequence[KeyRecord]) -> array[int]:
    """Per topic bit, how many of ``records`` hold it (for tests and analysts)."""
    return array("l", bit_counts([r.topics for r in records], TOPIC_BITS))
