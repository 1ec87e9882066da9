"""Benign archetypes: each resembles extraction on one axis, never on all of them.

Each archetype is a function ``(ctx) -> Iterator[Item]`` that reads its drawn
structure (``ctx.structure``: timing, infrastructure, user agent, model) and
draws its own knobs (rate, sizes, time zone) from the key's generator, so two
keys of one archetype differ. :data:`OPTIONS` lists, per archetype, the values
each structure axis can take (the roster draws them; see
:func:`pipeline.simulate.structure.draw_benign`). The look-alikes added for the
harvest-vs-use question (support bots, smart replies, label pipelines, declared
benchmark runs, maintenance agents) live in :mod:`.lookalikes`.
Rates are requests per day (``per_day``) or per second.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from pipeline.simulate import infra
from pipeline.simulate import styles as st
from pipeline.simulate import timing as tm
from pipeline.simulate.emit import FRAMEWORK_UA, Item, KeyContext, Network, ip_prefixes
from pipeline.simulate.shapes import TZ

__all__ = [
    "APP_INFRA",
    "OPTIONS",
    "SDK_UAS",
    "Archetype",
    "app_network",
    "app_segments",
    "individual_developer",
    "loguniform",
    "reseller",
    "reseller_network",
    "run",
]

Archetype = Callable[[KeyContext], Iterator[Item]]

SDK_UAS = (
    "atlas-python/1.12.0", "atlas-python/1.9.4", "atlas-node/3.4.1", "python-requests/2.32.3",
    "axios/1.7.7", "okhttp/4.12.0", "Go-http-client/2.0", "Java-http-client/21.0.4",
)  # fmt: skip
DEV_UAS = ("curl/8.5.0", "PostmanRuntime/7.42.0", "atlas-python/1.12.0", "python-httpx/0.27.2")
_RESIDENTIAL_FIRSTS = ("24.", "67.", "73.", "86.", "92.", "101.", "112.", "176.", "187.", "189.")

#: Infrastructure of an app backend: a few cloud prefixes, one NAT address, an autoscaled
#: fleet on rotating datacenter prefixes, or its end users' browsers (each request from
#: its own residential address, browser user agent).
APP_INFRA = ("cloud", "cloud", "cloud_single", "datacenter_rotating")


def loguniform(rng: random.Random, low: float, high: float) -> float:
    """A log-uniform draw: rates vary by orders of magnitude between keys."""
    return float(low * (high / low) ** rng.random())


def _agent(rng: random.Random, kind: str, pool: tuple[str, ...]) -> str:
    if kind == "browser":
        return infra.BROWSER_UA
    if kind == "script":
        return rng.choice(infra.SCRIPT_UAS)
    if kind == "framework":
        return FRAMEWORK_UA
    return rng.choice(pool)


def app_network(ctx: KeyContext, pool: tuple[str, ...] = SDK_UAS) -> Network:
    """The key's network from its structure (``infra``, ``sharing``, ``user_agent``)."""
    s, rng = ctx.structure, ctx.rng
    ua = _agent(rng, s.user_agent, pool)
    shared = s.sharing == "shared"
    if s.infra == "cloud":
        count = rng.randint(1, 4)
        if shared:
            return Network(tuple(rng.sample(ctx.pools.datacenter, count)), (ua,))
        return Network(ip_prefixes(rng, "cloud", count, 0.1), (ua,))
    if s.infra == "residential":  # a home or office line: one to three prefixes
        if shared:
            return Network(tuple(rng.sample(ctx.pools.residential, rng.randint(1, 3))), (ua,))
        return Network(ip_prefixes(rng, "residential", rng.randint(1, 3), 0.3), (ua,))
    if s.infra == "end_users":
        if shared:
            return Network(ctx.pools.residential, (ua,))
        return Network(_RESIDENTIAL_FIRSTS, (ua,), fresh=True)
    if s.infra in ("cloud_single", "datacenter_rotating"):
        net = infra.network(rng, ctx.pools, s.infra, s.sharing, "sdk")
        return Network(net.prefixes, (ua,), net.rotate, net.fresh)
    raise ValueError(f"unknown benign infra {s.infra!r}")


