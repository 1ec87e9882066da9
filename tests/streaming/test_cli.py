"""The ``worker`` and ``demo`` commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.streaming.conftest import BIN

CLI = str(BIN / "distillwatch")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTILLWATCH_", "KAFKA_"))}
    return {**env, **extra}


def test_worker_without_a_broker_says_how_to_get_one():
    out = subprocess.run([CLI, "worker"], env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "KAFKA_BOOTSTRAP_SERVERS" in out.stderr and "demo" in out.stderr


def test_worker_rejects_a_bad_setting():
    env = _env(KAFKA_BOOTSTRAP_SERVERS="h:1")
    out = subprocess.run(
        [CLI, "worker", "--partitions", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "partitions" in out.stderr


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_demo_runs_and_stops_after_its_duration():
    out = subprocess.run(
        [CLI, "demo", "--duration", "20", "--metrics-port", "0", "--speed", "3000"],
        env=_env(COLUMNS="120"), capture_output=True, text=True, timeout=100,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "metrics: http://127.0.0.1:" in out.stdout
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("stopped:")
    sent = int(last.split()[1].replace(",", ""))
    assert sent > 1000  # traffic flowed through the embedded broker
