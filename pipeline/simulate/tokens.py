"""Token-size distributions derived from real production LLM traffic.

The quantile tables below were derived once (with :func:`derive_quantiles`) from
the Azure LLM inference trace 2023: two one-hour samples of real requests to a
code service (8,819 requests) and a conversation service (19,366 requests),
columns ``ContextTokens`` and ``GeneratedTokens``.

Source: the Azure/AzurePublicDataset repository, licensed CC-BY 4.0.
Attribution: Pratyush Patel, Esha Choukse, Chaojie Zhang, Aashaka Shah, Íñigo
Goiri, Saeed Maleki, Ricardo Bianchini. "Splitwise: Efficient generative LLM
inference using phase splitting", ISCA 2024.

The trace is not read at run time (it is not part of the package); the tables
are the only thing kept. Archetypes scale and clamp them (a coding agent's
context is bigger than the trace's median, a classifier's output is tiny).
"""

from __future__ import annotations

import csv
import math
from bisect import bisect_right
from itertools import pairwise
from pathlib import Path

__all__ = [
    "CODE_CONTEXT",
    "CODE_GENERATED",
    "CONV_CONTEXT",
    "CONV_GENERATED",
    "PROBS",
    "QuantileTable",
    "derive_quantiles",
]

#: Cumulative probabilities at which the tables are given (denser in the tails).
PROBS: tuple[float, ...] = (
    0.0, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5,
    0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 1.0,
)  # fmt: skip


class QuantileTable:
    """Inverse-CDF sampler over a quantile table, log-linear between the points.

    Log-linear interpolation keeps the heavy right tail of token counts (a
    linear one would put too much mass in the middle of the wide upper bins).

    Parameters
    ----------
    values
        Quantile values at :data:`PROBS` (non-decreasing, all >= 1).

    Examples
    --------
    >>> table = QuantileTable((1, 2, 4, 8, 16, 32, 64, 128, 256,
    ...                        512, 1024, 2048, 4096, 8192, 9000, 9500, 9800, 10000))
    >>> table.at(0.5)
    256.0
    >>> table.at(0.0), table.at(1.0)
    (1.0, 10000.0)
    """

    __slots__ = ("_logs", "_lut", "_probs")

    #: Resolution of the lookup table behind :meth:`draw`.
    LUT_SIZE = 4096

    def __init__(self, values: tuple[int, ...]) -> None:
        if len(values) != len(PROBS):
            raise ValueError(f"need {len(PROBS)} quantile values, got {len(values)}")
        if any(b < a for a, b in pairwise(values)) or min(values) < 1:
            raise ValueError("quantile values must be non-decreasing and >= 1")
        self._probs = PROBS
        self._logs = tuple(math.log(v) for v in values)
        size = self.LUT_SIZE
        # Midpoints of LUT_SIZE equal-probability bins: draw() is one multiply and one index.
        self._lut = (*(self.at((i + 0.5) / size) for i in range(size)), self.at(1.0))

    def draw(self, u: float) -> float:
        """Fast inverse-CDF sample for a uniform ``u`` in [0, 1) (binned at 1/4096).

        >>> table = QuantileTable((1,) * 9 + (10,) * 9)
        >>> table.draw(0.1), table.draw(0.99)
        (1.0, 10.0)
        """
        return self._lut[int(u * 4096)]

    def at(self, u: float) -> float:
        """Value at cumulative probability ``u`` in [0, 1]."""
        probs = self._probs
        i = bisect_right(probs, u) - 1
        if i >= len(probs) - 1:
            return round(math.exp(self._logs[-1]), 6)
        lo, hi = probs[i], probs[i + 1]
        frac = (u - lo) / (hi - lo)
        return round(math.exp(self._logs[i] + (self._logs[i + 1] - self._logs[i]) * frac), 6)


# Derived from the Azure LLM inference trace 2023 (CC-BY 4.0, attribution above).
CODE_CONTEXT = QuantileTable(
    (3, 17, 44, 75, 147, 386, 770, 1075, 1469, 1909, 2433, 3192, 5188, 7303, 7435, 7436, 7436, 7437)
)
CODE_GENERATED = QuantileTable(
    (6, 6, 6, 6, 7, 8, 9, 11, 13, 16, 20, 29, 55, 90, 145, 251, 359, 1899)
)
CONV_CONTEXT = QuantileTable(
    (2, 29, 120, 181, 207, 387, 403, 703, 1020, 1071, 1130, 1315, 2734, 4083, 4092, 4142, 4831,
     14050)
)  # fmt: skip
CONV_GENERATED = QuantileTable(
    (7, 16, 28, 41, 54, 77, 91, 103, 129, 177, 384, 400, 424, 451, 522, 601, 643, 1000)
)


def derive_quantiles(csv_path: Path, column: str) -> tuple[int, ...]:
    """Recompute one table from a trace CSV (used once, to write the constants above).

    Parameters
    ----------
    csv_path
        ``AzureLLMInferenceTrace_code.csv`` or ``..._conv.csv``.
    column
        ``ContextTokens`` or ``GeneratedTokens``.
    """
    with csv_path.open(newline="") as handle:
        values = sorted(int(row[column]) for row in csv.DictReader(handle))
    if not values:
        raise ValueError(f"{csv_path} has no rows")
    last = len(values) - 1
    out = []
    for p in PROBS:
        x = p * last
        i = int(x)
        j = min(i + 1, last)
        out.append(round(values[i] + (values[j] - values[i]) * (x - i)))
    return tuple(out)
