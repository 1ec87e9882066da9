"""``distillwatch simulate``: write ``events.jsonl[.gz]`` and ``labels.jsonl``."""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import orjson

from pipeline.simulate.config import (
    DEFAULT_START,
    SCENARIOS,
    SPLITS,
    SimulationConfig,
    parse_pin,
    parse_start,
)
from pipeline.simulate.delivery import deliver, encode_event
from pipeline.simulate.roster import build_roster

__all__ = ["add_arguments", "config_from_args", "run", "simulate", "write_dataset"]

_CHUNK = 8192


def simulate(config: SimulationConfig) -> tuple[Iterator[dict[str, Any]], list[dict[str, Any]]]:
    """Events (lazily, in arrival order) and labels (one per key, sorted by ``api_key_id``).

    Encode events with :func:`~pipeline.simulate.delivery.encode_event` so malformed
    records stay malformed.

    Examples
    --------
    >>> events, labels = simulate(SimulationConfig(seed=3, days=0.02, benign_keys=12,
    ...                                            attack_instances=0))
    >>> len(labels), {label["label"] for label in labels}
    (12, {'benign'})
    >>> first = next(events)
    >>> sorted(k for k in ("ts", "api_key_id", "prompt_tokens", "completion_tokens") if k in first)
    ['api_key_id', 'completion_tokens', 'prompt_tokens', 'ts']
    """
    roster = build_roster(config)
    labels = sorted((spec.label_dict() for spec in roster), key=lambda d: d["api_key_id"])
    return deliver(config, roster), labels


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``simulate``'s options."""
    d = SimulationConfig()
    parser.add_argument("--seed", type=int, default=d.seed, help="seed of every generator")
    parser.add_argument("--days", type=float, default=d.days, help="simulated span in days")
    parser.add_argument("--benign-keys", type=int, default=d.benign_keys, help="benign keys")
    parser.add_argument(
        "--attack-instances", type=int, default=d.attack_instances,
        help="instances of each abuse scenario (a hydra/swarm instance is a whole campaign)",
    )  # fmt: skip
    parser.add_argument(
        "--start", default="2026-10-05T00:00:00Z", help="RFC 3339 start (default %(default)s)"
    )
    parser.add_argument("--gzip", action="store_true", help="write events.jsonl.gz")
    parser.add_argument("--no-prompts", action="store_true", help="omit prompt_text")
    parser.add_argument("--duplicate-rate", type=float, default=d.duplicate_rate)
    parser.add_argument("--malformed-rate", type=float, default=d.malformed_rate)
    parser.add_argument("--disorder-seconds", type=float, default=d.disorder_seconds)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS),
        help="comma-separated abuse scenarios to include (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--split", choices=SPLITS, default=d.split,
        help="structures to draw: all, tune (no held-out structure) or holdout (only held-out"
        " ones); default %(default)s",
    )  # fmt: skip
    parser.add_argument(
        "--pin", action="append", default=[], metavar="AXIS=VALUE",
        help="fix a structure axis for every abuse instance, e.g. timing=flat (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--account-age", action="store_true",
        help="every event carries its account's account_created_at",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="output directory")


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """Build the config from parsed arguments (raises ``ValueError`` on bad values)."""
    start = DEFAULT_START if args.start is None else parse_start(args.start)
    scenarios = tuple(s.strip() for s in args.scenarios.split(",") if s.strip())
    return SimulationConfig(
        seed=args.seed,
        days=args.days,
        benign_keys=args.benign_keys,
        attack_instances=args.attack_instances,
        start=start,
        prompts=not args.no_prompts,
        duplicate_rate=args.duplicate_rate,
        malformed_rate=args.malformed_rate,
        disorder_seconds=args.disorder_seconds,
        scenarios=scenarios,
        split=args.split,
        pins=tuple(parse_pin(text) for text in args.pin),
        account_age=args.account_age,
    )


def _open_events(stack: ExitStack, path: Path, compress: bool) -> IO[bytes] | gzip.GzipFile:
    raw = stack.enter_context(path.open("wb"))
    if not compress:
        return raw
    # mtime=0 and no file name in the header: same seed, same bytes.
    packed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=4, mtime=0)
    stack.callback(packed.close)
    return packed


def write_dataset(
    config: SimulationConfig,
    out: Path,
    compress: bool,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write the dataset into ``out``; returns (events written, keys).

    ``progress`` is called with the events written so far after each chunk.
    """
    out.mkdir(parents=True, exist_ok=True)
    events, labels = simulate(config)
    name = "events.jsonl.gz" if compress else "events.jsonl"
    count = 0
    with ExitStack() as stack:
        handle = _open_events(stack, out / name, compress)
        chunk: list[bytes] = []
        for event in events:
            chunk.append(encode_event(event))
            if len(chunk) >= _CHUNK:
                handle.write(b"\n".join(chunk) + b"\n")
                count += len(chunk)
                chunk.clear()
                if progress is not None:
                    progress(count)
        if chunk:
            handle.write(b"\n".join(chunk) + b"\n")
            count += len(chunk)
    with (out / "labels.jsonl").open("wb") as f:
        f.writelines(orjson.dumps(label) + b"\n" for label in labels)
    return count, len(labels)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``distillwatch simulate``: one summary line on stdout."""
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"distillwatch simulate: {exc}", file=sys.stderr)
        return 2
    from pipeline.progress import ProgressLines

    began = time.perf_counter()  # only for the summary line; nothing generated depends on it
    lines = ProgressLines("simulate", unit="events")  # a line every 10 s; none on short runs
    count, keys = write_dataset(config, args.out, args.gzip, lambda n: lines.update(0, n))
    lines.close()
    elapsed = max(time.perf_counter() - began, 1e-9)
    print(
        f"simulate: {count:,} events, {keys:,} keys ({config.benign_keys:,} benign), "
        f"{config.days:g} days -> {args.out} in {elapsed:.1f} s ({count / elapsed:,.0f} events/s)"
    )
    return 0
