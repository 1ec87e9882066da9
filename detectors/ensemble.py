"""The extraction ensemble: explicit evidence rules per signal family, combined with
the river models into one calibrated score in [0, 1], with the reasons behind it.

Each family answers one question with a number in [0, 1]:

* harvest — does the key take the outputs distillers want (long, reasoning-rich,
  several samples, sweeping temperature, or capped outputs over a sweep)?
* content — are its prompts a few templates swept over many topics, asking for
  step-by-step reasoning? (absent without prompt text)
* pacing — is it machine-paced: active around the clock, for many hours on end?
* volume — sustained request volume.
* change — did the key suddenly stop behaving like itself (new prefixes, agents,
  volume, content)?
* anomaly — the population model's percentile (river HalfSpaceTrees).

Every benign heavy user resembles extraction on one axis (batch classifiers are
templated, translation is 24/7, content farms write long outputs); the score
needs several families at once, which is what the interaction terms encode.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Contribution", "ExtractionEnsemble", "ramp"]


def ramp(value: float, low: float, high: float) -> float:
    """0 below ``low``, 1 above ``high``, linear in between.

    Examples
    --------
    >>> ramp(5, 0, 10), ramp(-1, 0, 10), ramp(11, 0, 10)
    (0.5, 0.0, 1.0)
    """
    if value <= low:
        return 0.0
    if value >= high:
        return 1.0
    return (value - low) / (high - low)


@dataclass(frozen=True)
class Contribution:
    """One feature's share in the score, for the alert's ``reasons``."""

    feature: str
    value: float
    weight: float


_FOUR = ("harvest", "content", "pacing", "volume")
_ALL_FOUR = "*".join(_FOUR)


def _product(values: Mapping[str, float], names: tuple[str, ...]) -> float:
    total = 1.0
    for name in names:
        total *= values[name]
    return total


def _noisy_or(*values: float) -> float:
    miss = 1.0
    for v in values:
        miss *= 1.0 - v
    return 1.0 - miss


class ExtractionEnsemble:
    """Combine family evidence into a calibrated score.

    Parameters
    ----------
    bias
        Logit of the score when no family fires.
    weights
        Logit weight of each family (``harvest``, ``content``, ``pacing``,
        ``volume``, ``change``, ``anomaly``) and of the pairs that must co-occur
        (``harvest*content``, ``harvest*pacing``, ``content*pacing``,
        ``harvest*change``), and of all four of harvest, content, pacing and volume
        at once (``harvest*content*pacing*volume``).
    temperature
        Divides the logit: higher is a flatter score.

    Examples
    --------
    >>> ens = ExtractionEnsemble()
    >>> quiet = ens.families({"requests_per_hour": 5.0}, anomaly=0.0, change=0.0)
    >>> loud = ens.families({"requests_per_hour": 3000.0, "output_tokens_mean": 1500.0,
    ...     "output_input_ratio": 10.0, "reasoning_prompt_share": 0.8, "template_share": 0.9,
    ...     "templates_active": 3.0, "content_observed": 1.0, "active_hours_24h": 24.0,
    ...     "hourly_volume_cv": 0.05, "observed_hours": 30.0}, anomaly=0.9, change=0.0)
    >>> ens.score(quiet) < 0.05 < 0.95 < ens.score(loud)
    True
    """

    DEFAULT_WEIGHTS: Mapping[str, float] = {
        "harvest": 1.5,
        "content": 1.0,
        "pacing": 1.0,
        "volume": 1.0,
        "change": 2.0,
        "anomaly": 0.8,
        "harvest*content": 1.5,
        "harvest*pacing": 3.0,
        "content*pacing": 1.5,
        "harvest*change": 2.5,
        # Industrial extraction: reasoning-rich answers taken around the clock at high
        # volume. Every pair above also fits some benign heavy user; all four together
        # fit none, and without this term a harvester whose answers are short (~550
        # tokens) settled just below critical (simulator seeds 25 and 26).
        "harvest*content*pacing*volume": 1.0,
    }

    def __init__(
        self,
        bias: float = -6.0,
        weights: Mapping[str, float] | None = None,
        temperature: float = 1.0,
    ) -> None:
        self.bias = bias
        self.weights = dict(self.DEFAULT_WEIGHTS if weights is None else weights)
        self.temperature = temperature

    def families(
        self, f: Mapping[str, float], anomaly: float, change: float
    ) -> dict[str, tuple[float, list[Contribution]]]:
        """Evidence per family, each with the features that carried it."""
        g = f.get
        long_outputs = ramp(g("output_tokens_mean", 0.0), 300, 1200) * ramp(
            g("output_input_ratio", 0.0), 1.5, 6.0
        )
        reasoning = ramp(g("reasoning_share", 0.0), 0.2, 0.6)
        multi = ramp(g("multi_sample_share", 0.0), 0.05, 0.4)
        temps = ramp(g("temperatures_distinct", 0.0), 2.5, 6.0)
        capped = ramp(g("capped_output_share", 0.0), 0.3, 0.8)
        high_max = 0.5 * ramp(g("high_max_tokens_share", 0.0), 0.3, 0.9)
        harvest = _noisy_or(long_outputs, reasoning, multi, 0.6 * temps, capped, high_max)

        observed = g("content_observed", 0.0) > 0
        templated = ramp(g("template_share", 0.0), 0.3, 0.8) if observed else 0.0
        few = 1.0 if 1.0 <= g("templates_active", 0.0) <= 8.0 else 0.5
        asks_reasoning = ramp(g("reasoning_prompt_share", 0.0), 0.15, 0.6)
        breadth = ramp(g("vocabulary_breadth", 0.0), 150.0, 800.0)
        # Reasoning asks answered at length, even when they are a minority of the key's
        # traffic (extraction mixed into a reseller's): tutoring and eval answers are
        # a few hundred tokens, harvested chains of thought run to thousands.
        long_reasoned = ramp(g("reasoned_output_mean", 0.0), 550.0, 1100.0) * ramp(
            g("reasoning_prompt_share", 0.0), 0.05, 0.15
        )
        # Asking for written-out reasoning counts even when paraphrasing hides the
        # template; templated sweeps count even without reasoning asks.
        content = max(
            templated * few * (0.3 + 0.7 * max(asks_reasoning, 0.5 * breadth)),
            0.7 * asks_reasoning if observed else 0.0,
            # A templated sweep whose every answer hits a tiny output cap: labels
            # harvested over a taxonomy.
            0.7 * templated * capped,
            long_reasoned if observed else 0.0,
        )

        # Machine pacing: flat hourly volume (beyond Poisson noise), active nearly every
        # hour, judged over enough hours and enough events per hour to mean something.
        hours = g("observed_hours", 0.0)
        flat = 1.0 - ramp(g("hourly_volume_cv", 1.0), 0.15, 0.45)
        active = ramp(g("active_hours_24h", 0.0) / max(min(hours, 24.0), 1.0), 0.8, 0.95)
        enough = ramp(hours, 4.0, 16.0) * ramp(g("requests_per_hour", 0.0), 2.0, 8.0)
        pacing = flat * active * enough

        volume = ramp(math.log10(max(g("requests_per_hour", 0.0), 1.0)), 1.5, 3.0)

        C = Contribution
        return {
            "harvest": (
                harvest,
                [
                    C("output_tokens_mean", g("output_tokens_mean", 0.0), long_outputs),
                    C("output_input_ratio", g("output_input_ratio", 0.0), long_outputs * 0.9),
                    C("reasoning_share", g("reasoning_share", 0.0), reasoning),
                    C("multi_sample_share", g("multi_sample_share", 0.0), multi),
                    C("temperatures_distinct", g("temperatures_distinct", 0.0), 0.6 * temps),
                    C("capped_output_share", g("capped_output_share", 0.0), capped),
                    C("high_max_tokens_share", g("high_max_tokens_share", 0.0), high_max),
                ],
            ),
            "content": (
                content,
                [
                    C("template_share", g("template_share", 0.0), templated),
                    C("reasoning_prompt_share", g("reasoning_prompt_share", 0.0), asks_reasoning),
                    C("vocabulary_breadth", g("vocabulary_breadth", 0.0), breadth * templated),
                    C("templates_active", g("templates_active", 0.0), 0.3 * templated * few),
                    C("reasoned_output_mean", g("reasoned_output_mean", 0.0), long_reasoned),
                ],
            ),
            "pacing": (
                pacing,
                [
                    C("hourly_volume_cv", g("hourly_volume_cv", 0.0), flat),
                    C("active_hours_24h", g("active_hours_24h", 0.0), 0.8 * active),
                    C("observed_hours", g("observed_hours", 0.0), 0.6 * enough),
                ],
            ),
            "volume": (volume, [C("requests_per_hour", g("requests_per_hour", 0.0), volume)]),
            "change": (change, []),
            "anomaly": (anomaly, []),
        }

    def logit(self, fam: Mapping[str, tuple[float, list[Contribution]]]) -> float:
        w = self.weights
        v = {name: value for name, (value, _) in fam.items()}
        total = self.bias
        for name, value in v.items():
            total += w.get(name, 0.0) * value
        total += w.get("harvest*content", 0.0) * v["harvest"] * v["content"]
        total += w.get("harvest*pacing", 0.0) * v["harvest"] * v["pacing"]
        total += w.get("content*pacing", 0.0) * v["content"] * v["pacing"]
        total += w.get("harvest*change", 0.0) * v["harvest"] * v["change"]
        total += w.get(_ALL_FOUR, 0.0) * _product(v, _FOUR)
        return total / self.temperature

    def score(self, fam: Mapping[str, tuple[float, list[Contribution]]]) -> float:
        """Calibrated score in [0, 1] (a logistic of the weighted evidence)."""
        z = self.logit(fam)
        return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0

    def contributions(
        self, fam: Mapping[str, tuple[float, list[Contribution]]]
    ) -> list[tuple[float, Contribution]]:
        """Features ranked by how much logit they added (strongest first)."""
        ranked: list[tuple[float, Contribution]] = []
        v = {name: value for name, (value, _) in fam.items()}
        partner = {
            "harvest": v["content"] * self.weights.get("harvest*content", 0.0)
            + v["pacing"] * self.weights.get("harvest*pacing", 0.0),
            "content": v["harvest"] * self.weights.get("harvest*content", 0.0)
            + v["pacing"] * self.weights.get("content*pacing", 0.0),
            "pacing": v["harvest"] * self.weights.get("harvest*pacing", 0.0)
            + v["content"] * self.weights.get("content*pacing", 0.0),
            "change": v["harvest"] * self.weights.get("harvest*change", 0.0),
        }
        all_four = self.weights.get(_ALL_FOUR, 0.0)
        for name in _FOUR:
            others = _product(v, tuple(n for n in _FOUR if n != name))
            partner[name] = partner.get(name, 0.0) + all_four * others
        for name, (value, parts) in fam.items():
            family_weight = self.weights.get(name, 0.0) + partner.get(name, 0.0)
            total = sum(p.weight for p in parts) or 1.0
            for part in parts:
                if part.weight > 0:
                    ranked.append((family_weight * value * part.weight / total, part))
        ranked.sort(key=lambda item: (-item[0], item[1].feature))
        return ranked
