"""A cluster's campaign evidence: its members' own evidence plus what the crowd adds.

The score is a sum of log-odds, on the per-key engine's scale (``warning`` at 6,
``critical`` at 7.5, :mod:`detectors.evidence.combine`), over the *core* members
(candidates tied to the cluster by content or addresses, whose own evidence leans
to extraction and shows no conversations or repetition):

``evidence = own + crowd + infra + cohort + rhythm - public``

- ``own``: the core's median own evidence (capped): what each key already shows;
- ``crowd``: many accounts collecting the same thing, each tied to the others by
  topics or frames beyond chance, or sending through one pool of addresses that
  established, unrelated customers do not use. Grows with the doubling of accounts, in
  proportion to the core's median tie (by content, or by the pool: the stronger); an
  established account counts a tenth of a new one (a popular product's customers
  collect alike too);
- ``infra``: the core's median tie by addresses and client (a pool of prefixes
  that established, unrelated customers do not use), from two accounts on;
- ``cohort``: new accounts (account age from the data; a first sighting after the
  log's first hours counts half, being an assumption);
- ``rhythm``: members active in the same hours, over many hours;
- ``public``: members that send *the same* prompts run a public dataset, not a
  split curriculum.

Missing evidence adds nothing: a swarm on its own addresses, with the browser
everyone uses and accounts of unknown age, rests on ``own`` and ``crowd``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from detectors.alerts import Reason
from detectors.campaign_clusters import KeyRecord, bit_counts
from detectors.campaign_links import Link
from detectors.evidence.combine import evidence_to_score
from detectors.evidence.families import ramp

__all__ = ["EMPTY", "CampaignScore", "Weights", "score_cluster"]

HOUR = 3600.0


@dataclass(frozen=True)
class Weights:
    """The campaign evidence's scales (log-odds units); see the module docstring."""

    own_cap: float = 6.0
    crowd_per_doubling: float = 1.2
    crowd_max: float = 4.0
    #: an established account counts as this share of a new one in the crowd: a
    #: product's customers collect alike, accounts opened for the purpose are the sign
    established_weight: float = 0.1
    link_full: tuple[float, float] = (1.5, 3.5)
    #: the median tie by addresses and client from which accounts count in the crowd, and
    #: fully: a private pool ties a hydra's heads as a shared curriculum ties a swarm
    infra_full: tuple[float, float] = (1.0, 2.0)
    infra_max: float = 2.0
    cohort_max: float = 1.5
    rhythm_max: float = 0.5
    public: float = 4.0
    cap: float = 10.0


