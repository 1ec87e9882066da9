"""Build the world for a seed and write ``events.jsonl[.gz]``, ``labels.jsonl``, ``manifest.json``.

The events of all keys are merged in event-time order, then delivered with
the imperfections of a real log pipeline: most lines in order, some a few
seconds late (a shipper's batching), rare duplicate deliveries of a request
(same ``request_id``) a few seconds after the original.
"""

from __future__ import annotations

import gzip
import heapq
import io
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from benchmarks.heldout import abuse, benign_apps, benign_jobs, benign_services, campaigns
from benchmarks.heldout.actor import KeySpec, Output, format_ts, key_events
from benchmarks.heldout.plan import Deck
from benchmarks.heldout.world import DAY, World

#: Default mix: benign builders and their key counts.
BENIGN_MIX: tuple[tuple[str, int], ...] = (
    ("chat_apps", 120),
    ("support_bots", 30),
    ("smart_replies", 30),
    ("tutoring_apps", 40),
    ("framework_customers", 300),
    ("library_defaults", 80),
    ("content_generators", 40),
    ("translators", 40),
    ("rag_assistants", 60),
    ("resellers", 10),
    ("label_pipelines", 40),
    ("batch_summarizers", 40),
    ("declared_benchmarks", 6),
    ("benchmark_labs", 40),
    ("coding_agents", 80),
    ("ops_agents", 30),
    ("eval_teams", 40),
    ("developers", 250),
)

#: Default mix: single-key attack families and their instance counts.
ABUSE_MIX: tuple[tuple[str, int], ...] = (
    ("bulk_harvest", 6),
    ("curriculum_walk", 6),
    ("paraphrase_harvest", 6),
    ("grammar_harvest", 6),
    ("label_harvest", 6),
    ("reseller_blend", 6),
    ("stolen_key", 6),
    ("drip_harvest", 8),
    ("agentic_harvest", 6),
    ("multiturn_harvest", 6),
)

#: Default mix: campaigns (builder, how many).
CAMPAIGN_MIX: tuple[tuple[str, int], ...] = (("hydra", 2), ("key_rotation", 2), ("swarm", 2))

