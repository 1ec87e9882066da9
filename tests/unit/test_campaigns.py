"""Campaign stage: a swarm linked by what it collects vs. the crowds that look like one;
escalation of joiners, cohorts, bounds, persistence, wiring to the per-key engines."""

from __future__ import annotations

import math
import random

from detectors.alerts import Alert
from detectors.campaign_config import CampaignConfig
from detectors.campaigns import CampaignStage
from detectors.config import EngineConfig
from detectors.events import Event
from detectors.sharded import ShardedEngine
from detectors.summaries import KeySummary
from tests.unit.campaign_traffic import (
    HOUR,
    START,
    benchmark_labs,
    framework_crowd,
    library_users,
    merged,
    population,
    summary,
    swarm,
)

TOPICS = [f"subject{i} lemma{i * 7 % 13} corollary{i % 5}" for i in range(400)]
SWARM_TEMPLATE = "Explain {t} in detail. Think step by step and show your complete reasoning first."


def run(stage: CampaignStage, summaries: list[KeySummary]) -> list[Alert]:
    return stage.process_many(summaries)


def critical(alerts: list[Alert]) -> set[str]:
    return {a.api_key_id for a in alerts if a.severity == "critical"}


def test_a_swarm_sharing_only_its_curriculum_is_one_campaign_at_critical() -> None:
    # Own addresses, the browser everyone uses, per-key rewording: only the curriculum's
    # vocabulary and the cohort of new accounts tie them.
    rng = random.Random(1)
    stage = CampaignStage()
    alerts = run(stage, merged(population(rng, 300, 30), swarm(rng, 60, 30)))
    members = {f"swarm-{i:03d}" for i in range(60)}
    assert critical(alerts) == members
    assert {a.detector for a in alerts} == {"campaign"}
    # Fragments found before they could see each other end up as one campaign.
    (campaign,) = stage.campaigns()
    assert set(campaign[2]) == members
    first = next(a for a in alerts if a.severity == "critical")
    features = [r.feature for r in first.reasons]
    assert {"accounts_collecting_alike", "shared_topics", "new_keys_share"} <= set(features)
    assert "shared_ip_prefixes" not in features  # nothing shared there: and not needed


def test_without_the_curriculum_the_same_keys_are_no_campaign() -> None:
    # The same keys, each on its own vocabulary: new, extraction-like, and unrelated.
    rng = random.Random(1)
    keys = [swarm(rng, 1, 30, prefix=f"solo{i}") for i in range(40)]
    alerts = run(CampaignStage(), merged(population(rng, 300, 30), *keys))
    assert alerts == []


def test_a_key_joining_a_critical_campaign_is_critical_after_few_requests() -> None:
    rng = random.Random(2)
    vocabulary = rng.sample(range(256), 40)
    stage = CampaignStage()
    run(stage, merged(population(rng, 300, 30), swarm(rng, 60, 30, vocabulary=vocabulary)))
    assert stage.campaigns() and stage.campaigns()[0][1] >= 0.85
    # A new account of the same campaign, its first summaries: its own evidence is weak
    # (a few requests), its topics are the curriculum's.
    late = list(swarm(rng, 1, 40, prefix="late", opened_hours=0.0, vocabulary=vocabulary))
    late = [s._replace(api_key_id="late-key", first_ts=START + 31 * HOUR,
                       ts=START + 31 * HOUR + 900.0 * j) for j, s in enumerate(late)]  # fmt: skip
    alerts = []
    for s in late:
        alerts.extend(stage.process(s))
        if critical(alerts):
            break
    assert critical(alerts) == {"late-key"}
    assert s.events <= 10  # requests of its own when it went critical


def test_popular_products_and_public_benchmarks_are_not_campaigns() -> None:
    rng = random.Random(3)
    summaries = merged(
        population(rng, 300, 30),
        framework_crowd(rng, 60, 30),
        benchmark_labs(rng, 30, 30),
        library_users(rng, 40, 30),
    )
    stage = CampaignStage()
    assert run(stage, summaries) == []
    assert stage.campaigns() == []


def test_a_swarm_drawing_items_from_one_pool_is_no_public_benchmark() -> None:
    # Sixty keys each sample items from one pool of 120: nearly every member holds an
    # item some other member holds, as labs on one benchmark do, but a typical pair
    # shares a few percent of their items, not most of them (red-team rounds 3 and 4).
    rng = random.Random(6)
    pool = [rng.getrandbits(32) for _ in range(120)]
    summaries = merged(population(rng, 300, 30), swarm(rng, 60, 30, items=pool))
    assert critical(run(CampaignStage(), summaries)) == {f"swarm-{i:03d}" for i in range(60)}


