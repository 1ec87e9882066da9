"""Unit tests of the streaming pieces that need no broker."""

from __future__ import annotations

import zlib
from collections import namedtuple
from pathlib import Path

import orjson
import pytest

from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.partitioning import PartitionCache, partition_for
from pipeline.config import load_settings
from pipeline.devtools.embedded_broker import BrokerError, EmbeddedBroker, metadata_ok
from pipeline.kafka.checkpoint_store import _newest_complete
from pipeline.runtime.partition_state import PartitionState
from pipeline.wire.checkpoint import Checkpoint, Chunk, chunk_of, decode_chunks, encode_chunks
from pipeline.wire.forwarding import SOURCE_HEADER

Record = namedtuple("Record", "offset value headers")


def _event(i: int, key: str) -> dict[str, object]:
    return {"ts": 1_791_000_000 + i, "api_key_id": key, "prompt_tokens": 3,
            "completion_tokens": 30, "request_id": f"r{i}"}  # fmt: skip


def _keys_for(partition: int, partitions: int, count: int) -> list[str]:
    keys = (f"key-{i}" for i in range(10_000))
    return [k for k in keys if partition_for(k, partitions) == partition][:count]


def _state(partition: int = 0, partitions: int = 4) -> PartitionState:
    return PartitionState(
        partition, Engine(EngineConfig(partitions=partitions)), PartitionCache(partitions), "req"
    )


class TestCheckpointCodec:
    def test_round_trip_across_many_chunks(self):
        blob = bytes(range(256)) * 400  # compresses, but still spans chunks at 1 KiB
        cp = Checkpoint(5, 1234, 17, blob, {2: 99, 7: 3}, sequence=9, owner="g/req")
        chunks = encode_chunks(cp, chunk_bytes=64)
        assert len(chunks) > 1
        assert decode_chunks(reversed(chunks)) == cp
        assert {c.key for c in chunks} == {f"g/req:5:{i}".encode() for i in range(len(chunks))}

    def test_incomplete_set_is_rejected_and_the_older_complete_one_wins(self):
        old = encode_chunks(Checkpoint(1, 10, 0, b"a" * 5000, sequence=1), chunk_bytes=16)
        new = encode_chunks(Checkpoint(1, 20, 0, b"b" * 5000, sequence=2), chunk_bytes=16)
        with pytest.raises(ValueError):
            decode_chunks(new[:-1])
        torn = [*old, *new[:-1]]  # a crash while writing the newer checkpoint
        survivor = _newest_complete(torn)
        newest = _newest_complete([*old, *new])
        assert survivor is not None and decode_chunks(survivor).offset == 10
        assert newest is not None and decode_chunks(newest).offset == 20

    def test_forged_chunks_are_refused_or_ignored_never_raise_elsewhere(self):
        good = encode_chunks(Checkpoint(1, 10, 0, b"state", sequence=1), chunk_bytes=1024)[0]
        for value in (b"not zlib", b"", zlib.compress(b"x" * 100)[:-3]):
            with pytest.raises(ValueError, match="unreadable checkpoint"):
                decode_chunks([Chunk(good.key, value, good.meta)])
        for header in (b"[1, 2]", b"{oops", b'{"chunks": "1"}', b"null"):
            assert chunk_of(Record(0, b"", [("dw-checkpoint", header)])) is None
        bomb = zlib.compress(bytes(64 * 1024), 9)
        import pipeline.wire.checkpoint as wire

        limit, wire.MAX_STATE_BYTES = wire.MAX_STATE_BYTES, 1024
        try:
            with pytest.raises(ValueError, match="MAX_STATE_BYTES"):
                decode_chunks([Chunk(good.key, bomb, good.meta)])
        finally:
            wire.MAX_STATE_BYTES = limit


class TestPartitionState:
    def test_in_place_events_dead_letters_and_forwards(self):
        state = _state(0, 4)
        mine = _keys_for(0, 4, 2)
        other = _keys_for(3, 4, 1)[0]
        batch = [_event(1, mine[0]), _event(2, other), {"ts": "never"}, _event(3, mine[1])]
        out = state.process([Record(7, orjson.dumps(batch), [])])
        assert out.events_in_place == 2
        assert out.rejection_codes and len(out.dead_letters) == 1
        letter = orjson.loads(out.dead_letters[0])
        assert (letter["topic"], letter["partition"], letter["offset"], letter["index"]) == (
            "req", 0, 7, 2,
        )  # fmt: skip
        assert list(out.forwards) == [3]
        ((value, headers),) = out.forwards[3]
        assert headers == [(SOURCE_HEADER, b"0:7")]
        assert [e["api_key_id"] for e in orjson.loads(value)] == [other]
        assert state.next_offset == 8

    def test_a_forwarded_record_seen_again_is_skipped(self):
        state = _state(3, 4)
        key = _keys_for(3, 4, 1)[0]
        value = orjson.dumps([_event(1, key)])
        first = state.process([Record(0, value, [(SOURCE_HEADER, b"0:7")])])
        again = state.process([Record(1, value, [(SOURCE_HEADER, b"0:7")])])
        later = state.process(
            [Record(2, orjson.dumps([_event(2, key)]), [(SOURCE_HEADER, b"0:9")])]
        )
        assert (first.events_in_place, again.events_in_place, later.events_in_place) == (1, 0, 1)
        assert again.forwarded_duplicates == 1
        assert state.forwarded == {0: 9}

    def test_records_before_the_position_are_ignored(self):
        state = _state(0, 1)
        state.next_offset = 5
        out = state.process([Record(4, orjson.dumps(_event(1, "k")), [])])
        assert out.events_in_place == 0 and state.next_offset == 5

    def test_alerts_offset_waits_for_suppressed_alerts(self):
        state = _state()
        state.alerts_offset = 3
        state.suppress = {"a1"}
        state.acknowledged(10)
        assert state.alerts_offset == 3  # a successor must still see the predecessor's alerts
        state.suppress.clear()
        state.acknowledged(10)
        assert state.alerts_offset == 10


