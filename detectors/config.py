"""Engine configuration: one frozen object, built once by a driver and passed down."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class EngineConfig:
    """Every knob of the detection engine.

    Evidence scales are learned from the traffic (detectors.evidence); these knobs
    are about time, memory and alerting.

    Parameters
    ----------
    window_seconds
        Length of the per-key tumbling window (event time). Per-event work only
        updates the open window; features are folded and scored when it closes.
    min_window_events
        A closed window with fewer events is folded without scoring, unless the key
        was last scored ``idle_score_seconds`` ago: light keys are scored at most
        about hourly, which keeps scoring cost bounded on traffic of many small keys.
    score_interval_seconds
        A busy key is scored at most this often (event time) while its latest score is
        below ``recover_threshold``, and at every window close while it is above. New
        keys are also scored at fixed request counts (``detectors.engine.MILESTONES``),
        so a heavy harvester is judged within minutes of its first request.
    idle_score_seconds
        See ``min_window_events``.
    allowed_lateness_seconds
        Events older than the newest event time minus this are counted as late
        (they still update the key's open window).
    allowed_skew_seconds
        Events further ahead of the partition's watermark than this are early:
        counted, and taken at the watermark unless the next event confirms the
        jump (``detectors/clock.py``): one far-future timestamp cannot move a
        partition's clock.
    key_ttl_seconds
        Keys idle for longer than this (event time) are forgotten.
    max_keys
        Hard cap on tracked keys, per process (all the partition engines of a
        worker, or of a replay, share it: ``detectors/keybudget.py``); the engine
        adding a key past it evicts its least recently active one.
    dedup_capacity
        How many recent ``request_id`` fingerprints are remembered for de-duplication.
    content_full_events, content_stride
        Prompt fingerprinting budget per window: the first ``content_full_events``
        prompts of a key's window are fingerprinted, then one in ``content_stride``.
    prompt_memory_bits
        log2 of the size in bits of each generation of the engine's prompt memory
        (four generations: 2**bits / 2 bytes in all; 21 gives 1 MiB per engine).
    warning_threshold, critical_threshold
        Ensemble score at which an episode opens with a warning / escalates to critical.
    recover_threshold, recovery_seconds
        An episode closes after the score stays below ``recover_threshold`` for
        ``recovery_seconds`` of event time.
    key_warmup_seconds
        A key raises nothing before it has been observed for this long (0: evidence
        alone decides; a key's first requests carry little of it anyway).
    population_warmup
        Lessons (established keys) each population scale needs before positions
        against it count (detectors.evidence.population).
    partitions
        Shards used by replay; must equal the requests topic's partition count for
        streaming/replay parity. Each partition's engine has its own prompt memory and
        population scales, so a prompt counts as shared (a public benchmark, a client
        library's default) only when another key *of the same partition* sent it: one
        partition (the default) sees every key; more partitions scale the workers out
        and see less (README, "Partitions and shared prompts").
    """

    window_seconds: float = 300.0
    min_window_events: int = 3
    score_interval_seconds: float = 900.0
    idle_score_seconds: float = 3600.0
    allowed_lateness_seconds: float = 300.0
    allowed_skew_seconds: float = 6 * 3600.0
    key_ttl_seconds: float = 3 * 86400.0
    max_keys: int = 1_000_000
    dedup_capacity: int = 200_000
    content_full_events: int = 4
    content_stride: int = 8
    prompt_memory_bits: int = 21
    warning_threshold: float = 0.6
    critical_threshold: float = 0.85
    recover_threshold: float = 0.4
    recovery_seconds: float = 2 * 3600.0
    key_warmup_seconds: float = 0.0
    population_warmup: int = 10
    partitions: int = 1

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> EngineConfig:
        """Build a config from a mapping, rejecting unknown names with a clear error.

        Examples
        --------
        >>> EngineConfig.from_mapping({"window_seconds": 60}).window_seconds
        60.0
        >>> EngineConfig.from_mapping({"windw": 1})
        Traceback (most recent call last):
        ...
        ValueError: unknown engine setting(s): windw
        """
        config = cls(**converted_fields(cls, values, "engine"))
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first inconsistent setting."""
        if self.window_seconds <= 0:
            raise ValueError("window_seconds must be > 0")
        if not 0 < self.recover_threshold < self.warning_threshold <= self.critical_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 < recover < warning <= critical <= 1")
        if self.partitions < 1:
            raise ValueError("partitions must be >= 1")
        if self.content_stride < 1:
            raise ValueError("content_stride must be >= 1")
        if not 10 <= self.prompt_memory_bits <= 30:
            raise ValueError("prompt_memory_bits must be in [10, 30]")
        if not self.allowed_skew_seconds > 0:
            raise ValueError("allowed_skew_seconds must be > 0")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, e.g. for a replay summary."""
        return asdict(self)


def converted_fields(cls: type, values: dict[str, Any], what: str) -> dict[str, Any]:
    """``values`` converted to the types of dataclass ``cls``'s defaults; unknown names fail.

    Shared by :class:`EngineConfig` and
    :class:`~detectors.campaign_config.CampaignConfig` (``what`` names them in errors).

    >>> converted_fields(EngineConfig, {"max_keys": "10"}, "engine")
    {'max_keys': 10}
    """
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown {what} setting(s): {', '.join(unknown)}")
    return {name: type(getattr(cls, name))(value) for name, value in values.items()}