BASE_START = datetime(2026, 9, 14, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Config:
    """What to generate."""

    seed: int = 1
    days: float = 2.0
    prompts: bool = True
    scale_tokens: float = 1.0
    scale_rate: float = 1.0
    gzip: bool = False
    start: float | None = None
    account_age: str = "auto"
    benign_scale: float = 1.0


def start_of(config: Config) -> float:
    """Log start (unless given): midnight UTC on a Friday or a Sunday drawn from the seed.

    So a two-day log always holds one weekend day and one working day (longer
    logs start on any day of the week).
    """
    if config.start is not None:
        return config.start
    rng = random.Random(f"{config.seed}/start")
    weekday = rng.choice((4, 6)) if config.days < 7 else rng.randrange(7)
    return BASE_START + DAY * (7 * rng.randrange(4) + weekday)


def build(config: Config) -> World:
    """All keys of the dataset, with their behaviours (nothing generated yet)."""
    t0 = start_of(config)
    world = World(
        config.seed, t0, t0 + config.days * DAY, config.scale_rate, random.Random(config.seed)
    )
    for name, count in BENIGN_MIX:
        n = max(1, round(count * config.benign_scale))
        if name == "ops_agents":
            benign_jobs.coding_agents(world, n, ops=True)
            continue
        module = next(m for m in (benign_apps, benign_services, benign_jobs) if hasattr(m, name))
        getattr(module, name)(world, n)
    deck = Deck(world.sub("deck"))
    for name, count in ABUSE_MIX:
        getattr(abuse, name)(world, deck, count)
    for name, count in CAMPAIGN_MIX:
        for i in range(count):
            getattr(campaigns, name)(world, deck, i)
    return world


def _delivered(
    events: Iterator[tuple[float, dict[str, Any]]], rng: random.Random, dup_keys: dict[str, float]
) -> Iterator[dict[str, Any]]:
    """Re-order ``events`` (time order) into delivery order, adding duplicate deliveries."""
    heap: list[tuple[float, int, dict[str, Any]]] = []
    seq = 0
    for ts, event in events:
        while heap and heap[0][0] <= ts:
            yield heapq.heappop(heap)[2]
        roll = rng.random()
        delay = (
            0.0
            if roll < 0.9
            else min(8.0, rng.expovariate(1 / 1.5))
            if roll < 0.995
            else rng.uniform(2.0, 8.0)
        )
        heapq.heappush(heap, (ts + delay, seq, event))
        seq += 1
        rate = dup_keys.get(event["api_key_id"], 0.0)
        if rate and "request_id" in event and rng.random() < rate:
            heapq.heappush(heap, (ts + delay + rng.uniform(0.5, 10.0), seq, event))
            seq += 1
    while heap:
        yield heapq.heappop(heap)[2]


def _open(path: Path, compress: bool) -> BinaryIO:
    if compress:
        return gzip.open(path, "wb", compresslevel=3)  # type: ignore[return-value]
    return io.open(path, "wb", buffering=1 << 20)  # noqa: UP020


def generate(config: Config, out_dir: Path) -> dict[str, Any]:
    """Write the dataset to ``out_dir``; returns the manifest."""
    began = time.monotonic()
    world = build(config)
    mode_rng = random.Random(f"{config.seed}/account-age")
    account_age = (
        config.account_age
        if config.account_age != "auto"
        else mode_rng.choice(("present", "absent"))
    )
    out = Output(config.scale_tokens, config.prompts, account_age == "present")
    specs: dict[str, KeySpec] = {k.key_id: k for k in world.keys}
    drng = random.Random(f"{config.seed}/delivery")
    dup_keys = {k.key_id: drng.uniform(0.0005, 0.004) for k in world.keys if drng.random() < 0.3}
    streams = [key_events(spec, out) for spec in world.keys]
    merged = heapq.merge(*streams, key=lambda pair: pair[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "events.jsonl.gz" if config.gzip else "events.jsonl"
    counts: Counter[str] = Counter()
    last: dict[str, float] = {}
    lines = 0
    dumps = orjson.dumps
    with _open(out_dir / name, config.gzip) as handle:
        batch: list[bytes] = []
        for event in _delivered(_track_last(merged, last), drng, dup_keys):
            counts[event["api_key_id"]] += 1
            batch.append(dumps(event))
            if len(batch) >= 4096:
                handle.write(b"\n".join(batch) + b"\n")
                lines += len(batch)
                batch.clear()
        if batch:
            handle.write(b"\n".join(batch) + b"\n")
            lines += len(batch)
    labelled = [k for k in sorted(specs) if counts[k] > 0]
    not_yet = _not_yet_abusive(specs, last)
    with (out_dir / "labels.jsonl").open("wb") as handle:
        for key_id in labelled:
            spec = specs[key_id]
            handle.write(dumps(label_line(spec)) + b"\n")
    manifest = {
        "generator": "benchmarks.heldout",
        "config": asdict(config),
        "start": format_ts(world.t0),
        "end": format_ts(world.t1),
        "account_age_field": account_age == "present",
        "events_file": name,
        "lines": lines,
        "keys": len(labelled),
        "keys_without_events": len(specs) - len(labelled),
        "keys_abusive_only_after_the_log": not_yet,
        "scenarios": scenario_table(specs, counts),
        "seconds": round(time.monotonic() - began, 1),
    }
    (out_dir / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def _track_last(
    events: Iterator[tuple[float, dict[str, Any]]], last: dict[str, float]
) -> Iterator[tuple[float, dict[str, Any]]]:
    for ts, event in events:
        last[event["api_key_id"]] = ts
        yield ts, event


def _not_yet_abusive(specs: dict[str, KeySpec], last: dict[str, float]) -> int:
    """Relabel keys whose switch to abuse came after their last event: benign in this log.

    (Short logs or sparse thieves: the owner's traffic is all the log holds.)
    """
    count = 0
    for key_id, spec in specs.items():
        start = spec.attack_start
        if start is not None and key_id in last and last[key_id] < start:
            spec.label = "benign"
            spec.scenario = f"{spec.scenario}_before_switch"
            spec.structure["switch_after_last_event"] = format_ts(start)
            spec.attack_start = None
            count += 1
    return count


def label_line(spec: KeySpec) -> dict[str, Any]:
    """One ``labels.jsonl`` object (the format ``pipeline.evaluate`` reads, plus ``structure``)."""
    return {
        "api_key_id": spec.key_id,
        "account_id": spec.account_id,
        "label": spec.label,
        "scenario": spec.scenario,
        "attack_start": format_ts(spec.attack_start) if spec.attack_start is not None else None,
        "campaign_id": spec.campaign_id,
        "structure": spec.structure,
    }


def scenario_table(specs: dict[str, KeySpec], counts: Counter[str]) -> list[dict[str, Any]]:
    """Per scenario: label, keys (with events), event lines, campaigns."""
    rows: dict[str, dict[str, Any]] = {}
    for key_id, spec in specs.items():
        if not counts[key_id]:
            continue
        row = rows.setdefault(
            spec.scenario,
            {
                "scenario": spec.scenario,
                "label": spec.label,
                "keys": 0,
                "events": 0,
                "campaigns": set(),
            },
        )
        row["keys"] += 1
        row["events"] += counts[key_id]
        if spec.campaign_id:
            row["campaigns"].add(spec.campaign_id)
    table = []
    for row in sorted(rows.values(), key=lambda r: (r["label"], r["scenario"])):
        row["campaigns"] = len(row["campaigns"])
        table.append(row)
    return table
