"""Labelled traffic simulator: ``distillwatch simulate`` and its Python API.

Generates API request events exactly per ``EVENTS.md`` with ground-truth labels,
deterministically from a seed (``random.Random`` only, no clock):

>>> from pipeline.simulate import SimulationConfig, simulate
>>> events, labels = simulate(SimulationConfig(seed=7, days=0.01, benign_keys=12,
...                                            attack_instances=0))
>>> sum(1 for _ in events) > 0
True

Events come lazily in arrival order (per-key streams merged with ``heapq``;
memory stays bounded); encode them with :func:`encode_event`.

Knobs (:class:`SimulationConfig`, CLI flags in brackets)
--------------------------------------------------------
``seed`` [--seed], ``days`` [--days, fractions allowed], ``start`` [--start,
default 2026-10-05T00:00:00Z], ``benign_keys`` [--benign-keys],
``attack_instances`` [--attack-instances: instances of *each* abuse family;
a hydra or swarm instance is a whole campaign], ``split`` [--split
all|tune|holdout, default all], ``pins`` [--pin AXIS=VALUE, repeatable: fix a
structure axis for every abuse instance, e.g. ``--pin timing=flat``; a
``fields`` pin holds for benign keys too],
``prompts`` [--no-prompts], ``duplicate_rate`` [--duplicate-rate, 0.002],
``malformed_rate`` [--malformed-rate, 0], ``disorder_seconds``
[--disorder-seconds, 20], ``epoch_share`` (2 % of ``ts`` as epoch numbers),
``scenarios`` [--scenarios], ``hydra_keys`` (20-80), ``swarm_keys`` (100-250).

Structure, not only parameters
------------------------------
Every abuse instance draws its structure per axis (:mod:`.structure`): timing
shape (flat 24/7, working hours with weekends in a random time zone, duty
cycles, a daily load curve, drip, bursty sessions), pacing (machine or
Poisson), infrastructure (one cloud address, rotating datacenter prefixes,
residential proxies with each request on its own address; shared with other
keys or not; a script, browser or SDK user agent), prompt style (fixed
templates, a grammar generating each prompt anew over math, code, science, law
and agentic tasks, or paraphrased templates whose ask for reasoning is reworded
per request), model (reasoning, with hidden ``reasoning_tokens``, or not) and
fields (with or without ``prompt_text``, ``max_tokens``/``temperature``/``n``,
``user_agent``/``client_ip``; benign keys draw these the same way). Each
key's line in ``labels.jsonl`` carries the drawn ``structure`` (a flat dict of
strings, with ``"split": "tune"`` or ``"holdout"``).

Held out: per family one timing shape and one prompt style, and one benign
look-alike (the support bot), listed in :data:`.structure.HOLDOUT`. ``--split
tune`` never draws them, ``--split holdout`` draws only them (the benign
population stays, as the baseline a detector calibrates on). Tune on ``tune``
datasets; accept on ``holdout`` ones.

Volume: ``--days 2 --benign-keys 400`` (3 instances of each family, ~1,100
keys) gives 2.2-2.8 M events depending on the seed's draws (seed 11: 2.19 M,
1.02 GB as JSON Lines, 193 MB with ``--gzip``). Generation runs at about 120k
events/s of CPU time including JSON encoding (2-core shared machine). Rates are
drawn log-uniformly per key; the heavy ones, per day: chat apps 1k-15k, batch
classifiers 2k-20k, label pipelines 2k-20k, translation 1k-15k, smart replies
1k-12k, support bots 1k-10k, resellers 2k-12k, tutoring 0.4k-6k, RAG 0.3k-5k;
eval harnesses 0.3-1.5 jobs of 1-6 h at 0.1-0.8 req/s; declared benchmark runs
5k-48k prompts at 1.5-6 req/s, once. Abuse, while working: bulk harvest
0.15-0.8 req/s, paraphrased 0.1-0.5, curriculum walk 0.05-0.4, output-capped
0.05-0.3, low-and-slow 0.5-3 req/min, drip timing 3-48 a day; hydra members in
rounds every 2-10 min (drip: 1-6 h), swarm members 20-40 a day (drip: 3-16).
Edit the ranges in ``benign.py`` / ``lookalikes.py`` / ``abuse.py``.

Archetypes (benign, each like extraction on one axis): individual developers,
chat apps, framework apps (shared system prompt and UA), batch classifiers,
eval harnesses, public-benchmark users (same prompts across customers),
tutoring apps, long-form generators, translation services, RAG apps, coding
agents, resellers; look-alikes (:mod:`.lookalikes`): 24/7 support bots on a
reasoning model (multi-turn: prompts grow with the conversation), smart replies
(n=3), label pipelines (``max_tokens`` 1), declared benchmark runs, maintenance
agents with long contexts. Abuse families (:mod:`.abuse`): bulk_harvest,
low_and_slow, output_capped_sweep, paraphrased, curriculum_walk, key_takeover,
mixed_reseller, hydra, swarm.

``prompt_text`` is the user's message only; retrieved context, history and
tool output are counted in ``prompt_tokens`` but not written out.
Token sizes derive from the Azure LLM inference trace 2023 (CC-BY 4.0, see
:mod:`pipeline.simulate.tokens`).
"""

from __future__ import annotations

from pipeline.simulate.cli import add_arguments, run, simulate, write_dataset
from pipeline.simulate.config import SCENARIOS, SimulationConfig
from pipeline.simulate.delivery import MALFORMED, encode_event

__all__ = [
    "MALFORMED",
    "SCENARIOS",
    "SimulationConfig",
    "add_arguments",
    "encode_event",
    "run",
    "simulate",
    "write_dataset",
]
