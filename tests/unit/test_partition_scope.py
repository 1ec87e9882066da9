"""What one partition knows: a prompt is "shared" only if a key of the same partition sent it.

The default is one partition, so a public benchmark run by labs whose keys would have
landed on different shards still reads as shared (README, "Partitions and shared
prompts"); with eight partitions the same two keys know nothing of each other.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from traffic import START

from detectors.config import EngineConfig
from detectors.events import Event
from detectors.sharded import ShardedEngine
from detectors.state import layout as L

QUESTIONS = [f"Question {i}: what is the derivative of x to the power {i + 2}?" for i in range(80)]


def _two_labs(config: EngineConfig) -> tuple[ShardedEngine, str, str]:
    engine = ShardedEngine(config, campaigns=False)
    first = "lab-a"
    # A second lab whose key lands on another shard when there are eight.
    second = next(
        f"lab-b{i}"
        for i in range(1000)
        if ShardedEngine(EngineConfig(partitions=8), campaigns=False).partition_of(f"lab-b{i}")
        != ShardedEngine(EngineConfig(partitions=8), campaigns=False).partition_of(first)
    )
    t = START
    for key in (first, second):
        for text in QUESTIONS:
            t += 30.0
            engine.process(Event(t, key, 40, 600, prompt_text=text))
    return engine, first, second


def _shared(engine: ShardedEngine, key: str) -> tuple[float, float]:
    """(sampled prompts other keys sent before, sampled prompts), decayed day sums."""
    shard = engine.engines[engine.partition_of(key)]
    state = shard.key_state(key)
    assert state is not None
    sums = state.sums(1, START + 86400.0)
    return sums[L.SHARED], sums[L.SAMPLED]


def test_one_partition_by_default_sees_every_key_prompts() -> None:
    assert EngineConfig().partitions == 1
    engine, first, second = _two_labs(EngineConfig())
    # The second lab's sampled prompts were all sent before by the first; the first's
    # were new when it sent them.
    assert _shared(engine, first)[0] == 0
    shared, sampled = _shared(engine, second)
    assert sampled > 2 and abs(shared - sampled) < 1e-9


def test_eight_partitions_keep_each_shard_to_its_own_keys() -> None:
    engine, first, second = _two_labs(EngineConfig(partitions=8))
    assert engine.partition_of(first) != engine.partition_of(second)
    shared, sampled = _shared(engine, second)
    assert sampled > 2 and shared == 0


def test_keys_of_one_account_do_not_vouch_for_each_other() -> None:
    """Key rotation: an account's second key resends its first key's prompts."""
    for account_b, shared_expected in (("acct-1", False), ("acct-2", True)):
        engine = ShardedEngine(EngineConfig(), campaigns=False)
        t = START
        for key, account in (("rot-a", "acct-1"), ("rot-b", account_b)):
            for text in QUESTIONS:
                t += 30.0
                engine.process(Event(t, key, 40, 600, account_id=account, prompt_text=text))
        shared, sampled = _shared(engine, "rot-b")
        assert sampled > 2
        assert (shared > 0) is shared_expected, (account_b, shared, sampled)
