"""Which cluster each candidate key belongs to: assignment, growth, merging, expiry.

:class:`Membership` is the half of :class:`~detectors.campaigns.CampaignStage` that
keeps keys and clusters: a key is filed under the cluster it is most tied to
(:func:`~detectors.campaign_clusters.link_to`), a young cluster looks for the rest of
itself among the recent candidates (growth), clusters tied both ways merge, and
idle keys, frame groups and clusters are forgotten. The stage adds input, scoring,
alerts and persistence on top (:mod:`detectors.campaigns`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

from detectors.campaign_clusters import (
    ALIKE,
    TIMING_TIE,
    Cluster,
    ClusterProfile,
    KeyRecord,
    build_profile,
    cluster_id,
    cluster_tie,
    link_to,
    tied_link,
    topic_bits,
    topic_profile,
)
from detectors.campaign_cohorts import burst_tie
from detectors.campaign_config import CampaignConfig
from detectors.campaign_index import FrameGroup, TemplateIndex
from detectors.campaign_leave_one_out import LeaveOneOut
from detectors.campaign_links import (
    TOPIC_DENSE,
    TOPIC_MIN_BITS,
    TOPIC_MIN_HITS,
    Link,
    profile_link,
    surprises,
    topic_link,
)
from detectors.campaign_population import Population, TopicBackground

__all__ = ["CampaignStats", "Membership", "tied", "topical_enough"]

#: A key whose request rate is this many decades from its cluster's median is no core
#: member (ten times faster or slower).
RATE_APART = 1.0
#: Up to this many members, a member's tie to its cluster is judged without it.
LEAVE_ONE_OUT_MAX = 30
#: A frame weighing this much (few ordinary keys use it) can tie keys on its own.
RARE_FRAME = 0.25


def _chance_bound(size_a: int, core_b: int) -> float:
    # Core topics two cores of these sizes share by chance, three deviations up.
    expected = size_a * core_b.bit_count() / 256.0
    return expected + 3.0 * math.sqrt(expected)


def topical_enough(bits: int) -> bool:
    """Whether a key has sent enough prompts for its topics to tie it to anyone."""
    return bits.bit_count() >= TOPIC_MIN_BITS


def _cohort_side(profile: ClusterProfile) -> bool:
    """Whether a cluster can be tied by a cohort at all: it has a burst of openings and no
    content of its own (core topics or frames)."""
    return bool(profile.bursts) and not (profile.topics.core or profile.frames)


def _cohort_tie(a: ClusterProfile, b: ClusterProfile) -> float:
    """What a burst of openings adds to the tie of two clusters without content (no core
    topics, no frames): the burst both have accounts in, with how alike their members
    are (:func:`profile_link`, the weaker of both directions); nothing below
    :data:`TIMING_TIE` (no cohort to speak of)."""
    if not (_cohort_side(a) and _cohort_side(b)):
        return 0.0  # clusters with content are merged by it (cluster_tie)
    burst = burst_tie(a.bursts, b.bursts)
    if burst < TIMING_TIE:
        return 0.0
    alike = min(
        profile_link(a.families, b.families, 10.0**a.volume - 1.0, b.volume),
        profile_link(b.families, a.families, 10.0**b.volume - 1.0, a.volume),
    )
    return max(burst + alike, 0.0)


def tied(link: Link, min_content: float) -> bool:
    """Whether a link can tie a key to a group at all: by topics, frames or addresses, or
    (with no text and no shared address: a metadata-only campaign) by an account opened
    with the group's cohort (kept to its hours, or in a burst of openings it makes) *and*
    alike in what it shows and how fast it sends: a customer opened in a campaign's busy
    week shares its opening, not its evidence."""
    return link.content >= min_content or (link.timing >= TIMING_TIE and link.profile >= ALIKE)


@dataclass
class CampaignStats:
    """Counters a driver may export."""

    summaries: int = 0
    keys_tracked: int = 0
    groups_tracked: int = 0
    clusters_tracked: int = 0
    groups_scored: int = 0
    campaigns_active: int = 0
    keys_expired: int = 0
    groups_expired: int = 0
    alerts_by_severity: dict[str, int] = field(
        default_factory=lambda: {"warning": 0, "critical": 0}
    )


class Membership:
    """Keys and clusters of the campaign stage (its state is the stage's own)."""

    config: CampaignConfig
    _index: TemplateIndex
    _groups: OrderedDict[int, FrameGroup]
    _keys: OrderedDict[str, KeyRecord]
    _clusters: OrderedDict[int, Cluster]
    _population: Population
    _topics: TopicBackground
    _max_ts: float
    _grow_hour: int
    _grows: int
    _stats: CampaignStats

    def _assign(self, key: str, record: KeyRecord, ts: float) -> Cluster | None:
        """File the key under the cluster it is most tied to (see the module docstring)."""
        c = self.config
        current = self._clusters.get(record.cluster) if record.cluster else None
        held: Link | None = None
        if current is not None:
            # A key well tied to a grown cluster looks around hourly; one in a young
            # cluster (its own, founded with nobody else yet) at every cluster scoring.
            every = c.rescan_seconds if len(current.members) >= 3 else c.score_every_seconds
            if record.link >= c.join_link and ts - record.scan_ts < every:
                return current
            held = self._member_link(key, record, current, ts)
            record.link = held.total
        record.scan_ts = ts
        fresh = self._is_new(record, ts) and record.onset_known
        best, best_total = self._best(record, current, fresh)
        if (
            current is not None
            and held is not None
            and (best is None or best_total < held.total + c.switch_margin)
        ):
            return current
        if best is not None:
            if current is not None:
                self._leave(key, current)
            record.cluster = best.cid
            record.link = best_total
            return best
        if current is not None:
            return current
        if not (topical_enough(record.topics) or record.frames or record.ip_bits
                or record.onset_known):  # fmt: skip
            return None  # nothing it could share with anyone yet
        return self._found(key, record, ts)

    def _best(
        self, record: KeyRecord, current: Cluster | None, fresh: bool
    ) -> tuple[Cluster | None, float]:
        """The cluster other than ``current`` that ``record`` is most tied to (at least
        ``join_link``; the smallest id among equals) and its link's total.

        Every candidate key is compared with every cluster and tied to few, so the quick
        check for clusters of one is written out here with what it reads of the record
        read once; :func:`tied_link` makes its own quick tests for the others.
        """
        c = self.config
        min_content, join_link = c.min_content, c.join_link
        ip = record.ip_bits
        own = record.frames
        best: Cluster | None = None
        best_total = -math.inf
        for cluster in self._clusters.values():
            if cluster is current:
                continue
            profile = cluster.profile
            members = profile.members
            if not members:
                continue
            if members < 2 and (ip & profile.pool).bit_count() < 3:
                # A key is seldom tied to one other key by topics beyond chance: clusters
                # of one are joined by topics through growth (:meth:`_grow`), here only by
                # a shared prefix, an account opened with its cohort (``cohort == cohort``:
                # not NaN) or a frame few ordinary keys use (a popular template ties
                # nobody, and is the commonest thing to share). Written out here: at a
                # million keys most clusters are single candidates.
                cohort = profile.cohort
                if not (fresh and cohort == cohort):
                    frames = profile.frames
                    if not own or frames.keys().isdisjoint(own):
                        continue  # no frame in common, rare or not
                    for gid in own:
                        if frames.get(gid, 0.0) >= RARE_FRAME:
                            break
                    else:
                        continue
            link = tied_link(record, profile, min_content)
            if link is None:
                continue
            total = link.total
            if total < join_link:
                continue
            if total > best_total or (total == best_total and best and cluster.cid < best.cid):
                best, best_total = cluster, total
        return best, best_total

    def _found(self, key: str, record: KeyRecord, ts: float) -> Cluster:
        c = self.config
        if len(self._clusters) >= c.max_clusters:
            self._drop_cluster(next(iter(self._clusters)))
        cluster = Cluster(cluster_id(key, ts), ts)
        self._clusters[cluster.cid] = cluster
        record.cluster = cluster.cid
        self._refresh(cluster, [record], ts)
        return cluster

    def _member_link(self, key: str, record: KeyRecord, cluster: Cluster, now: float) -> Link:
        """A member's tie to its own cluster, judged without it: in a small cluster a key
        shares every word and frame with the profile it helped make (a cluster of one is
        tied to its founder completely). Large clusters are read as they are: one member
        moves their profile little."""
        members = cluster.members
        if len(members) > LEAVE_ONE_OUT_MAX:
            return link_to(record, cluster.profile, own_prompts=True)
        others = [
            r for k, r in ((k, self._keys.get(k)) for k in members if k != key) if r is not None
        ]
        if not others:
            return Link()
        # own_prompts: the link reads no prompts, so the profile collects none.
        profile = self._profile(others, topic_bits(others), now, prompts_read=False)
        return link_to(record, profile, own_prompts=True)

    def _member_links(
        self, members: list[tuple[str, KeyRecord]], cluster: Cluster, now: float
    ) -> list[Link]:
        """:meth:`_member_link` of each of ``members`` (the cluster's, when it is scored).

        A small cluster's profiles without each member come from one count of it
        (:class:`~detectors.campaign_leave_one_out.LeaveOneOut`), not one rebuild per
        member: the same profiles, read the same way.
        """
        if len(cluster.members) > LEAVE_ONE_OUT_MAX:
            return [self._member_link(key, record, cluster, now) for key, record in members]
        present = [(k, r) for k, r in ((k, self._keys.get(k)) for k in cluster.members) if r]
        records = [r for _, r in present]
        place = {k: i for i, (k, _) in enumerate(present)}
        loo: LeaveOneOut | None = None
        links = []
        for key, record in members:
            index = place.get(key)
            if index is None or records[index] is not record:  # not (or no longer) a member
                links.append(self._member_link(key, record, cluster, now))
            elif len(records) < 2:
                links.append(Link())  # the only member: nobody else to be tied to
            else:
                if loo is None:
                    popularity = self._popularity(records)
                    loo = LeaveOneOut(records, self._population, self._topics, popularity, now)
                links.append(link_to(record, loo.without(index), own_prompts=True))
        return links

    def _merge_similar(self, cluster: Cluster, now: float) -> Cluster:
        """Merge ``cluster`` with the clusters tied to it both ways (fragments of one
        campaign founded before they could see each other); the larger one stays.
        Returns the cluster the members are in afterwards."""
        c = self.config
        profile = cluster.profile
        if not profile.members:
            return cluster
        ties = []
        # A quick check comes before cluster_tie (which reads every channel): core topics
        # in common well beyond what two cores of these sizes share by chance, prefixes
        # or a rare frame in common. What it reads of this cluster is read once for all
        # the others, and it is written out in the loop: every scoring reads every
        # cluster, and most fail it.
        core = profile.topics.core
        size = core.bit_count()
        rare = [gid for gid, w in profile.frames.items() if w >= RARE_FRAME]
        pool = profile.pool
        merge_link = c.merge_link
        # _cohort_tie is 0.0 whatever the other cluster when this one cannot be tied by a
        # cohort: then it is not called for each of them.
        cohort_possible = _cohort_side(profile)
        for other in self._clusters.values():
            if other is cluster:
                continue
            theirs = other.profile
            if not theirs.members:
                continue
            core_b = theirs.topics.core
            common = (core & core_b).bit_count()
            # Accounts opened in one burst of openings, alike in what they show and how
            # fast they send: fragments of a swarm that shares nothing else.
            cohort = _cohort_tie(profile, theirs) if cohort_possible else 0.0
            if (
                (common < TOPIC_MIN_HITS or common < _chance_bound(size, core_b))
                and (pool & theirs.pool).bit_count() < 3
                and not cohort
            ):
                frames = theirs.frames
                if not frames:
                    continue  # no rare frame in common either
                for gid in rare:
                    if frames.get(gid, 0.0) >= RARE_FRAME:
                        break
                else:
                    continue
            if cluster_tie(profile, theirs) + cohort < merge_link:
                continue
            if cluster_tie(theirs, profile) + cohort < merge_link:
                continue
            ties.append(other)
        if not ties:
            return cluster
        everyone = sorted([cluster, *ties], key=lambda k: (-len(k.members), k.cid))
        keeper = everyone[0]
        for other in everyone[1:]:
            for key, last in other.members.items():
                record = self._keys.get(key)
                if record is not None:
                    record.cluster = keeper.cid
                    keeper.members[key] = max(keeper.members.get(key, last), last)
            other.members.clear()
            self._drop_cluster(other.cid)
        keeper.scored_ts = -math.inf
        return keeper

    def _grow_budget(self, now: float) -> bool:
        """Whether another growth pass fits this hour's budget (each pass reads every
        recent candidate: at a million keys, the stage's time must stay bounded)."""
        hour = int(now // 3600.0)
        if hour != self._grow_hour:
            self._grow_hour, self._grows = hour, 0
        if self._grows >= self.config.grows_per_hour:
            return False
        self._grows += 1
        return True

    def _grow(self, cluster: Cluster, now: float) -> None:
        """Look for the rest of a young cluster among all recent candidates.

        A curriculum's vocabulary shows in aggregate, hardly between two keys: two
        slices of it share a few words among a hundred each. So a young cluster's core
        (noisy: it rests on a few keys) ranks every recent candidate, the most
        surprising ones make a trial core (the words most of them share), and every
        candidate tied to that trial core beyond chance is adopted (when not tied more
        strongly to its own cluster). Bounded: at most once an hour per young cluster,
        one pass over the candidates.
        """
        c = self.config
        cluster.grown_ts = now
        seed = cluster.profile.topics
        if not seed.core:
            return
        horizon = now - c.member_ttl_seconds
        member_total = c.member_total
        # Every recent candidate: the cheap comparisons first (the tests are pure, so the
        # same keys pass in the same order), topical() written out.
        pool = [
            (key, r)
            for key, r in self._keys.items()
            if r.last_ts >= horizon and r.total >= member_total
            and 0 < r.topics.bit_count() <= TOPIC_DENSE and not r.benign_signs()
        ]  # fmt: skip
        scores = surprises([r.topics for _, r in pool], seed)
        ranked = sorted(zip(scores, [key for key, _ in pool], strict=True), reverse=True)
        top = [self._keys[k] for surprise, k in ranked[: c.grow_sample] if surprise >= 1.0]
        if len(top) < 3:
            return
        trial = topic_profile(topic_bits(top), len(top), self._topics)
        if not trial.core:
            return
        for key, record in pool:
            if record.cluster == cluster.cid:
                continue
            tie = topic_link(record.topics, trial)
            if tie < c.join_link - c.min_content / 2:
                continue
            current = self._clusters.get(record.cluster) if record.cluster else None
            if current is not None:
                held = link_to(record, current.profile, own_prompts=True).total
                if tie < held + c.switch_margin:
                    continue
                self._leave(key, current)
            record.cluster = cluster.cid
            cluster.members[key] = record.last_ts

    def _leave(self, key: str, cluster: Cluster) -> None:
        cluster.members.pop(key, None)
        record = self._keys.get(key)
        if record is not None and record.cluster == cluster.cid:
            record.cluster = 0

    def _refresh(self, cluster: Cluster, records: list[KeyRecord], now: float) -> None:
        """Recount the cluster's topics into the background and rebuild its profile."""
        counts = topic_bits(records)
        cluster.profile = self._profile(records, counts, now)

    def _profile(
        self, records: list[KeyRecord], counts: list[int], now: float, prompts_read: bool = True
    ) -> ClusterProfile:
        popularity = self._popularity(records)
        return build_profile(
            records, self._population, self._topics, counts, popularity, now, prompts_read
        )

    def _popularity(self, records: list[KeyRecord]) -> dict[int, float]:
        """Per frame group of ``records``, the ordinary, established keys using it."""
        groups = self._groups
        popularity: dict[int, float] = {}
        for r in records:
            for gid in r.frames:
                if gid not in popularity:
                    group = groups.get(gid)
                    popularity[gid] = group.popularity if group is not None else 0.0
        return popularity

    # -- scoring and alerts ---------------------------------------------------------------

    def _is_new(self, record: KeyRecord, now: float) -> bool:
        return not math.isnan(record.onset) and now - record.onset < self.config.new_key_seconds

    def _core(self, record: KeyRecord, link: Link, now: float) -> bool:
        """A core member: tied by content or addresses, extraction-leaning (a new account
        a little less: it has sent little yet), no benign signs."""
        c = self.config
        new = self._is_new(record, now)
        least = c.candidate_floor(bool(record.topics)) if new else c.member_total
        cluster = self._clusters.get(record.cluster) if record.cluster else None
        # A campaign's keys are each kept to a few requests: a key sending at many times
        # their rate (a benchmark run, a product's backend) is not one of them.
        if (
            cluster is not None
            and cluster.profile.members >= 3
            and abs(math.log10(record.rate + 1.0) - cluster.profile.volume) > RATE_APART
        ):
            return False
        return (
            record.total >= least
            and tied(link, c.min_content)
            and link.total >= c.join_link
            and not record.benign_signs()
        )

    # -- housekeeping ---------------------------------------------------------------------

    def _forget(self, key: str) -> None:
        record = self._keys.pop(key)
        cluster = self._clusters.get(record.cluster) if record.cluster else None
        if cluster is not None:
            cluster.members.pop(key, None)
        self._stats.keys_expired += 1

    def _drop_group(self, gid: int) -> None:
        del self._groups[gid]
        self._index.remove(gid)
        self._stats.groups_expired += 1

    def _drop_cluster(self, cid: int) -> None:
        cluster = self._clusters.pop(cid)
        for key in cluster.members:
            record = self._keys.get(key)
            if record is not None and record.cluster == cid:
                record.cluster = 0

    def _expire(self) -> None:
        self._since_expiry = 0
        c = self.config
        horizon = self._max_ts - c.key_ttl_seconds
        keys = self._keys
        while keys:
            key, record = next(iter(keys.items()))
            if record.last_ts >= horizon:
                break
            self._forget(key)
        group_horizon = self._max_ts - c.group_ttl_seconds
        groups = self._groups
        while groups:
            gid, group = next(iter(groups.items()))
            if group.last_ts >= group_horizon:
                break
            self._drop_group(gid)
        clusters = self._clusters
        while clusters:
            cid, cluster = next(iter(clusters.items()))
            if cluster.last_ts >= group_horizon and cluster.members:
                break
            self._drop_cluster(cid)