@dataclass(frozen=True)
class CampaignScore:
    """A cluster's score, its parts and its core members (sorted key ids)."""

    score: float
    evidence: float
    core: tuple[str, ...]
    accounts: int = 0
    own: float = 0.0
    crowd: float = 0.0
    link: float = 0.0
    topics: int = 0
    topic_link: float = 0.0
    frames: int = 0
    frame_link: float = 0.0
    prefixes: int = 0
    infra_link: float = 0.0
    user_agent: float = 0.0
    new_known: float = 0.0
    new_assumed: float = 0.0
    onset_first: float = math.nan
    onset_last: float = math.nan
    coactivity: float = 0.0
    same_prompts: float = 0.0
    own_cap: float = 6.0

    def member_score(self, own: float, new: bool, tie: float = math.inf) -> float:
        """One core member's score.

        A new account tied to the campaign is one of its accounts: it gets the
        campaign's score, however few requests of its own it has sent (a campaign at
        ``critical`` escalates a key that joins it at once). An established customer is
        judged on its own evidence plus what the crowd adds (the campaign's evidence
        above its members' median own evidence), in proportion to how closely it is
        tied beyond a shared vocabulary (``tie``: its link total, from 3, the most topics
        alone give, to 4), never more than the campaign's: a customer that shares a
        campaign's vocabulary is not lifted by it; one that is alike in its evidence,
        its rate, its frames or its addresses too is.

        >>> s = CampaignScore(0.9, 9.0, (), own=5.0)
        >>> s.member_score(2.0, new=True) == s.score
        True
        >>> round(s.member_score(5.5, new=False), 3) == round(s.score, 3)
        True
        >>> s.member_score(1.0, new=False) < 0.6, s.member_score(5.0, False, 3.0) < 0.6
        (True, True)
        """
        if new:
            return self.score
        lift = (self.evidence - self.own) * ramp(tie, 3.0, 4.0)
        # The three min()s of two written out (``b if b < a else a`` is what min(a, b)
        # returns): every member of a scored cluster comes here.
        cap = self.own_cap
        raised = (cap if cap < own else own) + lift
        evidence = raised if raised < self.evidence else self.evidence
        score = evidence_to_score(evidence)
        return self.score if self.score < score else score

    def reasons(self) -> tuple[Reason, ...]:
        """Why the cluster is a campaign, strongest first; values against what an
        unrelated key would show (the baseline)."""
        parts = [
            (self.crowd, Reason("accounts_collecting_alike", self.accounts, 1.0)),
            (self.own, Reason("members_own_evidence", self.own, 0.0)),
            (self.topic_link, Reason("shared_topics", self.topics, 0.0)),
            (self.frame_link, Reason("shared_frames", self.frames, 0.0)),
            (self.infra_link, Reason("shared_ip_prefixes", self.prefixes, 0.0)),
            (self.user_agent, Reason("shared_user_agent", self.user_agent, 0.0)),
            (self.new_known, Reason("new_accounts_share", self.new_known, 0.0)),
            (0.5 * self.new_assumed, Reason("new_keys_share", self.new_assumed, 0.0)),
            (self.coactivity, Reason("synchronized_activity", self.coactivity, 0.0)),
            (self.same_prompts, Reason("same_prompts_share", self.same_prompts, 0.0)),
        ]
        if not math.isnan(self.onset_first):
            span = (self.onset_last - self.onset_first) / 86400.0
            parts.append((0.1, Reason("onset_window_days", span, 0.0)))
        parts = [p for p in parts if p[0] > 0.0 or p[1].feature == "accounts_collecting_alike"]
        parts.sort(key=lambda item: (-item[0], item[1].feature))
        return tuple(reason for _, reason in parts)


EMPTY = CampaignScore(0.0, 0.0, ())


