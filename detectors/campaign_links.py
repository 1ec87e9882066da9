"""How strongly one key is tied to a group of keys, in log-odds units, channel by channel.

Every channel answers "would an unrelated key look this much like the group by
chance?", so that common things (everyday words, a popular framework's frames,
a cloud platform's egress, the browser everyone uses) tie nobody to anything:

* **topics** (:func:`topic_link`): how many of the key's topic bits fall on the
  group's *core* topics (bits most members hold and the population mostly does
  not), against what a population key of the same density would hit: a z-score.
  Disjoint slices of one curriculum share its vocabulary, so their bitmaps meet on
  its words; a saturated bitmap (thousands of varied prompts) meets everything
  and proves nothing.
* **frames** (:func:`frame_link`): frames the key shares with the group, each
  weighted by how few established keys outside the group use it.
* **addresses** (:func:`infra_link`): the key's prefixes inside the group's shared
  pool, against chance (a binomial tail), each weighted by how few established,
  unrelated keys use it (a platform's egress is everyone's).
* **the same items** (:func:`same_prompts`): keys asking for *the same* items run a
  public dataset (a benchmark, each lab behind its own harness); a campaign splits
  its work and never pays twice for an item. Compared on the keys' samples of item
  identities (:class:`~detectors.summaries.KeySummary` ``prompts``); one shared
  identity can be chance (an identity is a few words), so the count beyond
  :data:`SAME_CHANCE` is counted against a link.
* **profile** (:func:`profile_link`): how far the key's evidence families are from
  the group's.

A link is the sum of the channels (:class:`Link`); a key joins a group only when
topics, frames or addresses tie it there, never by profile or timing alone.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import NamedTuple

__all__ = [
    "FAMILIES",
    "SAME_CHANCE",
    "SAME_OVERLAP",
    "Link",
    "TopicProfile",
    "chance_in_pool",
    "counted_topic_link",
    "frame_link",
    "infra_link",
    "onset_link",
    "profile_link",
    "rhythm_link",
    "same_prompts",
    "surprises",
    "tail_surprise",
    "topic_link",
    "topic_z",
]

#: The per-key evidence families a summary carries, in :class:`KeySummary` field order.
FAMILIES = ("harvest", "elicitation", "coverage", "structure", "quantity")
#: Most evidence each channel can give a link.
TOPIC_MAX = 3.0
FRAME_MAX = 2.0
INFRA_MAX = 2.0
#: Fewest of a key's prefixes in a group's pool that can tie it (:func:`infra_link`).
INFRA_MIN_POOLED = 3
#: Surprise (``-log10`` of the chance of that many core hits) between which topic
#: evidence grows from 0 to ``TOPIC_MAX``: a key is compared with every cluster, so
#: one in a thousand happens daily; one in a million does not.
TOPIC_SURPRISE = (3.0, 6.0)
TOPIC_SURPRISE_ESTABLISHED = (2.0, 5.0)
#: Members whose topics make a group's core before its ties are read less strictly.
ESTABLISHED_CORE = 20
#: Fewest topic hits, and fewest topic bits of the key, that can count at all: a key's
#: first few prompts set a handful of bits, mostly common words of its domain, and a
#: handful of bits proves nothing.
TOPIC_MIN_HITS = 8
TOPIC_MIN_BITS = 24
#: Width of the topic bitmap (:attr:`detectors.summaries.KeySummary.topics`).
TOPIC_BITS = 256
#: A topic bitmap with more bits than this says little about what the key asks: a key
#: with hundreds of varied prompts a day covers most of the map (a tutoring app, a
#: reseller, a busy hydra member by its second day). Such keys neither shape a
#: cluster's core topics nor are tied by them; frames and addresses still tie them.
TOPIC_DENSE = 128


class TopicProfile(NamedTuple):
    """A group's core topics and what a population key would hit of them by chance.

    ``core`` is a bitmap; ``s1`` and ``s2`` are the sums over core bits of the
    population's per-bit frequency and its square; ``gmax`` the largest such frequency;
    ``density`` the population's mean number of topic bits per key.
    """

    core: int
    s1: float
    s2: float
    gmax: float
    density: float
    frequencies: tuple[float, ...] = ()


EMPTY_TOPICS = TopicProfile(0, 0.0, 0.0, 0.0, 1.0)


def topic_z(bits: int, profile: TopicProfile) -> tuple[int, float, float]:
    """(hits, expected hits, surprise) of a topic bitmap against a group's core topics.

    Two ways to hit the core by chance; the likelier one counts. Common words: a key
    sets bit ``b`` about as often as the population does, scaled to its density
    (``g_b * k / density``, capped at 1). Rare words (items, names, numbers) hash
    anywhere: a key rich in words covers every bit at its own density, core or not,
    so a saturated bitmap hits every core and proves nothing. The surprise is
    ``-log10`` of a Chernoff bound on the chance of this many hits (binomial over the
    core bits): never more than the exact tail's.

    Examples
    --------
    >>> core = (1 << 40) - 1  # 40 core bits, each held by 10 % of the population
    >>> p = TopicProfile(core, 4.0, 0.4, 0.1, 40.0)
    >>> hits, mu, surprise = topic_z((1 << 30) - 1, p)  # 30 bits, all on the core
    >>> hits, round(mu, 1), surprise > 6
    (30, 4.7, True)
    >>> topic_z(((1 << 30) - 1) << 100, p)[0]  # elsewhere: no hit
    0
    >>> topic_z((1 << 200) - 1, p)  # a dense bitmap: not read at all
    (0, 0.0, 0.0)
    """
    k = bits.bit_count()
    core = profile.core
    if k < TOPIC_MIN_BITS or not core or k > TOPIC_DENSE:
        return 0, 0.0, 0.0
    hits = (bits & core).bit_count()
    mu, surprise = _surprise(k, hits, core.bit_count(), profile.s1, profile.density)
    return hits, mu, surprise


#: ``math.log(10.0)``, worked out once (the same float every call gave).
_LN10 = math.log(10.0)
_BELOW_ONE = 1.0 - 1e-9
_CLOSE_TO_ONE = 1.0 - 1e-12


def _surprise(k: int, hits: int, size: int, s1: float, density: float) -> tuple[float, float]:
    # (expected hits, surprise) of :func:`topic_z` for a key of ``k`` bits hitting ``hits``
    # of a core of ``size`` bits: the counts come from callers that have them already.
    # Every min() and max() of two is written ``b if b < a else a`` (``b > a`` for max):
    # what the builtins return, without their call (this runs for every key and cluster
    # compared).
    mu: float = k * size / TOPIC_BITS
    scale = k / (1.0 if density < 1.0 else density)  # max(density, 1.0)
    common = scale * s1
    common = size if size < common else common  # min(scale * s1, size)
    mu = common if common > mu else mu  # max(mu, ...)
    q = mu / size
    q = _BELOW_ONE if q > _BELOW_ONE else q  # min(mu / size, 1.0 - 1e-9)
    share = hits / size
    if share <= q:
        return mu, 0.0
    kl = share * math.log(share / q)
    if share < 1.0:
        kl += (1.0 - share) * math.log((1.0 - share) / (1.0 - q))
    return mu, size * kl / _LN10


def surprises(bitmaps: Iterable[int], profile: TopicProfile) -> list[float]:
    """The surprise (:func:`topic_z`'s third value) of each of ``bitmaps`` against one
    group's core: what the core gives is read once for all of them (a young cluster
    ranks every recent candidate this way when it grows)."""
    core = profile.core
    size = core.bit_count()
    s1, density = profile.s1, profile.density
    out = []
    for bits in bitmaps:
        k = bits.bit_count()
        if k < TOPIC_MIN_BITS or not core or k > TOPIC_DENSE:
            out.append(0.0)
        else:
            out.append(_surprise(k, (bits & core).bit_count(), size, s1, density)[1])
    return out


def topic_link(bits: int, profile: TopicProfile, established: bool = False) -> float:
    """Topic evidence in [0, ``TOPIC_MAX``] (see :func:`topic_z`).

    ``established``: the group's core rests on many keys (:data:`ESTABLISHED_CORE`), so
    the campaign's existence is settled in aggregate and a key's own tie is judged one
    unit of surprise less strictly (:data:`TOPIC_SURPRISE_ESTABLISHED`): a member that
    rewords every prompt shows a curriculum's words faintly, however certain the
    curriculum is. There are few such groups to compare a key with.

    >>> p = TopicProfile((1 << 40) - 1, 4.0, 0.4, 0.1, 40.0)
    >>> topic_link((1 << 30) - 1, p), topic_link((1 << 30) - 1 << 50, p)
    (3.0, 0.0)
    """
    # Most keys compared with a cluster hit few of its core bits: counted first, the
    # surprise is worked out only for those that can count (the same answer).
    k = bits.bit_count()
    if k < TOPIC_MIN_BITS or k > TOPIC_DENSE:
        return 0.0
    hits = (bits & profile.core).bit_count()
    if hits < TOPIC_MIN_HITS:
        return 0.0
    return counted_topic_link(k, hits, profile, established)


def counted_topic_link(k: int, hits: int, profile: TopicProfile, established: bool) -> float:
    """:func:`topic_link` of a bitmap of ``k`` bits (``TOPIC_MIN_BITS`` to ``TOPIC_DENSE``)
    with ``hits`` (at least ``TOPIC_MIN_HITS``) on the core, for callers that counted
    them already (a key compared with every cluster)."""
    core = profile.core
    _, surprise = _surprise(k, hits, core.bit_count(), profile.s1, profile.density)
    low, high = TOPIC_SURPRISE_ESTABLISHED if established else TOPIC_SURPRISE
    ramp = (surprise - low) / (high - low)
    ramp = 0.0 if ramp < 0.0 else ramp  # min(max(ramp, 0.0), 1.0), as in _surprise
    return TOPIC_MAX * (1.0 if ramp > 1.0 else ramp)


def frame_link(frames: Sequence[int], weights: dict[int, float]) -> float:
    """Frame evidence: 1 per frame shared with the group, times its weight (a frame used
    by many established keys outside the group weighs little), at most ``FRAME_MAX``.
    How a key asks is weaker evidence than what it asks about: a product's customers
    share its frames, a client library's users its default prompts.

    >>> frame_link((7, 9), {7: 1.0, 8: 1.0}), frame_link((7,), {7: 0.1})
    (1.0, 0.1)
    """
    # A list, and min(total, FRAME_MAX) written out (see _surprise): the same value.
    total = sum([weights.get(gid, 0.0) for gid in set(frames)])
    return FRAME_MAX if total > FRAME_MAX else total


def chance_in_pool(bits: int, pooled: int, pool_share: float) -> float:
    """Probability that at least ``pooled`` of ``bits`` independent prefix bits land in a
    pool covering ``pool_share`` of the bitmap (a binomial tail).

    Examples
    --------
    >>> round(chance_in_pool(2, 1, 14 / 256), 3)  # one of two in a 14-bit pool: common
    0.106
    >>> chance_in_pool(6, 6, 14 / 256) < 1e-7  # all six: not chance
    True
    """
    bits = min(bits, 64)  # more bits than this never decide; keeps the sum short
    pooled = min(pooled, bits)
    miss = 1.0 - pool_share
    return sum(
        math.comb(bits, j) * pool_share**j * miss ** (bits - j) for j in range(pooled, bits + 1)
    )


def tail_surprise(trials: int, hits: int, share: float) -> float:
    """``-log10`` of a Chernoff bound on the chance of at least ``hits`` successes in
    ``trials`` draws of probability ``share`` (0 when no more than expected): never more
    than the exact tail's.

    >>> round(tail_surprise(2, 2, 13 / 256), 2), round(tail_surprise(226, 13, 13 / 256), 2)
    (2.59, 0.04)
    """
    if not trials or hits <= trials * share:
        return 0.0
    share = 1e-12 if share < 1e-12 else share  # min(max(share, 1e-12), 1.0 - 1e-12),
    share = _CLOSE_TO_ONE if share > _CLOSE_TO_ONE else share  # as in _surprise
    f = hits / trials
    kl = f * math.log(f / share)
    if f < 1.0:
        kl += (1.0 - f) * math.log((1.0 - f) / (1.0 - share))
    return trials * kl / _LN10


def infra_link(
    ip_bits: int, pool: int, weights: dict[int, float], min_pooled: int = INFRA_MIN_POOLED
) -> float:
    """Address evidence: how unlikely the key's prefixes in the group's pool are by chance
    (:func:`tail_surprise` over all of the key's prefix bits, halved), times the mean
    weight of those prefixes. A key on hundreds of prefixes (an app whose end users call
    from everywhere) lands in every pool and is tied to none; two shared prefixes tie
    nobody (among a million keys, pairs sharing two of 256 bits are legion), a key
    rotating over a proxy pool has a third within a few requests.

    >>> pool = (1 << 20) - 1
    >>> w = {b: 1.0 for b in range(20)}
    >>> infra_link(0b1111, pool, w), infra_link(0b1 | 1 << 100, pool, w)
    (2.0, 0.0)
    >>> infra_link(0b1111, pool, {b: 0.1 for b in range(20)})  # a platform's egress
    0.2
    >>> infra_link((1 << 230) - 1, pool, w) < 0.05  # everywhere: in every pool
    True
    """
    pooled_bits = ip_bits & pool
    pooled = pooled_bits.bit_count()
    if pooled < min_pooled:
        return 0.0
    share = pool.bit_count() / 256.0
    strength = tail_surprise(ip_bits.bit_count(), pooled, share) / 2.0
    strength = INFRA_MAX if strength > INFRA_MAX else strength  # min(), as in _surprise
    if not strength:
        return 0.0
    weight = 0.0
    rest = pooled_bits
    while rest:
        low = rest & -rest
        weight += weights.get(low.bit_length() - 1, 0.0)
        rest ^= low
    return round(strength * weight / pooled, 6)


#: Shared item identities that chance alone can give two unrelated keys.
SAME_CHANCE = 1
#: The pairwise overlap of item identities at which members read as running one
#: dataset: a typical other member holds a tenth of a member's sampled items. Labs on a
#: public benchmark measured 0.16 (independent seed 1, all partial in-order runs of one
#: list); a swarm of 80 keys sampling one generator's items 0.03 (red-team round 3).
SAME_OVERLAP = 0.1


def same_prompts(prompts: Sequence[int], seen: Sequence[int]) -> int:
    """How many of the key's sampled item identities are in ``seen`` (sorted): items
    other members asked for too.

    >>> same_prompts((1, 2, 3), (3, 4))
    1
    """
    hits = 0
    for p in prompts:
        at = bisect_left(seen, p)
        hits += at < len(seen) and seen[at] == p
    return hits


def profile_link(
    families: Sequence[float], profile: Sequence[float], rate: float, volume: float
) -> float:
    """Evidence in [-2.5, 0.5] from how far a key's evidence families are from a group's
    (median) families, and its request rate from the group's (median, ``volume`` in
    log10 requests an hour): alike adds a little, far apart takes away. A campaign's
    keys are alike in what they show and in how fast each sends (each kept under a
    limit); a product's customer or a benchmark run that shares its vocabulary is not.

    >>> profile_link((3.0, 2.5, 1.0, 1.5, 0.0), (3.0, 2.5, 1.0, 1.5, 0.0), 1.5, 0.4)
    0.5
    >>> profile_link((-3.0, -1.5, -2.0, -2.5, 0.0), (3.0, 2.5, 1.0, 1.5, 0.0), 1.5, 0.4)
    -1.0
    >>> profile_link((3.0, 2.5, 1.0, 1.5, 0.0), (3.0, 2.5, 1.0, 1.5, 0.0), 300.0, 0.4)
    -1.0
    """
    # A list, not a generator, and min(max(x, 0.0), 1.0) written out as in _surprise:
    # the same values, fewer calls (every link reads this).
    distance = sum([abs(a - b) for a, b in zip(families, profile, strict=True)])
    # Families span about 3 units each: within 3 in all is alike, beyond 9 is another kind.
    ramp = (distance - 3.0) / 6.0
    ramp = 0.0 if ramp < 0.0 else ramp
    fit = 0.5 - 1.5 * (1.0 if ramp > 1.0 else ramp)
    # Rates within a factor of 5 are alike; 30 times apart, another kind of key (a
    # benchmark run at thousands an hour is no member of a swarm kept to a few).
    apart = abs(math.log10(rate + 1.0) - volume)
    ramp = (apart - 0.7) / 0.8
    ramp = 0.0 if ramp < 0.0 else ramp
    fit -= 1.5 * (1.0 if ramp > 1.0 else ramp)
    return round(fit, 6)


def rhythm_link(hours: int, typical: int) -> float:
    """Evidence in [0, 1] that a key keeps a group's hours: how unlikely its overlap with
    the group's typical active hours is for a key active that many hours (-log10 of a
    Chernoff bound, a third of it). Keys active around the clock prove nothing.

    >>> rhythm_link(0b111 << 9, 0b1111 << 8), rhythm_link(0xFFFFFF, 0b1111 << 8)
    (0.597, 0.0)
    """
    size = typical.bit_count()
    k = hours.bit_count()
    if not size or not k or k >= 24:
        return 0.0
    hits = (hours & typical).bit_count()
    q = k / 24.0
    share = hits / size
    if share <= q:
        return 0.0
    kl = share * math.log(share / q)
    if share < 1.0:
        kl += (1.0 - share) * math.log((1.0 - share) / (1.0 - q))
    return round(min(size * kl / math.log(10.0) / 3.0, 1.0), 3)


def onset_link(onset: float, known: bool, cohort: float, window: float) -> float:
    """Evidence that a new key belongs to a group's cohort of new accounts: its onset
    within ``window`` of the cohort's (median) onset. 1 when the account age came with
    the data, 1/4 when it is assumed from the key's first sighting (keys first seen the
    same morning are common); 0 for keys of unknown age (established customers) or a
    group with no new members (``cohort`` NaN).

    >>> onset_link(100.0, True, 0.0, 3600.0), onset_link(100.0, False, 0.0, 3600.0)
    (1.0, 0.25)
    >>> onset_link(math.nan, False, 0.0, 3600.0), onset_link(9e4, True, 0.0, 3600.0)
    (0.0, 0.0)
    """
    if math.isnan(onset) or math.isnan(cohort) or abs(onset - cohort) > window:
        return 0.0
    return 1.0 if known else 0.25


class Link(NamedTuple):
    """One key's tie to one group, by channel (log-odds units)."""

    topics: float = 0.0
    frames: float = 0.0
    infra: float = 0.0
    user_agent: float = 0.0
    profile: float = 0.0
    same_prompts: float = 0.0
    #: accounts opened together and kept to the same hours
    timing: float = 0.0

    @property
    def content(self) -> float:
        """What ties the key there on its own: topics, frames or addresses."""
        return self.topics + self.frames + self.infra

    @property
    def total(self) -> float:
        return (
            self.topics + self.frames + self.infra + self.user_agent + self.profile
            + self.timing - self.same_prompts
        )  # fmt: skip
