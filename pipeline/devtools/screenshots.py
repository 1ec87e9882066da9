"""``make screenshots``: refresh docs/images/triage-key.png and triage-campaign.png.

Serves ``distillwatch triage`` on the deterministic sample alerts and scores
(:mod:`pipeline.devtools.triage_sample`) with a hook database in which the limiter
held an action (decided by the hook's own code), and photographs the key and the
campaign page with headless Chromium (:mod:`pipeline.devtools.browser`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from pipeline.devtools.browser import BrowserMissing, headless_chromium
from pipeline.devtools.triage_sample import (
    CAMPAIGN_ID,
    HARVESTER,
    sample_alerts,
    sample_lines,
    sample_scores,
)

__all__ = ["main"]


def _hook_db(path: Path) -> None:
    from prometheus_client import CollectorRegistry

    from pipeline.hook.metrics import HookMetrics
    from pipeline.hook.policy import parse_policy
    from pipeline.hook.processor import Processor

    policy = parse_policy(
        {
            "policies": [{"name": "harvesters", "mode": "enforce", "severities": ["critical"],
                          "confirmations": 1, "ladder": ["suspend"]}],
            "limits": {"max_actions_per_hour": 0, "cooldown": 0},
            "delivery": {"url": "http://127.0.0.1:9/unused"},
        }
    )  # fmt: skip
    processor = Processor(policy, path, HookMetrics(CollectorRegistry()), time.time)
    try:
        for alert in sample_alerts():
            if alert.api_key_id == HARVESTER and alert.severity == "critical":
                processor.handle_bytes(alert.to_json(), "kafka:alerts/0/0")
    finally:
        processor.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.devtools.screenshots")
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/images"))
    args = parser.parse_args(argv)
    try:
        driver = headless_chromium(1280, 1500)
    except BrowserMissing as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "alerts.jsonl").write_bytes(sample_lines())
        (folder / "scores.jsonl").write_bytes(
            b"".join(
                orjson.dumps({"api_key_id": k, "ts": t, "score": s}) + b"\n"
                for k, t, s in sample_scores()
            )
        )
        _hook_db(folder / "hook.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
        env["DISTILLWATCH_TRIAGE_TOKEN"] = "screenshots"
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "triage", "--db", str(folder / "t.db"),
             "--alerts", str(folder / "alerts.jsonl"), "--scores", str(folder / "scores.jsonl"),
             "--hook-db", str(folder / "hook.db"), "--feedback-file", str(folder / "f.jsonl"),
             "--no-kafka", "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            url = None
            for line in proc.stdout:
                if m := re.search(r"triage: (http://\S+)", line):
                    url = m.group(1)
                    break
            if url is None:
                print("screenshots: the triage did not start", file=sys.stderr)
                return 1
            time.sleep(1.5)  # the hook database is read on the first poll
            for name, path in (
                ("key", f"key/{HARVESTER}"),
                ("campaign", f"campaign/{CAMPAIGN_ID}"),
            ):
                driver.get(url + path)
                for _ in range(2):  # the height changes with the width once set
                    height = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(1280, min(max(int(height) + 140, 800), 4000))
                target = args.out / f"triage-{name}.png"
                driver.save_screenshot(str(target))
                print(f"screenshots: {target}")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
