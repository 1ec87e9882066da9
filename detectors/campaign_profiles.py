"""Counting what a cluster's members share: the arithmetic under a cluster profile.

:func:`~detectors.campaign_clusters.build_profile` and the leave-one-out profiles of
:mod:`detectors.campaign_leave_one_out` read the same counts the same way through
these functions: per-bit counts of bitmaps (:func:`bit_counts`), core topics
(:func:`topic_profile`), shared frames, prefixes and user agents, medians. They run
for every profile the campaign stage builds, so each is written for few Python steps
(bit planes, whole-int operations, C-level builtins); each gives exactly what the
plain definition gives, and tests hold them to it.
"""

from __future__ import annotations

import statistics
import struct
from collections.abc import Iterable, Sequence
from itertools import compress

from detectors.campaign_links import EMPTY_TOPICS, TopicProfile
from detectors.campaign_population import (
    BYTE_BITS,
    TOPIC_BITS,
    Population,
    TopicBackground,
)
from detectors.summaries import IP_PREFIX_BITS

__all__ = [
    "CORE_LIFT",
    "CORE_SHARE",
    "IP_PREFIX_MASK",
    "SHARED_SHARE",
    "bit_counts",
    "core_need",
    "median",
    "prefix_pool",
    "set_bits",
    "shared_agent",
    "shared_frames",
    "shared_need",
    "topic_profile",
    "topics_of",
    "typical_hours",
]

#: A topic bit is core when at least this share of the members hold it ...
CORE_SHARE = 0.3
#: ... and at least this many times the population's share.
CORE_LIFT = 2.0
#: A frame or a user agent is the group's when this share of the members use it.
SHARED_SHARE = 0.3
#: The bits of an IP-prefix bitmap that count.
IP_PREFIX_MASK = (1 << IP_PREFIX_BITS) - 1


def bit_counts(values: Sequence[int], width: int) -> list[int]:
    """How many of ``values`` (non-negative ints) hold each of the lowest ``width`` bits.

    The values are summed column-wise in binary, as bit planes (plane ``k`` holds bit
    ``k`` of every column's count): each addition is a few whole-int operations, so
    the cost grows with the number of values, not with the bits each one holds
    (topic bitmaps hold dozens).

    >>> bit_counts([0b101, 0b100], 4)
    [1, 0, 2, 0]
    >>> bit_counts([0b11, 0b11, 0b11, 1 << 9], 4)
    [3, 3, 0, 0]
    """
    mask = (1 << width) - 1
    if len(values) == 1:
        # One value (a cluster of one, a profile without one of two): its binary digits,
        # lowest first, as 0/1 counts.
        digits = format(values[0] & mask, f"0{width}b")[::-1]
        return list(digits.encode("ascii").translate(_DIGIT_FLAGS))
    planes: list[int] = []
    for value in values:
        carry = value & mask
        k = 0
        while carry:
            if k == len(planes):
                planes.append(carry)
                break
            plane = planes[k]
            planes[k] = plane ^ carry
            carry &= plane
            k += 1
    ones = sum(plane.bit_count() for plane in planes)
    if ones > _LANE_PLANE_COST * len(planes) + _LANE_FIXED_COST and len(values) < 1 << 16:
        return _lane_counts(planes, width)
    counts = [0] * width
    for k, plane in enumerate(planes):
        weight = 1 << k
        while plane:
            low = plane & -plane
            counts[low.bit_length() - 1] += weight
            plane ^= low
    return counts


#: Reading the planes bit by bit costs about one unit per set bit; spreading them into
#: 16-bit lanes (:func:`_lane_counts`) about this many per plane, plus a fixed cost:
#: sparse planes (a few prefixes, one user agent) are read bit by bit.
_LANE_PLANE_COST = 8
_LANE_FIXED_COST = 16
#: Per width, the int whose 16-bit lanes each hold ``ord("0")``.
_ZERO_LANES: dict[int, int] = {}


def _lane_counts(planes: list[int], width: int) -> list[int]:
    # Each plane is spread so that bit b becomes the 16-bit lane b (its binary digits as
    # UTF-16 characters, lowest bit first, minus the digit "0"); lanes shifted by the
    # plane's weight and added are the column counts. A handful of whole-int operations
    # per plane instead of one Python step per set bit; exact while counts stay below
    # 2**16 (the caller's check).
    zero = _ZERO_LANES.get(width)
    if zero is None:
        zero = _ZERO_LANES[width] = int.from_bytes(("0" * width).encode("utf-16-le"), "little")
    digits = f"0{width}b"
    lanes = 0
    for k, plane in enumerate(planes):
        spread = int.from_bytes(format(plane, digits)[::-1].encode("utf-16-le"), "little")
        lanes += (spread - zero) << k
    return list(struct.unpack(f"<{width}H", lanes.to_bytes(2 * width, "little")))


def topic_profile(
    own_counts: Sequence[int], n: int, background: TopicBackground, present: int = -1
) -> TopicProfile:
    """Core topics of a cluster of ``n`` keys with topics: bits most of them hold and the
    population's summaries mostly do not.

    ``present``: the bits any of them holds (all by default); only those are read.
    """
    # The density (a sum over the whole map) is read only once it can matter: many
    # profiles have no member with topics at all.
    if not n or not background.summaries:
        return EMPTY_TOPICS
    density = background.density
    if density <= 0.0:
        return EMPTY_TOPICS
    need = core_need(n)
    core = 0
    frequencies: list[float] = []
    add = frequencies.append
    # background.frequency(b), read in place: this runs for every profile built.
    seen, summaries = background.counts, background.summaries
    bits: Iterable[int]
    if present >= 0 and present.bit_count() <= TOPIC_BITS // 2:  # a few keys: few bits
        bits = set_bits(present)
    else:
        bits = range(min(len(own_counts), TOPIC_BITS))
    for b in bits:
        count = own_counts[b]
        if count >= need:
            g = seen[b] / summaries
            if count / n >= CORE_LIFT * g:
                core |= 1 << b
                add(g)
    return topics_of(core, frequencies, density)


