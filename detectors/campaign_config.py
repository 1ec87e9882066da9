"""Settings of the campaign (cross-key) stage: one frozen object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from detectors.campaign_score import Weights
from detectors.config import converted_fields

__all__ = ["CampaignConfig"]


@dataclass(frozen=True)
class CampaignConfig:
    """Every knob of :class:`~detectors.campaigns.CampaignStage`.

    Parameters
    ----------
    lsh_bands, lsh_rows
        Frame LSH: ``lsh_bands`` bands of ``lsh_rows`` MinHash values over the set
        bits of a 64-bit frame signature. Two signatures of one frame (similarity 0.5
        or more) share a band with probability ``1 - (1 - s**rows)**bands`` (0.97 at
        s = 0.5 with 12 x 2).
    template_match
        Similarity at which a signature joins an existing frame group.
    bucket_groups
        Most groups one LSH bucket lists (oldest dropped first).
    max_groups, max_clusters, max_members, max_keys
        Caps on frame groups, clusters, members per cluster and candidate keys.
    signature_cache
        Signatures remembered with their group (a key repeats its frames every summary).
    member_ttl_seconds
        A member counts in its cluster's score while its last summary is this recent.
    key_ttl_seconds, group_ttl_seconds
        Keys, frame groups and clusters idle this long (event time) are forgotten.
    score_every_seconds
        A cluster is re-scored at most this often (event time).
    candidate_total, metadata_candidate_total
        Own evidence (the per-key engine's total, log-odds) at which a key gets a
        record and may be linked: below it a key only feeds the population statistics.
        A key whose summaries carry no topics (no prompt text) can be tied only by its
        addresses, client, timing and evidence profile, which new customers of one
        product share too: it needs ``metadata_candidate_total``. A key with text is
        tied by what it collects, a link specific enough to weigh weaker keys (a
        third of one independent swarm's members never reached 1.5 of their own).
    member_total
        Own evidence a member needs to take part in its campaign's score and alerts.
    join_link, min_content
        Link evidence (:class:`~detectors.campaign_links.Link`) at which a key joins a
        cluster, of which topics, frames and addresses must give at least ``min_content``.
    merge_link
        Two clusters tied to each other this strongly (each one's shared content read
        against the other's profile) merge: fragments of one campaign.
    mature_members, grow_every_seconds, grow_sample, grows_per_hour
        A cluster with fewer members than ``mature_members`` looks for the rest of
        itself among all recent candidates at most every ``grow_every_seconds``, from a
        trial core made of the ``grow_sample`` candidates most tied to it; at most
        ``grows_per_hour`` such passes per hour of event time (each reads every recent
        candidate).
    switch_margin
        A key moves to another cluster only when tied to it this much more strongly.
    rescan_seconds
        A key well tied to its cluster looks for a better one at most this often.
    probe_max_events
        A candidate without recurring frames looks its one-off prompts up in the
        existing frame groups only while it sent at most this many requests in the
        last day (day-decayed): a light key may not have repeated a frame yet.
    pre_existing_seconds
        Keys first seen this soon after the stage's first input are established
        customers of unknown age (a log's first hours are not its keys' first hours).
    new_key_seconds
        Keys whose onset (account creation, else first sighting) is this recent are new.
    popular_keys
        Established keys outside a cluster, beyond chance, at which a shared prefix,
        user agent or frame counts half.
    sustain_seconds
        A cluster holds ``warning`` at least this long before it can reach ``critical``.
    warning_threshold, critical_threshold, recover_threshold, recovery_seconds
        Campaign episode thresholds (same meaning as the per-key engine's).
    max_related
        Most ``related_keys`` an alert lists (the first ones in key order).
    seed
        Seed of the LSH permutations (ids hash the founding key, not the seed).
    weights
        The campaign evidence's scales (:class:`~detectors.campaign_score.Weights`).
    """

    lsh_bands: int = 12
    lsh_rows: int = 2
    template_match: float = 0.5
    bucket_groups: int = 16
    max_groups: int = 100_000
    max_clusters: int = 4096
    max_members: int = 1024
    max_keys: int = 1_000_000
    signature_cache: int = 200_000
    member_ttl_seconds: float = 6 * 3600.0
    key_ttl_seconds: float = 3 * 86400.0
    group_ttl_seconds: float = 2 * 86400.0
    score_every_seconds: float = 900.0
    candidate_total: float = 1.0
    metadata_candidate_total: float = 1.5
    member_total: float = 2.0
    join_link: float = 2.0
    min_content: float = 1.0
    switch_margin: float = 0.5
    merge_link: float = 2.5
    mature_members: int = 12
    grow_every_seconds: float = 3600.0
    grow_sample: int = 48
    grows_per_hour: int = 120
    rescan_seconds: float = 3600.0
    probe_max_events: float = 100.0
    pre_existing_seconds: float = 6 * 3600.0
    new_key_seconds: float = 7 * 86400.0
    popular_keys: float = 5.0
    sustain_seconds: float = 900.0
    warning_threshold: float = 0.6
    critical_threshold: float = 0.85
    recover_threshold: float = 0.4
    recovery_seconds: float = 6 * 3600.0
    max_related: int = 50
    seed: int = 7
    weights: Weights = field(default_factory=Weights)

    def candidate_floor(self, topical: bool) -> float:
        """Own evidence at which a key becomes a candidate: ``candidate_total`` for a key
        whose summaries carry topics, ``metadata_candidate_total`` for one without.

        >>> c = CampaignConfig()
        >>> c.candidate_floor(True), c.candidate_floor(False)
        (1.0, 1.5)
        """
        return self.candidate_total if topical else self.metadata_candidate_total

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
        caps = (self.max_groups, self.max_members, self.max_keys, self.bucket_groups)
        if min(*caps, self.max_clusters) < 1:
            raise ValueError("caps must be >= 1")
        if not 0 < self.recover_threshold < self.warning_threshold <= self.critical_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 < recover < warning <= critical <= 1")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, e.g. for a replay summary."""
        return asdict(self)
