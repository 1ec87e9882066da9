"""One-line errors a newcomer meets first: the embedded broker's producer, a busy port."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from pipeline.devtools.embedded_broker import EmbeddedBroker
from tests.streaming.conftest import BIN

CLI = str(BIN / "distillwatch")
pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTILLWATCH_", "KAFKA_"))}
    return {**env, **extra}


def _error_lines(stderr: str) -> list[str]:
    # The interpreter's warnings (the native module's protocol check) are not ours.
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and "Warning" not in line and "NATIVE" not in line
    ]


def test_the_worker_on_the_embedded_broker_says_what_to_set(
    embedded_broker: EmbeddedBroker,
) -> None:
    env = _env(KAFKA_BOOTSTRAP_SERVERS=embedded_broker.bootstrap_servers)
    out = subprocess.run([CLI, "worker"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = _error_lines(out.stderr)
    assert len(lines) == 1, out.stderr
    assert "DISTILLWATCH_PRODUCER_IDEMPOTENCE=false" in lines[0]
    assert "Traceback" not in out.stderr


def test_a_busy_metrics_port_is_one_line(embedded_broker: EmbeddedBroker) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(
            KAFKA_BOOTSTRAP_SERVERS=embedded_broker.bootstrap_servers,
            DISTILLWATCH_PRODUCER_IDEMPOTENCE="false",
        )
        out = subprocess.run(
            [CLI, "worker", "--metrics-port", str(port)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert out.returncode == 1
    lines = _error_lines(out.stderr)
    assert len(lines) == 1, out.stderr
    assert f"cannot serve /metrics on 127.0.0.1:{port}" in lines[0]
    assert "--metrics-port" in lines[0]
