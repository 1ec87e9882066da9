"""Token-size quantiles of real LLM traffic, and a sampler over them.

The tables were derived once from the public Azure LLM inference trace of
2023-11-16 (Patel et al., "Splitwise", ISCA 2024, CC-BY 4.0): one hour of a
code-completion service (8,819 requests) and one hour of a conversation
service (19,366 requests). Only these quantiles are kept in the repository;
nothing reads the trace at run time. The derivation is in README.md.

Sampling interpolates between quantile points in log space, so draws are
continuous and stay inside the observed range.

>>> import random
>>> q = Quantiles(CONV_GENERATED)
>>> 7 <= q.sample(random.Random(1)) <= 1000
True
"""

from __future__ import annotations

import math
import random

#: The probability levels every table below is given at.
LEVELS: tuple[float, ...] = (
    0.0, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.999, 1.0,
)  # fmt: skip

#: Code service, prompt (context) tokens.
CODE_CONTEXT: tuple[int, ...] = (
    3, 17, 44, 75, 147, 232, 386, 578, 770, 939, 1075, 1261, 1469,
    1690, 1909, 2164, 2433, 2744, 3192, 3920, 5188, 7303, 7435, 7436, 7437, 7437,
)  # fmt: skip

#: Code service, generated tokens (completions: mostly short).
CODE_GENERATED: tuple[int, ...] = (
    6, 6, 6, 6, 7, 7, 8, 9, 9, 10, 11, 12, 13,
    14, 16, 18, 20, 24, 29, 39, 55, 90, 145, 251, 825, 1899,
)  # fmt: skip

#: Conversation service, prompt (context) tokens.
CONV_CONTEXT: tuple[int, ...] = (
    2, 29, 120, 181, 207, 372, 387, 396, 403, 414, 703, 984, 1020,
    1045, 1071, 1097, 1130, 1189, 1315, 1876, 2734, 4083, 4092, 4142, 6179, 14050,
)  # fmt: skip

#: Conversation service, generated tokens.
CONV_GENERATED: tuple[int, ...] = (
    7, 16, 28, 41, 54, 67, 77, 85, 91, 96, 103, 113, 129,
    151, 177, 217, 384, 395, 400, 411, 424, 451, 522, 601, 954, 1000,
)  # fmt: skip


class Quantiles:
    """Inverse-CDF sampler over a quantile table (log-linear interpolation).

    Parameters
    ----------
    values
        Values at :data:`LEVELS`, non-decreasing, all positive.
    lo, hi
        Optional probability window: draw only from that part of the
        distribution (e.g. ``lo=0.5`` for the upper half).

    >>> Quantiles(CODE_CONTEXT).at(0.5)
    1469.0
    """

    def __init__(self, values: tuple[int, ...], lo: float = 0.0, hi: float = 1.0) -> None:
        if len(values) != len(LEVELS):
            raise ValueError("one value per level")
        self.values = values
        self.lo = lo
        self.hi = hi
        self._logs = [math.log(max(v, 1)) for v in values]

    def at(self, p: float) -> float:
        """The value at probability ``p`` in [0, 1]."""
        p = min(max(p, 0.0), 1.0)
        for i in range(1, len(LEVELS)):
            if p <= LEVELS[i]:
                lo_p, hi_p = LEVELS[i - 1], LEVELS[i]
                frac = 0.0 if hi_p == lo_p else (p - lo_p) / (hi_p - lo_p)
                return round(
                    math.exp(self._logs[i - 1] + frac * (self._logs[i] - self._logs[i - 1])), 3
                )
        return float(self.values[-1])

    def sample(self, rng: random.Random) -> float:
        """One draw from the (windowed) distribution."""
        return self.at(self.lo + (self.hi - self.lo) * rng.random())
