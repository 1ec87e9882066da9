"""What each labelled scenario sends and gets back, per key: the sizes yield is read from.

For every key with at least ``--min-requests`` valid events, over its whole log:

- ``answer``: geometric mean of delivered tokens per choice (completion tokens without
  hidden reasoning, as :func:`detectors.state.observe.observe` counts them);
- ``out/in``: delivered output over prompt tokens (everything sent: history, harness,
  retrieved passages);
- ``out/visible``: delivered output over the visible prompt's estimated tokens
  (``prompt_text`` characters / ``TURN_CHARS_PER_TOKEN``, as the turn test reads it;
  keys that logged no text have none).

Each scenario (or benign archetype) prints the median over its keys. Run
``python -m benchmarks.archetype_sizes EVENTS LABELS [--min-requests N]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from detectors.events import Event, parse_line
from detectors.state.layout import TURN_CHARS_PER_TOKEN
from detectors.state.observe import delivered
from pipeline.runtime.log_files import iter_input_blocks

__all__ = ["KeySizes", "by_scenario", "main", "read_sizes"]


@dataclass
class KeySizes:
    """One key's running sums."""

    requests: int = 0
    log_answer: float = 0.0
    output: float = 0.0
    prompt: float = 0.0
    visible: float = 0.0
    scenario: str = field(default="unlabelled")

    def add(self, event: Event) -> None:
        out = delivered(event.completion_tokens, event.reasoning_tokens)
        self.requests += 1
        self.log_answer += math.log1p(out / max(event.n, 1))
        self.output += out
        self.prompt += event.prompt_tokens
        if event.prompt_text:
            self.visible += len(event.prompt_text) // TURN_CHARS_PER_TOKEN


def read_sizes(paths: Sequence[str]) -> dict[str, KeySizes]:
    """Sums per key over the valid events of ``paths`` (rejected lines are skipped)."""
    keys: dict[str, KeySizes] = {}
    for path in paths:
        for line in itertools.chain.from_iterable(iter_input_blocks(path)):
            item = parse_line(line)
            if type(item) is Event:
                keys.setdefault(item.api_key_id, KeySizes()).add(item)
    return keys


def by_scenario(
    keys: dict[str, KeySizes], labels: Iterable[Mapping[str, object]], min_requests: int = 20
) -> dict[str, tuple[int, float, float, float]]:
    """Per scenario: (keys, median answer tokens, median out/in, median out/visible).

    >>> k = KeySizes(requests=20, log_answer=20 * math.log1p(99.0), output=2000.0,
    ...              prompt=1000.0, visible=100.0)
    >>> by_scenario({"a": k}, [{"api_key_id": "a", "scenario": "chat"}])["chat"]
    (1, 99.0, 2.0, 20.0)
    """
    for row in labels:
        sizes = keys.get(str(row.get("api_key_id")))
        if sizes is not None:
            sizes.scenario = str(row.get("scenario") or row.get("label") or "unlabelled")
    grouped: dict[str, list[KeySizes]] = {}
    for sizes in keys.values():
        if sizes.requests >= min_requests:
            grouped.setdefault(sizes.scenario, []).append(sizes)
    out = {}
    for scenario, group in sorted(grouped.items()):
        answers = [math.expm1(s.log_answer / s.requests) for s in group]
        ratios = [s.output / max(s.prompt, 1.0) for s in group]
        visible = [s.output / s.visible for s in group if s.visible > 0]
        out[scenario] = (
            len(group),
            round(statistics.median(answers), 1),
            round(statistics.median(ratios), 2),
            round(statistics.median(visible), 2) if visible else math.nan,
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events")
    parser.add_argument("labels")
    parser.add_argument("--min-requests", type=int, default=20)
    args = parser.parse_args(argv)
    with open(args.labels, encoding="utf-8") as handle:
        labels = [json.loads(line) for line in handle if line.strip()]
    table = by_scenario(read_sizes([args.events]), labels, args.min_requests)
    print(f"{'scenario':30s} {'keys':>5s} {'answer':>8s} {'out/in':>7s} {'out/visible':>12s}")
    for scenario, (count, answer, ratio, visible) in table.items():
        print(f"{scenario:30s} {count:5d} {answer:8.0f} {ratio:7.2f} {visible:12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
