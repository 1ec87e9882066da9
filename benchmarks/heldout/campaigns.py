"""Multi-key campaigns (label ``abuse``, shared ``campaign_id``).

``hydra``         tens of keys sharing frames, a proxy list and a synchronised timing
``key_rotation``  one key at a time, each used for hours and then replaced by the next
``swarm``         100-300 keys sharing nothing but their content: each on its own
                  residential address, the most common browser user agent, its own
                  rewording of the prompts, 15-40 requests a day, accounts opened over
                  days, one task space split among them
"""

from __future__ import annotations

import copy
import random

from benchmarks.heldout.abuse import ABUSE, _domains
from benchmarks.heldout.infra import Pool, _residential, make_pool, user_agent
from benchmarks.heldout.plan import Deck, Harvest, attack_client, build_style, draw_plan, timing_for
from benchmarks.heldout.prompts import draw_languages, make_style
from benchmarks.heldout.tasks import TaskSpace
from benchmarks.heldout.timing import DAY
from benchmarks.heldout.workloads import Draw, ItemSource, SingleRequests, Walk, lognorm
from benchmarks.heldout.world import World

_REASONING = ("o4-mini", "o3-mini", "o3")
_CHAT = ("gpt-4o", "gpt-4.1", "gpt-4o-mini")


def _campaign_id(kind: str, rng: random.Random) -> str:
    return f"{kind}-{rng.getrandbits(32):08x}"


def hydra(w: World, deck: Deck, index: int) -> str:
    """A hydra cluster: shared frames, shared proxies, synchronised timing."""
    rng = w.sub(f"hydra/{index}")
    cid = _campaign_id("hydra", rng)
    size = rng.randint(15, 45)
    shape = deck.deal("hydra", "shape", ("flat", "duty_cycle", "working_hours", "daily_curve"))
    plan = draw_plan(deck, "hydra", rng, shape=shape)
    fields = attack_client(w, plan, rng, pool=make_pool("single", rng)).fields
    proxies = rng.choice(("proxy_list", "rotating_dc", "ipv6"))
    if proxies == "proxy_list":
        pool = Pool("few", [_residential(rng) for _ in range(rng.randint(20, 80))])
    else:
        pool = make_pool(proxies, rng)
    plan.infra = f"shared_{proxies}"
    domains = _domains(rng)
    space = TaskSpace(domains, cid, block=rng.randint(10, 50))
    split = rng.random() < 0.6
    style = build_style(plan, rng)  # one style object: the same frames for every key
    daily = lognorm(rng, 300.0, 0.5)
    base_timing = timing_for(plan, rng, daily, w.scale_rate)
    ua = user_agent(plan.ua_kind, rng)
    cohort = (
        w.t0 - DAY * rng.uniform(0.0, 4.0)
        if rng.random() < 0.6
        else w.t0 + rng.uniform(0.0, 0.4) * (w.t1 - w.t0)
    )
    per_account = rng.choice((1, 1, 2, 3))
    account = ""
    for j in range(size):
        krng = w.sub(f"hydra/{index}/{j}")
        source: ItemSource = Walk(space, start=j, step=size) if split else Draw(domains)
        kplan = copy.deepcopy(plan)
        harvest = Harvest(source, style, kplan, krng)
        cl = attack_client(w, kplan, krng, pool=pool, ua=ua, fields=fields)
        created = cohort + krng.uniform(0.0, 6 * 3600.0)
        if j % per_account == 0:
            account = w.new_id("org_", krng)
        kplan.extra.update(domains=list(domains), split_space=split, size=size, daily=round(daily))
        w.add(
            krng,
            scenario="hydra_cluster",
            label=ABUSE,
            structure=kplan.describe(base_timing),
            behaviours=[
                (
                    copy.deepcopy(base_timing),
                    SingleRequests(harvest.request),
                    cl,
                    created + krng.uniform(60, 1800),
                    w.t1,
                )
            ],
            account_id=account,
            created=created,
            campaign_id=cid,
        )
    return cid


