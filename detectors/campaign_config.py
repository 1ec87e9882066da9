"""Settings of the campaign (cross-key) stage: one frozen object, tuned on seeds 3 and 4."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from detectors.config import converted_fields

__all__ = ["CampaignConfig"]


@dataclass(frozen=True)
class CampaignConfig:
    """Every knob of :class:`~detectors.campaigns.CampaignStage`.

    Parameters
    ----------
    lsh_bands, lsh_rows
        Template LSH: ``lsh_bands`` bands of ``lsh_rows`` MinHash values over the set
        bits of a 64-bit template signature. Two signatures of one template
        (similarity 0.5 or more) share a band with probability
        ``1 - (1 - s**rows)**bands`` (0.97 at s = 0.5 with 12 x 2).
    template_match
        Similarity at which a signature joins an existing template group.
    bucket_groups
        Most groups one LSH bucket lists (oldest dropped first).
    max_groups, max_members, max_keys
        Caps on template groups, tracked members per group and tracked keys.
    signature_cache
        Signatures remembered with their group (a key repeats its templates every summary).
    member_ttl_seconds
        A member counts in its group's score while its last summary is this recent.
    key_ttl_seconds, group_ttl_seconds
        Keys and groups idle this long (event time) are forgotten.
    score_every_seconds
        A group is re-scored at most this often (event time).
    member_content, member_affinity
        A member is a *core* member (alerted with the campaign) when its own
        extraction-like content evidence and the share of its IP prefixes that lie in
        the group's shared prefix pool reach these values.
    probe_max_events
        A key without recurring templates looks its one-off prompts up in the existing
        groups only while it sent at most this many requests in the last day
        (day-decayed): a light key may not have repeated a template yet, a busy one
        that has not is not template-driven.
    new_key_seconds
        Keys first seen this recently count as new.
    sync_seconds
        First sightings within this distance of the group's median count as synchronized.
    warning_threshold, critical_threshold, recover_threshold, recovery_seconds
        Campaign episode thresholds (same meaning as the per-key engine's).
    max_related
        Most ``related_keys`` an alert lists (the first ones in key order).
    seed
        Seed of the LSH permutations (changing it changes group ids nowhere: ids
        hash the founding signature).
    """

    lsh_bands: int = 12
    lsh_rows: int = 2
    template_match: float = 0.5
    bucket_groups: int = 16
    max_groups: int = 100_000
    max_members: int = 1024
    max_keys: int = 1_000_000
    signature_cache: int = 200_000
    member_ttl_seconds: float = 6 * 3600.0
    key_ttl_seconds: float = 3 * 86400.0
    group_ttl_seconds: float = 2 * 86400.0
    score_every_seconds: float = 900.0
    # 0.2, not 0.3: swarm keys whose own outputs stay short in their first hours joined
    # their campaign only after 24 h at 0.3 (seeds 3, 4: 445/446 and 519/520 within 24 h;
    # at 0.2 all of them, no benign key at any value down to 0 there).
    member_content: float = 0.2
    member_affinity: float = 0.5
    # A swarm key sends 20-40 requests a day; a tutoring app with no recurring template
    # (~500 a day) joined a swarm's group by its one-off prompts and, its two prefixes
    # falling in the swarm's pool by chance, the campaign (seed 15).
    probe_max_events: float = 100.0
    new_key_seconds: float = 7 * 86400.0
    sync_seconds: float = 3 * 3600.0
    warning_threshold: float = 0.6
    critical_threshold: float = 0.85
    recover_threshold: float = 0.4
    recovery_seconds: float = 6 * 3600.0
    max_related: int = 50
    seed: int = 7

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> CampaignConfig:
        """Build a config from a mapping (settings' ``campaign`` table), checked.

        Examples
        --------
        >>> CampaignConfig.from_mapping({"critical_threshold": "0.9"}).critical_threshold
        0.9
        >>> CampaignConfig.from_mapping({"critical": 1})
        Traceback (most recent call last):
        ...
        ValueError: unknown campaign setting(s): critical
        """
        config = cls(**converted_fields(cls, values, "campaign"))
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first inconsistent setting.

        Examples
        --------
        >>> CampaignConfig(lsh_rows=0).validate()
        Traceback (most recent call last):
        ...
        ValueError: lsh_bands and lsh_rows must be >= 1
        """
        if self.lsh_bands < 1 or self.lsh_rows < 1:
            raise ValueError("lsh_bands and lsh_rows must be >= 1")
        if min(self.max_groups, self.max_members, self.max_keys, self.bucket_groups) < 1:
            raise ValueError("caps must be >= 1")
        if not 0 < self.recover_threshold < self.warning_threshold <= self.critical_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 < recover < warning <= critical <= 1")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, e.g. for a replay summary."""
        return asdict(self)
