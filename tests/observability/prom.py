"""A real Prometheus for tests: find the binary, start it on a free loopback port, query it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.devtools.processes import stop_process

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "dashboards" / "prometheus" / "rules" / "distillwatch.rules.yml"
RULE_TESTS = REPO / "dashboards" / "prometheus" / "tests" / "distillwatch.rules.test.yml"
ALERTMANAGER = REPO / "dashboards" / "alertmanager" / "alertmanager.yml"


def require_binary(name: str) -> str:
    """Path of ``name``; skip when absent locally, fail in CI (which installs it)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found (scripts/ci/install-prometheus.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return orjson.loads(resp.read())


class Prometheus:
    """Client for a running Prometheus' HTTP API."""

    def __init__(self, base: str) -> None:
        self.base = base

    def query(self, expr: str) -> dict[str, Any]:
        """Instant query; returns the whole API response (``status``, ``data`` or ``error``)."""
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            return dict(get_json(url))
        except urllib.error.HTTPError as exc:  # 400 = bad expression: return the API's error
            return dict(orjson.loads(exc.read()))

    def label_values(self, label: str, match: str) -> list[str]:
        url = f"{self.base}/api/v1/label/{label}/values?" + urllib.parse.urlencode(
            {"match[]": match}
        )
        return list(get_json(url)["data"])

    def metric_names(self) -> set[str]:
        return set(get_json(f"{self.base}/api/v1/label/__name__/values")["data"])

    def rules(self) -> list[dict[str, Any]]:
        groups = get_json(f"{self.base}/api/v1/rules")["data"]["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def targets_up(self) -> dict[str, float]:
        result = self.query("up")["data"]["result"]
        return {r["metric"]["job"]: float(r["value"][1]) for r in result}

    def wait(self, condition: str, timeout: float = 20.0) -> None:
        """Wait (bounded) until the instant query ``condition`` returns a non-empty result."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.query(condition)
            if response.get("status") == "success" and response["data"]["result"]:
                return
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {condition!r}")


@contextmanager
def running_prometheus(
    tmp: Path, jobs: dict[str, int], rules: Path = RULES, interval: str = "1s"
) -> Iterator[Prometheus]:
    """Start Prometheus scraping ``jobs`` (job name -> loopback port); stop it on exit."""
    binary = require_binary("prometheus")
    scrape = "\n".join(
        f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']"
        for job, port in jobs.items()
    )
    config = tmp / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
        f"rule_files:\n  - {rules}\nscrape_configs:\n{scrape}\n"
    )
    port = free_port()
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    prom = Prometheus(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"prometheus exited: {(tmp / 'prometheus.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{prom.base}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("prometheus did not become ready in 30 s")
            time.sleep(0.2)
        yield prom
    finally:
        stop_process(proc, timeout=10, kill_timeout=5)
        log.close()
