"""Write a red-team dataset: the project simulator's benign population plus the scenarios.

The benign population (chat apps, RAG, coding agents, classifiers, translation,
support bots, tutoring, eval jobs, content generators, developers, resellers)
comes from :mod:`pipeline.simulate` with no attacks; the red-team keys
(:mod:`benchmarks.redteam.scenarios`) are merged in by event time. Output:
``events.jsonl`` (EVENTS.md v1), ``labels.jsonl`` (the evaluator's format: one
line per key) and ``manifest.json``.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam.emit import DAY, format_ts
from benchmarks.redteam.scenarios import PROFILES, SCENARIOS, build_instance
from detectors.config import EngineConfig
from pipeline.simulate.cli import simulate
from pipeline.simulate.config import DEFAULT_START, SimulationConfig
from pipeline.simulate.delivery import encode_event

__all__ = ["Config", "generate"]


@dataclass(frozen=True)
class Config:
    """What a dataset is made of (equal configs give identical files)."""

    seed: int = 1
    days: float = 1.5
    benign_keys: int = 160
    profile: str = "main"
    scenarios: tuple[str, ...] = ()
    instances: int | None = None
    start: float = DEFAULT_START
    #: The replay's partition count by default (``shared_echo`` places its keys on one).
    partitions: int = EngineConfig.partitions

    def names(self) -> tuple[str, ...]:
        """The scenarios to write: ``scenarios`` if given, else the profile's."""
        names = self.scenarios or PROFILES[self.profile]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenarios: {', '.join(unknown)}")
        return names


def _ts_seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _population(config: Config) -> tuple[Iterator[tuple[float, int, bytes]], list[dict[str, Any]]]:
    sim = SimulationConfig(
        seed=config.seed,
        days=config.days,
        benign_keys=config.benign_keys,
        attack_instances=0,
        start=config.start,
        malformed_rate=0.0,
    )
    events, labels = simulate(sim)

    def stream() -> Iterator[tuple[float, int, bytes]]:
        for i, event in enumerate(events):
            yield _ts_seconds(event["ts"]), 2 * i, encode_event(event)

    return stream(), labels


def generate(config: Config, out: Path) -> dict[str, Any]:
    """Write the dataset into ``out``; return its manifest."""
    began = time.time()
    out.mkdir(parents=True, exist_ok=True)
    end = config.start + config.days * DAY
    ours: list[tuple[float, int, bytes]] = []
    labels: list[dict[str, Any]] = []
    rows = []
    for name in config.names():
        scenario = SCENARIOS[name]
        count = config.instances or scenario.instances
        keys_written = events_written = 0
        for index in range(count):
            keys, attack_start = build_instance(
                scenario, index, config.seed, config.start, end, config.partitions
            )
            for key in keys:
                if not key.events:
                    continue
                keys_written += 1
                events_written += len(key.events)
                for t, event in key.events:
                    ours.append((t, 0, orjson.dumps(event)))
                labels.append(
                    {
                        "api_key_id": key.api_key_id,
                        "account_id": key.account_id,
                        "label": scenario.label,
                        "scenario": name,
                        "attack_start": None if attack_start is None else format_ts(attack_start),
                        "campaign_id": None,
                        "structure": {
                            "source": "redteam",
                            "idea": scenario.idea,
                            "instance": index,
                        },
                    }
                )
        rows.append(
            {
                "scenario": name,
                "label": scenario.label,
                "keys": keys_written,
                "events": events_written,
            }
        )
    ours.sort(key=lambda item: item[0])
    ours = [(t, 2 * i + 1, line) for i, (t, _, line) in enumerate(ours)]
    population, sim_labels = _population(config)
    lines = 0
    with (out / "events.jsonl").open("wb") as handle:
        for _t, _order, line in heapq.merge(population, ours):
            handle.write(line)
            handle.write(b"\n")
            lines += 1
    for label in sim_labels:
        label.setdefault("structure", {})
    all_labels = sorted(sim_labels + labels, key=lambda d: d["api_key_id"])
    with (out / "labels.jsonl").open("wb") as handle:
        for label in all_labels:
            handle.write(orjson.dumps(label) + b"\n")
    manifest = {
        "config": {
            "seed": config.seed,
            "days": config.days,
            "benign_keys": config.benign_keys,
            "profile": config.profile,
            "scenarios": list(config.names()),
            "instances": config.instances,
            "start": format_ts(config.start),
            "partitions": config.partitions,
        },
        "lines": lines,
        "keys": len(all_labels),
        "redteam": rows,
        "seconds": round(time.time() - began, 1),
    }
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest
