"""Keys an account mints one after another carry one history (red team round 11's key_churn)."""

from __future__ import annotations

from detectors.engine import Engine
from detectors.engine.succession import CHAIN_REQUESTS
from detectors.events import Event
from detectors.state import layout as L

T0 = 1_791_000_000.0


def _churn(engine: Engine, keys: int, per_key: int, account: str | None, gap: float = 20.0) -> None:
    for k in range(keys):
        for j in range(per_key):
            ts = T0 + gap * (k * per_key + j)
            engine.process(Event(ts, f"k{k:03d}", 20, 900, account_id=account,
                                 prompt_text=f"Explain step by step: task {k}-{j}"))  # fmt: skip


def test_a_key_minted_every_three_requests_carries_its_accounts_history() -> None:
    engine = Engine()
    _churn(engine, 40, 3, "acct")
    last = engine.key_state("k039")
    assert last is not None and last.total_events == 120
    assert last.first_ts == T0  # the chain's age, not the key's
    assert last.account_id == "acct"
    # The same keys without an account: each is three requests old.
    alone = Engine()
    _churn(alone, 40, 3, None)
    state = alone.key_state("k039")
    assert state is not None and state.total_events == 3


def test_keys_that_lived_long_enough_to_be_judged_stay_apart() -> None:
    engine = Engine()
    per_key = int(CHAIN_REQUESTS)  # each key is judged on its own: nothing handed over
    _churn(engine, 3, per_key, "team")
    state = engine.key_state("k002")
    assert state is not None and state.total_events == per_key


def test_a_key_opened_after_an_hours_quiet_starts_afresh() -> None:
    engine = Engine()
    for k in range(3):
        for j in range(3):  # three requests a minute apart, then two hours of quiet
            ts = T0 + 7200.0 * k + 60.0 * j
            engine.process(Event(ts, f"k{k:03d}", 20, 900, account_id="acct"))
    state = engine.key_state("k002")
    assert state is not None and state.total_events == 3


def test_the_chain_survives_a_restore() -> None:
    engine = Engine()
    _churn(engine, 5, 3, "acct")
    restored = Engine.restore(engine.snapshot())
    ts = T0 + 20.0 * 15
    for e in (engine, restored):
        e.process(Event(ts, "k-next", 20, 900, account_id="acct"))
    a, b = engine.key_state("k-next"), restored.key_state("k-next")
    assert a is not None and b is not None
    assert a.total_events == b.total_events == 16
    assert bytes(a.values) == bytes(b.values) and bytes(a.times) == bytes(b.times)
    assert a.times[L.FIRST_TS] == T0
