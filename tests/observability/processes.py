"""The real processes of the observability acceptance test, started and stopped by the test.

`distillwatch worker` and `distillwatch hook run` run as subprocesses of pytest (the console
script of this venv), each with its `/metrics` on a loopback port; a loopback HTTP server
stands in for the provider's account system (the hook's delivery endpoint). Every wait is
bounded and every process is stopped in a ``finally`` (SIGTERM, then SIGKILL), and dies with
pytest if pytest itself is killed (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from detectors.config import EngineConfig
from pipeline.devtools.processes import stop_process

BIN = Path(sys.executable).parent
METRICS_LINE = re.compile(rb"metrics http://127\.0\.0\.1:(\d+)/metrics")
_PR_SET_PDEATHSIG = 1


def _die_with_pytest() -> None:  # pragma: no cover - runs in the child between fork and exec
    # No orphaned worker or hook if pytest is killed before its teardown runs.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Running:
    """A started subprocess, its log file and its metrics port."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    def log_tail(self, limit: int = 3000) -> str:
        return self.log.read_bytes()[-limit:].decode("utf-8", "replace")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
            )


def _start(name: str, argv: list[str], env: Mapping[str, str], log: Path) -> Running:
    with log.open("wb") as handle:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_pytest,
        )
    return Running(name, proc, log)


def stop(running: Running, timeout: float = 20.0) -> None:
    """SIGTERM (the worker checkpoints, the hook closes its consumer), then SIGKILL."""
    stop_process(running.proc, timeout=timeout)


def wait_metrics(running: Running, timeout: float = 45.0) -> None:
    """Wait (bounded) until the process answers on its ``/metrics`` port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running.check_alive()
        if not running.port:
            found = METRICS_LINE.search(running.log.read_bytes())
            running.port = int(found.group(1)) if found else 0
        if running.port:
            try:
                url = f"http://127.0.0.1:{running.port}/metrics"
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"{running.name}: no /metrics within {timeout}s:\n{running.log_tail()}")


def engine_overrides(config: EngineConfig) -> str:
    """``DISTILLWATCH_ENGINE`` for ``config`` (its partitions go in DISTILLWATCH_PARTITIONS)."""
    values = config.to_dict()
    values.pop("partitions")
    return json.dumps(values)


@contextmanager
def running_worker(
    bootstrap: str, config: EngineConfig, group_id: str, log: Path
) -> Iterator[Running]:
    """``distillwatch worker`` with ``config``, metrics on a port it picks (port 0)."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DISTILLWATCH_PARTITIONS": str(config.partitions),
        "DISTILLWATCH_GROUP_ID": group_id,
        # The embedded Tansu broker has no idempotent producer (InitProducerId fails).
        "DISTILLWATCH_PRODUCER_IDEMPOTENCE": "false",
        "DISTILLWATCH_ENGINE": engine_overrides(config),
        "DISTILLWATCH_METRICS_PORT": "0",
        # Short group timing: the worker joins in seconds (DESIGN.md: ~108 s with defaults).
        "DISTILLWATCH_SESSION_TIMEOUT_MS": "6000",
        "DISTILLWATCH_HEARTBEAT_INTERVAL_MS": "1000",
        "DISTILLWATCH_REBALANCE_TIMEOUT_MS": "10000",
        # Lag is published at each checkpoint: often, so the lag panels fill quickly.
        "DISTILLWATCH_CHECKPOINT_INTERVAL_SECONDS": "1.0",
        "DISTILLWATCH_MAX_POLL_RECORDS": "50",
        "DISTILLWATCH_LOG_LEVEL": "WARNING",
    }
    running = _start("worker", [str(BIN / "distillwatch"), "worker"], env, log)
    try:
        wait_metrics(running)
        yield running
    finally:
        stop(running)


# Every suspension rule stays in shadow mode (the hook's default). A shadow-only hook never
# delivers, so `distillwatch_hook_deliveries_total` never gets a series and the overview's
# "Webhook deliveries by result" panel has no data (checked: with this rule in shadow mode too,
# that panel and the metric-name check are the only failures). So the warning rule enforces
# `notify` only, against the loopback receiver below, instead of keeping a stand-in. A budget of
# one action per hour makes the limiter hold (and page) in both modes: the limiter and
# outbox-backlog panels get real, non-zero data.
POLICY = """\
version = 1

[delivery]
url = "{url}/distillwatch/actions"
page_url = "{url}/distillwatch/pages"
timeout = "2s"
max_attempts = 3
backoff_initial = "1s"
backoff_max = "2s"

[limits]
max_actions_per_hour = 1
cooldown = "1h"

[[policies]]
name = "critical-shadow"
mode = "shadow"
severities = ["critical"]
confirmations = 1
ladder = ["throttle", "suspend"]

[[policies]]
name = "warnings-notify"
mode = "enforce"
severities = ["warning"]
confirmations = 1
ladder = ["notify"]
"""


class Receiver:
    """The provider's endpoint: answers 204 to correctly signed requests, 401 otherwise."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.paths: list[str] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stamp = self.headers.get("X-Distillwatch-Timestamp", "")
                expected = (
                    "v1="
                    + hmac.new(
                        receiver.secret, stamp.encode() + b"." + body, hashlib.sha256
                    ).hexdigest()
                )
                ok = hmac.compare_digest(expected, self.headers.get("X-Distillwatch-Signature", ""))
                if ok:
                    receiver.paths.append(self.path)
                else:
                    receiver.bad_signatures += 1
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest's output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextmanager
def running_hook(
    bootstrap: str, alerts_topic: str, receiver: Receiver, port: int, tmp: Path
) -> Iterator[Running]:
    """``distillwatch hook run`` on the alerts topic, metrics on ``port``."""
    policy = tmp / "policy.toml"
    policy.write_text(POLICY.format(url=receiver.url))
    argv = [
        str(BIN / "distillwatch"),
        "hook",
        "run",
        f"--policy={policy}",
        f"--db={tmp / 'hook.db'}",
        f"--bootstrap-servers={bootstrap}",
        f"--alerts-topic={alerts_topic}",
        "--group-id=obs-hook",
        "--session-timeout=6",
        f"--metrics=127.0.0.1:{port}",
    ]
    # The signing secret goes through the environment, never the command line (ps).
    env = {"DISTILLWATCH_HOOK_HMAC_KEY": receiver.secret.decode()}
    running = _start("hook", argv, env, tmp / "hook.log")
    running.port = port
    try:
        wait_metrics(running)
        yield running
    finally:
        stop(running)
