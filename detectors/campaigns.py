"""Cross-key campaign detection: keys that collect alike, seen through their summaries.

The per-key engine hands over one :class:`~detectors.summaries.KeySummary` per
scoring. :class:`CampaignStage`:

1. notes every summary in the population statistics (key age, popular egress and
   clients, :mod:`detectors.campaign_population`) and files its frames in the
   frame index (:mod:`detectors.campaign_index`), so that what many established
   customers share is known to be common;
2. keeps a record only of *candidate* keys, whose own evidence leans to
   extraction, and files each under the cluster of keys it is most tied to by
   topics, frames or addresses beyond chance (:mod:`detectors.campaign_links`,
   :mod:`detectors.campaign_clusters`), or founds a cluster of its own;
3. re-scores a touched cluster at most every few minutes of event time
   (:mod:`detectors.campaign_score`) and carries its score to every core member's
   campaign episode, so a campaign escalates its members together; a key that
   joins a campaign already at ``warning`` or ``critical`` is alerted at once.

Pure and deterministic: event time only, ordered input in, ordered alerts out,
bounded memory, ``snapshot()``/``restore()``. The input is a plain ordered
sequence of summaries, so replay (one process) and a streaming second stage
(summaries on a topic) feed it alike.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from operator import attrgetter

from detectors import statecodec
from detectors.alerts import Alert, Episode, EpisodeTracker, alert_id
from detectors.campaign_clusters import (
    Cluster,
    KeyRecord,
    link_to,
    shared_prompt_share,
)
from detectors.campaign_config import CampaignConfig
from detectors.campaign_index import GROUP_KEY_BITS, FrameGroup, TemplateIndex
from detectors.campaign_links import FAMILIES, TOPIC_DENSE
from detectors.campaign_membership import CampaignStats, Membership
from detectors.campaign_population import Population, TopicBackground
from detectors.campaign_score import CampaignScore, score_cluster
from detectors.events import format_ts
from detectors.sketches import stable_hash
from detectors.summaries import KeySummary
from detectors.wording import summarize

__all__ = ["DETECTOR", "CampaignStage", "CampaignStats", "FrameGroup", "campaign_id_of"]

DETECTOR = "campaign"
# 2: detectors/statecodec.py instead of pickle (nothing read can execute).
# 3: clusters of keys that collect alike (topics, frames, addresses, cohorts).
# 4: keyed word hashes. 5: records hold item identities where prompt hashes were.
# 6: the population counts account openings by day (cohorts weighed by bursts).
SNAPSHOT_VERSION = 6
#: A summary's evidence families as a tuple, in FAMILIES order (one C call per update).
_families = attrgetter(*FAMILIES)
EXPIRY_EVERY = 1024
#: A key keeps its campaign id unless another scores clearly higher, or its own has
#: not scored it for a while: ids stay stable while clusters move.
SWITCH_MARGIN = 0.05
STALE_SECONDS = 2 * 3600.0


def campaign_id_of(cluster: int) -> str:
    """Public id of a cluster: a hash of its id (no fingerprint bits leak).

    Examples
    --------
    >>> campaign_id_of(11) == campaign_id_of(11), len(campaign_id_of(11))
    (True, 21)
    """
    return "camp_" + hashlib.sha256(f"{cluster:016x}".encode()).hexdigest()[:16]


class CampaignStage(Membership):
    """Group keys that collect alike; alert campaign members together.

    Parameters
    ----------
    config
        Stage settings; defaults when omitted.

    Examples
    --------
    >>> import random
    >>> from detectors.summaries import KeySummary
    >>> rng = random.Random(1)
    >>> curriculum = rng.sample(range(256), 40)  # the words of one task space
    >>> def ask(words: list[int], count: int) -> int:
    ...     return sum(1 << b for b in rng.sample(words, count))
    >>> def key(i: int, hour: int, words: list[int], new: bool) -> KeySummary:
    ...     created = 3600.0 * (6 + i % 3) if new else -9e7
    ...     return KeySummary(f"key{i}", f"acct{i}", 3600.0 * hour + i, created + 600,
    ...                       account_created=created, events=20.0, requests_per_hour=1.0,
    ...                       topics=ask(words, 30) | ask(list(range(256)), 12),
    ...                       total=4.0, harvest=3.0, elicitation=1.0)
    >>> stage = CampaignStage()
    >>> others = [key(100 + i, h, list(range(256)), False) for h in range(20) for i in range(80)]
    >>> swarm = [key(i, h, curriculum, True) for h in range(9, 20) for i in range(30)]
    >>> alerts = stage.process_many(sorted(others + swarm, key=lambda s: (s.ts, s.api_key_id)))
    >>> sorted({a.api_key_id for a in alerts if a.severity == "critical"}) == sorted(
    ...     f"key{i}" for i in range(30))
    True
    >>> [r.feature for r in alerts[-1].reasons][:3]
    ['accounts_collecting_alike', 'members_own_evidence', 'shared_topics']
    """

    def __init__(self, config: CampaignConfig | None = None) -> None:
        self.config = config or CampaignConfig()
        c = self.config
        c.validate()
        self._index = TemplateIndex(
            c.lsh_bands, c.lsh_rows, c.template_match, c.bucket_groups, c.signature_cache, c.seed
        )
        self._groups: OrderedDict[int, FrameGroup] = OrderedDict()
        self._keys: OrderedDict[str, KeyRecord] = OrderedDict()
        self._clusters: OrderedDict[int, Cluster] = OrderedDict()
        self._population = Population(c.pre_existing_seconds, c.new_key_seconds, c.popular_keys)
        self._topics = TopicBackground()
        self._episodes = EpisodeTracker(
            c.warning_threshold, c.critical_threshold, c.recover_threshold, c.recovery_seconds
        )
        self._max_ts = -math.inf
        self._since_expiry = 0
        self._grow_hour = -1
        self._grows = 0
        self._stats = CampaignStats()

    # -- input ----------------------------------------------------------------------------

    def process_many(self, summaries: Iterable[KeySummary]) -> list[Alert]:
        """Feed summaries in order; return all alerts they raised, in order."""
        alerts: list[Alert] = []
        for summary in summaries:
            alerts.extend(self.process(summary))
        return alerts

    def process(self, summary: KeySummary) -> list[Alert]:
        """Feed one summary; return the campaign alerts it raised (usually none)."""
        c = self.config
        ts = summary.ts
        self._stats.summaries += 1
        if ts > self._max_ts:
            self._max_ts = ts
        topics = summary.topics
        ordinary = summary.total < c.candidate_floor(bool(topics))
        onset = self._population.see(summary, ordinary)
        if 0 < topics.bit_count() <= TOPIC_DENSE:  # topical(), written out: every summary
            self._topics.add(topics, ts)
        popular = ordinary and not self._population.is_new(onset, ts)
        key = summary.api_key_id
        record = self._keys.get(key)
        candidate = record is not None or not ordinary
        frames = self._frames(summary, popular, candidate)
        alerts: list[Alert] = []
        if candidate:
            if record is None:
                record = self._new_record(key, summary)
            else:
                self._keys.move_to_end(key)
            self._update(record, summary, onset, frames)
            cluster = self._assign(key, record, ts)
            if cluster is not None:
                members = cluster.members
                members.pop(key, None)  # re-insert: members stay ordered by last summary
                members[key] = ts
                if len(members) > c.max_members:
                    self._leave(next(iter(members)), cluster)
                cluster.last_ts = ts
                self._clusters.move_to_end(cluster.cid)
                if ts - cluster.scored_ts >= c.score_every_seconds:
                    alerts = self._score(cluster, ts)
                else:
                    alerts = self._join(key, record, cluster, ts)
        self._since_expiry += 1
        if self._since_expiry >= EXPIRY_EVERY:
            self._expire()
        return alerts

    def _frames(self, summary: KeySummary, popular: bool, candidate: bool) -> tuple[int, ...]:
        """The frame groups of the key's frames (founded when new); an ordinary, established
        key marks them as used by ordinary customers (``popular``). A light candidate
        without recurring frames looks its latest one-off prompts up in the existing
        groups (never founds one)."""
        ts = summary.ts
        # The key's mark in a group's bitmap, hashed only when it is set.
        mark = 1 << (stable_hash(summary.api_key_id) % GROUP_KEY_BITS) if popular else 0
        gids: list[int] = []
        # Most frames are known ones: the index's cache names their group. That case of
        # TemplateIndex.find and _group_for is written out (the same lookups and moves);
        # any other goes through _group_for.
        groups = self._groups
        cached, reps = self._index.cache_and_reps()
        for signature in summary.frames:
            gid = cached.get(signature) if signature else None
            group = None
            if gid is not None and gid in reps:
                group = groups.get(gid)
                if group is not None:
                    cached.move_to_end(signature)
                    groups.move_to_end(gid)
            if group is None:
                group = self._group_for(signature, ts, True)
                if group is None:
                    continue
            group.last_ts = ts
            if popular:
                group.keys |= mark
            gids.append(group.gid)
        if candidate and not summary.frames and summary.events <= self.config.probe_max_events:
            for signature in summary.probes:
                group = self._group_for(signature, ts, False)
                if group is not None:
                    gids.append(group.gid)
        return tuple(sorted(set(gids))) if candidate else ()  # only a candidate's are kept

    def _group_for(self, signature: int, ts: float, founding: bool) -> FrameGroup | None:
        """The signature's group; a new one unless ``founding`` is False (then None)."""
        if not signature:
            return None
        gid = self._index.find(signature, grow=founding)
        if gid is not None:
            group = self._groups.get(gid)
            if group is not None:
                self._groups.move_to_end(gid)
                return group
            self._index.remove(gid)
        if not founding:
            return None
        if len(self._groups) >= self.config.max_groups:
            self._drop_group(next(iter(self._groups)))
        self._index.add(signature)
        group = FrameGroup(signature, ts)
        self._groups[signature] = group
        return group

    def _new_record(self, key: str, summary: KeySummary) -> KeyRecord:
        record = KeyRecord(summary.account_id, summary.first_ts)
        self._keys[key] = record
        if len(self._keys) > self.config.max_keys:
            self._forget(next(iter(self._keys)))
        return record

    def _update(
        self, record: KeyRecord, summary: KeySummary, onset: float | None, frames: tuple[int, ...]
    ) -> None:
        if summary.account_id is not None:
            record.account = summary.account_id
        # min() and max() of two written out: what the builtins return, without the calls.
        if summary.first_ts < record.first_ts:
            record.first_ts = summary.first_ts
        if summary.ts > record.last_ts:
            record.last_ts = summary.ts
        record.onset = math.nan if onset is None else onset
        record.onset_known = math.isfinite(summary.account_created)
        record.total = summary.total
        record.families = _families(summary)
        record.topics = summary.topics
        record.frames = frames
        record.prompts = summary.prompts
        record.ip_bits = summary.ip_prefix_bits
        record.ua_bits = summary.user_agent_bits
        record.hours = summary.active_hours
        record.hour = int(summary.ts // 3600.0)
        record.events = summary.events
        record.rate = summary.requests_per_hour

    def _score(self, cluster: Cluster, now: float) -> list[Alert]:
        c = self.config
        cluster.scored_ts = now
        self._stats.groups_scored += 1
        horizon = now - c.member_ttl_seconds
        keys = self._keys
        members: list[tuple[str, KeyRecord]] = []
        for key, last in list(cluster.members.items()):
            record = keys.get(key)
            if record is None or last < horizon or record.cluster != cluster.cid:
                self._leave(key, cluster)
            else:
                members.append((key, record))
        records = [r for _, r in members]
        self._refresh(cluster, records, now)
        merged = self._merge_similar(cluster, now)
        if merged is not cluster:  # absorbed into a larger cluster: judged with it
            return self._score(merged, now)
        if (
            len(members) < c.mature_members
            and now - cluster.grown_ts >= c.grow_every_seconds
            and self._grow_budget(now)
        ):
            self._grow(cluster, now)
        if len(members) != len(cluster.members):  # others were absorbed into it
            members = [(k, keys[k]) for k in cluster.members]
            records = [r for _, r in members]
            self._refresh(cluster, records, now)
        core = []
        for (key, record), link in zip(
            members, self._member_links(members, cluster, now), strict=True
        ):
            record.link = link.total
            if self._core(record, link, now):
                core.append((key, record, link))
        p = cluster.profile
        result = score_cluster(
            core,
            p.topics.core.bit_count(),
            len(p.frames),
            p.pool.bit_count(),
            shared_prompt_share(records),
            now,
            c.new_key_seconds,
            c.weights,
        )
        # A campaign is a campaign for a while, not in one coincidental scoring: it holds
        # warning for ``sustain_seconds`` before it can reach critical.
        if result.score >= c.warning_threshold:
            cluster.held_since = min(cluster.held_since, now)
            young = now - cluster.held_since < c.sustain_seconds
            if result.score >= c.critical_threshold and young:
                result = replace(result, score=min(result.score, c.critical_threshold - 1e-6))
        else:
            cluster.held_since = math.inf
        cluster.result = result
        return self._apply(cluster, members, result, now)

    def _label(self, cluster: Cluster, result: CampaignScore) -> str:
        """The cluster's campaign id; clusters sharing core members at warning end up under
        one id (the smallest), so a campaign seen through several clusters reports as one."""
        label = campaign_id_of(cluster.cid)
        if result.score >= self.config.warning_threshold:
            for key in result.core:
                record = self._keys[key]
                if record.label is not None and record.label_score >= self.config.warning_threshold:
                    label = min(label, record.label)
        return label

    def _apply(
        self,
        cluster: Cluster,
        members: list[tuple[str, KeyRecord]],
        result: CampaignScore,
        now: float,
    ) -> list[Alert]:
        """Carry the cluster's score to its members' campaign episodes, all together."""
        core = set(result.core)
        label = self._label(cluster, result)
        alerts: list[Alert] = []
        for key, record in sorted(members, key=lambda item: item[0]):
            score = 0.0
            if key in core:
                score = result.member_score(record.total, self._is_new(record, now), record.link)
            alert = self._carry(key, record, label, result, score, now)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _join(self, key: str, record: KeyRecord, cluster: Cluster, now: float) -> list[Alert]:
        """A key that joins (or is back in) a cluster already at warning or above is judged
        with it at once, not at the cluster's next scoring."""
        result = cluster.result
        if not isinstance(result, CampaignScore) or result.score < self.config.warning_threshold:
            return []
        link = link_to(record, cluster.profile, own_prompts=True)
        if not self._core(record, link, now):
            return []
        if key not in result.core:
            result = replace(result, core=(*result.core, key))
        score = result.member_score(record.total, self._is_new(record, now), link.total)
        alert = self._carry(key, record, self._label(cluster, result), result, score, now)
        return [] if alert is None else [alert]

    def _carry(
        self,
        key: str,
        record: KeyRecord,
        label: str,
        result: CampaignScore,
        score: float,
        now: float,
    ) -> Alert | None:
        if record.label != label:
            if score <= 0.0:
                return None
            fresh = now - record.label_ts >= STALE_SECONDS
            weaker = score < record.label_score + SWITCH_MARGIN
            if record.label is not None and weaker and not fresh:
                # The key keeps its campaign id, but a stronger cluster it is core in still
                # escalates it: severity follows the strongest evidence.
                if score > record.label_score:
                    return self._update_episode(key, record, record.label, result, score, now)
                return None
            record.label = label
        record.label_score = score
        record.label_ts = now
        return self._update_episode(key, record, label, result, score, now)

    def _update_episode(
        self,
        key: str,
        record: KeyRecord,
        label: str,
        result: CampaignScore,
        score: float,
        now: float,
    ) -> Alert | None:
        episode = record.episode
        if episode is None:
            if score < self.config.warning_threshold:
                return None
            episode = record.episode = Episode()
        severity = self._episodes.update(episode, score, now)
        if severity is None:
            return None
        self._stats.alerts_by_severity[severity] += 1
        related = tuple(k for k in result.core if k != key)[: self.config.max_related]
        return Alert(
            alert_id=alert_id(key, DETECTOR, episode.number, severity),
            api_key_id=key,
            account_id=record.account,
            ts=format_ts(now),
            severity=severity,
            score=score,
            detector=DETECTOR,
            reasons=result.reasons(),
            campaign_id=label,
            related_keys=related,
            summary=summarize(severity, score, result.reasons(), label, len(result.core) - 1),
        )

    # -- read-outs ------------------------------------------------------------------------

    @property
    def stats(self) -> CampaignStats:
        s = self._stats
        s.keys_tracked = len(self._keys)
        s.groups_tracked = len(self._groups)
        s.clusters_tracked = len(self._clusters)
        s.campaigns_active = len(self.campaigns())
        return s

    def campaigns(self) -> list[tuple[str, float, tuple[str, ...]]]:
        """Clusters scoring at warning or above: (campaign id, score, core keys), highest first."""
        found = []
        for cluster in self._clusters.values():
            result = cluster.result
            if isinstance(result, CampaignScore) and result.score >= self.config.warning_threshold:
                found.append((campaign_id_of(cluster.cid), result.score, result.core))
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    # -- persistence ----------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """All state as bytes (:mod:`detectors.statecodec`: data only, never executed)."""
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        state = {k: v for k, v in self.__dict__.items() if k != "config"}
        return statecodec.encode(state, "campaigns", SNAPSHOT_VERSION)

    @classmethod
    def restore(cls, blob: bytes, config: CampaignConfig | None = None) -> CampaignStage:
        """Rebuild a stage from :meth:`snapshot` output (``StateError`` when refused)."""
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        state = statecodec.decode(blob, "campaigns", SNAPSHOT_VERSION)
        if type(state) is not dict or any(type(k) is not str or k == "config" for k in state):
            raise statecodec.StateError("campaign snapshot: not a campaign stage's state")
        stage = cls.__new__(cls)
        stage.__dict__.update(state)
        stage.config = config or CampaignConfig()
        return stage