def app_segments(
    ctx: KeyContext,
    per_day: float,
    profile: tuple[float, ...] = tm.CONSUMER,
    weekend: float = 1.0,
    noise: float = 0.2,
) -> Iterator[tm.Segment]:
    """Segments of an app's traffic averaging about ``per_day`` requests a day, shaped by
    the key's ``timing``: its own daily curve, flat, office hours, duty cycles, jobs or
    bursts."""
    rng, r, start, end = ctx.rng, ctx.rng.random, ctx.start, ctx.end
    timing = ctx.structure.timing
    if timing == "daily_curve":
        return tm.diurnal(r, start, end, per_day, rng.choice(TZ), profile, weekend, noise)
    if timing == "flat":
        return tm.diurnal(r, start, end, per_day, rng.choice(TZ), tm.FLAT, 1.0, noise)
    if timing == "working_hours":
        weekend_share = rng.uniform(0.05, 0.3)
        return tm.diurnal(r, start, end, per_day, rng.choice(TZ), tm.BUSINESS, weekend_share, noise)
    if timing == "duty_cycle":
        on, off = rng.uniform(1.0, 6.0), rng.uniform(1.0, 10.0)
        rate = per_day / tm.DAY * (on + off) / on
        return tm.duty_cycle(r, start, end, rate, on, off, rng.random())
    if timing == "jobs":
        jobs = rng.uniform(0.5, 2.5)
        hours = rng.uniform(1.0, 5.0)
        return tm.jobs(r, start, end, jobs, (0.5 * hours, 1.5 * hours),
                       per_day / (jobs * hours * tm.HOUR), None)  # fmt: skip
    if timing == "bursty_sessions":
        sessions, minutes = rng.uniform(2.0, 10.0), loguniform(rng, 10.0, 90.0)
        return tm.bursts(r, start, end, sessions, minutes, per_day / (sessions * minutes * 60.0))
    raise ValueError(f"unknown benign timing {timing!r}")


def run(ctx: KeyContext, times: Iterator[float], style: st.Style, net: Network) -> Iterator[Item]:
    """Emit ``style()`` from ``net`` at each of ``times``."""
    emit = ctx.emitter.emit
    for t in times:
        yield emit(t, style(), net)


def _process(ctx: KeyContext, segments: Iterator[tm.Segment]) -> Iterator[float]:
    r = ctx.rng.random
    if ctx.structure.pacing == "machine":
        return tm.paced(r, segments, ctx.rng.uniform(0.2, 0.8))
    return tm.poisson(r, segments)


def individual_developer(ctx: KeyContext) -> Iterator[Item]:
    """Sparse, bursty sessions in local business hours (or at any hour); home addresses."""
    rng, r = ctx.rng, ctx.rng.random
    s = ctx.structure
    agents = tuple(rng.sample(DEV_UAS, 2))
    if s.user_agent == "browser":  # the provider's playground, from the browser
        agents = (infra.BROWSER_UA, agents[0])
    net = app_network(ctx)
    net = Network(net.prefixes, agents, net.rotate, net.fresh)
    per_second = loguniform(rng, 0.3, 4) / 60
    segments: Iterator[tm.Segment]
    if s.timing == "bursty_sessions":
        segments = tm.bursts(r, ctx.start, ctx.end, loguniform(rng, 0.2, 2.5),
                             loguniform(rng, 8, 60), per_second)  # fmt: skip
    else:
        segments = tm.sessions(
            r, ctx.start, ctx.end, rng.choice(TZ), loguniform(rng, 0.2, 2.5),
            loguniform(rng, 8, 60), per_second, 0.15,
        )  # fmt: skip
    return run(ctx, tm.poisson(r, segments), st.Dev(rng), net)


