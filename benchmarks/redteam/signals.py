"""``python -m benchmarks.redteam.signals DIR``: candidate fix signals, measured offline.

Not the detector: a measurement of signals the red-team report proposes, per key
over the whole log, summarised per scenario (red-team scenarios and the
simulator's benign archetypes alike), so each proposal shows what it would
catch and which benign customers it would also hit:

* ``turns``: the detector's conversation test (a prompt at least as long as a
  recent request's prompt plus answer, at most 256 tokens more, within 30
  minutes, among the last 8 requests) minus its placebo, as the engine counts it;
* ``turns_substantive``: the same test where the earlier request only counts if
  it succeeded and delivered at least 32 tokens (a conversation carries answers
  back; a one-token ping or a rejected request carries nothing);
* ``answer_req`` / ``answer_out``: the median delivered answer per request, and the
  output-weighted one (the answer length the median *token* was delivered in):
  requests that deliver nothing do not dilute what a key collects;
* ``frames``: distinct prompt frames (fingerprint signatures at Jaccard >= 0.5,
  greedy) among the key's first 300 prompts: how broad a task space it walks;
* ``fail_share``: requests answered with an error status.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from detectors.fingerprints import fingerprint, similarity

__all__ = ["main", "measure"]

RING, SLACK, MINUTES, SUBSTANTIVE = 8, 256.0, 30.0, 32.0


class _Key:
    __slots__ = ("answers", "cont", "cont_sub", "fails", "n", "placebo", "placebo_sub", "ring",
                 "signatures")  # fmt: skip

    def __init__(self) -> None:
        self.ring: list[tuple[float, float, float, bool]] = []  # (prompt, answer, t, ok)
        self.n = self.cont = self.placebo = self.cont_sub = self.placebo_sub = self.fails = 0
        self.answers: list[float] = []
        self.signatures: list[int] = []

    def add(self, t: float, prompt: float, answer: float, ok: bool, text: str | None) -> None:
        self.n += 1
        self.fails += not ok
        self.answers.append(answer)
        hits = [False, False, False, False]  # cont, placebo, cont_sub, placebo_sub
        ring = self.ring
        for j, (p0, c0, t0, ok0) in enumerate(ring):
            if t - t0 > MINUTES * 60.0:
                continue
            substantive = ok0 and c0 >= SUBSTANTIVE
            base = p0 + c0
            if base <= prompt <= base + SLACK:
                hits[0] = True
                hits[2] = hits[2] or substantive
            if j + 1 < len(ring):
                c1, ok1 = ring[j + 1][1], ring[j + 1][3]
                wrong = p0 + c1
                if wrong != base and wrong <= prompt <= wrong + SLACK:
                    hits[1] = True
                    hits[3] = hits[3] or (ok1 and c1 >= SUBSTANTIVE)
        self.cont += hits[0]
        self.placebo += hits[1]
        self.cont_sub += hits[2]
        self.placebo_sub += hits[3]
        ring.append((max(prompt, 0.5), answer, t, ok))
        if len(ring) > RING:
            ring.pop(0)
        if text is not None and len(self.signatures) < 300:
            self.signatures.append(fingerprint(text).signature)

    def frames(self) -> int:
        clusters: list[int] = []
        for signature in self.signatures:
            if not any(similarity(signature, c) >= 0.5 for c in clusters):
                clusters.append(signature)
        return len(clusters)

    def summary(self) -> dict[str, float]:
        answers = sorted(self.answers)
        total = sum(answers)
        running, weighted = 0.0, 0.0
        for a in answers:
            running += a
            if running >= total / 2:
                weighted = a
                break
        n = max(self.n, 1)
        return {
            "requests": self.n,
            "turns": (self.cont - self.placebo) / n,
            "turns_substantive": (self.cont_sub - self.placebo_sub) / n,
            "answer_req": statistics.median(answers) if answers else 0.0,
            "answer_out": weighted,
            "frames": float(self.frames()),
            "fail_share": self.fails / n,
        }


def _ts(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def measure(directory: Path) -> dict[str, dict[str, float]]:
    """Median of each signal per scenario (keys with at least 20 requests)."""
    labels = {}
    for line in (directory / "labels.jsonl").read_bytes().splitlines():
        row = orjson.loads(line)
        labels[row["api_key_id"]] = (row["scenario"], row["label"])
    keys: dict[str, _Key] = defaultdict(_Key)
    seen: set[str] = set()
    with (directory / "events.jsonl").open("rb") as handle:
        for line in handle:
            e = orjson.loads(line)
            rid = e.get("request_id")
            if rid is not None:
                if rid in seen:
                    continue
                seen.add(rid)
            completion = float(e["completion_tokens"])
            reasoning = float(e.get("reasoning_tokens", 0))
            if 0 < reasoning <= completion:
                completion -= reasoning
            keys[e["api_key_id"]].add(
                _ts(e["ts"]), float(e["prompt_tokens"]), completion,
                int(e.get("status", 200)) < 400, e.get("prompt_text"),
            )  # fmt: skip
    by_scenario: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    for key, state in keys.items():
        if state.n >= 20 and key in labels:
            by_scenario[labels[key]].append(state.summary())
    out: dict[str, dict[str, float]] = {}
    for (scenario, label), rows in sorted(by_scenario.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        out[scenario] = {"label": label, "keys": float(len(rows))}  # type: ignore[dict-item]
        for name in rows[0]:
            out[scenario][name] = round(statistics.median(r[name] for r in rows), 3)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.redteam.signals", description=__doc__
    )
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    table = measure(args.directory)
    (args.directory / "signals.json").write_bytes(orjson.dumps(table, option=orjson.OPT_INDENT_2))
    names = ("turns", "turns_substantive", "answer_req", "answer_out", "frames", "fail_share")
    sys.stdout.write("| scenario | label | keys | " + " | ".join(names) + " |\n")
    sys.stdout.write("|---" * (3 + len(names)) + "|\n")
    for scenario, row in table.items():
        cells = " | ".join(f"{row[n]:g}" for n in names)
        sys.stdout.write(f"| {scenario} | {row['label']} | {int(row['keys'])} | {cells} |\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
