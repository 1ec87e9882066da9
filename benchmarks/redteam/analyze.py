"""``python -m benchmarks.redteam.analyze DIR``: why each red-team key was (not) caught.

Replays ``DIR/events.jsonl`` through the engine exactly as ``distillwatch replay``
does (:class:`detectors.sharded.ShardedEngine`, campaigns on, default config)
and, every time a red-team key is scored, reads its full verdict with
:meth:`detectors.engine.Engine.evaluate` (read-only). For each key it keeps the
verdict with the highest total (its *peak*) and reports, per scenario: recall
at warning and critical, the share of the key's requests and delivered output
served before its first critical alert, and the evidence of every family at the
peak. Writes ``DIR/analysis.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from detectors.config import EngineConfig
from detectors.engine.scoring import Verdict
from detectors.events import Event, parse_line
from detectors.sharded import ShardedEngine
from detectors.state.observe import delivered

__all__ = ["KeyTrack", "analyze", "main"]

FAMILIES = ("yield", "quantity", "elicitation", "coverage", "structure")


@dataclass
class KeyTrack:
    """What one key sent and how the engine judged it."""

    scenario: str
    label: str
    attack_start: float | None
    requests: int = 0
    output: float = 0.0
    first: dict[str, float] = field(default_factory=dict)  # severity -> event time
    served: dict[str, tuple[int, float]] = field(default_factory=dict)  # severity -> (req, out)
    peak: Verdict | None = None
    peak_ts: float = 0.0
    last: Verdict | None = None
    totals: list[float] = field(default_factory=list)
    scored: int = 0

    def delivered(self, event: Event) -> float:
        return delivered(event.completion_tokens, event.reasoning_tokens)


def _family_values(verdict: Verdict) -> dict[str, float]:
    return {e.family: round(e.value, 2) for e in verdict.families}


def _parts(verdict: Verdict) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in verdict.families:
        for part in family.parts:
            out[f"{family.family}.{part.feature}"] = round(part.value, 3)
    return out


def analyze(directory: Path, events_name: str = "events.jsonl") -> dict[str, Any]:
    """Replay and analyse ``directory``; return the per-key and per-scenario results."""
    from datetime import datetime

    tracks: dict[str, KeyTrack] = {}
    for line in (directory / "labels.jsonl").read_bytes().splitlines():
        label = orjson.loads(line)
        if (label.get("structure") or {}).get("source") != "redteam":
            continue
        start = label.get("attack_start")
        tracks[label["api_key_id"]] = KeyTrack(
            label["scenario"],
            label["label"],
            None
            if start is None
            else datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp(),
        )
    sharded = ShardedEngine(EngineConfig())
    engines = sharded.engines
    with (directory / events_name).open("rb") as handle:
        for number, line in enumerate(handle):
            event = parse_line(line, number)
            if not isinstance(event, Event):
                continue
            partition = sharded.partition_of(event.api_key_id)
            track = tracks.get(event.api_key_id)
            emitted = sharded.process(event)
            if track is not None and (track.attack_start is None or event.ts >= track.attack_start):
                track.requests += 1
                track.output += track.delivered(event)
            for alert in emitted.alerts:
                hit = tracks.get(alert.api_key_id)
                if hit is None or alert.severity in hit.first:
                    continue
                hit.first[alert.severity] = event.ts
                hit.served[alert.severity] = (hit.requests, hit.output)
            engine = engines[partition]
            for point in emitted.scores:
                key, now = point.api_key_id, point.ts
                scored = tracks.get(key)
                if scored is None:
                    continue
                verdict = engine.evaluate(key, now)
                scored.scored += 1
                if verdict is not None:
                    scored.last = verdict
                    scored.totals.append(verdict.total)
                if verdict is not None and (
                    scored.peak is None or verdict.total > scored.peak.total
                ):
                    scored.peak, scored.peak_ts = verdict, now
    scales = _scales(sharded)
    for alert in sharded.finish():
        hit = tracks.get(alert.api_key_id)
        if hit is not None and alert.severity not in hit.first:
            hit.first[alert.severity] = float("inf")
            hit.served[alert.severity] = (hit.requests, hit.output)
    result = _report(tracks)
    result["population"] = scales
    return result


def _scales(sharded: ShardedEngine) -> dict[str, Any]:
    """The population scales at the end of the log, as medians over the partitions."""
    import math

    rows: dict[str, list[float]] = defaultdict(list)
    for engine in sharded.engines:
        scorer = engine._scorer
        for name in ("answer", "yield", "output_day", "cue_share", "harvestlike"):
            scale = scorer.scales.by_name[name]
            rows[f"{name}.median"].append(scale.median)
            rows[f"{name}.spread"].append(scale.spread)
        yield_at, answer_at = scorer.thresholds
        rows["harvest_like.output_per_input"].append(math.exp(yield_at))
        rows["harvest_like.answer_tokens"].append(math.expm1(answer_at))
    out = {name: round(statistics.median(values), 3) for name, values in rows.items()}
    out["answer.median_tokens"] = round(math.expm1(out["answer.median"]), 1)
    out["yield.median_ratio"] = round(math.exp(out["yield.median"]), 3)
    return out


def _served(track: KeyTrack, severity: str) -> tuple[float, float]:
    """Shares of the key's requests and delivered output served before ``severity``."""
    if severity not in track.served:
        return 1.0, 1.0
    requests, output = track.served[severity]
    return requests / max(track.requests, 1), output / max(track.output, 1.0)


