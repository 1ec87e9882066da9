"""The command line and the wired-up service (receiver + delivery + metrics, no Kafka)."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from pipeline.cli.main import main as distillwatch
from pipeline.devtools.embedded_broker import free_port
from pipeline.hook.policy import parse_policy
from pipeline.hook.runner import RunSettings, run_hook
from pipeline.hook.signing import Secret

from .support import REPO, SECRET, ProviderServer, wait_until
from .test_hook_receiver import TOKEN, payload


def test_check_accepts_the_example_and_rejects_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert distillwatch(["hook", "check", str(REPO / "examples" / "policy.toml")]) == 0
    assert "policy repeat-critical: shadow" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[[policies]]\nname = 'x'\nmode = 'enforcing'\n")
    assert distillwatch(["hook", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: policies['x'].mode: expected one of ['shadow', 'enforce']" in err


def test_run_refuses_to_enforce_without_secret_or_to_listen_without_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISTILLWATCH_HOOK_HMAC_KEY", "DISTILLWATCH_HOOK_AM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"policies": [{"name": "x", "mode": "enforce"}]}))
    db = str(tmp_path / "db")
    assert distillwatch(["hook", "run", "--policy", str(policy), "--db", db]) == 2
    assert "DISTILLWATCH_HOOK_HMAC_KEY" in capsys.readouterr().err
    policy.write_text(json.dumps({"policies": [{"name": "x"}]}))  # shadow: no secret needed
    assert distillwatch(["hook", "run", "--policy", str(policy), "--listen", "0"]) == 2
    assert "DISTILLWATCH_HOOK_AM_TOKEN" in capsys.readouterr().err


def test_label_writes_the_feedback_file(tmp_path: Path) -> None:
    path = tmp_path / "fb.jsonl"
    assert distillwatch(["label", "k1", "--abuse", "--feedback-file", str(path)]) == 0
    assert (
        distillwatch(["label", "k1", "--benign", "--reason", "r", "--feedback-file", str(path)])
        == 0
    )
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(x["api_key_id"], x["label"], x["reason"]) for x in lines] == [
        ("k1", "abuse", ""),
        ("k1", "benign", "r"),
    ]
    with pytest.raises(SystemExit):
        distillwatch(["label", "k1", "--feedback-file", str(path)])  # a verdict is required


def test_service_end_to_end_with_receiver_metrics_and_feedback_file(
    tmp_path: Path, provider: ProviderServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feedback = tmp_path / "fb.jsonl"
    assert distillwatch(["label", "k-benign", "--benign", "--feedback-file", str(feedback)]) == 0
    policy = parse_policy(
        {
            "policies": [{"name": "p", "mode": "enforce", "ladder": ["suspend"]}],
            "delivery": {"url": provider.url, "backoff_initial": 0.05, "backoff_max": 0.1},
        }
    )
    metrics_port, listen_port = free_port(), free_port()
    settings = RunSettings(
        db_path=tmp_path / "hook.db",
        feedback_file=feedback,
        listen=("127.0.0.1", listen_port),
        metrics=("127.0.0.1", metrics_port),
        max_seconds=30,
    )
    stop = threading.Event()
    registry = CollectorRegistry()
    thread = threading.Thread(
        target=run_hook,
        args=(settings, policy, Secret(SECRET), Secret(TOKEN)),
        kwargs={"registry": registry, "stop": stop},
    )
    thread.start()
    try:
        url = f"http://127.0.0.1:{listen_port}/alertmanager"

        def post() -> bool:
            request = urllib.request.Request(
                url,
                data=orjson.dumps(payload("k-bad", "k-benign")),
                headers={"Authorization": "Bearer " + TOKEN.decode()},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False  # not listening yet

        assert wait_until(lambda: post(), timeout=10)
        assert wait_until(lambda: len(provider.applied) == 1, timeout=10)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            scraped = r.read().decode()
        assert 'distillwatch_hook_decisions_total{outcome="acted"} 1.0' in scraped
        assert 'distillwatch_hook_decisions_total{outcome="skipped"} 1.0' in scraped  # benign
        assert "k-bad" not in scraped  # never a key as a label value
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert wait_until(
        lambda: (
            registry.get_sample_value("distillwatch_hook_deliveries_total", {"result": "delivered"})
            == 1.0
        ),
        timeout=1,
    )
    capsys.readouterr()
    db = str(settings.db_path)
    assert distillwatch(["hook", "audit", "--db", db, "--json", "--key", "k-benign"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["outcome"] == "skipped" and row["reason"] == "analyst labelled the key benign"
    assert distillwatch(["hook", "audit", "--db", db, "--since", "1h"]) == 0
    text = capsys.readouterr().out
    assert "acted" in text and "delivered" in text and "k-bad" in text
