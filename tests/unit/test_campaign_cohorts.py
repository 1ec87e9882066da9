"""Accounts opened over days are tied as a cohort when their openings are a burst
against the provider's usual day, and not when such openings are the usual day."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator

from detectors.campaign_clusters import TIMING_TIE, link_to
from detectors.campaign_cohorts import burst_link
from detectors.campaigns import CampaignStage
from detectors.summaries import KeySummary
from tests.unit.campaign_traffic import BROWSER_UA, DAY, HOUR, START, merged, summary

HOURS = 30
SWARM = 40


def customers(rng: random.Random, per_day: float) -> Iterator[KeySummary]:
    """Ordinary customers whose accounts were opened ``per_day`` a day over eight weeks
    (account age in the data), each summarized every six hours."""
    keys = int(per_day * 56)
    for i in range(keys):
        created = START - 56 * DAY + rng.uniform(0, 56 * DAY)
        first = START + rng.uniform(0, 6 * HOUR)
        for hour in range(0, HOURS, 6):
            yield summary(
                f"cust-{i:04d}", f"cust-acct-{i}", first + hour * HOUR, first,
                account_created=created, events=30.0, ip_prefix_bits=1 << rng.randrange(256),
                user_agent_bits=BROWSER_UA, active_hours=rng.getrandbits(24),
                total=rng.uniform(-3.0, 0.8),
            )  # fmt: skip


def bare_swarm(rng: random.Random) -> Iterator[KeySummary]:
    """Metadata only: accounts opened over five days, each on its own address, the
    browser everyone uses, hours of their own; extraction-leaning own evidence."""
    for i in range(SWARM):
        created = START - 5 * DAY + rng.uniform(0, 5 * DAY)
        first = START + 6 * HOUR + rng.uniform(0, 6 * HOUR)
        ip, hours = 1 << rng.randrange(256), rng.getrandbits(24)
        for hour in range(7, HOURS):
            yield summary(
                f"bare-{i:02d}", f"bare-acct-{i}", START + hour * HOUR + 11.0 * i, first,
                account_created=created, events=20.0, ip_prefix_bits=ip,
                user_agent_bits=BROWSER_UA, active_hours=hours, total=3.5, harvest=3.0,
            )  # fmt: skip


def _clusters(per_day: float) -> tuple[CampaignStage, set[int]]:
    rng = random.Random(11)
    stage = CampaignStage()
    stage.process_many(merged(customers(rng, per_day), bare_swarm(rng)))
    return stage, {stage._keys[f"bare-{i:02d}"].cluster for i in range(SWARM)}


def test_accounts_opened_over_days_in_a_burst_are_one_cohort() -> None:
    # One opening a day as a rule, forty in five days: the swarm is the burst.
    stage, clusters = _clusters(per_day=1.0)
    assert len(clusters) == 1 and 0 not in clusters
    profile = stage._clusters[clusters.pop()].profile
    record = stage._keys["bare-00"]
    assert burst_link(record.onset, profile.bursts) >= 1.5  # ties on its own


def test_the_same_openings_are_no_cohort_where_they_are_the_usual_day() -> None:
    # Forty openings a day as a rule: the swarm's eight a day are no burst, and its
    # accounts (nothing else shared) stay apart.
    stage, clusters = _clusters(per_day=40.0)
    assert len(clusters) > SWARM // 2
    assert all(not stage._clusters[c].profile.bursts for c in clusters if c in stage._clusters)


def test_a_key_whose_text_is_read_is_not_tied_by_its_opening() -> None:
    # The same account as a member, but it sent prompt text (item identities): it must
    # be tied by what it collects, not by the week it was opened in.
    stage, clusters = _clusters(per_day=1.0)
    profile = stage._clusters[clusters.pop()].profile
    member = stage._keys["bare-00"]
    assert link_to(member, profile, own_prompts=True).timing >= TIMING_TIE
    reader = copy.copy(member)
    reader.prompts = (17, 23)  # item identities: it sent prompt text
    assert link_to(reader, profile, own_prompts=True).timing < TIMING_TIE