def test_swarm_members_that_say_little_on_their_own_are_raised_with_it() -> None:
    # A third of the swarm's members keep their own evidence at 1.2 (per-key rewording,
    # few requests): far under the per-key engine's warning, but leaning to extraction.
    # Linked by what they collect, they are raised with the rest (independent seed 1:
    # a third of one swarm's members never reached 1.5 of their own).
    rng = random.Random(7)
    vocabulary = rng.sample(range(256), 40)
    summaries = merged(
        population(rng, 300, 30),
        swarm(rng, 40, 30, vocabulary=vocabulary),
        swarm(rng, 20, 30, prefix="quiet", vocabulary=vocabulary, own_cap=1.2),
    )
    raised = critical(run(CampaignStage(), summaries))
    assert {f"quiet-{i:03d}" for i in range(20)} <= raised


def test_a_swarm_hidden_among_look_alikes_pulls_in_no_benign_key() -> None:
    rng = random.Random(4)
    summaries = merged(
        population(rng, 300, 30),
        swarm(rng, 60, 30),
        framework_crowd(rng, 60, 30),
        benchmark_labs(rng, 30, 30),
        library_users(rng, 40, 30),
    )
    alerted = {a.api_key_id for a in run(CampaignStage(), summaries)}
    assert alerted == {f"swarm-{i:03d}" for i in range(60)}


def test_established_keys_sharing_the_vocabulary_are_lifted_not_escalated() -> None:
    # A tutoring app asks about the curriculum's subjects: its own evidence is moderate,
    # its account old. The crowd lifts it a little, never to critical.
    rng = random.Random(5)
    vocabulary = rng.sample(range(256), 40)
    tutors: list[KeySummary] = []
    for i in range(5):
        topics = sum(1 << b for b in rng.sample(vocabulary, 30))
        tutors.extend(
            summary(f"tutor-{i}", f"tutor-acct-{i}", START + h * HOUR + 7.0 * i,
                    START - 300 * 86400.0, events=900.0, topics=topics, total=2.5, harvest=2.5,
                    elicitation=1.0, user_agent_bits=1 << 3, active_hours=0xFF00)
            for h in range(30)
        )  # fmt: skip
    alerts = run(
        CampaignStage(),
        merged(population(rng, 300, 30), swarm(rng, 60, 30, vocabulary=vocabulary), iter(tutors)),
    )
    assert not critical(alerts) & {f"tutor-{i}" for i in range(5)}
    assert critical(alerts) >= {f"swarm-{i:03d}" for i in range(60)}


def test_keys_of_the_first_hours_are_established_unless_their_account_says_otherwise() -> None:
    stage = CampaignStage()
    population = stage._population
    log_start = summary("first", "a", START + 60.0, START)  # the stage's first input
    assert population.see(log_start, ordinary=True) is None
    early = summary("early", "b", START + 2 * HOUR, START + HOUR)
    # Seen in the log's first hours: a customer already, of unknown age.
    assert population.see(early, ordinary=True) is None
    opened = early._replace(account_created=START + 0.5 * HOUR)
    assert population.see(opened, ordinary=True) == START + 0.5 * HOUR  # the data says
    later = early._replace(first_ts=START + 10 * HOUR, ts=START + 11 * HOUR)
    assert population.see(later, ordinary=True) == START + 10 * HOUR  # assumed: first seen
    assert population.is_new(START + 10 * HOUR, START + 11 * HOUR)
    assert not population.is_new(START - 30 * 86400.0, START + 11 * HOUR)


def test_a_cohort_without_text_or_addresses_is_tied_by_its_opening_and_its_hours() -> None:
    # Metadata only: accounts opened within an hour, active in the same few hours.
    rng = random.Random(7)
    cohort: list[KeySummary] = []
    for i in range(30):
        created = START - 86400.0 + rng.uniform(0, 3600)
        cohort.extend(
            summary(f"bare-{i:02d}", f"bare-acct-{i}", START + h * HOUR + 11.0 * i, START,
                    account_created=created, events=20.0, active_hours=0b111 << (h % 24) >> 2,
                    total=3.5, harvest=3.0)
            for h in range(6, 30)
        )  # fmt: skip
    stage = CampaignStage()
    alerts = run(stage, merged(population(rng, 200, 30), iter(cohort)))
    assert alerts == [] or {a.api_key_id for a in alerts} <= {f"bare-{i:02d}" for i in range(30)}
    clusters = {stage._keys[f"bare-{i:02d}"].cluster for i in range(30)}
    assert len(clusters) == 1 and 0 not in clusters


