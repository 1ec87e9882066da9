"""The simulator's settings: one frozen object, built by the CLI or a driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.simulate.structure import SPLITS, check_pins, check_split

__all__ = ["DEFAULT_START", "SCENARIOS", "SPLITS", "SimulationConfig", "parse_pin", "parse_start"]

#: 2026-10-05T00:00:00Z, a Monday.
DEFAULT_START = 1_791_158_400.0

#: Abuse scenarios, in roster order.
SCENARIOS: tuple[str, ...] = (
    "bulk_harvest",
    "low_and_slow",
    "output_capped_sweep",
    "paraphrased",
    "curriculum_walk",
    "key_takeover",
    "mixed_reseller",
    "hydra",
    "swarm",
)


def parse_start(text: str) -> float:
    """Parse an RFC 3339 time with an offset into Unix seconds.

    >>> parse_start("2026-10-05T00:00:00Z") == DEFAULT_START
    True
    >>> parse_start("2026-10-05")
    Traceback (most recent call last):
    ...
    ValueError: start needs a time and a UTC offset, e.g. 2026-10-05T00:00:00Z
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text.upper():
        raise ValueError("start needs a time and a UTC offset, e.g. 2026-10-05T00:00:00Z")
    return parsed.timestamp()


def parse_pin(text: str) -> tuple[str, str]:
    """Parse ``AXIS=VALUE`` (``--pin timing=flat``).

    >>> parse_pin("timing=flat")
    ('timing', 'flat')
    """
    axis, sep, value = text.partition("=")
    if not sep or not axis.strip() or not value.strip():
        raise ValueError(f"--pin needs AXIS=VALUE, got {text!r}")
    pin = (axis.strip(), value.strip())
    check_pins(dict([pin]))
    return pin


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that shapes a simulated dataset; equal configs give identical output.

    Parameters
    ----------
    seed
        Seeds every generator (per key, per campaign, delivery).
    days
        Length of the simulated span (fractions allowed, e.g. 0.05 for tests).
    benign_keys
        Number of benign keys, split over the archetypes by ``BENIGN_WEIGHTS``.
    attack_instances
        Instances of *each* abuse scenario (a hydra or swarm instance is a whole campaign).
    start
        Unix seconds of the first instant.
    prompts
        Include ``prompt_text`` (it is generated either way, so metadata is identical).
    duplicate_rate
        Share of events delivered twice with the same ``request_id`` (retries).
    malformed_rate
        Share of events replaced by a malformed record (dead-letter material).
    disorder_seconds
        Maximum lateness of an event's arrival behind its event time.
    epoch_share
        Share of events whose ``ts`` is an epoch number instead of an RFC 3339 string.
    scenarios
        Abuse scenarios to include (default: all of :data:`SCENARIOS`).
    hydra_keys, swarm_keys
        Inclusive ranges of campaign sizes.
    split
        ``all`` (every structure), ``tune`` (never a held-out structure) or ``holdout``
        (only held-out structures), see :mod:`pipeline.simulate.structure`.
    pins
        ``(axis, value)`` pairs fixing a structure axis for every abuse instance, e.g.
        ``(("timing", "flat"),)``; a pin that puts a family outside ``split`` is an error.
        A ``fields`` pin holds for benign keys too (e.g. ``(("fields", "all"),)``: every
        event carries every field, as benchmarks want).
    account_age
        Every event carries its account's ``account_created_at`` (off by default: most
        gateways do not log it). Benign accounts predate the log by weeks to years (a
        few are new customers); campaign accounts open in cohorts (swarms: over the
        days before and during the log, each key starting when its account opens).
    """

    seed: int = 1
    days: float = 2.0
    benign_keys: int = 400
    attack_instances: int = 3
    start: float = DEFAULT_START
    prompts: bool = True
    duplicate_rate: float = 0.002
    malformed_rate: float = 0.0
    disorder_seconds: float = 20.0
    epoch_share: float = 0.02
    scenarios: tuple[str, ...] = field(default=SCENARIOS)
    hydra_keys: tuple[int, int] = (20, 80)
    swarm_keys: tuple[int, int] = (100, 250)
    split: str = "all"
    pins: tuple[tuple[str, str], ...] = ()
    account_age: bool = False

    def __post_init__(self) -> None:
        if not self.days > 0:
            raise ValueError("days must be > 0")
        if self.benign_keys < 0 or self.attack_instances < 0:
            raise ValueError("benign_keys and attack_instances must be >= 0")
        for name in ("duplicate_rate", "malformed_rate", "epoch_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}")
        check_pins(dict(self.pins))
        if self.disorder_seconds < 0:
            raise ValueError("disorder_seconds must be >= 0")
        unknown = set(self.scenarios) - set(SCENARIOS)
        if unknown:
            raise ValueError(f"unknown scenarios: {', '.join(sorted(unknown))}")
        check_split(self.split, dict(self.pins), self.scenarios)
        for name in ("hydra_keys", "swarm_keys"):
            low, high = getattr(self, name)
            if not 1 <= low <= high:
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high")

    @property
    def end(self) -> float:
        """Unix seconds just after the last simulated instant."""
        return self.start + self.days * 86400.0