def score_cluster(
    members: Sequence[tuple[str, KeyRecord, Link]],
    profile_topics: int,
    profile_frames: int,
    profile_prefixes: int,
    same_prompts: float,
    now: float,
    new_key_seconds: float,
    weights: Weights | None = None,
) -> CampaignScore:
    """The campaign evidence of a cluster's ``core`` members (already gated by the caller:
    tied to the cluster, extraction-leaning, no benign signs).

    Examples
    --------
    >>> def rec(i: int, onset: float) -> KeyRecord:
    ...     r = KeyRecord(f"acct{i}", 0.0)
    ...     r.total, r.onset, r.onset_known, r.hours, r.hour = 3.0, onset, True, 0xFFF, 0
    ...     return r
    >>> established = [(f"k{i}", rec(i, math.nan), Link(topics=3.0)) for i in range(40)]
    >>> score_cluster(established, 60, 0, 0, 0.0, 3600.0, 7 * 86400.0).score < 0.6
    True
    >>> tie = Link(topics=3.0)
    >>> swarm = [(f"k{i}", rec(i, 0.0), tie) for i in range(40)]
    >>> s = score_cluster(swarm, 60, 0, 0, 0.0, 3600.0, 7 * 86400.0)
    >>> s.score >= 0.85, s.accounts, round(s.own, 1)
    (True, 40, 3.0)
    >>> lone = score_cluster(swarm[:1], 60, 0, 0, 0.0, 3600.0, 7 * 86400.0)
    >>> lone.score
    0.0
    >>> public = score_cluster(swarm, 60, 0, 0, 1.0, 3600.0, 7 * 86400.0)
    >>> public.score < 0.6
    True
    >>> def heads(tie: Link) -> CampaignScore:  # no text: tied by addresses alone
    ...     keys = [(f"k{i}", rec(i, 0.0), tie) for i in range(40)]
    ...     return score_cluster(keys, 0, 0, 8, 0.0, 3600.0, 7 * 86400.0)
    >>> private, popular = heads(Link(infra=2.0)), heads(Link(infra=0.5))
    >>> private.crowd, popular.crowd, private.score >= 0.85 > popular.score
    (4.0, 0.0, True)
    """
    w = weights or Weights()
    m = len(members)
    owners: dict[str, bool] = {}
    known = assumed = 0
    onsets = []
    for key, r, _ in members:
        new = not math.isnan(r.onset) and now - r.onset < new_key_seconds
        owner = r.account if r.account is not None else key
        owners[owner] = owners.get(owner, False) or new
        if new:
            onsets.append(r.onset)
            if r.onset_known:
                known += 1
            else:
                assumed += 1
    accounts = len(owners)
    if accounts < 2:
        return EMPTY
    new_accounts = sum(owners.values())
    effective = new_accounts + w.established_weight * (accounts - new_accounts)
    own = statistics.median(min(r.total, w.own_cap) for _, r, _ in members)
    link = statistics.median(t.topics + t.frames + t.timing for _, _, t in members)
    # From the third account on: two keys alike are a coincidence more often than not.
    crowd = min(w.crowd_max, w.crowd_per_doubling * math.log2(max(effective / 2.0, 1.0)))
    infra_tie = statistics.median(t.infra + t.user_agent for _, _, t in members)
    # Accounts tied by a pool of addresses established customers do not use count as
    # those tied by content do: without prompt text a hydra's heads share nothing else,
    # and their number says as much (a popular egress weighs little, Population.ip_weight).
    crowd *= max(ramp(link, *w.link_full), ramp(infra_tie, *w.infra_full))
    infra = min(infra_tie, w.infra_max) * ramp(accounts, 1.0, 3.0)
    new_known, new_assumed = known / m, assumed / m
    cohort = w.cohort_max * min(ramp(new_known, 0.3, 0.8) + 0.5 * ramp(new_assumed, 0.3, 0.8), 1.0)
    hour = int(now // HOUR)
    hour_counts = bit_counts([r.hours_at(hour) for _, r, _ in members], 24)
    active = sum(hour_counts)
    coactivity = sum(c * c for c in hour_counts) / (m * active) if active else 0.0
    hours_seen = sum(1 for c in hour_counts if c)
    rhythm = w.rhythm_max * ramp(coactivity, 0.3, 0.7) * ramp(hours_seen, 3.0, 8.0)
    evidence = own + crowd + infra + cohort + rhythm - w.public * same_prompts
    evidence = min(evidence, w.cap)
    return CampaignScore(
        score=evidence_to_score(evidence),
        evidence=evidence,
        core=tuple(sorted(key for key, _, _ in members)),
        accounts=accounts,
        own=own,
        crowd=crowd,
        link=link,
        topics=profile_topics,
        topic_link=statistics.median(t.topics for _, _, t in members),
        frames=profile_frames,
        frame_link=statistics.median(t.frames for _, _, t in members),
        prefixes=profile_prefixes,
        infra_link=statistics.median(t.infra for _, _, t in members),
        user_agent=statistics.median(t.user_agent for _, _, t in members),
        new_known=new_known,
        new_assumed=new_assumed,
        onset_first=min(onsets) if onsets else math.nan,
        onset_last=max(onsets) if onsets else math.nan,
        coactivity=coactivity,
        same_prompts=same_prompts,
        own_cap=w.own_cap,
    )
