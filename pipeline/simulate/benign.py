"""Benign archetypes: each resembles extraction on one axis, never on all of them.

Each archetype is a function ``(ctx) -> Iterator[Item]`` that draws its own
knobs (rate, sizes, time zone, network) from the key's generator, so two keys
of one archetype differ. Rates are requests per day (``per_day``) or per second.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from pipeline.simulate import styles as st
from pipeline.simulate import timing as tm
from pipeline.simulate.emit import FRAMEWORK_UA, Item, KeyContext, Network, ip_prefixes

__all__ = ["ARCHETYPES", "BENIGN_WEIGHTS", "Archetype", "loguniform"]

Archetype = Callable[[KeyContext], Iterator[Item]]

_TZ = (-8.0, -7.0, -5.0, -3.0, 0.0, 1.0, 1.0, 2.0, 3.0, 5.5, 8.0, 9.0)
SDK_UAS = (
    "atlas-python/1.12.0", "atlas-python/1.9.4", "atlas-node/3.4.1", "python-requests/2.32.3",
    "axios/1.7.7", "okhttp/4.12.0", "Go-http-client/2.0", "Java-http-client/21.0.4",
)  # fmt: skip
DEV_UAS = ("curl/8.5.0", "PostmanRuntime/7.42.0", "atlas-python/1.12.0", "python-httpx/0.27.2")


def loguniform(rng: random.Random, low: float, high: float) -> float:
    """A log-uniform draw: rates vary by orders of magnitude between keys."""
    return float(low * (high / low) ** rng.random())


def _app_network(rng: random.Random, ua: str | None = None) -> Network:
    prefixes = ip_prefixes(rng, "cloud", rng.randint(1, 4), 0.1)
    return Network(prefixes, (ua or rng.choice(SDK_UAS),))


def _run(ctx: KeyContext, times: Iterator[float], style: st.Style, net: Network) -> Iterator[Item]:
    emit = ctx.emitter.emit
    for t in times:
        yield emit(t, style(), net)


def individual_developer(ctx: KeyContext) -> Iterator[Item]:
    """Sparse, bursty sessions in local business hours; residential addresses."""
    rng, r = ctx.rng, ctx.rng.random
    net = Network(
        ip_prefixes(rng, "residential", rng.randint(1, 3), 0.3), tuple(rng.sample(DEV_UAS, 2))
    )
    segments = tm.sessions(
        r, ctx.start, ctx.end, rng.choice(_TZ), loguniform(rng, 0.2, 2.5),
        loguniform(rng, 8, 60), loguniform(rng, 0.3, 4) / 60, 0.15,
    )  # fmt: skip
    return _run(ctx, tm.poisson(r, segments), st.Dev(rng), net)


def chat_app(ctx: KeyContext) -> Iterator[Item]:
    """Diurnal consumer traffic from many end users; high volume at peak."""
    rng, r = ctx.rng, ctx.rng.random
    segments = tm.diurnal(
        r,
        ctx.start,
        ctx.end,
        loguniform(rng, 1000, 15000),
        rng.choice(_TZ),
        tm.CONSUMER,
        1.15,
        0.15,
    )
    return _run(ctx, tm.poisson(r, segments), st.Chat(rng), _app_network(rng))


def framework_app(ctx: KeyContext) -> Iterator[Item]:
    """An app on a popular framework: shared system prompt and user agent (campaign look-alike)."""
    rng, r = ctx.rng, ctx.rng.random
    style: st.Style
    if rng.random() < 0.6:
        style = st.Chat(rng, st.FRAMEWORK_SYSTEM_HASH)
    else:
        style = st.Rag(rng, st.FRAMEWORK_SYSTEM_HASH)
    segments = tm.diurnal(
        r, ctx.start, ctx.end, loguniform(rng, 100, 3000), rng.choice(_TZ), tm.CONSUMER, 1.0, 0.3
    )
    return _run(ctx, tm.poisson(r, segments), style, _app_network(rng, FRAMEWORK_UA))


def batch_classifier(ctx: KeyContext) -> Iterator[Item]:
    """One template at high volume, tiny outputs; a 24/7 machine-paced queue or daytime jobs."""
    rng, r = ctx.rng, ctx.rng.random
    segments: Iterator[tm.Segment]
    if rng.random() < 0.6:
        segments = tm.flat(r, ctx.start, ctx.end, loguniform(rng, 2000, 20000) / 86400, 0.35)
    else:
        segments = tm.jobs(
            r, ctx.start, ctx.end, rng.uniform(0.5, 2.5), (1, 5), loguniform(rng, 0.1, 0.8), None
        )
    times = tm.paced(r, segments, rng.uniform(0.2, 0.8))
    return _run(ctx, times, st.Classifier(rng), _app_network(rng))


def _eval(ctx: KeyContext, public: bool) -> Iterator[Item]:
    rng, r = ctx.rng, ctx.rng.random
    nightly = rng.choice((None, None, float(rng.randrange(0, 7))))
    if public:
        segments = tm.jobs(
            r,
            ctx.start,
            ctx.end,
            rng.uniform(0.2, 0.8),
            (0.5, 3),
            loguniform(rng, 0.05, 0.4),
            nightly,
        )
    else:
        segments = tm.jobs(
            r, ctx.start, ctx.end, rng.uniform(0.3, 1.5), (1, 6), loguniform(rng, 0.1, 0.8), nightly
        )
    times = tm.paced(r, segments, rng.uniform(0.3, 0.9))
    net = Network(ip_prefixes(rng, "cloud", rng.randint(1, 2), 0.0), (rng.choice(SDK_UAS),))
    return _run(ctx, times, st.Eval(rng, public), net)


def eval_harness(ctx: KeyContext) -> Iterator[Item]:
    """A private eval harness: hours-long paced bursts sweeping a taxonomy, some step by step."""
    return _eval(ctx, public=False)


def public_benchmark_user(ctx: KeyContext) -> Iterator[Item]:
    """One of many unrelated customers running the same public benchmark (campaign look-alike)."""
    return _eval(ctx, public=True)


def tutoring_app(ctx: KeyContext) -> Iterator[Item]:
    """Diurnal student traffic asking for step-by-step explanations."""
    rng, r = ctx.rng, ctx.rng.random
    segments = tm.diurnal(
        r, ctx.start, ctx.end, loguniform(rng, 400, 6000), rng.choice(_TZ), tm.CONSUMER, 0.8, 0.2
    )
    return _run(ctx, tm.poisson(r, segments), st.Tutor(rng), _app_network(rng))


def longform_generator(ctx: KeyContext) -> Iterator[Item]:
    """Templated article requests with long outputs, in business hours."""
    rng, r = ctx.rng, ctx.rng.random
    segments = tm.diurnal(
        r, ctx.start, ctx.end, loguniform(rng, 50, 1500), rng.choice(_TZ), tm.BUSINESS, 0.2, 0.3
    )
    return _run(ctx, tm.poisson(r, segments), st.Longform(rng), _app_network(rng))


def translation_service(ctx: KeyContext) -> Iterator[Item]:
    """Templated translation at high volume, often 24/7."""
    rng, r = ctx.rng, ctx.rng.random
    per_day = loguniform(rng, 1000, 15000)
    profile = tm.FLAT if rng.random() < 0.6 else tm.BUSINESS
    segments = tm.diurnal(r, ctx.start, ctx.end, per_day, rng.choice(_TZ), profile, 0.7, 0.3)
    return _run(ctx, tm.poisson(r, segments), st.Translation(rng), _app_network(rng))


def rag_app(ctx: KeyContext) -> Iterator[Item]:
    """Long retrieved contexts, short answers; an internal tool or a customer-facing app."""
    rng, r = ctx.rng, ctx.rng.random
    profile = tm.BUSINESS if rng.random() < 0.5 else tm.CONSUMER
    segments = tm.diurnal(
        r, ctx.start, ctx.end, loguniform(rng, 300, 5000), rng.choice(_TZ), profile, 0.5, 0.25
    )
    return _run(ctx, tm.poisson(r, segments), st.Rag(rng), _app_network(rng))


def coding_agent(ctx: KeyContext) -> Iterator[Item]:
    """Long sessions of tool loops: many requests a minute, big prompts."""
    rng, r = ctx.rng, ctx.rng.random
    segments = tm.sessions(
        r, ctx.start, ctx.end, rng.choice(_TZ), loguniform(rng, 0.4, 2.0),
        loguniform(rng, 30, 150), 0.0, 0.2,
    )  # fmt: skip
    style = st.Agent(rng)
    net = Network(ip_prefixes(rng, "residential", rng.randint(1, 2), 0.3), (rng.choice(SDK_UAS),))
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
        r, ctx.start, ctx.end, loguniform(rng, 2000, 12000), rng.choice(_TZ), profile, 1.0, 0.2
    )
    return _run(ctx, tm.poisson(r, segments), st.Reseller(rng), net)


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

#: Share of ``--benign-keys`` per archetype (sums to 1).
BENIGN_WEIGHTS: dict[str, float] = {
    "individual_developer": 0.28,
    "chat_app": 0.09,
    "framework_app": 0.08,
    "batch_classifier": 0.06,
    "eval_harness": 0.05,
    "public_benchmark_user": 0.06,
    "tutoring_app": 0.06,
    "longform_generator": 0.06,
    "translation_service": 0.05,
    "rag_app": 0.09,
    "coding_agent": 0.10,
    "reseller": 0.02,
}
