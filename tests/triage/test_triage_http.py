"""``distillwatch triage`` over HTTP: a real process, real requests, the real hook database."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from pipeline.metrics.topk import key_label

from .server import TOKEN, fetch, running_triage
from .support import (
    CAMPAIGN_ID,
    HARVESTER,
    MEMBERS,
    as_dicts,
    hook_db_with_a_held_action,
    sample_lines,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    alerts = tmp_path / "alerts.jsonl"
    evil = {
        **as_dicts()[0],
        "alert_id": "e" * 32,
        "api_key_id": '<script>alert("x")</script>',
        "summary": "<img src=x onerror=alert(1)>",
    }
    alerts.write_bytes(sample_lines() + orjson.dumps(evil) + b"\n")
    hook_db = tmp_path / "hook.db"
    critical = next(
        a for a in as_dicts() if a["api_key_id"] == HARVESTER and a["severity"] == "critical"
    )
    hook_db_with_a_held_action(hook_db, critical)
    return {
        "alerts": alerts,
        "hook": hook_db,
        "feedback": tmp_path / "feedback.jsonl",
        "db": tmp_path / "triage.db",
    }


def _args(files: dict[str, Path]) -> list[str]:
    return [
        "--db", str(files["db"]), "--alerts", str(files["alerts"]), "--hook-db",
        str(files["hook"]), "--feedback-file", str(files["feedback"]), "--no-kafka",
    ]  # fmt: skip


def _json(url: str) -> Any:
    status, _, body = fetch(url)
    assert status == 200, body
    return orjson.loads(body)


def test_pages_and_api_answer_and_escape_what_they_show(files: dict[str, Path]) -> None:
    with running_triage(*_args(files)) as base:
        status, headers, body = fetch(base)
        assert status == 200 and b"Suspicious keys, ranked by score" in body
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert b"<script>alert" not in body and b"&lt;script&gt;" in body
        assert b"<img src=x" not in body
        keys = _json(base + "api/keys?severity=critical&limit=3")["keys"]
        assert len(keys) == 3 and keys[0]["score"] >= keys[1]["score"] >= keys[2]["score"]
        detail = _json(base + f"api/keys/{HARVESTER}")
        assert detail["reasons"][0]["text"].startswith("97% of prompts ask for written-out")
        assert detail["hook"]["deliveries"][0]["status"] == "held"
        status, _, page = fetch(base + f"campaign/{CAMPAIGN_ID}")
        assert status == 200 and all(m.encode() in page for m in MEMBERS)
        assert fetch(base + "campaign/camp_nope")[0] == 404
        assert fetch(base + "key/nope")[0] == 404


def test_the_hashed_id_grafana_shows_leads_to_the_key_page(files: dict[str, Path]) -> None:
    with running_triage(*_args(files)) as base:
        status, headers, _ = fetch(base + f"key/{key_label(HARVESTER)}")
        assert status == 303 and headers["Location"] == f"/key/{HARVESTER}"
        status, headers, _ = fetch(base + "resolve?" + urlencode({"key": key_label(MEMBERS[0])}))
        assert status == 303 and headers["Location"] == f"/key/{MEMBERS[0]}"
        assert _json(base + f"api/resolve/{key_label(HARVESTER)}")["api_key_id"] == HARVESTER


def test_labelling_needs_the_token_and_is_audited(files: dict[str, Path]) -> None:
    with running_triage(*_args(files)) as base:
        form = urlencode(
            {"token": "wrong", "actor": "ana", "label": "benign", "reason": "eval harness"}
        ).encode()
        status, headers, _ = fetch(base + f"key/{HARVESTER}/label", form)
        assert status == 303 and "ok=0" in headers["Location"]
        assert not files["feedback"].exists()
        form = urlencode(
            {"token": TOKEN, "actor": "ana", "label": "benign", "reason": "eval harness"}
        ).encode()
        status, headers, _ = fetch(base + f"key/{HARVESTER}/label", form)
        assert status == 303 and "ok=1" in headers["Location"]
        line = orjson.loads(files["feedback"].read_bytes().splitlines()[-1])
        assert line["api_key_id"] == HARVESTER and line["label"] == "benign"
        assert line["reason"] == "eval harness (by ana via triage)"
        detail = _json(base + f"api/keys/{HARVESTER}")
        assert detail["state"] == "benign"
        audit = _json(base + "api/audit")["actions"]
        assert [(a["actor"], a["outcome"]) for a in audit[:2]] == [
            ("ana", "labelled benign in the feedback file"),
            ("ana", "wrong or missing token"),
        ]
        assert TOKEN.encode() not in fetch(base + "audit")[2]
        api = fetch(
            base + f"api/keys/{MEMBERS[0]}/label",
            orjson.dumps({"label": "abuse", "reason": "confirmed"}),
            {"Authorization": f"Bearer {TOKEN}"},
        )
        assert api[0] == 200 and orjson.loads(api[2])["ok"]


def test_releasing_a_held_action_goes_through_the_hooks_release(files: dict[str, Path]) -> None:
    with running_triage(*_args(files)) as base:
        detail = _json(base + f"api/keys/{HARVESTER}")
        outbox_id = detail["hook"]["deliveries"][0]["outbox_id"]
        body = orjson.dumps({"reason": "INC-7", "actor": "ana"})
        no_token = fetch(base + f"api/outbox/{outbox_id}/release", body)
        assert no_token[0] == 401
        done = fetch(
            base + f"api/outbox/{outbox_id}/release", body, {"Authorization": f"Bearer {TOKEN}"}
        )
        assert done[0] == 200, done[2]
        hook = sqlite3.connect(files["hook"])
        row = hook.execute(
            "SELECT outcome, reason, source FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        assert row == ("released", "by ana via triage: INC-7", "triage")
        assert hook.execute("SELECT status FROM outbox").fetchone()[0] == "pending"
        again = fetch(
            base + f"api/outbox/{outbox_id}/release", body, {"Authorization": f"Bearer {TOKEN}"}
        )
        assert again[0] == 409 and b"not released" in again[2]
        time.sleep(0.1)
        decisions = _json(base + f"api/keys/{HARVESTER}")["hook"]["decisions"]
        assert [d["outcome"] for d in decisions] == ["held", "released"]


def test_without_a_token_the_page_is_read_only(files: dict[str, Path]) -> None:
    with running_triage(*_args(files), token=None) as base:
        assert b"Actions are disabled" in fetch(base + f"key/{HARVESTER}")[2]
        status, _, body = fetch(
            base + f"api/keys/{HARVESTER}/label",
            orjson.dumps({"label": "benign"}),
            {"Authorization": "Bearer "},
        )
        assert status == 403 and b"no triage token" in body


def test_a_busy_port_is_one_line(files: dict[str, Path]) -> None:
    import socket
    import subprocess
    import sys

    from .server import ROOT

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", "triage", "--db", str(files["db"]),
             "--no-kafka", "--listen", f"127.0.0.1:{port}"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "Warning" not in line and line.strip()]
    assert len(errors) == 1 and "already in use" in errors[0], done.stderr
