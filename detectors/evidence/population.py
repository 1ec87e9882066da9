"""Population scales: where a key's statistic sits among the keys the engine has seen.

Every family measures a key against the traffic it runs on, not against numbers
set by hand: what counts as a long answer on a provider whose customers write
novels is not what counts on one serving classifiers. :class:`PopulationScale`
keeps a forgetting histogram of one statistic over keys (each established key
adds its value at most once an hour, so busy keys do not outvote quiet ones)
and reads back a robust location (the median) and spread (lower quartile to
median). Harvesters sit on the upper side of every statistic a family reads,
so the spread is read from the lower side: a campaign of attackers that makes
up a good part of the keys moves the median up a little, but inflates the
spread far less than an upper quantile would (only benign-looking keys teach
the scales at all, see :mod:`detectors.evidence.scales`).
"""

from __future__ import annotations

import math
from array import array

__all__ = ["PopulationScale"]


class PopulationScale:
    """Forgetting histogram of one per-key statistic, read as median and upper quartile.

    Parameters
    ----------
    low, high
        Range of the statistic; values outside are counted in the end bins.
    min_spread
        Smallest spread (median minus lower quartile) used by :meth:`position`:
        on a population that barely varies, a tiny difference must not count as far.
    max_spread
        Largest spread: a population whose lower half is another kind of traffic
        altogether (classifiers with one-token answers below chat apps) must not
        make every difference above the median look small. ``inf`` by default.
    bins
        Histogram resolution.
    half_life
        Event-time seconds after which an observation weighs half.
    min_weight
        Total weight (about: keys) before the scale is used; until then
        :meth:`position` is 0, which every family reads as "no evidence".

    Examples
    --------
    >>> scale = PopulationScale(0.0, 10.0, min_spread=0.1, min_weight=5)
    >>> for i, x in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9]):
    ...     scale.learn_one(float(x), now=float(i))
    >>> round(scale.median, 1), round(scale.lower, 1)
    (5.0, 3.0)
    >>> round(scale.position(9.5), 1), round(scale.position(5.0), 1)
    (2.2, -0.0)
    """

    def __init__(
        self,
        low: float,
        high: float,
        min_spread: float,
        max_spread: float = math.inf,
        bins: int = 128,
        half_life: float = 2 * 86400.0,
        min_weight: float = 20.0,
    ) -> None:
        self.low = low
        self.high = high
        self.min_spread = min_spread
        self.max_spread = max_spread
        self.bins = bins
        self.half_life = half_life
        self.min_weight = min_weight
        self._counts = array("d", bytes(8 * bins))
        self._total = 0.0
        self._seen = 0
        self._ref = 0.0  # event time at which an observation weighs 1
        self._started = False
        self.median = 0.0
        self.lower = 0.0

    @property
    def warm(self) -> bool:
        """Whether enough keys were seen for positions to mean something."""
        return self._seen >= self.min_weight

    def learn_one(self, x: float, now: float, weight: float = 1.0) -> None:
        """Add one key's value at event time ``now``."""
        if not math.isfinite(x):
            return
        if not self._started:
            self._ref, self._started = now, True
        # Forget by growing the weight of new observations (no pass over the bins),
        # renormalising once in a while.
        scale = 2.0 ** ((now - self._ref) / self.half_life)
        if scale > 1e30:
            for i in range(self.bins):
                self._counts[i] /= scale
            self._total /= scale
            self._ref, scale = now, 1.0
        w = weight * scale
        self._counts[self._bin(x)] += w
        self._total += w
        self._seen += 1
        # Quantiles are re-read every few observations, not at every scoring.
        if self._seen <= 64 or self._seen % 16 == 0:
            self.median = self.quantile(0.5)
            self.lower = self.quantile(0.25)

    def _bin(self, x: float) -> int:
        i = int((x - self.low) / (self.high - self.low) * self.bins)
        return 0 if i < 0 else self.bins - 1 if i >= self.bins else i

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (linear inside its bin); ``low`` while empty."""
        if self._total <= 0:
            return self.low
        target = q * self._total
        width = (self.high - self.low) / self.bins
        running = 0.0
        for i in range(self.bins):
            count = self._counts[i]
            if running + count >= target and count > 0:
                return self.low + width * (i + (target - running) / count)
            running += count
        return self.high

    @property
    def spread(self) -> float:
        return min(max(self.median - self.lower, self.min_spread), self.max_spread)

    def position(self, x: float) -> float:
        """How far ``x`` sits above the median, in spreads (1: as far above as the lower
        quartile is below).

        Negative below the median; 0 while the scale is not :attr:`warm`.
        """
        # Runs ~25 times per scoring: ``warm`` and ``spread`` inlined (same result).
        if not self._seen >= self.min_weight:
            return 0.0
        spread = self.median - self.lower
        if self.min_spread > spread:
            spread = self.min_spread
        if self.max_spread < spread:
            spread = self.max_spread
        return (x - self.median) / spread
