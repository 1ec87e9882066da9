"""``python -m benchmarks.streaming``: worker throughput and alert latency.

1. Throughput, side by side on the same topic, for single-event records and
   for batched records (500 events each, grouped per partition): the worker
   with the campaign stage in a ``distillwatch campaigns`` process, the same
   worker hosting the stage in-process, a bare aiokafka ``getmany`` + orjson
   loop, a bare faust agent that does nothing, and the engines alone. Ratios
   printed. Targets (on the worker with the stage in its own process; the
   in-process verdict is printed next to it): single-event worker >= 0.8 x bare
   faust; batched worker >= 50k events/s.
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
from pipeline.config import Settings, load_settings
from pipeline.devtools.embedded_broker import EmbeddedBroker
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics

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


def _latency_dataset(days: float = 1.25, instances: int = 6) -> list[bytes]:
    """Many attackers over more than a day of event time, so alerts come all along the run.

    Alerts need hours of event time (pacing evidence, episodes): produced at a
    fixed rate, this dataset compresses ~30 h of event time into ~20-30 s, and
    its ~25 attacker keys raise warnings and criticals from about a fifth of
    the way in to the end.
    """
    from pipeline.simulate import SimulationConfig, encode_event, simulate

    stream, _ = simulate(
        SimulationConfig(
            seed=5,
            days=days,
            benign_keys=6,
            attack_instances=instances,
            malformed_rate=0.0,
            scenarios=("low_and_slow", "key_takeover", "output_capped_sweep", "paraphrased"),
        )
    )
    return [encode_event(raw) for raw in stream]


def _fill(settings: Settings, topic: str, path: Path, batch_size: int) -> int:
    topic_settings = settings.model_copy(update={"requests_topic": topic})
    ensure_topics(topic_settings)
    return push_file([path], topic_settings, batch_size=batch_size).records


def _throughput(settings: Settings, events: int, results: dict[str, Any]) -> None:
    data = Path(os.environ.get("TMPDIR", "/tmp")) / f"dw-bench-{os.getpid()}.jsonl"
    lines = _dataset(data, events)
    try:
        for label, batch in (("single-event", 1), ("batched", 500)):
            topic = f"bench-{label}-{os.getpid()}"
            records = _fill(settings, topic, data, batch)
            n = len(lines)
            rates = [
                asyncio.run(throughput.worker(settings, topic, records, n, stage="process")),
                asyncio.run(throughput.worker(settings, topic, records, n, stage="in-process")),
                asyncio.run(throughput.bare_aiokafka(settings, topic, records, n)),
                throughput.bare_faust(settings, topic, records, n),
                throughput.engine_only(settings, lines, batch),
            ]
            w, hosted, bare, faust_rate, engines = (r.events_per_second for r in rates)
            print(f"\n{label} records ({records:,} records, {n:,} events)")
            for rate in rates:
                share = rate.cpu_share
                cpu = (
                    f"  ({share:4.0%} CPU; {rate.events / rate.cpu_seconds:,.0f}/CPU s)"
                    if (share is not None and rate.cpu_seconds)
                    else ""
                )
                print(f"  {rate.name:36s} {rate.events_per_second:>12,.0f} events/s{cpu}")
            print("  (worker: campaign stage in a `distillwatch campaigns` process)")
            print(f"  worker / bare faust    = {w / faust_rate:6.2f}")
            print(f"  worker / bare aiokafka = {w / bare:6.3f}")
            print(f"  worker / engines alone = {w / engines:6.3f} (the rest is the worker's own)")
            print(f"  stage in-process / in its own process = {hosted / w:6.3f}")
            results[label] = {r.name: round(r.events_per_second) for r in rates}
            results[label]["cpu_share"] = {
                r.name: round(r.cpu_share, 3) for r in rates if r.cpu_share is not None
            }
            results[label]["worker_vs_faust"] = round(w / faust_rate, 3)
            results[label]["worker_vs_engines"] = round(w / engines, 3)
            results[label]["in_process_vs_own_process"] = round(hosted / w, 3)
    finally:
        data.unlink(missing_ok=True)
    single, batched = results["single-event"], results["batched"]
    hosted_name = throughput.WORKER_NAMES["in-process"]
    for name, stage in ((throughput.WORKER_NAMES["process"], "in its own process"),
                        (hosted_name, "in-process")):  # fmt: skip
        met = single[name] >= 0.8 * single["bare faust agent (does nothing)"]
        met = met and batched[name] >= 50_000
        print(f"\nthroughput targets met, campaign stage {stage}: {met}")


def _print_latency(lat: dict[str, Any]) -> None:
    total = lat["total"]
    print(
        f"\nalert latency: {lat['events']:,} single-event records at {lat['rate']:,.0f} events/s "
        f"(achieved {lat['achieved_rate']:,.0f}/s over {lat['seconds']:.1f} s), "
        f"{total['count']:.0f} per-key alerts, {lat['campaign_total']['count']:.0f} campaign "
        f"alerts ({lat['unmatched']} unmatched)"
    )
    if not total["count"]:
        print("  no alerts matched: nothing to report")
        return
    print(f"  {'':40s} {'p50':>8s} {'p90':>8s} {'p99':>8s} {'max':>8s}")
    for name, label in (
        ("total", "produce -> alert read (the target)"),
        ("to_send", "  produce -> worker sends the alert"),
        ("to_read", "  worker sends -> alert read"),
        ("campaign_total", "campaign alerts (from event time reached)"),
    ):
        row = lat[name]
        if not row["count"]:
            continue
        cells = " ".join(f"{row[q] * 1000:>6.0f}ms" for q in ("p50", "p90", "p99", "max"))
        print(f"  {label:40s} {cells}")
    hours = lat["alert_event_hours"]
    print(
        f"  alerts raised from event hour {hours[0]:.1f} to {hours[-1]:.1f}; worker batches: "
        f"{lat['worker_batches']:.0f}, mean {lat['worker_mean_batch_events']:.0f} events in "
        f"{lat['worker_mean_batch_seconds'] * 1000:.1f} ms; worker CPU "
        f"{lat['worker_cpu_share']:.0%} of the run (produce + drain)"
    )
    print(f"  target p99 < 2000 ms: {total['p99'] < 2.0}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.streaming")
    parser.add_argument("--events", type=int, default=60_000, help="throughput dataset size")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip-throughput", action="store_true", help="latency run only")
    parser.add_argument("--skip-latency", action="store_true", help="throughput runs only")
    parser.add_argument(
        "--latency-rate",
        type=float,
        help="events/s of the latency run (default: half the measured single-event rate)",
    )
    parser.add_argument("--latency-days", type=float, default=1.25, help="event time simulated")
    args = parser.parse_args()
    if args.skip_throughput and args.latency_rate is None:
        parser.error("--skip-throughput needs --latency-rate (nothing measured the maximum)")
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker: Any = contextlib.nullcontext() if external else EmbeddedBroker()
    results: dict[str, Any] = {}
    with broker:
        servers = external or broker.bootstrap_servers
        settings = load_settings(None, kafka_bootstrap_servers=servers, engine=ENGINE,
                                 metrics_port=0, checkpoint_interval_seconds=5.0,
                                 producer_idempotence=bool(external))  # fmt: skip
        if not args.skip_throughput:
            _throughput(settings, args.events, results)
        if not args.skip_latency:
            rate = args.latency_rate
            if (
                rate is None
            ):  # half the max of a worker hosting the stage, as the latency run's does
                rate = results["single-event"][throughput.WORKER_NAMES["in-process"]] / 2
            lines = _latency_dataset(args.latency_days)
            lat = latency.measure(settings, lines, rate, orjson.dumps(ENGINE).decode())
            results["latency"] = lat
            _print_latency(lat)
    if args.out:
        args.out.write_text(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
