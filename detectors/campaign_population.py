"""What the campaign stage knows about everyone: key age, popular egress, common topics.

A campaign is judged against the keys around it. Three things are population-wide:

* **Key age.** "New" means new to the provider. When events carry
  ``account_created_at`` the summary says when the account opened; when they do
  not, the key's first sighting stands in for it, except for keys seen in the
  first hours of the stage's input (:attr:`Population.origin`): those were
  customers already, of unknown age, and count as established. A short log or a
  restart without a snapshot therefore makes no key "new" on its own.
* **Popular egress and clients** (the IP-size idea of click-fraud filters). A
  cloud platform's egress or a framework's user agent is used by many
  established, unrelated customers; a proxy pool or a campaign's own client is
  not. Per IP-prefix bit and per user-agent bit, the stage counts the distinct
  established keys using it (a linear-counting bitmap of key hashes per bit,
  two days, :class:`KeyCounts`); a shared bit weighs less the more such keys it
  already has (:meth:`Population.ip_weight`, :meth:`Population.ua_weight`).
* **Account openings** (:class:`OpeningDays`): per day, how many distinct active
  accounts were opened then (account age from the data only), so that a cohort of new
  accounts can be weighed by how far its days' openings exceed the usual rate: a
  campaign opening hundreds of accounts over a week is a burst against a handful a
  day, where the same week's openings at a provider signing up thousands a day are not.
* **Common topics** (:class:`TopicBackground`): how often each topic bit is set
  in the traffic, so that a topic link can be judged against chance: common words
  are set for everyone, a curriculum's vocabulary only for its askers
  (:mod:`detectors.campaign_links`).

Everything is bounded: a few fixed-size arrays, independent of the number of keys.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

from detectors.native import NATIVE
from detectors.sketches import linear_count, stable_hash
from detectors.summaries import IP_PREFIX_BITS, KeySummary

__all__ = [
    "BYTE_BITS",
    "ESTIMATES",
    "KeyCounts",
    "OpeningDays",
    "Population",
    "TopicBackground",
    "onset_of",
]

DAY = 86400.0
HOUR = 3600.0
UA_BITS = 64
TOPIC_BITS = 256
TOPIC_BYTES = TOPIC_BITS // 8
#: Width of each per-bit key-count bitmap: linear counting reads up to ~1,000 keys.
COUNT_BITS = 256
#: linear_count of a COUNT_BITS-wide bitmap, by its number of set bits (all it reads):
#: a cluster's profile reads one per pooled prefix, and one per frame group.
ESTIMATES = tuple(linear_count((1 << ones) - 1, COUNT_BITS) for ones in range(COUNT_BITS + 1))
#: Per byte value, the positions of its set bits (lowest first).
BYTE_BITS = tuple(tuple(b for b in range(8) if value >> b & 1) for value in range(256))
#: :meth:`TopicBackground.add`'s count of a summary's bits, compiled where available.
_add_marks: Callable[[array[float], bytes], bool] | None = (
    NATIVE.add_topic_marks if NATIVE is not None else None
)


def onset_of(summary: KeySummary, origin: float, pre_existing_seconds: float) -> float | None:
    """When the key became a customer, or None when that is unknown (assumed established).

    ``account_created`` when the events carried it; else the key's first sighting,
    unless it came within ``pre_existing_seconds`` of ``origin`` (the first event
    the stage heard of): keys active when the log starts were customers already.

    Examples
    --------
    >>> s = KeySummary("k", None, 5e5, first_ts=2e5)
    >>> onset_of(s, 0.0, 6 * 3600.0), onset_of(s, 1.9e5, 6 * 3600.0)
    (200000.0, None)
    >>> onset_of(s._replace(account_created=1e5), 1.9e5, 6 * 3600.0)
    100000.0
    """
    if math.isfinite(summary.account_created):
        return summary.account_created
    if summary.first_ts - origin < pre_existing_seconds:
        return None
    return summary.first_ts


class KeyCounts:
    """Distinct keys per bit of a bitmap over two days of event time (today, yesterday).

    Each bit holds a ``COUNT_BITS``-wide bitmap of key hashes; :meth:`count` is its
    linear-counting estimate over both days. Memory: ``2 x bits x COUNT_BITS / 8`` bytes.

    Examples
    --------
    >>> counts = KeyCounts(8)
    >>> for i in range(40):
    ...     counts.add(f"key{i}", 0b101, 0.0)
    >>> counts.add("other", 0b10, 0.0)
    >>> round(counts.count(0)), round(counts.count(1)), counts.count(3)
    (43, 1, 0.0)
    """

    __slots__ = ("bits", "day", "today", "yesterday")

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.day = -1
        self.today = [0] * bits
        self.yesterday = [0] * bits

    def add(self, key: str, bitmap: int, ts: float) -> None:
        self.add_mark(1 << (stable_hash(key) % COUNT_BITS), bitmap, ts)

    def add_mark(self, mark: int, bitmap: int, ts: float) -> None:
        """:meth:`add` with the key's mark (``1 << stable_hash(key) % COUNT_BITS``) given:
        a key counted in two maps is hashed once."""
        day = int(ts // DAY)
        if day > self.day:
            self.yesterday = self.today if day == self.day + 1 else [0] * self.bits
            self.today = [0] * self.bits
            self.day = day
        today = self.today
        while bitmap:
            low = bitmap & -bitmap
            bit = low.bit_length() - 1
            if bit < self.bits:
                today[bit] |= mark
            bitmap ^= low

    def count(self, bit: int) -> float:
        return linear_count(self.today[bit] | self.yesterday[bit], COUNT_BITS)

    def typical(self) -> float:
        """The median count over bits: what any bit holds by chance (hashing spreads keys)."""
        counts = sorted(self.count(b) for b in range(self.bits))
        return counts[len(counts) // 2]


#: Width of each opening day's bitmap of accounts: linear counting reads up to ~4,000.
OPENING_BITS = 1024
#: Days of openings kept; their median is the usual rate (a week's burst leaves it be).
OPENING_DAYS = 56
#: Least usual openings a day (a prior: a small population's median is mostly 0).
OPENING_FLOOR = 1.0


class OpeningDays:
    """Distinct accounts by the day they were opened, over the last :data:`OPENING_DAYS`.

    Each day holds an :data:`OPENING_BITS`-wide bitmap of account hashes (a key seen
    again sets the same bit); :meth:`burst` compares a few days' openings with the
    usual day's. Memory: at most ``OPENING_DAYS x OPENING_BITS / 8`` bytes.

    Examples
    --------
    >>> days = OpeningDays()
    >>> for i in range(56):  # two accounts a day for eight weeks, then a burst of 40
    ...     days.add(f"a{i}", i * 86400.0, 56 * 86400.0)
    ...     days.add(f"b{i}", i * 86400.0, 56 * 86400.0)
    >>> for i in range(40):
    ...     days.add(f"swarm{i}", 50 * 86400.0 + i * 3600.0, 56 * 86400.0)
    >>> opened, usual = days.burst(50, 56 * 86400.0)
    >>> round(opened), round(usual, 1)  # 46 opened, as linear counting reads them
    (47, 6.0)
    """

    __slots__ = ("days", "hour", "usual")

    def __init__(self) -> None:
        self.days: dict[int, int] = {}
        #: (the usual day's openings, the hour they were read at): refreshed hourly
        self.usual = OPENING_FLOOR
        self.hour = -1

    def add(self, account: str, opened: float, now: float) -> None:
        self.add_hash(stable_hash(account), opened, now)

    def add_hash(self, account_hash: int, opened: float, now: float) -> None:
        """:meth:`add` with the account's :func:`stable_hash` given (a summary's key is
        hashed once for every count it enters)."""
        day = int(opened // DAY)
        today = int(now // DAY)
        if not today - OPENING_DAYS < day <= today:
            return
        bit = 1 << (account_hash % OPENING_BITS)
        days = self.days
        seen = days.get(day)
        if seen is None:
            for old in [d for d in days if d <= today - OPENING_DAYS]:
                del days[old]
            days[day] = bit
        elif not seen & bit:
            days[day] = seen | bit

    def opened(self, first: int, last: int) -> float:
        """Distinct accounts opened from day ``first`` to day ``last``, both included."""
        bits = 0
        for day in range(first, last + 1):
            bits |= self.days.get(day, 0)
        return linear_count(bits, OPENING_BITS)

    def burst(self, day: int, now: float) -> tuple[float, float]:
        """(accounts opened from the day before ``day`` to the day after, the usual
        openings over three days): the median day's over the kept days, at least
        :data:`OPENING_FLOOR`."""
        hour = int(now // HOUR)
        if hour != self.hour:
            today = int(now // DAY)
            counts = sorted(
                linear_count(self.days.get(d, 0), OPENING_BITS)
                for d in range(today - OPENING_DAYS + 1, today + 1)
            )
            self.usual = max(counts[len(counts) // 2], OPENING_FLOOR)
            self.hour = hour
        return self.opened(day - 1, day + 1), 3.0 * self.usual


class Population:
    """Population-wide statistics of the campaign stage (see the module docstring).

    Parameters
    ----------
    pre_existing_seconds
        Keys first seen this soon after the stage's first input are established
        customers of unknown age.
    new_key_seconds
        A key whose onset is this recent is new.
    popular_keys
        Established keys on a bit, beyond what any bit holds by chance, at which a
        shared bit counts half.
    """

    __slots__ = (
        "_typical",
        "ip",
        "new_key_seconds",
        "openings",
        "origin",
        "popular_keys",
        "pre_existing_seconds",
        "ua",
    )

    def __init__(
        self, pre_existing_seconds: float, new_key_seconds: float, popular_keys: float
    ) -> None:
        self.pre_existing_seconds = pre_existing_seconds
        self.new_key_seconds = new_key_seconds
        self.popular_keys = popular_keys
        self.origin = math.inf
        self.ip = KeyCounts(IP_PREFIX_BITS)
        self.ua = KeyCounts(UA_BITS)
        self.openings = OpeningDays()
        self._typical = (0.0, 0.0, -1)

    # -- age ------------------------------------------------------------------------------

    def see(self, summary: KeySummary, ordinary: bool) -> float | None:
        """Note one summary; return the key's onset (None: established, age unknown).

        ``ordinary``: the key's own evidence does not lean to extraction; only ordinary,
        established customers make an address or a client popular (a campaign's own
        members, however old their accounts, do not make its pool look common)."""
        if summary.first_ts < self.origin:
            self.origin = summary.first_ts
        onset = onset_of(summary, self.origin, self.pre_existing_seconds)
        dated = math.isfinite(summary.account_created)  # then the onset is the opening
        counted = ordinary and not self.is_new(onset, summary.ts)
        if not (dated or counted):
            return onset
        key_hash = stable_hash(summary.api_key_id)
        if dated:
            self.openings.add_hash(key_hash, summary.account_created, summary.ts)
        if counted:
            mark = 1 << (key_hash % COUNT_BITS)
            self.ip.add_mark(mark, summary.ip_prefix_bits, summary.ts)
            self.ua.add_mark(mark, summary.user_agent_bits, summary.ts)
        return onset

    def is_new(self, onset: float | None, now: float) -> bool:
        return onset is not None and now - onset < self.new_key_seconds

    # -- popular egress and clients -----------------------------------------------------

    def _baselines(self, now: float) -> tuple[float, float]:
        # What a bit holds by chance, refreshed hourly (a median over 256 bits).
        ip_typical, ua_typical, hour = self._typical
        if int(now // HOUR) != hour:
            ip_typical, ua_typical = self.ip.typical(), self.ua.typical()
            self._typical = (ip_typical, ua_typical, int(now // HOUR))
        return ip_typical, ua_typical

    def ip_weight(self, bit: int, now: float) -> float:
        """Weight in (0, 1] of a shared IP-prefix bit: 1 for a prefix no ordinary,
        established customer uses beyond chance, 1/2 at ``popular_keys`` of them, less
        beyond (a cloud platform's egress, a mobile carrier's NAT)."""
        excess = max(self.ip.count(bit) - self._baselines(now)[0], 0.0)
        return self.popular_keys / (self.popular_keys + excess)

    def ip_weights(self, bits: list[int], now: float) -> list[float]:
        """:meth:`ip_weight` of each of ``bits``, in one call (a cluster's whole pool)."""
        if not bits:
            return []
        typical = self._baselines(now)[0]
        popular = self.popular_keys
        today, yesterday = self.ip.today, self.ip.yesterday
        estimates = ESTIMATES
        weights = []
        for bit in bits:
            # linear_count of the day's bitmap, looked up by its bit count (all it reads).
            seen = today[bit] | yesterday[bit]
            ones = seen.bit_count()
            estimate = estimates[ones] if ones <= COUNT_BITS else linear_count(seen, COUNT_BITS)
            excess = estimate - typical
            excess = 0.0 if excess < 0.0 else excess  # max(excess, 0.0), without the call
            weights.append(popular / (popular + excess))
        return weights

    def ua_weight(self, bit: int, now: float) -> float:
        """Same as :meth:`ip_weight` for a user-agent bit (a browser's or a popular SDK's
        agent is everyone's)."""
        excess = max(self.ua.count(bit) - self._baselines(now)[1], 0.0)
        return self.popular_keys / (self.popular_keys + excess)


class TopicBackground:
    """How often each topic bit is set in the population's summaries (decayed over a day
    of event time), and how many bits a summary sets on average.

    Every summary with a topical bitmap counts (not only candidates'): what is common
    is judged against the whole traffic, where one campaign, however large, is a small
    part. Summaries, not keys, are counted (a key is summarized about hourly, a busy
    one more often; busy keys' bitmaps are mostly too dense to count at all).

    Examples
    --------
    >>> bg = TopicBackground()
    >>> for i in range(100):
    ...     bg.add(0b11 if i % 4 == 0 else 0b01, 0.0)
    >>> round(bg.frequency(0), 2), round(bg.frequency(1), 2), round(bg.density, 2)
    (1.0, 0.25, 1.25)
    """

    __slots__ = ("counts", "hour", "summaries")

    def __init__(self) -> None:
        self.counts = array("d", bytes(8 * TOPIC_BITS))
        self.summaries = 0.0
        self.hour = -1

    def add(self, bits: int, ts: float) -> None:
        hour = int(ts // HOUR)
        if hour > self.hour:
            if self.hour >= 0:
                decay = math.exp(-(hour - self.hour) / 24.0)
                counts = self.counts
                for b in range(TOPIC_BITS):
                    counts[b] *= decay
                self.summaries *= decay
            self.hour = hour
        counts = self.counts
        if bits >> TOPIC_BITS:  # wider than the map: the reference loop (and its IndexError)
            while bits:
                low = bits & -bits
                counts[low.bit_length() - 1] += 1.0
                bits ^= low
        elif _add_marks is None or not _add_marks(counts, bits.to_bytes(TOPIC_BYTES, "little")):
            # The reference of the compiled count (native/src/campaign.rs), which declines
            # counts that are not an array of doubles. Byte by byte, each byte's set bits
            # from a table: the same additions, in the same order, without a big-int
            # operation per bit (every summary comes here).
            base = 0
            for byte in bits.to_bytes(TOPIC_BYTES, "little"):
                if byte:
                    for offset in BYTE_BITS[byte]:
                        counts[base + offset] += 1.0
                base += 8
        self.summaries += 1.0

    def frequency(self, bit: int) -> float:
        return self.counts[bit] / self.summaries if self.summaries else 0.0

    @property
    def density(self) -> float:
        """Mean number of bits per summary."""
        return sum(self.counts) / self.summaries if self.summaries else 0.0
