"""How many item identities keys of one labelled group share (the campaign stage's
public-dataset rule, docs/CAMPAIGNS.md "Item identities").

Reads the summaries the per-key engines emitted (``python -m benchmarks.campaign_quality
record EVENTS --out DIR``), so each key's identities are the ones the stage saw: built
from the prompts the engine fingerprinted (a sample of a busy key's prompts, the
sampling budget), not from all of them. Per labelled group (scenario, and campaign when
the label names one) it prints how many of the 8 sampled identities two keys share (mean
over up to 400 pairs), how many keys share more than ``SAME_CHANCE`` with at least one
other key of the group, and how many share that many with the group's other keys
together (what ``shared_prompt_share`` counts within a cluster).

    python -m benchmarks.campaign_quality record out/h1/events.jsonl --out out/h1/rec
    python -m benchmarks.identity_overlap out/h1/rec out/h1/labels.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.campaign_quality import load_summaries
from detectors.campaign_links import SAME_CHANCE

__all__ = ["group_overlaps", "main"]


def _groups(labels: Path) -> dict[str, str]:
    groups = {}
    for line in labels.read_text().splitlines():
        label = json.loads(line)
        campaign = label.get("campaign_id") or label.get("campaign")
        name = str(label.get("scenario"))
        groups[label["api_key_id"]] = f"{name}:{campaign}" if campaign else name
    return groups


def sketches(recorded: Path, keys: set[str]) -> dict[str, tuple[int, ...]]:
    """Each key's item identities in its latest recorded summary."""
    latest: dict[str, tuple[int, ...]] = {}
    for summary in load_summaries(recorded):
        if summary.api_key_id in keys:
            latest[summary.api_key_id] = summary.prompts
    return latest


def group_overlaps(sketched: dict[str, tuple[int, ...]], groups: dict[str, str]) -> list[dict]:
    """Per group: keys with identities, mean shared per pair, keys sharing beyond chance."""
    members: dict[str, list[str]] = defaultdict(list)
    for key, sketch in sketched.items():
        if sketch:
            members[groups[key]].append(key)
    rows = []
    for group, keys in sorted(members.items()):
        if len(keys) < 2:
            continue
        sets = {k: set(sketched[k]) for k in keys}
        pairs = list(itertools.islice(itertools.combinations(keys, 2), 400))
        shared = [len(sets[a] & sets[b]) for a, b in pairs]
        owners = Counter(p for k in keys for p in sets[k])
        pairwise = sum(
            1 for k in keys if any(len(sets[k] & sets[o]) > SAME_CHANCE for o in keys if o != k)
        )
        together = sum(1 for k in keys if sum(owners[p] > 1 for p in sets[k]) > SAME_CHANCE)
        rows.append(
            {
                "group": group,
                "keys": len(keys),
                "mean_shared_per_pair": round(sum(shared) / len(shared), 2),
                "keys_sharing_with_one_other": pairwise,
                "keys_sharing_with_the_rest": together,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.identity_overlap")
    parser.add_argument("recorded", type=Path, help="a campaign_quality record directory")
    parser.add_argument("labels", type=Path)
    parser.add_argument("--scenarios", default="", help="comma-separated; default: all")
    args = parser.parse_args(argv)
    groups = _groups(args.labels)
    wanted = {s for s in args.scenarios.split(",") if s}
    keys = {k for k, g in groups.items() if not wanted or g.split(":")[0] in wanted}
    rows = group_overlaps(sketches(args.recorded, keys), groups)
    header = ("group", "keys", "shared/pair", ">1 with one", ">1 with rest")
    print(f"{header[0]:45s} {header[1]:>5s} {header[2]:>11s} {header[3]:>11s} {header[4]:>12s}")
    for r in rows:
        print(
            f"{r['group']:45s} {r['keys']:5d} {r['mean_shared_per_pair']:11.2f} "
            f"{r['keys_sharing_with_one_other']:11d} {r['keys_sharing_with_the_rest']:12d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
