"""Regenerate the golden replay fixture: `python tests/golden/make_golden.py`.

Only rerun it when a detector change is *meant* to change alerts; review the diff
of expected_alerts.jsonl in the same commit.
"""

from __future__ import annotations

import gzip
import heapq
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "unit"))
from traffic import START, chat_app, classifier, harvester, rag_app  # noqa: E402


def events() -> list[bytes]:
    # One harvester among a small population: the engine measures every key against
    # the keys around it (a population scale needs ten established keys a partition).
    rng = random.Random(2026)
    streams = [
        harvester(random.Random(1), "golden-harvester", START, 22.0, rate=0.06),
        harvester(random.Random(4), "golden-slow", START + 3600.0, 21.0, rate=0.005),
        # A harvester seen through metadata only: no prompt text.
        (e._replace(prompt_text=None)
         for e in harvester(random.Random(5), "golden-bare", START, 22.0, rate=0.04)),
    ]  # fmt: skip
    for i in range(10):
        streams.append(chat_app(random.Random(10 + i), f"golden-chat-{i}", START, 22.0, 0.02))
        streams.append(classifier(random.Random(30 + i), f"golden-class-{i}", START, 22.0, 0.01))
        streams.append(rag_app(random.Random(50 + i), f"golden-rag-{i}", START, 22.0, 0.01))
    lines = []
    for event in heapq.merge(*streams, key=lambda e: e.ts):
        obj = {k: v for k, v in event._asdict().items() if v is not None}
        lines.append(orjson.dumps(obj))
        if rng.random() < 0.002:
            lines.append(orjson.dumps(obj))  # a retried request: counts once
    # Bad input the replay must account for without stopping.
    lines.insert(10, b"{not json")
    lines.insert(20, b'{"ts": "2026-10-05T00:00:00Z", "api_key_id": "x"}')
    lines.insert(30, b"")
    lines.insert(40, b"[1, 2, 3]")
    return lines


def main() -> None:
    data = b"\n".join(events()) + b"\n"
    (HERE / "input.jsonl.gz").write_bytes(gzip.compress(data, mtime=0))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli.main",
                "replay",
                "input.jsonl.gz",
                "--out",
                out,
                "--no-progress",
            ],
            check=True,
            cwd=HERE,
        )
        for name in ("alerts.jsonl", "rejected.jsonl"):
            (HERE / f"expected_{name}").write_bytes((Path(out) / name).read_bytes())


if __name__ == "__main__":
    main()
