"""The triage at scale: 1M alerts and 100k keys in the embedded store, timed over HTTP.

``python -m benchmarks.triage_store [--alerts 1000000] [--keys 100000] [--db PATH]``

Builds a store (or reuses ``--db`` if it already holds the alerts), starts
``distillwatch triage`` on it as a user would (a real process, a real HTTP server)
and times the ranked lists (keys, alerts, campaigns; with each filter) and key pages
(random keys, campaign members, hashed ids from Grafana) with real requests. Prints
median, p95 and worst per request next to the 300 ms target (ratio = p95 / 300 ms),
and how long loading took. A benchmark, not a test: it never fails on a number.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from detectors.alerts import Alert, Reason, alert_id
from detectors.timestamps import format_ts
from detectors.wording import summarize
from pipeline.metrics.topk import key_label
from pipeline.triage.store import TriageStore, alert_row

TARGET_MS = 300.0
T0 = 1_791_158_400.0
ROOT = Path(__file__).resolve().parents[1]
REASONS = (
    (Reason("elicitation_share", 0.9, 0.02), Reason("answer_tokens", 1500.0, 250.0)),
    (Reason("output_tokens_per_day", 2e6, 1.5e5), Reason("single_turn_share", 1.0, 0.0)),
    (Reason("sweep_share", 0.6, 0.05), Reason("hourly_volume_cv", 0.02, 0.0)),
)
CAMPAIGN_REASONS = (Reason("shared_ip_prefixes", 0.8, 0.06), Reason("accounts", 12.0, 1.0))


def build(db: Path, n_alerts: int, n_keys: int, seed: int = 7) -> float:
    """Fill ``db`` with ``n_alerts`` alerts over ``n_keys`` keys; return the seconds taken."""
    rng = random.Random(seed)
    store = TriageStore(db)
    started = time.perf_counter()
    campaign_keys = max(20, n_keys // 50)  # 2 % of keys in campaigns of 20
    batch = []
    for i in range(n_alerts):
        k = rng.randrange(n_keys) if i >= n_keys else i  # every key has one alert at least
        key = f"bk-{k:06d}"
        in_campaign = k < campaign_keys
        severity = "critical" if rng.random() < 0.3 else "warning"
        score = round(
            rng.uniform(0.85, 1.0) if severity == "critical" else rng.uniform(0.6, 0.85), 4
        )
        at = T0 + rng.uniform(0, 30 * 86400)
        detector = "campaign" if in_campaign else "extraction_ensemble"
        campaign = f"camp_{k // 20:016x}" if in_campaign else None
        related = tuple(f"bk-{j:06d}" for j in range(k // 20 * 20, k // 20 * 20 + 20) if j != k)
        reasons = CAMPAIGN_REASONS if in_campaign else REASONS[k % 3]
        alert = Alert(
            alert_id=alert_id(key, detector, i, severity),
            api_key_id=key,
            account_id=f"acct-{k // 3}",
            ts=format_ts(at),
            severity=severity,
            score=score,
            detector=detector,
            reasons=reasons,
            campaign_id=campaign,
            related_keys=related if in_campaign else (),
            summary=summarize(severity, score, reasons, campaign, 19 if campaign else 0),
        )
        body = alert.to_json()
        batch.append(alert_row(alert.to_dict(), body))
        if len(batch) >= 20_000:
            store.add_alerts(batch)
            batch = []
            if (i + 1) % 100_000 == 0:
                print(
                    f"  loaded {i + 1:,} alerts ({time.perf_counter() - started:.0f} s)", flush=True
                )
    store.add_alerts(batch)
    store.analyze()
    store.close()
    return time.perf_counter() - started


def _get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000.0


def _row(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    verdict = "PASS" if p95 < TARGET_MS else "MISS"
    return (
        f"{name:<44} {len(times):>4} {statistics.median(times):>8.1f} {p95:>8.1f} "
        f"{times[-1]:>8.1f} {p95 / TARGET_MS:>6.2f} {verdict}"
    )


def measure(db: Path, n_keys: int, samples: int, seed: int = 11) -> list[str]:
    """Start ``distillwatch triage`` on ``db`` and time its pages; the table's lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "triage", "--db", str(db), "--no-kafka",
         "--listen", "127.0.0.1:0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        base = None
        for line in proc.stdout:
            if m := re.search(r"triage: (http://\S+)", line):
                base = m.group(1)
                break
        assert base, "triage did not start"
        rng = random.Random(seed)
        keys = [f"bk-{rng.randrange(n_keys):06d}" for _ in range(samples)]
        since = format_ts(T0 + 20 * 86400)
        hour = format_ts(T0 + 15 * 86400)
        hour_end = format_ts(T0 + 15 * 86400 + 3600)
        lists = {
            "ranked keys page /": "",
            "ranked keys API": "api/keys",
            "  severity=critical": "api/keys?severity=critical",
            "  detector=campaign": "api/keys?detector=campaign",
            "  state=open, since 10 days": f"api/keys?state=open&since={since}",
            "  page 20 (offset 1000)": "api/keys?offset=1000",
            "ranked alerts page": "?view=alerts",
            "ranked alerts API, critical, last 10 days": (
                f"api/alerts?severity=critical&since={since}"
            ),
            "ranked alerts API, detector=campaign": "api/alerts?detector=campaign",
            "ranked alerts API, one hour": f"api/alerts?since={hour}&until={hour_end}",
            "ranked keys API, state=benign (few keys)": "api/keys?state=benign",
            "ranked alerts API, state=benign (few keys)": "api/alerts?state=benign",
            "ranked campaigns page": "?view=campaigns",
        }
        lines = []
        for name, path in lists.items():
            _get(base + path)  # warm
            lines.append(_row(name, [_get(base + path) for _ in range(max(5, samples // 10))]))
        lines.append(_row("key page (random keys)", [_get(base + f"key/{k}") for k in keys]))
        lines.append(_row("key API (random keys)", [_get(base + f"api/keys/{k}") for k in keys]))
        members = [f"bk-{rng.randrange(max(20, n_keys // 50)):06d}" for _ in range(samples // 4)]
        lines.append(
            _row("key page (campaign members)", [_get(base + f"key/{k}") for k in members])
        )
        hashed = [key_label(k) for k in keys[: samples // 4]]
        lines.append(
            _row("hashed id -> key page (redirect)", [_get(base + f"key/{h}") for h in hashed])
        )
        camps = [
            f"camp_{rng.randrange(max(1, n_keys // 50 // 20)):016x}" for _ in range(samples // 4)
        ]
        lines.append(_row("campaign page", [_get(base + f"campaign/{c}") for c in camps]))
        return lines
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.triage_store")
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200, help="key pages timed")
    parser.add_argument("--db", type=Path, help="store to build or reuse (default: temporary)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "triage.db"
        if db.exists():
            print(f"reusing {db}")
            load = None
        else:
            print(f"building {db}: {args.alerts:,} alerts over {args.keys:,} keys")
            load = build(db, args.alerts, args.keys)
            size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
            print(
                f"loaded in {load:.1f} s ({args.alerts / load:,.0f} alerts/s); store "
                f"{size / 1e6:,.0f} MB ({size / max(args.alerts, 1):,.0f} B/alert)"
            )
        lines = measure(db, args.keys, args.samples)
    print()
    print(f"Triage over HTTP: {args.alerts:,} alerts, {args.keys:,} keys (target p95 < 300 ms)")
    print(f"{'request':<44} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/300':>6}")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