def _report(tracks: dict[str, KeyTrack]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    by_scenario: dict[str, list[str]] = defaultdict(list)
    for key, track in sorted(tracks.items()):
        by_scenario[track.scenario].append(key)
        peak = track.peak
        record: dict[str, Any] = {
            "scenario": track.scenario,
            "label": track.label,
            "requests": track.requests,
            "output_tokens": int(track.output),
            "alerts": sorted(track.first),
            "served_before_critical": _served(track, "critical"),
            "served_before_warning": _served(track, "warning"),
        }
        if peak is not None:
            s = peak.support
            record["peak"] = {
                "total": round(peak.total, 2),
                "score": round(peak.score, 3),
                "horizon": peak.horizon,
                "sliced": peak.sliced,
                "families": _family_values(peak),
                "support_added": round(peak.support_added, 2),
                "support": {
                    "timing": round(s.timing, 2),
                    "infrastructure": round(s.infrastructure, 2),
                    "model": round(s.model, 2),
                    "change": round(s.change, 2),
                    "persistence": round(s.persistence, 2),
                },
                "parts": _parts(peak),
                "day_n": round(peak.day.n, 1),
            }
            assert track.last is not None
            record["last"] = {
                "total": round(track.last.total, 2),
                "horizon": track.last.horizon,
                "sliced": track.last.sliced,
                "families": _family_values(track.last),
                "support_added": round(track.last.support_added, 2),
                "parts": _parts(track.last),
            }
            record["total_median_over_scorings"] = round(statistics.median(track.totals), 2)
        keys[key] = record
    scenarios: dict[str, Any] = {}
    for name, names in by_scenario.items():
        rows = [keys[k] for k in names]
        peaks = [r["peak"] for r in rows if "peak" in r]
        fam = (
            {
                f: round(statistics.median(p["families"].get(f, 0.0) for p in peaks), 2)
                for f in FAMILIES
            }
            if peaks
            else {}
        )
        scenarios[name] = {
            "label": rows[0]["label"],
            "keys": len(rows),
            "warning": sum(1 for r in rows if r["alerts"]),
            "critical": sum(1 for r in rows if "critical" in r["alerts"]),
            "served_requests_median": round(
                statistics.median(r["served_before_critical"][0] for r in rows), 3
            ),
            "served_output_median": round(
                statistics.median(r["served_before_critical"][1] for r in rows), 3
            ),
            "output_tokens_total": sum(r["output_tokens"] for r in rows),
            "output_before_critical": int(
                sum(r["output_tokens"] * r["served_before_critical"][1] for r in rows)
            ),
            "peak_total_median": round(statistics.median(p["total"] for p in peaks), 2)
            if peaks
            else None,
            "peak_families_median": fam,
            "peak_support_added_median": round(
                statistics.median(p["support_added"] for p in peaks), 2
            )
            if peaks
            else None,
        }
    return {"scenarios": scenarios, "keys": keys}


def markdown(result: dict[str, Any]) -> str:
    """The per-scenario table (medians over a scenario's keys at their peaks)."""
    head = (
        "| scenario | label | keys | warning+ | critical | served<crit (req / out) |"
        " peak total | yield | quant | elicit | cover | struct | support+persist |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for name, s in result["scenarios"].items():
        f = s["peak_families_median"]
        rows.append(
            f"| {name} | {s['label']} | {s['keys']} | {s['warning']}/{s['keys']} |"
            f" {s['critical']}/{s['keys']} | {s['served_requests_median']:.0%} /"
            f" {s['served_output_median']:.0%} | {s['peak_total_median']} |"
            f" {f.get('yield')} | {f.get('quantity')} | {f.get('elicitation')} |"
            f" {f.get('coverage')} | {f.get('structure')} | {s['peak_support_added_median']} |"
        )
    return head + "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.redteam.analyze", description=__doc__
    )
    parser.add_argument("directory", type=Path, help="a dataset written by benchmarks.redteam")
    args = parser.parse_args(argv)
    result = analyze(args.directory)
    (args.directory / "analysis.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    sys.stdout.write(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
