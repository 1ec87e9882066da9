"""The triage store and its queries, on deterministic alerts (no server, no broker)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from pipeline.hook.feedback import append_file, make_record
from pipeline.metrics.topk import key_label
from pipeline.triage import queries
from pipeline.triage.feeds import FeedbackFile, HookDatabase, load_alerts, load_scores
from pipeline.triage.queries import Filters, ranked
from pipeline.triage.store import TriageStore

from .support import (
    BENIGN_WARNING,
    CAMPAIGN_ID,
    HARVESTER,
    MEMBERS,
    SIBLING,
    T0,
    as_dicts,
    hook_db_with_a_held_action,
    sample_lines,
)


@pytest.fixture
def store(tmp_path: Path) -> TriageStore:
    (tmp_path / "alerts.jsonl").write_bytes(sample_lines())
    s = TriageStore(tmp_path / "triage.db")
    stats = load_alerts(s, tmp_path / "alerts.jsonl")
    assert (stats.read, stats.added, stats.skipped) == (10, 10, 0)
    return s


def test_reloading_the_same_alerts_changes_nothing(store: TriageStore, tmp_path: Path) -> None:
    before = queries.ranked_keys(store, Filters())
    again = load_alerts(store, tmp_path / "alerts.jsonl")
    assert again.added == 0
    assert queries.ranked_keys(store, Filters()) == before


def test_bad_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"{not json\n" + sample_lines() + b'{"alert_id": "x"}\n[1]\n')
    stats = load_alerts(TriageStore(tmp_path / "t.db"), path)
    assert (stats.added, stats.skipped) == (10, 3)


def test_keys_are_ranked_by_their_best_score_and_filtered(store: TriageStore) -> None:
    ranked = queries.ranked_keys(store, Filters())
    scores = [k["score"] for k in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) == 9
    assert ranked[0]["api_key_id"] == MEMBERS[-1]
    critical = queries.ranked_keys(store, Filters(severity="critical"))
    assert BENIGN_WARNING not in {k["api_key_id"] for k in critical} and len(critical) == 7
    by_engine = queries.ranked_keys(store, Filters(detector="extraction_ensemble"))
    assert {k["api_key_id"] for k in by_engine} == {HARVESTER, BENIGN_WARNING, SIBLING}
    late = queries.ranked_keys(store, Filters(since=T0 + 3 * 3600))
    assert {k["api_key_id"] for k in late} == set(MEMBERS[5:])
    harvester = next(k for k in ranked if k["api_key_id"] == HARVESTER)
    assert harvester["severity"] == "critical" and harvester["alerts"] == 2
    assert harvester["summary"].startswith("Critical (score 0.93)")


def test_alerts_are_ranked_with_their_filters(store: TriageStore) -> None:
    alerts = queries.ranked_alerts(
        store, Filters(severity="warning", detector="extraction_ensemble")
    )
    assert [a["score"] for a in alerts] == [0.93, 0.71, 0.66, 0.64]
    assert queries.ranked_alerts(store, Filters(limit=2, offset=1))[0]["score"] == 0.94


def test_a_hashed_id_from_grafana_resolves_to_its_key(store: TriageStore) -> None:
    assert queries.resolve_key(store, key_label(HARVESTER)) == HARVESTER
    assert queries.resolve_key(store, HARVESTER) == HARVESTER
    assert queries.resolve_key(store, key_label("never-alerted")) is None
    assert queries.resolve_key(store, "zz") is None


def test_the_key_page_reads_in_plain_language(store: TriageStore) -> None:
    key = queries.key_detail(store, HARVESTER)
    assert key is not None
    texts = [r["text"] for r in key["reasons"]]
    assert texts[0].startswith("97% of prompts ask for written-out reasoning")
    assert "times the population median" in texts[0]
    assert key["timeline"]["source"] == "alerts" and len(key["timeline"]["points"]) == 2
    assert key["features"][0]["features"][0] == "elicitation_share"
    assert key["state"] == "open"
    assert [(r["api_key_id"], r["why"]) for r in key["related"]] == [
        (SIBLING, f"same account acct-{HARVESTER}")
    ]


def test_a_campaign_member_sees_the_others_and_the_campaign_grows(store: TriageStore) -> None:
    key = queries.key_detail(store, MEMBERS[0])
    assert key is not None
    related = {r["api_key_id"] for r in key["related"]}
    assert related == set(MEMBERS[1:])
    assert key["campaigns"] == [CAMPAIGN_ID]
    campaign = queries.campaign_detail(store, CAMPAIGN_ID)
    assert campaign is not None
    assert campaign["members_count"] == 6 and len(campaign["accounts"]) == 6
    assert [g[1] for g in campaign["growth"]] == [1, 2, 3, 4, 5, 6]
    assert campaign["links"][0]["text"].startswith("members share network prefixes")
    assert queries.ranked_campaigns(store)[0]["campaign_id"] == CAMPAIGN_ID


def test_scores_give_the_timeline_every_point(store: TriageStore, tmp_path: Path) -> None:
    lines = b"".join(
        orjson.dumps({"api_key_id": HARVESTER, "ts": T0 + 300 * i, "score": i / 30}) + b"\n"
        for i in range(30)
    )
    (tmp_path / "scores.jsonl").write_bytes(lines + b"garbage\n")
    stats = load_scores(store, tmp_path / "scores.jsonl")
    assert (stats.added, stats.skipped) == (30, 1)
    key = queries.key_detail(store, HARVESTER)
    assert key is not None and key["timeline"]["source"] == "scores"
    assert len(key["timeline"]["points"]) == 30


def test_labels_from_the_feedback_file_set_the_state(store: TriageStore, tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    append_file(path, make_record(BENIGN_WARNING, "benign", "eval harness", now=T0))
    append_file(path, make_record(HARVESTER, "abuse", "confirmed", now=T0))
    assert FeedbackFile(path).poll(store) == 2
    assert {k["api_key_id"] for k in queries.ranked_keys(store, Filters(state="benign"))} == {
        BENIGN_WARNING
    }
    assert queries.ranked_keys(store, Filters(state="abuse"))[0]["api_key_id"] == HARVESTER
    assert HARVESTER not in {
        k["api_key_id"] for k in queries.ranked_keys(store, Filters(state="open"))
    }


def test_the_hooks_decisions_and_held_actions_are_mirrored(
    store: TriageStore, tmp_path: Path
) -> None:
    harvester_critical = next(
        a for a in as_dicts() if a["api_key_id"] == HARVESTER and a["severity"] == "critical"
    )
    db = tmp_path / "hook.db"
    hook_db_with_a_held_action(db, harvester_critical)
    assert HookDatabase(db).poll(store) >= 2
    key = queries.key_detail(store, HARVESTER)
    assert key is not None
    assert [d["outcome"] for d in key["hook"]["decisions"]] == ["held"]
    assert key["hook"]["deliveries"][0]["status"] == "held"
    assert key["state"] == "held"
    assert HookDatabase(db).poll(store) == 1  # the outbox row is read again (>=), never lost


def test_the_triage_audit_is_append_only(store: TriageStore) -> None:
    store.record_action(T0, "ana", "label", "benign: x", "labelled", HARVESTER)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM actions")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE actions SET actor = 'x'")
    assert queries.audit_log(store)[0]["actor"] == "ana"


def test_narrow_and_wide_time_windows_rank_alike(
    store: TriageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = Filters(since=T0 + 3000, until=T0 + 9000)
    narrow = queries.ranked_alerts(store, f)
    monkeypatch.setattr(ranked, "NARROW_WINDOW", 0)  # every window counts as wide
    assert queries.ranked_alerts(store, f) == narrow
    assert [a["ts"] for a in narrow] and all("T00:" not in a["ts"] for a in narrow)