def chat_app(ctx: KeyContext) -> Iterator[Item]:
    """Consumer traffic from many end users; high volume at peak."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 1000, 15000), tm.CONSUMER, 1.15, 0.15)
    style = st.Chat(rng, reasoning=ctx.structure.model == "reasoning")
    return run(ctx, _process(ctx, segments), style, app_network(ctx))


def framework_app(ctx: KeyContext) -> Iterator[Item]:
    """An app on a popular framework: shared system prompt and user agent (campaign look-alike)."""
    rng = ctx.rng
    style: st.Style
    if rng.random() < 0.6:
        style = st.Chat(rng, st.FRAMEWORK_SYSTEM_HASH, ctx.structure.model == "reasoning")
    else:
        style = st.Rag(rng, st.FRAMEWORK_SYSTEM_HASH)
    segments = app_segments(ctx, loguniform(rng, 100, 3000), tm.CONSUMER, 1.0, 0.3)
    net = app_network(ctx)
    if ctx.structure.sharing == "shared":
        # Hosted on the framework's own cloud platform: every hosted customer leaves
        # through its egress, a few addresses of one /24.
        platform = ctx.pools.datacenter[0]
        net = Network(tuple(f"{platform}{host}" for host in (11, 12, 13, 14, 15, 16)),
                      net.user_agents)  # fmt: skip
    return run(ctx, _process(ctx, segments), style, net)


def batch_classifier(ctx: KeyContext) -> Iterator[Item]:
    """One template at high volume, tiny outputs: a 24/7 queue, daytime jobs or duty cycles."""
    rng, r = ctx.rng, ctx.rng.random
    segments: Iterator[tm.Segment]
    if ctx.structure.timing == "jobs":
        segments = tm.jobs(
            r, ctx.start, ctx.end, rng.uniform(0.5, 2.5), (1, 5), loguniform(rng, 0.1, 0.8), None
        )
    else:
        segments = app_segments(ctx, loguniform(rng, 2000, 20000), tm.FLAT, 1.0, 0.35)
    times = tm.paced(r, segments, rng.uniform(0.2, 0.8))
    return run(ctx, times, st.Classifier(rng), app_network(ctx))


def _eval(ctx: KeyContext, public: bool) -> Iterator[Item]:
    rng, r = ctx.rng, ctx.rng.random
    nightly = float(rng.randrange(0, 7)) if ctx.structure.timing == "nightly_jobs" else None
    if public:
        segments = tm.jobs(
            r, ctx.start, ctx.end, rng.uniform(0.2, 0.8), (0.5, 3), loguniform(rng, 0.05, 0.4),
            nightly,
        )  # fmt: skip
    else:
        segments = tm.jobs(
            r, ctx.start, ctx.end, rng.uniform(0.3, 1.5), (1, 6), loguniform(rng, 0.1, 0.8), nightly
        )
    times = tm.paced(r, segments, rng.uniform(0.3, 0.9))
    style = st.Eval(rng, public, ctx.structure.model == "reasoning")
    return run(ctx, times, style, app_network(ctx))


def eval_harness(ctx: KeyContext) -> Iterator[Item]:
    """A private eval harness: hours-long paced bursts sweeping a taxonomy, some step by step."""
    return _eval(ctx, public=False)


def public_benchmark_user(ctx: KeyContext) -> Iterator[Item]:
    """One of many unrelated customers running the same public benchmark (campaign look-alike)."""
    return _eval(ctx, public=True)


def tutoring_app(ctx: KeyContext) -> Iterator[Item]:
    """Student traffic asking for step-by-step explanations (after school, or school hours)."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 400, 6000), tm.CONSUMER, 0.8, 0.2)
    style = st.Tutor(rng, ctx.structure.model == "reasoning")
    return run(ctx, _process(ctx, segments), style, app_network(ctx))


def longform_generator(ctx: KeyContext) -> Iterator[Item]:
    """Templated article requests with long outputs: office hours, batch jobs or a curve."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 50, 1500), tm.BUSINESS, 0.2, 0.3)
    return run(ctx, _process(ctx, segments), st.Longform(rng), app_network(ctx))


def translation_service(ctx: KeyContext) -> Iterator[Item]:
    """Templated translation at high volume, often 24/7."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 1000, 15000), tm.BUSINESS, 0.7, 0.3)
    return run(ctx, _process(ctx, segments), st.Translation(rng), app_network(ctx))


def rag_app(ctx: KeyContext) -> Iterator[Item]:
    """Long retrieved contexts, short answers; an internal tool or a customer-facing app."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 300, 5000), tm.CONSUMER, 0.5, 0.25)
    return run(ctx, _process(ctx, segments), st.Rag(rng), app_network(ctx))


def coding_agent(ctx: KeyContext) -> Iterator[Item]:
    """Long sessions of tool loops: many requests a minute, big prompts (office hours, or
    at any hour)."""
    rng, r = ctx.rng, ctx.rng.random
    segments: Iterator[tm.Segment]
    if ctx.structure.timing == "bursty_sessions":
        segments = tm.bursts(r, ctx.start, ctx.end, loguniform(rng, 0.4, 3.0),
                             loguniform(rng, 30, 150), 0.0)  # fmt: skip
    else:
        segments = tm.sessions(
            r, ctx.start, ctx.end, rng.choice(TZ), loguniform(rng, 0.4, 2.0),
            loguniform(rng, 30, 150), 0.0, 0.2,
        )  # fmt: skip
    style = st.Agent(rng, ctx.structure.model == "reasoning")
    net = app_network(ctx)
    emit = ctx.emitter.emit
    return (emit(t, style.turn(step), net) for t, step in tm.agent_loops(r, segments))


def reseller_network(rng: random.Random) -> Network:
    """A reseller's gateway: many egress prefixes, its own user agent."""
    name = rng.choice(("relayhub", "promptport", "llmgate"))
    ua = f"{name}-gateway/{rng.randint(1, 4)}.{rng.randint(0, 9)}"
    return Network(ip_prefixes(rng, "cloud", rng.randint(8, 30), 0.2), (ua,))


