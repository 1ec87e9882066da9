"""``python -m benchmarks.streaming``: worker throughput and alert latency.

1. Throughput, side by side on the same topic, for single-event records and
   for batched records (500 events each, grouped per partition): the worker,
   a bare aiokafka ``getmany`` + orjson loop, and a bare faust agent that does
   nothing. Ratios printed. Targets: single-event worker >= 0.8 x bare faust;
   batched worker >= 50k events/s.
2. Alert latency (produce of the triggering event -> alert on the alerts
   topic), p50/p99, at half the worker's maximum single-event rate. Target
   p99 < 2 s.

Runs on the embedded broker unless ``KAFKA_BOOTSTRAP_SERVERS`` is set.
``--events N`` sets the dataset size; results go to stdout and, with
``--out FILE``, to a JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import orjson

from benchmarks.streaming import latency, throughput
from pipeline.broker import EmbeddedBroker
from pipeline.config import Settings, load_settings
from pipeline.kafka_io import ensure_topics, push_file

ENGINE = {"population_warmup": 30, "key_warmup_seconds": 600.0}


def _dataset(path: Path, events: int) -> list[bytes]:
    from pipeline.simulate import SimulationConfig, encode_event, simulate

    stream, _ = simulate(
        SimulationConfig(seed=5, days=3.0, benign_keys=10, attack_instances=1, malformed_rate=0.0)
    )
    lines = []
    for raw in stream:
        lines.append(encode_event(raw))
        if len(lines) >= events:
            break
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


def _latency_dataset() -> list[bytes]:
    """A day of a few keys, attackers included: alerts need hours of event time
    (pacing evidence), which the throughput dataset's first events do not span."""
    from pipeline.simulate import SimulationConfig, encode_event, simulate

    stream, _ = simulate(
        SimulationConfig(
            seed=5,
            days=1.0,
            benign_keys=3,
            attack_instances=1,
            malformed_rate=0.0,
            scenarios=("bulk_harvest", "low_and_slow", "key_takeover"),
        )
    )
    return [encode_event(raw) for raw in stream]


def _fill(settings: Settings, topic: str, path: Path, batch_size: int) -> int:
    topic_settings = settings.model_copy(update={"requests_topic": topic})
    ensure_topics(topic_settings)
    return push_file([path], topic_settings, batch_size=batch_size).records


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.streaming")
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker: Any = contextlib.nullcontext() if external else EmbeddedBroker()
    results: dict[str, Any] = {}
    with broker:
        servers = external or broker.bootstrap_servers
        settings = load_settings(None, kafka_bootstrap_servers=servers, engine=ENGINE,
                                 metrics_port=0, checkpoint_interval_seconds=5.0,
                                 producer_idempotence=bool(external))  # fmt: skip
        data = Path(os.environ.get("TMPDIR", "/tmp")) / f"dw-bench-{os.getpid()}.jsonl"
        lines = _dataset(data, args.events)
        try:
            for label, batch in (("single-event", 1), ("batched", 500)):
                topic = f"bench-{label}"
                records = _fill(settings, topic, data, batch)
                rates = [
                    asyncio.run(throughput.worker(settings, topic, records, len(lines))),
                    asyncio.run(throughput.bare_aiokafka(settings, topic, records, len(lines))),
                    throughput.bare_faust(settings, topic, records, len(lines)),
                ]
                w, bare, faust_rate = (r.events_per_second for r in rates)
                print(f"\n{label} records ({records:,} records, {len(lines):,} events)")
                for rate in rates:
                    print(f"  {rate.name:34s} {rate.events_per_second:>12,.0f} events/s")
                print(f"  worker / bare faust   = {w / faust_rate:6.2f}")
                print(f"  worker / bare aiokafka = {w / bare:6.3f}")
                results[label] = {r.name: round(r.events_per_second) for r in rates}
                results[label]["worker_vs_faust"] = round(w / faust_rate, 3)
            single = results["single-event"]
            target = (
                single["worker_vs_faust"] >= 0.8
                and results["batched"]["distillwatch worker"] >= 50_000
            )
            print(f"\nthroughput targets met: {target}")
            rate = single["distillwatch worker"] / 2
            latency_topics = {
                "requests_topic": "latency-requests",
                "alerts_topic": "latency-alerts",
            }
            ensure_topics(settings.model_copy(update=latency_topics))
            latency_lines = _latency_dataset()
            lat = latency.measure(settings, latency_lines, rate, orjson.dumps(ENGINE).decode())
            results["latency"] = lat
            if lat.get("alerts"):
                print(f"alert latency at {rate:,.0f} events/s over {lat['alerts']:.0f} alerts: "
                      f"p50 {lat['p50'] * 1000:.0f} ms, p99 {lat['p99'] * 1000:.0f} ms "
                      f"(target p99 < 2000 ms: {lat['p99'] < 2.0})")  # fmt: skip
            else:
                print("alert latency: no alerts raised during the latency run")
        finally:
            data.unlink(missing_ok=True)
    if args.out:
        args.out.write_text(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
