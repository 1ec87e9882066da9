"""Bounded-cardinality building blocks for the worker's metrics.

Two pieces keep the ``/metrics`` series count fixed whatever the traffic:

- :class:`TopKCollector` exposes the K most suspicious keys as a family that is
  built fresh at every scrape, so at most K series exist at any time and a key
  that leaves the top-K leaves ``/metrics`` too. Key ids are never exposed:
  the label is :func:`key_label`, a short hash.
- :class:`BoundedLabel` maps free-form label values (rejection reasons,
  detector names) onto a capped set, folding the overflow into ``"other"``.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

KEY_HASH_HEX_CHARS = 12
"""Hex characters of the key hash kept in labels: 48 bits, collision-free in practice at 1e6 keys
(birthday bound ~1.8e-3 for one collision among 1e6 keys; only K are shown at once)."""

OTHER = "other"


def key_label(api_key_id: str) -> str:
    """Return the label value that stands for ``api_key_id`` in metrics.

    SHA-256 of the UTF-8 key id, first 12 hex characters. Key ids are opaque
    but still customer identifiers: a hash keeps them out of Prometheus while
    an analyst who suspects a key can compute its label and find it.

    Examples
    --------
    >>> key_label("key-123")
    '65803be0872f'
    >>> len(key_label("x" * 128))
    12
    """
    digest = hashlib.sha256(api_key_id.encode("utf-8")).hexdigest()
    return digest[:KEY_HASH_HEX_CHARS]


def merge_top(ranked: Iterable[Sequence[tuple[str, float]]], k: int) -> list[tuple[str, float]]:
    """Merge several (key, score) rankings into one top-``k``, highest score first.

    A key present in several rankings keeps its highest score; ties break on
    the key id so the result is deterministic.

    Examples
    --------
    >>> merge_top([[("a", 0.9), ("b", 0.2)], [("c", 0.5), ("a", 0.1)]], 2)
    [('a', 0.9), ('c', 0.5)]
    """
    best: dict[str, float] = {}
    for ranking in ranked:
        for key, score in ranking:
            if score > best.get(key, float("-inf")):
                best[key] = score
    return heapq.nsmallest(k, best.items(), key=lambda item: (-item[1], item[0]))


class TopKCollector(Collector):
    """A custom collector exposing at most ``k`` keys: the hottest keys' scores and ranks.

    ``update()`` is called by the worker after each batch; ``collect()`` runs in
    the scrape thread and builds fresh families from the latest ranking, so
    series of keys that dropped out simply vanish (no label set lives forever).
    Two families, each with at most ``k`` series labelled by the hashed key:
    ``<name>_score`` (the key's score) and ``<name>_rank`` (1 = most suspicious).
    Rank is a value, not a label, so a key keeps one series while it moves up or down.

    Parameters
    ----------
    k
        Number of keys exposed.
    name
        Family name prefix.

    Examples
    --------
    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> registry = CollectorRegistry()
    >>> top = TopKCollector(k=2)
    >>> registry.register(top)
    >>> top.update([("key-a", 0.91), ("key-b", 0.5), ("key-c", 0.2)])
    >>> registry.get_sample_value("distillwatch_top_key_score", {"key": key_label("key-a")})
    0.91
    >>> registry.get_sample_value("distillwatch_top_key_rank", {"key": key_label("key-b")})
    2.0
    >>> len([s for m in registry.collect() for s in m.samples])
    4
    """

    def __init__(self, k: int = 10, name: str = "distillwatch_top_key") -> None:
        if k < 1:
            raise ValueError("k must be >= 1")
        self.k = k
        self.name = name
        self._lock = threading.Lock()
        self._ranking: list[tuple[str, float]] = []

    def update(self, ranking: Iterable[tuple[str, float]]) -> None:
        """Replace the ranking (any length; only the top ``k`` are kept)."""
        top = merge_top([list(ranking)], self.k)
        # Hash outside the lock: the scrape thread only ever sees finished labels.
        labelled = [(key_label(key), float(score)) for key, score in top]
        with self._lock:
            self._ranking = labelled

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        score = GaugeMetricFamily(
            f"{self.name}_score",
            "Score of the K most suspicious keys right now; key is a hash (see key_label)",
            labels=["key"],
        )
        rank = GaugeMetricFamily(
            f"{self.name}_rank",
            "Rank (1 = most suspicious) of the K most suspicious keys; key is a hash",
            labels=["key"],
        )
        return score, rank

    def collect(self) -> Iterator[Metric]:
        """Yield the score and rank families, each with at most ``k`` samples."""
        score, rank = self._families()
        with self._lock:
            ranking = list(self._ranking)
        for position, (label, value) in enumerate(ranking, start=1):
            score.add_metric([label], value)
            rank.add_metric([label], float(position))
        yield score
        yield rank

    def describe(self) -> Iterator[Metric]:
        """Describe without data so registration does not call ``collect()``."""
        yield from self._families()


class BoundedLabel:
    """Admit at most ``limit`` distinct label values; later new values become ``"other"``.

    Rejection reasons and detector names come from code, so in practice the cap
    is never reached; it is a guarantee, not a filter.

    Examples
    --------
    >>> labels = BoundedLabel(limit=2)
    >>> [labels("a"), labels("b"), labels("c"), labels("a")]
    ['a', 'b', 'other', 'a']
    """

    def __init__(self, limit: int, allowed: Iterable[str] = ()) -> None:
        self.limit = limit
        self._seen: set[str] = set(allowed)
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        """Return ``value`` if admitted, else ``"other"``."""
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) < self.limit:
                self._seen.add(value)
                return value
        return OTHER