class TestSettings:
    def test_precedence_flags_env_file_defaults(self, tmp_path: Path, monkeypatch):
        config = tmp_path / "dw.toml"
        config.write_text('alerts_topic = "file-alerts"\ngroup_id = "file-group"\n'
                          'partitions = 4\n[engine]\nwindow_seconds = 60\n'
                          '[campaign]\ncritical_threshold = 0.9\n')  # fmt: skip
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", " h1:9092 , h2:9092 ")
        monkeypatch.setenv("DISTILLWATCH_GROUP_ID", "env-group")
        settings = load_settings(config, requests_topic="flag-requests", alerts_topic=None)
        assert settings.kafka_bootstrap_servers == "h1:9092,h2:9092"
        assert (settings.requests_topic, settings.alerts_topic, settings.group_id) == (
            "flag-requests", "file-alerts", "env-group",
        )  # fmt: skip
        engine = settings.engine_config()
        assert (engine.window_seconds, engine.partitions) == (60.0, 4)
        assert settings.campaign_config().critical_threshold == 0.9

    def test_invalid_values_name_the_option(self, monkeypatch):
        monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
        with pytest.raises(ValueError, match="partitions"):
            load_settings(None, partitions=0)
        with pytest.raises(ValueError, match="windw"):
            load_settings(None, engine={"windw": 1})
        with pytest.raises(ValueError, match="unknown campaign setting"):
            load_settings(None, campaign={"critical": 1})
        with pytest.raises(ValueError, match="thresholds"):
            load_settings(None, campaign={"warning_threshold": 0.9, "critical_threshold": 0.8})
        with pytest.raises(FileNotFoundError):
            load_settings("/nonexistent/dw.toml")

    def test_password_is_masked(self, monkeypatch):
        monkeypatch.setenv("DISTILLWATCH_SASL_PASSWORD", "hunter2")
        settings = load_settings(None)
        assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "h:1")
        monkeypatch.setenv("DISTILLWATCH_SASL_MECHANISM", "PLAIN")
        assert load_settings(None).kafka_client_options()["sasl_plain_password"] == "hunter2"


class TestEmbeddedBroker:
    def test_starts_answers_metadata_and_stops(self):
        with EmbeddedBroker() as broker:
            host, port = broker.bootstrap_servers.split(":")
            assert host == "127.0.0.1"
            assert metadata_ok(host, int(port))
            pid = broker.pid
        assert broker.pid is None and pid is not None
        assert not metadata_ok(host, int(port), timeout=0.2)

    def test_a_binary_that_cannot_start_gives_a_clear_error(self, tmp_path: Path):
        with pytest.raises(BrokerError, match="failed to start"):
            EmbeddedBroker(binary=str(tmp_path / "missing-tansu")).start()
        with pytest.raises(BrokerError, match="exited with status"):
            EmbeddedBroker(binary="/bin/false", startup_timeout=2).start()


def test_checkpoints_of_another_deployment_are_never_restored(embedded_broker):
    """Two groups (or requests topics) sharing a checkpoint topic keep their own state."""
    import asyncio

    from pipeline.kafka.checkpoint_store import CheckpointStore
    from pipeline.kafka.clients import aio_producer
    from pipeline.kafka.topics import ensure_topics

    servers = embedded_broker.bootstrap_servers
    first = load_settings(None, kafka_bootstrap_servers=servers, group_id="a", partitions=2,
                          checkpoint_chunk_bytes=1024, producer_idempotence=False)  # fmt: skip
    second = first.model_copy(update={"group_id": "b"})
    ensure_topics(first)

    async def scenario() -> tuple[dict[int, Checkpoint], dict[int, Checkpoint]]:
        producer = aio_producer(first)
        await producer.start()
        try:
            mine, theirs = CheckpointStore(first, producer), CheckpointStore(second, producer)
            await mine.save(Checkpoint(1, 10, 0, bytes(range(256)) * 50, sequence=1))
            await theirs.save(Checkpoint(1, 99, 0, b"other", sequence=1))  # now at the tail
            return await mine.load([0, 1]), await theirs.load([0, 1])
        finally:
            await producer.stop()

    a, b = asyncio.run(scenario())
    assert (list(a), a[1].offset, a[1].engine) == ([1], 10, bytes(range(256)) * 50)
    assert (list(b), b[1].offset) == ([1], 99)