def reseller(ctx: KeyContext, net: Network | None = None) -> Iterator[Item]:
    """A legitimate reseller: its customers' mixed traffic, flattened by global time zones."""
    rng, r = ctx.rng, ctx.rng.random
    net = net or reseller_network(rng)
    profile = tuple(0.5 + 0.5 * x for x in tm.CONSUMER)
    segments = tm.diurnal(
        r, ctx.start, ctx.end, loguniform(rng, 2000, 12000), rng.choice(TZ), profile, 1.0, 0.2
    )
    return run(ctx, tm.poisson(r, segments), st.Reseller(rng), net)


_SHARING = ("own", "own", "shared")
_APP = {"infra": APP_INFRA, "sharing": _SHARING, "user_agent": ("sdk", "sdk", "script")}

#: Per archetype: the values each structure axis can take (``fields`` is drawn for all).
OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "individual_developer": {
        "timing": ("working_hours", "working_hours", "bursty_sessions"), "pacing": ("poisson",),
        "infra": ("residential",), "sharing": _SHARING,
        "user_agent": ("script", "browser", "sdk"), "prompts": ("free_text",),
        "model": ("mixed",),
    },
    "chat_app": {
        **_APP, "timing": ("daily_curve", "daily_curve", "flat", "working_hours"),
        "pacing": ("poisson",), "infra": (*APP_INFRA, "end_users"),
        "prompts": ("free_text",), "model": ("standard", "standard", "reasoning"),
    },
    "framework_app": {
        **_APP, "timing": ("daily_curve",), "pacing": ("poisson",), "user_agent": ("framework",),
        "sharing": ("shared", "own"), "prompts": ("free_text",), "model": ("standard", "reasoning"),
    },
    "batch_classifier": {
        **_APP, "timing": ("flat", "flat", "jobs", "duty_cycle"), "pacing": ("machine",),
        "prompts": ("templates",), "model": ("standard",),
    },
    "eval_harness": {
        **_APP, "timing": ("jobs", "jobs", "nightly_jobs"), "pacing": ("machine",),
        "prompts": ("templates",), "model": ("standard", "standard", "reasoning"),
    },
    "public_benchmark_user": {
        **_APP, "timing": ("jobs", "jobs", "nightly_jobs"), "pacing": ("machine",),
        "prompts": ("templates",), "model": ("standard", "standard", "reasoning"),
    },
    "tutoring_app": {
        **_APP, "timing": ("daily_curve", "working_hours"), "pacing": ("poisson",),
        "infra": (*APP_INFRA, "end_users"), "prompts": ("free_text",),
        "model": ("standard", "reasoning"),
    },
    "longform_generator": {
        **_APP, "timing": ("working_hours", "jobs", "daily_curve"),
        "pacing": ("poisson", "machine"), "prompts": ("templates",), "model": ("standard",),
    },
    "translation_service": {
        **_APP, "timing": ("flat", "flat", "working_hours", "daily_curve"),
        "pacing": ("poisson", "machine"), "prompts": ("templates",), "model": ("standard",),
    },
    "rag_app": {
        **_APP, "timing": ("working_hours", "daily_curve"), "pacing": ("poisson",),
        "prompts": ("free_text",), "model": ("standard",),
    },
    "coding_agent": {
        **_APP, "timing": ("working_hours", "working_hours", "bursty_sessions"),
        "pacing": ("agent_loops",), "infra": ("residential", "residential", "cloud"),
        "prompts": ("conversation",), "model": ("standard", "reasoning"),
    },
    "reseller": {
        "timing": ("daily_curve",), "pacing": ("poisson",), "infra": ("gateway",),
        "sharing": ("own",), "user_agent": ("gateway",), "prompts": ("free_text",),
        "model": ("mixed",),
    },
}  # fmt: skip

ARCHETYPES: dict[str, Archetype] = {
    "individual_developer": individual_developer,
    "chat_app": chat_app,
    "framework_app": framework_app,
    "batch_classifier": batch_classifier,
    "eval_harness": eval_harness,
    "public_benchmark_user": public_benchmark_user,
    "tutoring_app": tutoring_app,
    "longform_generator": longform_generator,
    "translation_service": translation_service,
    "rag_app": rag_app,
    "coding_agent": coding_agent,
    "reseller": reseller,
}
