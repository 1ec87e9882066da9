"""Scoring models: feature scaling, a population anomaly model (river), a per-key
change detector, and a score calibrator.

All follow river's protocol: ``learn_one(x)`` / ``score_one(x) -> float`` with
high meaning anomalous, constructor arguments stored under their own names.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping

from river import anomaly, stats

from detectors.forests import plant

__all__ = [
    "SCALED_FEATURES",
    "KeyChangeDetector",
    "PopulationBaseline",
    "PopulationModel",
    "RankCalibrator",
    "scale_features",
    "unscale",
]

# Feature -> (kind, cap). "log": log1p(x)/log1p(cap); "lin": x/cap; clipped to [0, 1].
# HalfSpaceTrees assumes [0, 1] inputs; fixed transforms keep scaling deterministic.
_SCALING: dict[str, tuple[str, float]] = {
    "requests_per_hour": ("log", 20000.0),
    "output_tokens_per_hour": ("log", 2e7),
    "output_input_ratio": ("log", 100.0),
    "output_tokens_mean": ("log", 8000.0),
    "reasoning_share": ("lin", 1.0),
    "multi_sample_share": ("lin", 1.0),
    "capped_output_share": ("lin", 1.0),
    "high_max_tokens_share": ("lin", 1.0),
    "temperatures_distinct": ("log", 20.0),
    "template_share": ("lin", 1.0),
    "reasoning_prompt_share": ("lin", 1.0),
    "vocabulary_breadth": ("log", 3000.0),
    "active_hours_24h": ("lin", 24.0),
    "hour_of_day_evenness": ("lin", 1.0),
    "hourly_volume_cv": ("log", 5.0),
    "sustained_hours": ("log", 168.0),
    "interarrival_cv": ("log", 10.0),
    "ip_prefixes": ("log", 250.0),
    "user_agents": ("log", 250.0),
    "error_share": ("lin", 1.0),
    "new_ip_share": ("lin", 1.0),
}
SCALED_FEATURES: tuple[str, ...] = tuple(_SCALING)
_LOG_CAPS = {name: math.log1p(cap) for name, (kind, cap) in _SCALING.items() if kind == "log"}


def unscale(name: str, value: float) -> float:
    """Inverse of :func:`scale_features` for one feature (to report baselines in raw units).

    Examples
    --------
    >>> round(unscale("requests_per_hour", scale_features({"requests_per_hour": 300.0})[
    ...     "requests_per_hour"]), 6)
    300.0
    """
    kind, cap = _SCALING[name]
    return math.expm1(value * _LOG_CAPS[name]) if kind == "log" else value * cap


def scale_features(features: Mapping[str, float]) -> dict[str, float]:
    """Map raw features into [0, 1] with fixed transforms (same keys every call).

    Examples
    --------
    >>> x = scale_features({"requests_per_hour": 20000.0, "template_share": 0.5})
    >>> x["requests_per_hour"], x["template_share"], x["error_share"]
    (1.0, 0.5, 0.0)
    """
    scaled: dict[str, float] = {}
    for name, (kind, cap) in _SCALING.items():
        value = features.get(name, 0.0)
        v = math.log1p(max(value, 0.0)) / _LOG_CAPS[name] if kind == "log" else value / cap
        scaled[name] = 0.0 if v < 0.0 else 1.0 if v > 1.0 else v
    return scaled


class RankCalibrator:
    """Maps a raw score to the share of recent raw scores below it (a percentile in [0, 1]).

    A fixed-bin histogram with exponential forgetting: O(bins) memory, deterministic.

    Parameters
    ----------
    bins
        Histogram resolution over [0, 1].
    half_life
        Observations after which an old observation weighs half.

    Examples
    --------
    >>> cal = RankCalibrator(bins=10)
    >>> for i in range(100):
    ...     cal.learn_one(i / 100)
    >>> round(cal.score_one(0.9), 1)
    0.9
    """

    def __init__(self, bins: int = 200, half_life: float = 5000.0) -> None:
        self.bins = bins
        self.half_life = half_life
        self._counts = array("d", bytes(8 * bins))
        self._total = 0.0
        self._weight = 1.0
        self._keep = 0.5 ** (1.0 / half_life)

    def _bin(self, raw: float) -> int:
        return min(max(int(raw * self.bins), 0), self.bins - 1)

    def learn_one(self, raw: float) -> None:
        # Forget lazily: grow the weight of new observations instead of decaying
        # every bin, and renormalise once the weights get large.
        self._weight /= self._keep
        self._counts[self._bin(raw)] += self._weight
        self._total += self._weight
        if self._weight > 1e100:
            for i in range(self.bins):
                self._counts[i] /= self._weight
            self._total /= self._weight
            self._weight = 1.0

    def score_one(self, raw: float) -> float:
        if self._total <= 0:
            return 0.0
        b = self._bin(raw)
        below = sum(self._counts[:b]) + 0.5 * self._counts[b]
        # The two sums add the same weights in different orders: clamp the rounding.
        return min(below / self._total, 1.0)


class PopulationModel:
    """Population anomaly score: river HalfSpaceTrees on scaled features, rank-calibrated.

    Scores 0 until it has learned ``warmup`` windows (a cold model raises nothing).

    Parameters
    ----------
    n_trees, height, window_size, seed
        Passed to :class:`river.anomaly.HalfSpaceTrees`.
    warmup
        Windows to learn before scores count.

    Examples
    --------
    >>> model = PopulationModel(warmup=50, window_size=25, seed=1)
    >>> normal = {name: 0.2 for name in SCALED_FEATURES}
    >>> for _ in range(60):
    ...     model.learn_one(normal)
    >>> odd = dict(normal, requests_per_hour=0.99, template_share=0.99)
    >>> model.score_one(odd) > model.score_one(normal)
    True
    """

    def __init__(
        self,
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 250,
        warmup: int = 300,
        seed: int = 42,
    ) -> None:
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.warmup = warmup
        self.seed = seed
        self.learned = 0
        self._trees = anomaly.HalfSpaceTrees(
            n_trees=n_trees, height=height, window_size=window_size, seed=seed
        )
        self._calibrator = RankCalibrator()
        self._pending: tuple[Mapping[str, float], float] | None = None

    @property
    def warm(self) -> bool:
        return self.learned >= self.warmup

    def learn_one(self, x: Mapping[str, float]) -> None:
        if self.learned >= self.window_size:
            # Calibrate on the score the point got before the trees saw it (reusing
            # the score_one result when it was for this very point: one walk saved).
            pending = self._pending
            raw = pending[1] if pending is not None and pending[0] is x else self._raw(x)
            self._calibrator.learn_one(raw)
        self._pending = None
        if not self.learned:
            plant(self._trees, sorted(x))  # the same trees river would grow, copied
        self._trees.learn_one(x)
        self.learned += 1

    def _raw(self, x: Mapping[str, float]) -> float:
        return float(self._trees.score_one(x))

    def score_one(self, x: Mapping[str, float]) -> float:
        if not self.warm:
            self._pending = None
            return 0.0
        raw = self._raw(x)
        self._pending = (x, raw)
        return self._calibrator.score_one(raw)


class PopulationBaseline:
    """Running population medians of raw features: the "baseline" an alert reason cites.

    Parameters
    ----------
    names
        Features to track.
    every
        Learn from one observation in ``every`` (deterministic sampling).

    Examples
    --------
    >>> base = PopulationBaseline(["a"])
    >>> for v in [1.0, 2.0, 3.0, 4.0, 5.0]:
    ...     base.learn_one({"a": v})
    >>> base.get("a")
    3.0
    """

    def __init__(self, names: tuple[str, ...] | list[str], every: int = 1) -> None:
        self.names = tuple(names)
        self.every = every
        self._medians = {name: stats.Quantile(0.5) for name in self.names}
        self._seen = 0

    def learn_one(self, x: Mapping[str, float]) -> None:
        # A median needs no more than a deterministic sample of the population.
        self._seen += 1
        if self._seen % self.every:
            return
        for name, quantile in self._medians.items():
            quantile.update(x.get(name, 0.0))

    def get(self, name: str) -> float:
        value = self._medians[name].get()
        return 0.0 if value is None else float(value)


class KeyChangeDetector:
    """Per-key change detector: how far a key's latest window sits from its own history.

    The per-key state is an ``array('f')`` of exponentially weighted means and
    variances owned by the caller (one per key, ``2 * len(names) + 1`` doubles),
    so a million keys cost 4 bytes per tracked quantity rather than one river
    object each. Scores are 0 until the key has ``warmup`` observations.

    Parameters
    ----------
    names
        Scaled features to watch.
    alpha
        Weight of the newest observation in the running mean and variance.
    warmup
        Observations before a key can score.
    z_scale
        Deviation (in standard deviations) at which the score reaches ~0.63.

    Examples
    --------
    >>> det = KeyChangeDetector(("a",), alpha=0.1, warmup=5)
    >>> state = det.new_state()
    >>> for _ in range(30):
    ...     det.learn_one(state, {"a": 0.1})
    >>> det.score_one(state, {"a": 0.1}) < 0.1 < det.score_one(state, {"a": 0.9})
    True
    """

    def __init__(
        self,
        names: tuple[str, ...],
        alpha: float = 0.05,
        warmup: int = 24,
        z_scale: float = 4.0,
    ) -> None:
        self.names = names
        self.alpha = alpha
        self.warmup = warmup
        self.z_scale = z_scale

    def new_state(self) -> array:
        return array("f", bytes(4 * (2 * len(self.names) + 1)))

    def learn_one(self, state: array, x: Mapping[str, float]) -> None:
        alpha = self.alpha
        n = state[-1]
        for i, name in enumerate(self.names):
            value = x.get(name, 0.0)
            if n == 0:
                state[2 * i] = value
                continue
            diff = value - state[2 * i]
            state[2 * i] += alpha * diff
            state[2 * i + 1] = (1 - alpha) * (state[2 * i + 1] + alpha * diff * diff)
        state[-1] = n + 1

    def deviations(self, state: array, x: Mapping[str, float]) -> dict[str, float]:
        """Per-feature z-scores (with a variance floor so flat histories do not explode)."""
        result = {}
        for i, name in enumerate(self.names):
            sd = math.sqrt(state[2 * i + 1] + 0.0025)  # floor: sd >= 0.05 on the [0, 1] scale
            result[name] = abs(x.get(name, 0.0) - state[2 * i]) / sd
        return result

    def baseline(self, state: array, name: str) -> float:
        return state[2 * self.names.index(name)]

    def score_one(self, state: array, x: Mapping[str, float]) -> float:
        if state[-1] < self.warmup:
            return 0.0
        z = sorted(self.deviations(state, x).values(), reverse=True)
        top = (z[0] + z[1]) / 2 if len(z) > 1 else z[0]
        return 1.0 - math.exp(-top / self.z_scale)
