"""Campaign stage: hand-built summaries (swarm vs. benign crowds), bounds, persistence, wiring."""

from __future__ import annotations

import random
from collections.abc import Iterator

from detectors.alerts import Alert
from detectors.campaign_config import CampaignConfig
from detectors.campaigns import CampaignStage
from detectors.config import EngineConfig
from detectors.events import Event
from detectors.evidence.families import ramp
from detectors.fingerprints import fingerprint
from detectors.sharded import ShardedEngine
from detectors.summaries import KeySummary

START = 1_791_158_400.0
HOUR = 3600.0
TOPICS = [f"topic{i} subject{i * 7 % 13}" for i in range(200)]
SWARM_TEMPLATE = "Explain {t} in detail. Think step by step and show your complete reasoning first."
BENCH_TEMPLATE = "The following is a multiple choice question about {t}. Answer with one letter."
UA_SCRIPT = 1 << 41


def signature(template: str, rng: random.Random) -> int:
    return fingerprint(template.format(t=rng.choice(TOPICS))).signature


def bits_from(rng: random.Random, pool: list[int], count: int) -> int:
    value = 0
    for bit in rng.sample(pool, count):
        value |= 1 << bit
    return value


def summary(
    key: str,
    account: str,
    ts: float,
    templates: tuple[int, ...],
    ip_bits: int,
    ua_bits: int,
    reasoning: float,
    output_mean: float,
    harvest: float,
    first_ts: float = START,
) -> KeySummary:
    # The key's own evidence as the old content rule read it (reasoning asks, long
    # outputs, harvesting), on the scale content_evidence reads back.
    content = (
        0.3 * ramp(reasoning, 0.2, 0.6) + 0.5 * ramp(output_mean, 300.0, 1200.0)
        + 0.2 * min(max(harvest, 0.0), 1.0)
    )  # fmt: skip
    return KeySummary(
        key, account, ts, first_ts, events=20.0, requests_per_hour=1.5, frames=templates,
        ip_prefix_bits=ip_bits, user_agent_bits=ua_bits, total=2.0 + 4.0 * content,
        harvest=harvest, timing=0.2,
    )  # fmt: skip


def swarm(rng: random.Random, keys: int, hours: int, prefix: str = "swarm") -> Iterator[KeySummary]:
    """Fresh accounts, one template, a shared pool of 6 proxy prefixes, one script UA, hourly."""
    pool = rng.sample(range(64), 6)
    for hour in range(hours):
        for i in range(keys):
            ts = START + hour * HOUR + 60.0 * i / keys
            yield summary(
                f"{prefix}-{i:03d}", f"{prefix}-acct-{i}", ts, (signature(SWARM_TEMPLATE, rng),),
                bits_from(rng, pool, 4), UA_SCRIPT, 0.9, 1800.0, 0.9,
            )  # fmt: skip


