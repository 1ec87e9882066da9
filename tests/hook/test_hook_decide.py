"""Decision logic, pure: every rule of the policy with an injected clock."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.hook.decide import HOUR, Decision, Label, MemoryHistory, decide
from pipeline.hook.intake import parse_alert
from pipeline.hook.policy import Policy

from .support import T0, make_alert, make_policy


def run(
    policy: Policy, alerts: list[dict[str, Any]], now: float = T0, step: float = 0.0
) -> tuple[list[Decision], MemoryHistory]:
    """Decide a sequence of alerts, recording each like the store does."""
    history = MemoryHistory()
    decisions: list[Decision] = []
    for i, obj in enumerate(alerts):
        alert = parse_alert(obj)
        decision = decide(alert, policy, history, now + i * step)
        history.record(alert, decision, now + i * step)
        decisions.append(decision)
    return decisions, history


def test_acts_once_confirmed_and_derives_idempotency_key() -> None:
    (d,), _ = run(make_policy(), [make_alert("a1")])
    assert (d.outcome, d.action, d.dry_run) == ("acted", "suspend", False)
    assert d.idempotency_key and len(d.idempotency_key) == 32
    (again,), _ = run(make_policy(), [make_alert("a1")])
    assert again.idempotency_key == d.idempotency_key  # deterministic from alert_id


def test_duplicate_alert_ids_are_skipped() -> None:
    decisions, _ = run(make_policy(), [make_alert("a1"), make_alert("a1")])
    assert [d.outcome for d in decisions] == ["acted", "skipped"]
    assert decisions[1].reason.startswith("duplicate")


def test_shadow_mode_decides_but_marks_dry_run() -> None:
    (d,), _ = run(make_policy(rule={"mode": "shadow"}), [make_alert("a1")])
    assert (d.outcome, d.action, d.dry_run) == ("shadow-acted", "suspend", True)


def test_allowlists_and_exemptions_win_over_everything() -> None:
    policy = make_policy(
        allowlist={"api_keys": ["key-allowed"], "accounts": ["acct-allowed"]},
        exemptions=[
            {"api_key_id": "key-eval", "reason": "eval run EVAL-1", "expires": "2026-10-06T00:00Z"}
        ],
    )
    decisions, _ = run(
        policy,
        [
            make_alert("a1", "key-allowed", campaign="c1"),
            make_alert("a2", "key-other", account="acct-allowed"),
            make_alert("a3", "key-eval", ts=T0 + 3600),
            make_alert("a4", "key-eval", ts=T0 + 86400),  # at expiry: no longer exempt
        ],
    )
    assert [d.outcome for d in decisions] == ["skipped", "skipped", "skipped", "acted"]
    assert decisions[0].reason == "allowlisted key"
    assert decisions[1].reason == "allowlisted account"
    assert "eval run EVAL-1" in decisions[2].reason


def test_confirmations_count_qualifying_alerts_in_event_time_window() -> None:
    policy = make_policy(rule={"confirmations": 3, "window": "1h", "campaign_confirms": False})
    decisions, _ = run(
        policy,
        [
            make_alert("a1", ts=T0),
            make_alert("w1", ts=T0 + 60, severity="warning"),  # does not qualify
            make_alert("a2", ts=T0 + 120),
            make_alert("a3", ts=T0 + 7200),  # a1, a2 fell out of the window
            make_alert("a4", ts=T0 + 7300),
            make_alert("a5", ts=T0 + 7400),
        ],
    )
    assert [d.outcome for d in decisions] == [
        "skipped",
        "skipped",
        "skipped",
        "skipped",
        "skipped",
        "acted",
    ]
    assert "1 of 3" in decisions[0].reason
    assert decisions[1].reason.startswith("no policy matches")
    assert "2 of 3" in decisions[2].reason
    assert "1 of 3" in decisions[3].reason


def test_campaign_membership_confirms_and_require_campaign_routes() -> None:
    policy = make_policy(rule={"confirmations": 5, "require_campaign": True})
    decisions, _ = run(policy, [make_alert("a1", campaign="camp-9"), make_alert("a2", "key-2")])
    assert decisions[0].outcome == "acted"
    assert "camp-9" in decisions[0].reason
    assert decisions[1].reason.startswith("no policy matches")


def test_ladder_climbs_one_rung_per_confirmed_episode_and_stops_at_the_top() -> None:
    policy = make_policy(rule={"ladder": ["notify", "throttle", "suspend"]})
    decisions, _ = run(policy, [make_alert(f"a{i}") for i in range(4)])
    assert [d.action for d in decisions] == ["notify", "throttle", "suspend", None]
    assert decisions[3].reason == "key already at suspend: nothing stronger on the ladder"


def test_cooldown_uses_processing_time() -> None:
    policy = make_policy(rule={"ladder": ["notify", "suspend"]}, limits={"cooldown": "10m"})
    decisions, _ = run(policy, [make_alert("a1"), make_alert("a2"), make_alert("a3")], step=400)
    assert [d.outcome for d in decisions] == ["acted", "skipped", "acted"]
    assert decisions[1].reason.startswith("cooldown")
    assert [decisions[0].action, decisions[2].action] == ["notify", "suspend"]


def test_limiter_holds_action_n_plus_one_and_pages_once() -> None:
    policy = make_policy(limits={"max_actions_per_hour": 3})
    alerts = [make_alert(f"a{i}", f"key-{i}") for i in range(6)]
    decisions, _ = run(policy, alerts, step=1)
    assert [d.outcome for d in decisions] == ["acted"] * 3 + ["held"] * 3
    assert [d.page for d in decisions] == [False] * 3 + [True, False, False]
    assert decisions[3].idempotency_key  # held actions keep their key for a later release
    # An hour later the budget is free again.
    history = MemoryHistory()
    for i, obj in enumerate(alerts[:3]):
        alert = parse_alert(obj)
        history.record(alert, decide(alert, policy, history, T0 + i), T0 + i)
    late = parse_alert(alerts[3])
    assert decide(late, policy, history, T0 + 2 + HOUR).outcome == "acted"


def test_benign_label_suppresses_and_abuse_label_confirms() -> None:
    policy = make_policy(rule={"confirmations": 9, "campaign_confirms": False})
    history = MemoryHistory(labels={"key-1": Label("benign", "eval harness")})
    d = decide(parse_alert(make_alert("a1")), policy, history, T0)
    assert (d.outcome, d.reason) == ("skipped", "analyst labelled the key benign: eval harness")
    history.labels["key-1"] = Label("abuse", "confirmed")
    assert decide(parse_alert(make_alert("a1")), policy, history, T0).outcome == "acted"


alert_strategy = st.builds(
    make_alert,
    alert_id=st.text("abcdef0123", min_size=1, max_size=4),
    key=st.sampled_from(["key-a", "key-b", "key-allowed", "key-exempt", "key-c"]),
    ts=st.floats(T0, T0 + 2 * 86400),
    severity=st.sampled_from(["warning", "critical"]),
    score=st.floats(0, 1),
    account=st.sampled_from([None, "acct-1", "acct-allowed"]),
    campaign=st.sampled_from([None, "camp-1"]),
)


@settings(max_examples=150, deadline=None)
@given(alerts=st.lists(alert_strategy, max_size=30), step=st.floats(0, 900))
def test_safety_invariants_hold_for_any_alert_sequence(
    alerts: list[dict[str, Any]], step: float
) -> None:
    policy = make_policy(
        rule={"ladder": ["notify", "throttle", "suspend"], "confirmations": 2},
        limits={"max_actions_per_hour": 4, "cooldown": "20m"},
        allowlist={"api_keys": ["key-allowed"], "accounts": ["acct-allowed"]},
        exemptions=[{"api_key_id": "key-exempt", "reason": "eval", "expires": "2027-01-01T00:00Z"}],
    )
    _decisions, history = run(policy, alerts, step=step)
    acted = [(t, k, d) for t, k, d in history.decisions if d.outcome == "acted"]
    for _, key, d in history.decisions:
        if key in ("key-allowed", "key-exempt"):
            assert d.outcome == "skipped"
    for t, _, _ in acted:  # never more than the budget in any hour
        assert sum(1 for u, _, _ in acted if t - HOUR < u <= t) <= 4
    for key in {k for _, k, _ in acted}:  # ladder only climbs; cooldown respected
        mine = [(t, d.action) for t, k, d in acted if k == key]
        order = ["notify", "throttle", "suspend"]
        assert [a for _, a in mine] == order[: len(mine)]
        assert all(b[0] - a[0] >= 1200 for a, b in itertools.pairwise(mine))
    assert len({d.idempotency_key for _, _, d in acted}) == len(acted)
