"""Campaign-stage memory at 1M keys: feed a :class:`~detectors.campaigns.CampaignStage`
one summary per key for a million distinct keys and measure what it retains.

The summaries are synthetic but shaped like the engine's: each key carries 3-5
frame signatures drawn (Zipf-like) from 50k templates, each a bottom-8 style
64-bit signature with one bit varied per key; a 256-bit topic bitmap of 30-110
bits; 8 prompt hashes; 1-3 IP-prefix bits; one of eight user-agent bits; an
activity mask; 3 % of keys with extraction-like evidence (candidates: the stage
keeps a record and a cluster for them, the others only feed its population
statistics and frame groups). Event time spreads over one day, so clusters are
re-scored and grown as they would be live and nothing expires (the key TTL is
three days).

Memory is measured as the growth of the process's resident set while the stage
is built (``/proc/self/statm``; tracemalloc would slow a million summaries ~3x),
next to the stage's snapshot size. Both are divided by the keys the stage saw (it
keeps a record only for candidates; per record is reported too).
Target: <= 573 bytes resident per key at 1M keys (what the template-group stage of
before issue 14 took).

Run ``python -m benchmarks.campaign_memory [--quick] [--keys N]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import (
    QUICK_RESULTS_DIR,
    RESULTS_DIR,
    machine_info,
    make_console,
    verdict,
    write_json,
)
from detectors.campaign_config import CampaignConfig
from detectors.campaigns import CampaignStage
from detectors.summaries import KeySummary

__all__ = ["TARGET_BYTES_PER_KEY", "main", "run_benchmark", "summaries"]

TARGET_BYTES_PER_KEY = 573
FULL_KEYS = 1_000_000
QUICK_KEYS = 20_000
TEMPLATES = 50_000
START = 1_791_158_400.0
DAY = 86400.0


def _signature(rng: random.Random) -> int:
    value = 0
    while value.bit_count() < 8:
        value |= 1 << rng.randrange(64)
    return value


def summaries(keys: int, seed: int = 1) -> Iterator[KeySummary]:
    """One summary per key, in event-time order over one day (deterministic)."""
    rng = random.Random(seed)
    templates = [_signature(rng) for _ in range(TEMPLATES)]
    for i in range(keys):
        chosen = []
        for _ in range(rng.randint(3, 5)):
            # Zipf-like popularity: a few templates are shared by a great many keys.
            base = templates[min(int(rng.paretovariate(1.1)) - 1, TEMPLATES - 1)]
            variant = base ^ (1 << rng.randrange(64))  # a topic word swaps one bit
            chosen.append(variant)
        extraction = rng.random() < 0.03
        ip_bits = 0
        for _ in range(rng.randint(1, 3)):
            ip_bits |= 1 << rng.randrange(256)
        topics = 0
        for _ in range(rng.randint(30, 110)):
            topics |= 1 << rng.randrange(256)
        yield KeySummary(
            f"key_{i:012x}", f"acct_{i // 3:012x}", START + DAY * i / keys,
            START - rng.uniform(0, 90) * DAY, events=20.0, requests_per_hour=2.0,
            frames=tuple(chosen), topics=topics,
            prompts=tuple(sorted(rng.getrandbits(32) for _ in range(8))),
            ip_prefix_bits=ip_bits, user_agent_bits=1 << rng.randrange(8),
            active_hours=rng.getrandbits(24), total=4.5 if extraction else 0.5,
            harvest=3.0 if extraction else 0.5, elicitation=1.5 if extraction else 0.0,
            timing=0.1,
        )  # fmt: skip


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_benchmark(
    quick: bool = False, keys: int | None = None, results: Path | None = None
) -> dict[str, Any]:
    """Build the stage over ``keys`` keys; print and write ``campaign_memory.json``."""
    console = make_console()
    n = keys or (QUICK_KEYS if quick else FULL_KEYS)
    feed = summaries(n)  # streamed: only what the stage keeps stays resident
    gc.collect()
    before = _rss_bytes()
    started = time.perf_counter()
    stage = CampaignStage(CampaignConfig())
    alerts = 0
    for summary in feed:
        alerts += len(stage.process(summary))
    seconds = time.perf_counter() - started
    gc.collect()
    stats = stage.stats
    retained = _rss_bytes() - before
    snapshot = len(stage.snapshot())
    tracked = max(stats.keys_tracked, 1)
    per_key = retained / n
    out: dict[str, Any] = {
        "benchmark": "campaign_memory",
        "keys": n,
        "keys_tracked": stats.keys_tracked,
        "groups_tracked": stats.groups_tracked,
        "groups_scored": stats.groups_scored,
        "alerts": alerts,
        "seconds": round(seconds, 2),
        "summaries_per_second": round(n / seconds, 1) if seconds > 0 else 0.0,
        "rss_growth_bytes": retained,
        "clusters_tracked": stats.clusters_tracked,
        "bytes_per_key": round(per_key, 1),
        "bytes_per_record": round(retained / tracked, 1),
        "snapshot_bytes": snapshot,
        "snapshot_bytes_per_key": round(snapshot / n, 1),
        "target_bytes_per_key": TARGET_BYTES_PER_KEY,
        "verdict": verdict(per_key, TARGET_BYTES_PER_KEY, higher_is_better=False),
        "machine": machine_info(),
    }
    console.print(
        f"campaign stage: {n:,} keys seen, {stats.keys_tracked:,} records, "
        f"{stats.groups_tracked:,} frame groups, {stats.clusters_tracked:,} clusters, "
        f"{per_key:,.0f} B/key resident (snapshot {snapshot / n:,.0f} B/key), "
        f"{out['summaries_per_second']:,.0f} summaries/s -> {out['verdict']} "
        f"(target <= {TARGET_BYTES_PER_KEY} B/key)"
    )
    directory = results or (QUICK_RESULTS_DIR if quick else RESULTS_DIR)
    write_json(directory / "campaign_memory.json", out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campaign_memory")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_KEYS:,} keys (seconds)")
    parser.add_argument("--keys", type=int, help=f"distinct keys (default {FULL_KEYS:,})")
    parser.add_argument("--results", type=Path, help="directory for campaign_memory.json")
    args = parser.parse_args(argv)
    if args.keys is not None and args.keys < 1:
        parser.error("--keys must be >= 1")
    run_benchmark(args.quick, args.keys, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
