"""Campaign-stage quality on labelled traffic, fast to iterate: record once, run often.

``record`` replays an events file through the per-key engines (``ShardedEngine``,
exactly as ``distillwatch replay`` does) and writes what the campaign stage would
read, in the canonical order it would read it: every released summary (the
summaries wire format, :mod:`pipeline.wire.summaries`), plus the per-key alerts
and each key's request times (for "critical after how many of its own requests").
``run`` feeds the recorded summaries to a :class:`~detectors.campaigns.CampaignStage`
and measures it against ``labels.jsonl``: per labelled campaign, members critical,
within 24 h of their first request, own requests before critical (all members, and
members that joined after the campaign was critical); per benign scenario, keys in
a campaign at any severity and at critical. The stage's own code and settings are
what is measured, so a change to the stage is measured in seconds instead of a
full replay.

    python -m benchmarks.campaign_quality record out/sim/events.jsonl --out out/sim/rec
    python -m benchmarks.campaign_quality run out/sim/rec out/sim/labels.jsonl

Numbers reported in docs/CAMPAIGNS.md come from ``distillwatch replay`` +
``distillwatch evaluate`` as well; this tool is how they were reached.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import itertools
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from detectors.alerts import Alert
from detectors.campaign_config import CampaignConfig
from detectors.campaigns import CampaignStage
from detectors.config import EngineConfig
from detectors.events import Event, parse_line, parse_ts
from detectors.sharded import ShardedEngine
from detectors.summaries import KeySummary
from pipeline.runtime.log_files import iter_input_blocks
from pipeline.runtime.replay import batch_gc
from pipeline.wire.summaries import decode_record, encode_records

__all__ = ["measure", "record", "run_stage"]

DAY = 86400.0


class _Recorder:
    """Stands in for the campaign stage inside ``ShardedEngine``: keeps what it is fed."""

    def __init__(self) -> None:
        self.summaries: list[KeySummary] = []

    def process_many(self, summaries: list[KeySummary]) -> list[Alert]:
        self.summaries.extend(summaries)
        return []


def record(paths: list[str], out: Path, config: EngineConfig | None = None) -> dict[str, Any]:
    """Replay ``paths``; write ``summaries.jsonl``, ``key_alerts.jsonl``, ``times.jsonl``."""
    engine = ShardedEngine(config or EngineConfig())
    recorder = _Recorder()
    engine.campaigns = recorder  # type: ignore[assignment]
    alerts: list[Alert] = []
    times: dict[str, list[float]] = {}
    with batch_gc():
        for path in paths:
            for number, line in enumerate(itertools.chain.from_iterable(iter_input_blocks(path))):
                item = parse_line(line, number + 1)
                if type(item) is not Event:
                    continue
                times.setdefault(item.api_key_id, []).append(item.ts)
                alerts.extend(engine.process(item).alerts)
        assert engine.merger is not None
        recorder.summaries.extend(engine.merger.flush())
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summaries.jsonl", "wb") as handle:
        tagged = [(i, s.ts, s) for i, s in enumerate(recorder.summaries)]
        for value in encode_records(0, 0.0, True, tagged):
            handle.write(value + b"\n")
    with open(out / "key_alerts.jsonl", "wb") as handle:
        for alert in alerts:
            handle.write(alert.to_json() + b"\n")
    with open(out / "times.jsonl", "wb") as handle:
        for key, ts in sorted(times.items()):
            handle.write(orjson.dumps([key, sorted(ts)]) + b"\n")
    return {"summaries": len(recorder.summaries), "alerts": len(alerts), "keys": len(times)}


def load_summaries(directory: Path) -> Iterator[KeySummary]:
    with open(directory / "summaries.jsonl", "rb") as handle:
        for line in handle:
            for _, _, summary in decode_record(line).summaries:
                yield summary


def run_stage(directory: Path, config: CampaignConfig | None = None) -> list[Alert]:
    """The campaign alerts of the recorded summaries under the current stage code."""
    stage = CampaignStage(config)
    return stage.process_many(load_summaries(directory))


def _read_jsonl(path: Path) -> Iterator[Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


def measure(directory: Path, labels_path: Path, campaign_alerts: list[Alert]) -> dict[str, Any]:
    """Per labelled campaign and per benign scenario: what the campaign stage achieved."""
    labels = {row["api_key_id"]: row for row in _read_jsonl(labels_path)}
    times = {row[0]: row[1] for row in _read_jsonl(directory / "times.jsonl")}
    key_alerts = [row for row in _read_jsonl(directory / "key_alerts.jsonl")]
    first_critical: dict[str, float] = {}  # any detector
    campaign_critical: dict[str, float] = {}
    campaign_any: dict[str, float] = {}
    for row in key_alerts:
        if row["severity"] == "critical":
            ts, key = parse_ts(row["ts"]), row["api_key_id"]
            first_critical[key] = min(first_critical.get(key, ts), ts)
    for alert in campaign_alerts:
        ts = parse_ts(alert.ts)
        key = alert.api_key_id
        campaign_any[key] = min(campaign_any.get(key, ts), ts)
        if alert.severity == "critical":
            campaign_critical[key] = min(campaign_critical.get(key, ts), ts)
            first_critical[key] = min(first_critical.get(key, ts), ts)
    out: dict[str, Any] = {"campaigns": [], "benign": {}}
    members: dict[str, list[str]] = {}
    for key, row in labels.items():
        if row.get("campaign_id"):
            members.setdefault(row["campaign_id"], []).append(key)
    for cid, keys in sorted(members.items()):
        keys = [k for k in keys if k in times]
        scenario = labels[keys[0]]["scenario"] if keys else "?"
        # The campaign is established once its first member is critical by the stage.
        established = min((campaign_critical[k] for k in keys if k in campaign_critical),
                          default=float("inf"))  # fmt: skip
        crit = [k for k in keys if k in first_critical]
        in24 = [k for k in crit if first_critical[k] - times[k][0] <= DAY]
        own = [bisect.bisect_right(times[k], first_critical[k]) for k in crit]
        late = [k for k in crit if times[k][0] >= established]
        late_own = [bisect.bisect_right(times[k], first_critical[k]) for k in late]
        missing = [k for k in keys if k not in first_critical]
        out["campaigns"].append(
            {
                "campaign": cid,
                "scenario": scenario,
                "members": len(keys),
                "critical": len(crit),
                "critical_by_campaign": sum(1 for k in keys if k in campaign_critical),
                "within_24h": len(in24),
                "median_own_requests": statistics.median(own) if own else None,
                "joined_after_established": len(late),
                "median_own_requests_after_established": statistics.median(late_own)
                if late_own
                else None,
                "never_critical_requests": sorted(len(times[k]) for k in missing)[:10],
                "established_hours": None
                if established == float("inf")
                else round((established - min(times[k][0] for k in keys)) / 3600.0, 2),
            }
        )
    benign: dict[str, dict[str, int]] = {}
    for key, row in labels.items():
        if row["label"] != "benign" or key not in times:
            continue
        empty = {"keys": 0, "campaign_any": 0, "campaign_critical": 0}
        cell = benign.setdefault(row["scenario"], empty)
        cell["keys"] += 1
        cell["campaign_any"] += key in campaign_any
        cell["campaign_critical"] += key in campaign_critical
    out["benign"] = dict(sorted(benign.items()))
    total = sum(c["keys"] for c in benign.values())
    out["benign_total"] = {
        "keys": total,
        "campaign_any": sum(c["campaign_any"] for c in benign.values()),
        "campaign_critical": sum(c["campaign_critical"] for c in benign.values()),
    }
    return out


def _print(result: dict[str, Any]) -> None:
    print("campaign scenario members critical(by stage) <=24h median-own late(median-own) est.h")
    for c in result["campaigns"]:
        print(
            f"{c['campaign'][:18]:18} {c['scenario']:14} {c['members']:4} "
            f"{c['critical']:4} ({c['critical_by_campaign']:4}) {c['within_24h']:4} "
            f"{c['median_own_requests']!s:>6} {c['joined_after_established']:4} "
            f"({c['median_own_requests_after_established']!s:>5}) {c['established_hours']!s:>6}"
            f"  missed:{c['never_critical_requests']}"
        )
    for scenario, cell in result["benign"].items():
        if cell["campaign_any"]:
            print(f"  benign {scenario}: {cell['campaign_any']}/{cell['keys']} in a campaign, "
                  f"{cell['campaign_critical']} critical")  # fmt: skip
    t = result["benign_total"]
    print(f"benign: {t['campaign_any']}/{t['keys']} any, {t['campaign_critical']} critical")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campaign_quality")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="replay events; keep the summaries")
    rec.add_argument("events", nargs="+")
    rec.add_argument("--out", type=Path, required=True)
    run = sub.add_parser("run", help="run the campaign stage over recorded summaries")
    run.add_argument("recorded", type=Path)
    run.add_argument("labels", type=Path)
    run.add_argument("--json", type=Path, help="write the measures here")
    args = parser.parse_args(argv)
    if args.command == "record":
        print(record(args.events, args.out))
        return 0
    result = measure(args.recorded, args.labels, run_stage(args.recorded))
    _print(result)
    if args.json is not None:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