def benchmark_crowd(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Unrelated customers on one public benchmark with CoT and long answers: own cloud
    prefixes, common SDK user agents, old keys, bursty jobs (not every hour)."""
    own = [bits_from(rng, list(range(64)), rng.randint(1, 2)) for _ in range(keys)]
    uas = [1 << rng.choice((3, 9, 17)) for _ in range(keys)]
    for hour in range(hours):
        for i in range(keys):
            if rng.random() < 0.5:
                continue
            yield summary(
                f"bench-{i:03d}", f"bench-acct-{i}", START + hour * HOUR + 30.0 * i,
                (signature(BENCH_TEMPLATE, rng),), own[i], uas[i], 0.95, 1500.0, 0.8,
                first_ts=START - 90 * 86400.0,
            )  # fmt: skip


def framework_crowd(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Apps on one framework: shared template and UA, even a shared egress, but chat content."""
    pool = rng.sample(range(64), 4)
    for hour in range(hours):
        for i in range(keys):
            yield summary(
                f"fw-{i:03d}", f"fw-acct-{i}", START + hour * HOUR + 30.0 * i,
                (signature(BENCH_TEMPLATE, rng),), bits_from(rng, pool, 2), 1 << 5,
                0.0, 150.0, 0.0,
            )  # fmt: skip


def merged(*streams: Iterator[KeySummary]) -> list[KeySummary]:
    return sorted((s for stream in streams for s in stream), key=lambda s: (s.ts, s.api_key_id))


def run(stage: CampaignStage, summaries: list[KeySummary]) -> list[Alert]:
    return stage.process_many(summaries)


def test_swarm_forms_one_campaign_and_escalates_every_member() -> None:
    alerts = run(CampaignStage(), merged(swarm(random.Random(1), 40, 6)))
    critical = {a.api_key_id for a in alerts if a.severity == "critical"}
    assert critical == {f"swarm-{i:03d}" for i in range(40)}
    assert {a.detector for a in alerts} == {"campaign"}
    assert len({a.campaign_id for a in alerts}) == 1
    first = next(a for a in alerts if a.severity == "critical")
    assert len(first.related_keys) == 39 and first.api_key_id not in first.related_keys
    features = [r.feature for r in first.reasons]
    assert {"shared_ip_prefixes", "synchronized_activity", "accounts"} <= set(features)
    # Members escalate together: every member's critical alert has the same event time.
    assert len({a.ts for a in alerts if a.severity == "critical"}) == 1


def test_light_members_without_recurring_templates_join_by_probes() -> None:
    # Swarm keys too light to have repeated a template yet send one-off prompt
    # signatures instead: they join the campaign the heavier members founded.
    rng = random.Random(5)
    summaries = merged(swarm(random.Random(1), 40, 6))
    light_keys = {f"swarm-{i:03d}" for i in range(30, 40)}
    summaries = [
        s._replace(frames=(), probes=(signature(SWARM_TEMPLATE, rng),))
        if s.api_key_id in light_keys
        else s
        for s in summaries
    ]
    alerts = run(CampaignStage(), summaries)
    critical = {a.api_key_id for a in alerts if a.severity == "critical"}
    assert light_keys <= critical
    # The same keys busy (500 requests a day) without a recurring template are not
    # template-driven: their one-off prompts are not looked up.
    busy = [s._replace(events=500.0) if s.api_key_id in light_keys else s for s in summaries]
    alerted = {a.api_key_id for a in run(CampaignStage(), busy)}
    assert not alerted & light_keys
    assert len({a.campaign_id for a in alerts}) == 1


def test_probes_never_found_a_group_nor_bring_in_chat_content() -> None:
    rng = random.Random(7)
    only_probes = [s._replace(frames=(), probes=s.frames) for s in swarm(rng, 30, 6)]
    stage = CampaignStage()
    assert run(stage, only_probes) == []
    assert stage.stats.groups_tracked == 0
    # Chat-like keys (no extraction content) on the swarm's template and proxies: their
    # probes are not even looked up.
    chat = [
        s._replace(
            api_key_id=f"chat-{s.api_key_id}",
            account_id=f"chat-{s.account_id}",
            frames=(),
            probes=s.frames,
            total=0.5,
            harvest=0.0,
        )
        for s in swarm(random.Random(8), 10, 6)
    ]
    alerts = run(CampaignStage(), merged(swarm(random.Random(1), 30, 6), iter(chat)))
    assert not {a.api_key_id for a in alerts} & {s.api_key_id for s in chat}


def test_public_benchmark_and_framework_crowds_are_not_campaigns() -> None:
    rng = random.Random(2)
    summaries = merged(benchmark_crowd(rng, 60, 12), framework_crowd(rng, 60, 12))
    stage = CampaignStage()
    assert run(stage, summaries) == []
    assert stage.campaigns() == []


def test_swarm_hidden_in_a_benign_crowd_pulls_in_no_benign_key() -> None:
    rng = random.Random(3)
    summaries = merged(swarm(rng, 30, 6), benchmark_crowd(rng, 60, 6), framework_crowd(rng, 40, 6))
    alerts = run(CampaignStage(), summaries)
    alerted = {a.api_key_id for a in alerts}
    assert alerted == {f"swarm-{i:03d}" for i in range(30)}


def test_single_account_is_not_a_campaign() -> None:
    one_owner = [s._replace(account_id="acct-1") for s in swarm(random.Random(4), 20, 4)]
    assert run(CampaignStage(), one_owner) == []


def test_idle_keys_and_groups_expire_in_event_time() -> None:
    config = CampaignConfig(key_ttl_seconds=2 * HOUR, group_ttl_seconds=2 * HOUR)
    stage = CampaignStage(config)
    run(stage, merged(swarm(random.Random(5), 20, 2)))
    assert stage.stats.keys_tracked == 20
    later = START + 10 * HOUR
    # Enough unrelated traffic later on to trigger the periodic expiry sweep.
    filler = [
        summary(
            f"late-{i}",
            f"late-acct-{i}",
            later + i,
            (fingerprint(f"w{i} x{i} y{i}").signature,),
            1,
            1,
            0.0,
            10.0,
            0.0,
        )
        for i in range(1100)
    ]
    run(stage, filler)
    stats = stage.stats
    assert not any(key.startswith("swarm-") for key in stage._keys)
    assert stats.keys_expired >= 20 and stats.groups_expired >= 1


def test_caps_hold() -> None:
    config = CampaignConfig(max_keys=50, max_groups=30, max_members=10)
    stage = CampaignStage(config)
    rng = random.Random(6)
    many = [
        summary(
            f"k{i}",
            f"a{i}",
            START + i,
            (rng.getrandbits(64), signature(SWARM_TEMPLATE, rng)),
            rng.getrandbits(64),
            1,
            0.5,
            900.0,
            0.5,
        )
        for i in range(600)
    ]
    run(stage, many)
    assert stage.stats.keys_tracked <= 50
    assert stage.stats.groups_tracked <= 30
    assert all(len(g.members) <= 10 for g in stage._groups.values())


def test_snapshot_restore_continues_identically() -> None:
    rng = random.Random(7)
    summaries = merged(swarm(rng, 25, 8), benchmark_crowd(rng, 20, 8))
    whole = [a.to_json() for a in run(CampaignStage(), summaries)]
    cut = len(summaries) // 3
    first = CampaignStage()
    head = [a.to_json() for a in run(first, summaries[:cut])]
    restored = CampaignStage.restore(first.snapshot())
    tail = [a.to_json() for a in run(restored, summaries[cut:])]
    assert whole and head + tail == whole


def test_same_input_gives_same_alert_ids() -> None:
    summaries = merged(swarm(random.Random(8), 30, 5))
    one = [a.to_json() for a in run(CampaignStage(), summaries)]
    two = [a.to_json() for a in run(CampaignStage(), summaries)]
    assert one and one == two


def swarm_events(keys: int, hours: float) -> list[Event]:
    """Raw events of a small swarm: a request per key every 10 minutes through 5 proxies."""
    rng = random.Random(9)
    proxies = [f"185.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(5)]
    events = []
    for i in range(keys):
        ts = START + rng.uniform(0, 60)
        n = 0
        while ts < START + hours * HOUR:
            n += 1
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
                    client_ip=f"{rng.choice(proxies)}.{rng.randint(1, 250)}",
                    user_agent="python-httpx/0.27.2",
                    prompt_text=SWARM_TEMPLATE.format(t=rng.choice(TOPICS)),
                )
            )
            ts += 600.0 + rng.uniform(-30, 30)
    events.sort(key=lambda e: (e.ts, e.api_key_id))
    return events


def test_sharded_engine_feeds_the_campaign_stage() -> None:
    events = swarm_events(12, 8)
    sharded = ShardedEngine(EngineConfig(partitions=4))
    alerts = [a for e in events for a in sharded.process(e).alerts]
    campaign = {
        a.api_key_id for a in alerts if a.detector == "campaign" and a.severity == "critical"
    }
    assert campaign == {f"sw-{i:02d}" for i in range(12)}
    plain = ShardedEngine(EngineConfig(partitions=4), campaigns=False)
    assert not any(a.detector == "campaign" for e in events for a in plain.process(e).alerts)