def key_rotation(w: World, deck: Deck, index: int) -> str:
    """Key rotation: each key used for a few hours, then replaced by the next."""
    rng = w.sub(f"rotation/{index}")
    cid = _campaign_id("rotation", rng)
    plan = draw_plan(deck, "key_rotation", rng, shape="flat")
    pool = make_pool(plan.infra, rng)
    fields = attack_client(w, plan, rng, pool=pool).fields
    base_timing = timing_for(plan, rng, 1.0, 1.0)
    ua = user_agent(plan.ua_kind, rng)
    style = build_style(plan, rng)
    domains = _domains(rng)
    space = TaskSpace(domains, cid, block=rng.randint(10, 50))
    daily = lognorm(rng, 3000.0, 0.5)
    same_account = rng.random() < 0.5
    account = w.new_id("org_", rng)
    t = w.t0 + rng.uniform(0.0, 6 * 3600.0)
    j = 0
    while t < w.t1 - 3600.0:
        krng = w.sub(f"rotation/{index}/{j}")
        hours = krng.uniform(3.0, 10.0)
        kplan = copy.deepcopy(plan)
        timing = copy.deepcopy(base_timing)
        timing.rate = daily * w.scale_rate / 24.0
        harvest = Harvest(Walk(space, start=j * 100_000), style, kplan, krng)
        cl = attack_client(w, kplan, krng, pool=pool, ua=ua, throttle=0.01, fields=fields)
        kplan.extra.update(
            domains=list(domains), hours=round(hours, 1), position=j, daily=round(daily)
        )
        created = t - krng.uniform(600.0, 2 * DAY)
        w.add(
            krng,
            scenario="key_rotation",
            label=ABUSE,
            structure=kplan.describe(timing),
            behaviours=[(timing, SingleRequests(harvest.request), cl, t, t + hours * 3600.0)],
            account_id=account if same_account else None,
            created=created,
            campaign_id=cid,
        )
        t += hours * 3600.0 + krng.uniform(0.0, 1800.0)
        j += 1
    return cid


def swarm(w: World, deck: Deck, index: int) -> str:
    """A swarm: hundreds of keys that share nothing but their content."""
    rng = w.sub(f"swarm/{index}")
    cid = _campaign_id("swarm", rng)
    size = rng.randint(100, 300)
    domains = _domains(rng)
    space = TaskSpace(domains, cid, block=rng.randint(10, 60))
    interleaved = rng.random() < 0.5
    # an even-numbered swarm mainly harvests a reasoning model, an odd one a chat model
    first, second = (_REASONING, _CHAT) if index % 2 == 0 else (_CHAT, _REASONING)
    models = [rng.choice(first)] + ([rng.choice(second)] if rng.random() < 0.4 else [])
    opened_from = w.t0 - DAY * rng.uniform(2.0, 6.0)
    opened_to = w.t1 - 4 * 3600.0
    for j in range(size):
        krng = w.sub(f"swarm/{index}/{j}")
        model = krng.choice(models)
        kind = "reasoning" if model.startswith("o") else "chat"
        plan = draw_plan(
            deck,
            "swarm",
            krng,
            infra="sticky_residential",
            ua_kind="browser_common",
            shape=deck.deal(
                "swarm", "shape", ("flat", "working_hours", "duty_cycle", "daily_curve", "bursty")
            ),
            model_kind=kind,
            model=model,
            style=krng.choice(("template", "paraphrase", "grammar")),
        )
        plan.langs = draw_languages(krng)
        source: ItemSource = (
            Walk(space, start=j, step=size) if interleaved else Walk(space, start=j * 5000)
        )
        harvest = Harvest(source, make_style(plan.style, krng, plan.langs), plan, krng)
        daily = krng.uniform(15.0, 40.0)
        timing = timing_for(plan, krng, daily, w.scale_rate)
        cl = attack_client(w, plan, krng)
        created = opened_from + krng.random() * (opened_to - opened_from)
        plan.extra.update(
            domains=list(domains), interleaved=interleaved, size=size, daily=round(daily, 1)
        )
        w.add(
            krng,
            scenario="swarm",
            label=ABUSE,
            structure=plan.describe(timing),
            behaviours=[
                (
                    timing,
                    SingleRequests(harvest.request),
                    cl,
                    created + krng.uniform(120, 7200),
                    w.t1,
                )
            ],
            created=created,
            campaign_id=cid,
        )
    return cid
