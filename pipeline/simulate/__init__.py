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
``attack_instances`` [--attack-instances: instances of *each* abuse scenario;
a hydra or swarm instance is a whole campaign], ``prompts`` [--no-prompts],
``duplicate_rate`` [--duplicate-rate, 0.002], ``malformed_rate``
[--malformed-rate, 0], ``disorder_seconds`` [--disorder-seconds, 20],
``epoch_share`` (2 % of ``ts`` as epoch numbers), ``scenarios`` [--scenarios],
``hydra_keys`` (20-80), ``swarm_keys`` (100-250).

Volume: ``--days 2 --benign-keys 400`` (3 instances of each scenario, 1,211
keys) gives about 2.4 M events: 1.26 GB as JSON Lines with prompts, about
220 MB with ``--gzip``. Generation runs at about 120k events/s of CPU time
including JSON encoding (2-core shared machine, 2026-11). Per-key rates are
drawn log-uniformly per key; the heavy ones, per day:
chat apps 1k-15k, batch classifiers 2k-20k, translation 1k-15k, resellers
2k-12k, tutoring 0.4k-6k, RAG 0.3k-5k, eval harnesses 0.3-1.5 jobs of 1-6 h at
0.1-0.8 req/s; abuse: bulk harvest 0.15-0.8 req/s (13k-69k a day), paraphrased
0.1-0.5 req/s, output-capped 0.05-0.3 req/s, low-and-slow 1-3 req/min, hydra
members ~100-2000 a day, swarm members 20-40 a day. Edit the ranges in
``benign.py`` / ``abuse.py`` to change them.

Archetypes (benign, each like extraction on one axis): individual developers,
chat apps, framework apps (shared system prompt and UA), batch classifiers,
eval harnesses, public-benchmark users (same prompts across customers),
tutoring apps, long-form generators, translation services, RAG apps, coding
agents, resellers. Abuse scenarios: bulk_harvest, low_and_slow,
output_capped_sweep, paraphrased, key_takeover, mixed_reseller, hydra, swarm.

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