def test_idle_keys_and_clusters_expire_in_event_time() -> None:
    config = CampaignConfig(key_ttl_seconds=2 * HOUR, group_ttl_seconds=2 * HOUR)
    stage = CampaignStage(config)
    rng = random.Random(8)
    run(stage, merged(population(rng, 50, 30), swarm(rng, 20, 30)))
    tracked = [k for k in stage._keys if k.startswith("swarm-")]
    assert len(tracked) >= 15
    later = [
        summary(f"late-{i}", f"late-acct-{i}", START + 80 * HOUR + i, START + 80 * HOUR,
                frames=(rng.getrandbits(64),), total=3.0)
        for i in range(1100)
    ]  # fmt: skip
    run(stage, later)
    assert not any(key.startswith("swarm-") for key in stage._keys)
    assert not any(
        k.startswith("swarm-") for cluster in stage._clusters.values() for k in cluster.members
    )
    stats = stage.stats
    assert stats.keys_expired >= len(tracked)


def test_caps_hold() -> None:
    config = CampaignConfig(max_keys=50, max_groups=30, max_members=10, max_clusters=20)
    stage = CampaignStage(config)
    rng = random.Random(9)
    many = [
        summary(f"k{i}", f"a{i}", START + i, START - 86400.0, frames=(rng.getrandbits(64),),
                topics=rng.getrandbits(256) & rng.getrandbits(256) & rng.getrandbits(256),
                ip_prefix_bits=rng.getrandbits(256) & rng.getrandbits(256) >> 200,
                total=3.0)
        for i in range(600)
    ]  # fmt: skip
    run(stage, many)
    assert stage.stats.keys_tracked <= 50
    assert stage.stats.groups_tracked <= 30
    assert stage.stats.clusters_tracked <= 20
    assert all(len(c.members) <= 10 for c in stage._clusters.values())


def test_snapshot_restore_continues_identically() -> None:
    rng = random.Random(10)
    summaries = merged(population(rng, 100, 24), swarm(rng, 40, 24))
    whole = [a.to_json() for a in run(CampaignStage(), summaries)]
    cut = len(summaries) // 2
    first = CampaignStage()
    head = [a.to_json() for a in run(first, summaries[:cut])]
    restored = CampaignStage.restore(first.snapshot())
    tail = [a.to_json() for a in run(restored, summaries[cut:])]
    assert whole and head + tail == whole


def test_same_input_gives_same_alert_ids() -> None:
    summaries = merged(population(random.Random(11), 100, 30), swarm(random.Random(12), 40, 30))
    one = [a.to_json() for a in run(CampaignStage(), summaries)]
    two = [a.to_json() for a in run(CampaignStage(), summaries)]
    assert one and one == two


def swarm_events(keys: int, hours: float) -> list[Event]:
    """Raw events of a small swarm: new accounts, one curriculum split among them (each
    item asked once), long worked answers, each key on its own address."""
    rng = random.Random(9)
    events = []
    for i in range(keys):
        ts = START + rng.uniform(0, 60)
        n = 0
        while ts < START + hours * HOUR:
            n += 1
            topic = TOPICS[(i * 37 + n * 11) % len(TOPICS)]
            events.append(
                Event(
                    ts,
                    f"sw-{i:02d}",
                    40,
                    rng.randint(1500, 3000),
                    request_id=f"sw-{i}-{n}",
                    account_id=f"acct-{i}",
                    model="large",
                    max_tokens=8192,
                    client_ip=f"{73 + i}.{rng.randrange(256)}.{rng.randrange(256)}.{i + 1}",
                    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                    prompt_text=SWARM_TEMPLATE.format(t=f"{topic} item {i * 1000 + n}"),
                    account_created=START - 3600.0,
                )
            )
            ts += 600.0 + rng.uniform(-30, 30)
    events.sort(key=lambda e: (e.ts, e.api_key_id))
    return events


#: The per-key engines of a dozen keys have no population to learn scales from: their
#: own evidence stays near 0. The wiring tests lower the stage's thresholds so that
#: what flows from the engines to the stage decides, not the scores' calibration.
WIRING = CampaignConfig(
    candidate_total=0.1, member_total=0.1, warning_threshold=0.3, critical_threshold=0.4,
    recover_threshold=0.1,
)  # fmt: skip


def test_sharded_engine_feeds_the_campaign_stage() -> None:
    events = swarm_events(12, 8)
    sharded = ShardedEngine(EngineConfig(partitions=4), WIRING)
    alerts = [a for e in events for a in sharded.process(e).alerts]
    alerts.extend(sharded.finish())
    campaign = {a.api_key_id for a in alerts if a.detector == "campaign"}
    assert campaign and campaign <= {f"sw-{i:02d}" for i in range(12)}
    plain = ShardedEngine(EngineConfig(partitions=4), campaigns=False)
    assert not any(a.detector == "campaign" for e in events for a in plain.process(e).alerts)


def test_account_age_unknown_is_nan_in_records() -> None:
    rng = random.Random(13)
    stage = CampaignStage()
    run(stage, merged(population(rng, 50, 12), swarm(rng, 5, 12)))
    record = stage._keys["swarm-000"]
    assert not math.isnan(record.onset) and not record.onset_known
