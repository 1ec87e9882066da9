"""Cross-key campaign detection: keys that act as one, seen through their summaries.

The per-key engine hands over one :class:`~detectors.summaries.KeySummary` per
scored window. :class:`CampaignStage` files each key under the template groups of
its recurring prompt templates (LSH over template signatures, see
:mod:`detectors.campaign_index`), re-scores a touched group at most every few
minutes of event time (:mod:`detectors.campaign_score`) and raises one alert per
core member whenever the group's campaign episode opens or escalates: a campaign
escalates all its members together. Pure and deterministic: event time only,
ordered input in, ordered alerts out, bounded memory, ``snapshot()``/``restore()``.

The input is a plain ordered sequence of summaries, so replay (one process) and a
streaming second stage (summaries on a topic) can feed it alike.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from detectors import statecodec
from detectors.alerts import Alert, Episode, EpisodeTracker, alert_id
from detectors.campaign_config import CampaignConfig
from detectors.campaign_index import TemplateIndex
from detectors.campaign_score import (
    EMPTY,
    GroupScore,
    KeyRecord,
    content_evidence,
    partition_members,
    score_members,
)
from detectors.events import format_ts
from detectors.summaries import KeySummary
from detectors.wording import summarize

__all__ = ["DETECTOR", "CampaignStage", "CampaignStats", "campaign_id_of", "fragment_score"]

DETECTOR = "campaign"
# 2: detectors/statecodec.py instead of pickle (nothing read can execute).
SNAPSHOT_VERSION = 2
EXPIRY_EVERY = 1024
# A key's campaign moves to another group only when that group scores clearly higher,
# or when its current group has not scored it for a while: ids stay stable.
SWITCH_MARGIN = 0.05
STALE_SECONDS = 2 * 3600.0
CONTENT_SMOOTHING = 1.0 / 3.0


def campaign_id_of(group: int, user_agent_bits: int = 0) -> str:
    """Public id of one part of a template group: a hash of its founding signature and the
    part's user-agent bitmap (no fingerprint bits leak).

    Examples
    --------
    >>> campaign_id_of(0b1011) == campaign_id_of(11), len(campaign_id_of(11))
    (True, 21)
    """
    raw = f"{group:016x}/{user_agent_bits:016x}".encode()
    return "camp_" + hashlib.sha256(raw).hexdigest()[:16]


def fragment_score(
    score: float, core: Sequence[KeyRecord], label: str, critical_threshold: float
) -> float:
    """A part's score, or its campaign's when the part is a fragment of a critical one.

    A campaign's template cloud can split into several groups, and a member whose
    templates all fall in a weaker fragment waited at warning (seed 29: two swarm keys,
    silent after their first 8 hours, reached critical only the next day). When at
    least half of the part's core is already critical under the id the part reports
    as (``label``), the part is that campaign, and its core is judged with it.

    Examples
    --------
    >>> def member(group: str, score: float) -> KeyRecord:
    ...     record = KeyRecord("acct", 0.0)
    ...     record.best_group, record.best_score = group, score
    ...     return record
    >>> mostly_critical = [member("camp_a", 0.95), member("camp_a", 0.9), member("camp_a", 0.7)]
    >>> fragment_score(0.7, mostly_critical, "camp_a", 0.85)
    0.9
    >>> fragment_score(0.7, mostly_critical, "camp_b", 0.85)  # critical elsewhere: no
    0.7
    >>> fragment_score(0.7, mostly_critical[1:], "camp_a", 0.85)  # half is enough
    0.9
    >>> fragment_score(0.7, mostly_critical[2:], "camp_a", 0.85)
    0.7
    """
    critical = [
        record.best_score
        for record in core
        if record.best_group == label and record.best_score >= critical_threshold
    ]
    if not critical or 2 * len(critical) < len(core):
        return score
    return max(score, min(critical))


class Group:
    """One template group: its members (key -> last summary time) and latest score."""

    __slots__ = ("gid", "last_ts", "members", "result", "scored_ts")

    def __init__(self, gid: int, ts: float) -> None:
        self.gid = gid
        self.members: dict[str, float] = {}
        self.last_ts = ts
        self.scored_ts = -math.inf
        self.result: GroupScore = EMPTY


@dataclass
class CampaignStats:
    """Counters a driver may export."""

    summaries: int = 0
    keys_tracked: int = 0
    groups_tracked: int = 0
    groups_scored: int = 0
    campaigns_active: int = 0
    keys_expired: int = 0
    groups_expired: int = 0
    alerts_by_severity: dict[str, int] = field(
        default_factory=lambda: {"warning": 0, "critical": 0}
    )


class CampaignStage:
    """Group keys by shared templates and infrastructure; alert campaign members together.

    Parameters
    ----------
    config
        Stage settings; defaults when omitted.

    Examples
    --------
    >>> from detectors.summaries import KeySummary
    >>> stage = CampaignStage()
    >>> def summary(i: int, ts: float) -> KeySummary:
    ...     return KeySummary(f"key{i}", f"acct{i}", ts, 0.0, events=30.0, frames=(0xF0F0,),
    ...                       ip_prefix_bits=0b111 << 20, user_agent_bits=1 << 3, total=6.0)
    >>> alerts = [a for t in range(0, 7200, 600) for i in range(8)
    ...           for a in stage.process(summary(i, float(t)))]
    >>> sorted({a.severity for a in alerts}), len({a.api_key_id for a in alerts})
    (['critical'], 8)
    >>> len({a.campaign_id for a in alerts}), len(alerts[0].related_keys)
    (1, 7)
    """

    def __init__(self, config: CampaignConfig | None = None) -> None:
        self.config = config or CampaignConfig()
        c = self.config
        c.validate()
        self._index = TemplateIndex(
            c.lsh_bands, c.lsh_rows, c.template_match, c.bucket_groups, c.signature_cache, c.seed
        )
        self._keys: OrderedDict[str, KeyRecord] = OrderedDict()
        self._groups: OrderedDict[int, Group] = OrderedDict()
        self._episodes = EpisodeTracker(
            c.warning_threshold, c.critical_threshold, c.recover_threshold, c.recovery_seconds
        )
        self._max_ts = -math.inf
        self._since_expiry = 0
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
        key = summary.api_key_id
        record = self._keys.get(key)
        fresh = record is None
        if record is None:
            record = KeyRecord(summary.account_id, summary.first_ts)
            self._keys[key] = record
            if len(self._keys) > c.max_keys:
                self._keys.popitem(last=False)
                self._stats.keys_expired += 1
        else:
            self._keys.move_to_end(key)
            if summary.account_id is not None:
                record.account = summary.account_id
            record.first_ts = min(record.first_ts, summary.first_ts)
        record.last_ts = max(record.last_ts, ts)
        record.ip_bits = summary.ip_prefix_bits
        record.ua_bits = summary.user_agent_bits
        content = content_evidence(summary.total)
        # A light key's hourly output mean rests on a handful of requests: smooth it.
        if fresh:
            record.content = content
        else:
            record.content += (content - record.content) * CONTENT_SMOOTHING
        record.mark_hour(ts)

        touched: list[Group] = []
        signatures, founding = summary.frames, True
        if (
            not signatures
            and summary.events <= c.probe_max_events
            and record.content >= c.member_content
        ):
            # A light key (a few dozen prompts a day, none repeated yet) looks its one-off
            # prompts up in the existing groups: swarm members otherwise joined their
            # campaign only once two prompts matched, a day later for some (seed 20).
            # Busy keys without a recurring template are not template-driven: no probes.
            signatures, founding = summary.probes, False
        for signature in signatures:
            if not signature:
                continue
            group = self._group_for(signature, ts, founding)
            if group is None:
                continue
            members = group.members
            members.pop(key, None)  # re-insert: members stay ordered by last summary
            members[key] = ts
            if len(members) > c.max_members:
                del members[next(iter(members))]
            group.last_ts = max(group.last_ts, ts)
            if group not in touched:
                touched.append(group)

        alerts: list[Alert] = []
        for group in touched:
            if ts - group.scored_ts >= c.score_every_seconds:
                alerts.extend(self._score(group, ts))
        self._since_expiry += 1
        if self._since_expiry >= EXPIRY_EVERY:
            self._expire()
        return alerts

    def _group_for(self, signature: int, ts: float, founding: bool = True) -> Group | None:
        """The signature's group; a new one unless ``founding`` is False (then None)."""
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
        group = Group(signature, ts)
        self._groups[signature] = group
        return group

    # -- scoring and alerts ---------------------------------------------------------------

    def _score(self, group: Group, now: float) -> list[Alert]:
        c = self.config
        group.scored_ts = now
        self._stats.groups_scored += 1
        horizon = now - c.member_ttl_seconds
        keys = self._keys
        stale = []
        members: list[tuple[str, KeyRecord]] = []
        for key, last in group.members.items():
            record = keys.get(key)
            if record is None or last < horizon:
                stale.append(key)
            else:
                members.append((key, record))
        for key in stale:
            del group.members[key]
        best = EMPTY
        alerts: list[Alert] = []
        for ua, part in partition_members(members, c.member_content):
            result = score_members(
                part, now, c.member_content, c.member_affinity, c.new_key_seconds, c.sync_seconds
            )
            if result.score > best.score:
                best = result
            alerts.extend(self._apply(group.gid, ua, part, result, now))
        group.result = best
        return alerts

    def _apply(
        self,
        gid: int,
        ua: int,
        part: list[tuple[str, KeyRecord]],
        result: GroupScore,
        now: float,
    ) -> list[Alert]:
        """Carry one part's score to its members' campaign episodes, all together."""
        c = self.config
        core = set(result.core)
        label = campaign_id_of(gid, ua)
        part_score = result.score
        if result.score >= c.warning_threshold:
            # Label propagation: parts that share core members end up under one id (the
            # smallest), so a campaign seen through several templates reports as one.
            core_records = [self._keys[key] for key in result.core]
            for record in core_records:
                if record.best_group is not None and record.best_score >= c.warning_threshold:
                    label = min(label, record.best_group)
            part_score = fragment_score(result.score, core_records, label, c.critical_threshold)
        alerts: list[Alert] = []
        for key, record in sorted(part, key=lambda item: item[0]):
            score = part_score if key in core else 0.0
            if record.best_group != label:
                if key not in core:
                    continue
                fresh = now - record.best_ts >= STALE_SECONDS
                if score < record.best_score + SWITCH_MARGIN and not fresh:
                    # The key keeps its campaign id, but a stronger part it is core in
                    # still escalates it: severity follows the strongest evidence.
                    if score > record.best_score and record.best_group is not None:
                        alert = self._update_episode(
                            key, record, record.best_group, result, score, now
                        )
                        if alert is not None:
                            alerts.append(alert)
                    continue
                record.best_group = label
            record.best_score = score
            record.best_ts = now
            alert = self._update_episode(key, record, label, result, score, now)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _update_episode(
        self,
        key: str,
        record: KeyRecord,
        label: str,
        result: GroupScore,
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

    # -- housekeeping ---------------------------------------------------------------------

    def _drop_group(self, gid: int) -> None:
        del self._groups[gid]
        self._index.remove(gid)
        self._stats.groups_expired += 1

    def _expire(self) -> None:
        self._since_expiry = 0
        c = self.config
        key_horizon = self._max_ts - c.key_ttl_seconds
        keys = self._keys
        while keys:
            key, record = next(iter(keys.items()))
            if record.last_ts >= key_horizon:
                break
            del keys[key]
            self._stats.keys_expired += 1
        group_horizon = self._max_ts - c.group_ttl_seconds
        groups = self._groups
        while groups:
            gid, group = next(iter(groups.items()))
            if group.last_ts >= group_horizon:
                break
            self._drop_group(gid)

    # -- read-outs ------------------------------------------------------------------------

    @property
    def stats(self) -> CampaignStats:
        s = self._stats
        s.keys_tracked = len(self._keys)
        s.groups_tracked = len(self._groups)
        s.campaigns_active = sum(
            1 for g in self._groups.values() if g.result.score >= self.config.warning_threshold
        )
        return s

    def campaigns(self) -> list[tuple[str, float, tuple[str, ...]]]:
        """Groups scoring at warning or above: (campaign id, score, core keys), highest first."""
        found = [
            (campaign_id_of(g.gid), g.result.score, g.result.core)
            for g in self._groups.values()
            if g.result.score >= self.config.warning_threshold
        ]
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
