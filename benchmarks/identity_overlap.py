"""How many item identities keys of one labelled group share (the campaign stage's
public-dataset rule, docs/CAMPAIGNS.md "Item identities").

Every key's prompts go through the per-key state exactly as the engine adds them
(:meth:`detectors.state.keystate.KeyState.add`, default prompt key), and its sketch of
item identities is read at the end; per labelled group (scenario, and campaign when the
label names one) it prints how many of 8 sampled identities two keys share (mean over
up to 400 pairs), how many keys share more than ``SAME_CHANCE`` with at least one other
key of the group, and how many share that many with the group's other keys together.

    python -m benchmarks.identity_overlap out/quality/data-independent-1-*/events.jsonl.gz \\
        out/quality/data-independent-1-*/labels.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from detectors.campaign_links import SAME_CHANCE
from detectors.events import Event, parse_line
from detectors.fingerprints import fingerprint_fields
from detectors.state.keystate import KeyState

__all__ = ["group_overlaps", "main"]


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        yield from handle


def _groups(labels: Path) -> dict[str, str]:
    groups = {}
    for line in labels.read_text().splitlines():
        label = json.loads(line)
        campaign = label.get("campaign_id") or label.get("campaign")
        name = str(label.get("scenario"))
        groups[label["api_key_id"]] = f"{name}:{campaign}" if campaign else name
    return groups


def sketches(events: Path, keys: set[str], most: int) -> dict[str, tuple[int, ...]]:
    """Each key's item identities after (at most ``most`` of) its prompts."""
    states: dict[str, KeyState] = {}
    sent: Counter[str] = Counter()
    for index, line in enumerate(_lines(events)):
        if b'"prompt_text"' not in line:
            continue
        event = parse_line(line, index)
        if not isinstance(event, Event) or event.api_key_id not in keys:
            continue
        text = event.prompt_text
        if not text or sent[event.api_key_id] >= most:
            continue
        sent[event.api_key_id] += 1
        state = states.get(event.api_key_id)
        if state is None:
            state = states[event.api_key_id] = KeyState(event.ts, 300.0)
        state.add(event, fingerprint_fields(text))
    return {key: state.identities() for key, state in states.items()}


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
    parser.add_argument("events", type=Path)
    parser.add_argument("labels", type=Path)
    parser.add_argument("--scenarios", default="", help="comma-separated; default: all")
    parser.add_argument("--most", type=int, default=400, help="prompts read per key")
    args = parser.parse_args(argv)
    groups = _groups(args.labels)
    wanted = {s for s in args.scenarios.split(",") if s}
    keys = {k for k, g in groups.items() if not wanted or g.split(":")[0] in wanted}
    rows = group_overlaps(sketches(args.events, keys, args.most), groups)
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