class _RefusingProducer:
    """A real producer whose first ``refusals`` sends fail the way a broker refuses a
    write to a partition without a leader yet. That refusal cannot be provoked on
    demand on a real broker (it lasts the instant after a topic is created), so it is
    the one thing injected here; every write that succeeds goes to the real broker."""

    def __init__(self, producer: object, refusals: int, error: type[Exception]) -> None:
        self.producer, self.refusals, self.error, self.sends = producer, refusals, error, 0

    async def send(self, *args: object, **kwargs: object) -> object:
        self.sends += 1
        if self.refusals:
            self.refusals -= 1
            raise self.error()
        return await self.producer.send(*args, **kwargs)  # type: ignore[attr-defined]


def test_a_checkpoint_refused_by_a_leaderless_partition_is_written_again(embedded_broker):
    """A retriable refusal (NotLeaderForPartition) is retried; anything else is raised."""
    import asyncio

    from aiokafka.errors import NotLeaderForPartitionError, UnsupportedVersionError

    from pipeline.kafka.checkpoint_store import CheckpointStore
    from pipeline.kafka.clients import aio_producer
    from pipeline.kafka.topics import ensure_topics

    servers = embedded_broker.bootstrap_servers
    settings = load_settings(None, kafka_bootstrap_servers=servers, group_id="retry",
                             partitions=2, checkpoint_chunk_bytes=1024,
                             producer_idempotence=False)  # fmt: skip
    ensure_topics(settings)

    async def scenario() -> tuple[dict[int, Checkpoint], int, str, str]:
        producer = aio_producer(settings)
        await producer.start()
        try:
            refusing = _RefusingProducer(producer, 2, NotLeaderForPartitionError)
            store = CheckpointStore(settings, refusing, retry_delays=(0.01, 0.01, 0.01))
            await store.save(Checkpoint(0, 42, 0, bytes(range(256)) * 20, sequence=3))
            loaded = await store.load([0])

            async def outcome(refusals: int, error: type[Exception]) -> str:
                store = CheckpointStore(settings, _RefusingProducer(producer, refusals, error),
                                        retry_delays=(0.01,))  # fmt: skip
                try:
                    await store.save(Checkpoint(1, 1, 0, b"x", sequence=1))
                except error:
                    return "raised"
                return "saved"

            other = await outcome(1, UnsupportedVersionError)  # not retriable
            exhausted = await outcome(9, NotLeaderForPartitionError)  # retries run out
            return loaded, refusing.sends, other, exhausted
        finally:
            await producer.stop()

    loaded, sends, other, exhausted = asyncio.run(scenario())
    assert (loaded[0].offset, loaded[0].engine) == (42, bytes(range(256)) * 20)
    assert sends > 2  # two refused attempts, then the whole checkpoint written
    assert (other, exhausted) == ("raised", "raised")


class TestCampaignSummaries:
    """Summaries leave a partition tagged (seq, watermark) and survive the wire unchanged."""

    def test_partition_summaries_are_tagged_and_match_the_sharded_engine(self):
        from detectors.events import Event, parse_line
        from detectors.sharded import ShardedEngine
        from detectors.summaries import KeySummary
        from pipeline.wire.summaries import decode_record, encode_records
        from tests.unit.test_campaigns import swarm_events

        events = swarm_events(6, 4)
        sharded = ShardedEngine(EngineConfig(partitions=2))
        by_partition: dict[int, list[bytes]] = {0: [], 1: []}
        for event in events:
            line = orjson.dumps({k: v for k, v in event._asdict().items() if v is not None})
            by_partition[sharded.partition_of(event.api_key_id)].append(line)
        for partition, lines in by_partition.items():
            engine = Engine(EngineConfig(partitions=2))
            engine.enable_summaries()
            state = PartitionState(partition, engine, PartitionCache(2), "req")
            tagged = []
            for start in range(0, len(lines), 7):  # batches of 7 records
                records = [Record(start + i, v, ()) for i, v in enumerate(lines[start : start + 7])]
                out = state.process(records)
                wire = encode_records(partition, engine.watermark, False, out.summaries, 3)
                for value in wire:
                    tagged.extend(decode_record(value).summaries)
            # The same engine over the same events, straight: same summaries, same order.
            reference = Engine(EngineConfig(partitions=2))
            reference.enable_summaries()
            expected: list[tuple[float, KeySummary]] = []
            for line in lines:
                parsed = parse_line(line)
                assert isinstance(parsed, Event)
                emitted = reference.process(parsed)
                expected.extend((reference.watermark, s) for s in emitted.summaries)
            assert tagged, "the swarm must produce summaries"
            assert [seq for seq, _, _ in tagged] == list(range(len(tagged)))
            assert [(wm, s) for _, wm, s in tagged] == expected
            assert state.summary_seq == len(tagged)
            watermarks = [wm for _, wm, _ in tagged]
            assert watermarks == sorted(watermarks)