def topics_of(core: int, frequencies: list[float], density: float) -> TopicProfile:
    """The profile of ``core`` topic bits whose population frequencies are ``frequencies``."""
    if not frequencies:
        return EMPTY_TOPICS
    return TopicProfile(
        core,
        sum(frequencies),
        sum([g * g for g in frequencies]),  # a list: the same sum, no generator steps
        max(frequencies),
        density,
        tuple(frequencies),
    )


def core_need(n: int) -> float:
    """How many of ``n`` members with topics must hold a topic bit for it to be core."""
    # max(1.0 or 2.0, share) written out: what the builtin returns, without its call.
    share = CORE_SHARE * n
    least = 1.0 if n < 3 else 2.0
    return share if share > least else least


def median(values: list[float]) -> float:
    """:func:`statistics.median`, the same steps without its generality (a profile takes
    seven medians of a few values).

    >>> median([3.0, 1.0, 2.0]), median([4.0, 1.0, 2.0, 3.0])
    (2.0, 2.5)
    """
    data = sorted(values)
    n = len(data)
    if not n:
        raise statistics.StatisticsError("no median for empty data")
    if n % 2 == 1:
        return data[n // 2]
    i = n // 2
    return (data[i - 1] + data[i]) / 2


def shared_need(n: int) -> float:
    """How many of ``n`` members must use a frame or a user agent for it to be theirs."""
    share = SHARED_SHARE * n  # and max() written out, as in core_need
    least = 1.0 if n < 3 else 2.0
    return share if share > least else least


def shared_frames(
    frame_counts: dict[int, int],
    need: float,
    popular_keys: float,
    frame_popularity: dict[int, float],
) -> dict[int, float]:
    """The members' frames (group id -> members using it) that are theirs, weighted."""
    return {
        gid: popular_keys / (popular_keys + frame_popularity.get(gid, 0.0))
        for gid, count in frame_counts.items()
        if count >= need
    }


def prefix_pool(
    ip_counts: list[int],
    n: int,
    population: Population,
    now: float,
    present: int = -1,
    weights: dict[int, float] | None = None,
    present_bits: Sequence[int] | None = None,
    total_bits: int = -1,
) -> tuple[int, dict[int, float]]:
    """The prefix pool of ``n`` members (bits many of them use, well above what members
    with this many prefixes would hit by chance) and each pooled bit's weight.

    ``present``: the bits any member holds (all by default): only those can be pooled,
    and only those are read. ``weights``: bit -> :meth:`Population.ip_weight` already
    read at ``now`` (the population has not moved since), filled in as bits are read.
    ``present_bits`` (``set_bits(present)``) and ``total_bits`` (``sum(ip_counts)``) are
    for callers that know them already (a cluster's profiles without each member).
    """
    if total_bits < 0:
        total_bits = sum(ip_counts)
    pool = 0
    pool_weights: dict[int, float] = {}
    if total_bits:
        expected = total_bits / IP_PREFIX_BITS
        # A lone key's prefixes are its pool (others may join it); two keys share theirs.
        floor = max(3.0, 0.2 * n, 1.5 * expected) if n >= 3 else float(n)
        if present < 0:
            bits = [b for b, count in enumerate(ip_counts) if count >= floor]
        else:
            if present_bits is None:
                present_bits = set_bits(present)
            bits = [b for b in present_bits if ip_counts[b] >= floor]
        if weights is None:
            weights = dict(zip(bits, population.ip_weights(bits, now), strict=True))
        else:
            missing = [b for b in bits if b not in weights]
            weights.update(zip(missing, population.ip_weights(missing, now), strict=True))
        for b in bits:
            pool |= 1 << b
            pool_weights[b] = weights[b]
    return pool, pool_weights


def shared_agent(
    ua_counts: list[int], need: float, n: int, population: Population, now: float
) -> tuple[int, float]:
    """The user agent (bit) most of ``n`` members use, and its weight; (0, 0.0) if none."""
    top = max(ua_counts) if ua_counts else 0
    if ua_counts and top >= need and top >= 0.5 * n:
        bit = ua_counts.index(top)  # the lowest of the most used
        return 1 << bit, population.ua_weight(bit, now)
    return 0, 0.0


def set_bits(bits: int) -> list[int]:
    """The positions of the set bits of a non-negative int, lowest first.

    >>> set_bits(0b1001_0110), set_bits(1 << 300), set_bits((1 << 40) - 1)[-3:]
    ([1, 2, 4, 7], [300], [37, 38, 39])
    """
    if bits < 0:
        raise ValueError("set_bits needs a non-negative int")
    if bits.bit_count() > _DENSE_BITS:
        # Many bits: the binary digits, lowest first, as 0/1 bytes picking positions
        # (a few C calls, whatever the count).
        flags = bin(bits)[:1:-1].encode("ascii").translate(_DIGIT_FLAGS)
        return list(compress(range(len(flags)), flags))
    out = []
    base = 0
    for byte in bits.to_bytes((bits.bit_length() + 7) // 8, "little"):
        if byte:
            out.extend([base + offset for offset in BYTE_BITS[byte]])
        base += 8
    return out


#: Above this many set bits, :func:`set_bits` reads binary digits instead of bytes.
_DENSE_BITS = 16
_DIGIT_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def typical_hours(hour_counts: list[int], n: int) -> int:
    """The hours (24-bit mask) in which most of ``n`` members were active."""
    return sum([1 << b for b, count in enumerate(hour_counts) if count * 2 > n])
