"""The consumer loop both streaming stages run: join a group, poll, step, stop cleanly.

The detect loop (pipeline/runtime/detect_loop.py) and the campaign stage
(pipeline/runtime/campaign_stage.py) are the same machine around different
steps. :class:`ConsumerLoop` is that machine, once:

- a group consumer built from the settings (session, heartbeat and rebalance
  timeouts, poll size: :func:`group_options`), subscribed with a rebalance
  listener that calls the stage's :meth:`~ConsumerLoop.on_assigned` /
  :meth:`~ConsumerLoop.on_revoked` under the loop's lock;
- :meth:`~ConsumerLoop.run` polls batches and hands each to
  :meth:`~ConsumerLoop.step` under the same lock, so a rebalance never lands in
  the middle of a batch;
- :meth:`~ConsumerLoop.stop` waits (bounded) for the batch in flight, calls
  :meth:`~ConsumerLoop.on_stop` (the final checkpoint) under the lock and leaves
  the group, so the others take over at once;
- an injectable ``clock`` (monotonic seconds): checkpoint cadence and idle
  release read it and nothing else, so tests drive them without sleeping.

Failures are never swallowed. aiokafka logs and drops an exception raised in a
rebalance listener, which left a worker holding partitions it never restored
(a zombie). Here such an exception is kept and :meth:`~ConsumerLoop.run` raises
it: the loop stops and its process reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import ConsumerRebalanceListener

from pipeline.config import Settings
from pipeline.kafka.clients import aio_consumer

__all__ = ["Clock", "ConsumerLoop", "group_options"]

log = logging.getLogger("distillwatch.loop")

#: Monotonic seconds; ``time.monotonic`` in production, a settable number in tests.
Clock = Callable[[], float]


def group_options(settings: Settings) -> dict[str, Any]:
    """Consumer-group options every stage uses (short timeouts: quick hand-overs).

    Examples
    --------
    >>> from pipeline.config import load_settings
    >>> group_options(load_settings(None))["session_timeout_ms"]
    10000
    """
    return {
        "max_poll_records": settings.max_poll_records,
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_interval_ms,
        "rebalance_timeout_ms": settings.rebalance_timeout_ms,
        "max_poll_interval_ms": max(60_000, settings.rebalance_timeout_ms),
    }


class _Listener(ConsumerRebalanceListener):
    """Forwards rebalances to the loop, under its lock, keeping any failure."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.loop._rebalance(self.loop.on_revoked, revoked, "revoked")

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.loop._rebalance(self.loop.on_assigned, assigned, "assigned")


class ConsumerLoop:
    """Poll a topic in a consumer group and run :meth:`step` on each batch.

    Subclasses implement :meth:`step`, :meth:`on_assigned`, :meth:`on_revoked`
    and :meth:`on_stop`; all four run under :attr:`lock`.

    Parameters
    ----------
    settings
        The one settings object (poll timeout and size, group timing).
    clock
        Monotonic seconds for cadence decisions.
    """

    def __init__(self, settings: Settings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = asyncio.Lock()
        self.consumer: Any = None
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()  # set while run() is not executing
        self._idle.set()
        #: an exception a rebalance callback raised: run() raises it
        self.failure: BaseException | None = None

    # ------------------------------------------------------------------ to implement

    async def step(self, batch: dict[Any, list[Any]]) -> None:
        """Process one polled batch (possibly empty: time-driven work goes here too)."""
        raise NotImplementedError

    async def on_assigned(self, assigned: list[Any]) -> None:
        """Partitions were assigned: restore their state and seek."""

    async def on_revoked(self, revoked: list[Any]) -> None:
        """Partitions are being taken away: checkpoint and drop their state."""

    async def on_stop(self) -> None:
        """The loop is stopping: final checkpoint (the consumer is still in the group)."""

    # ------------------------------------------------------------------ lifecycle

    async def join(self, topic: str, group_id: str, **overrides: Any) -> None:
        """Start a group consumer on ``topic`` with the rebalance listener."""
        options = {**group_options(self.settings), **overrides}
        self.consumer = aio_consumer(self.settings, group_id=group_id, **options)
        await self.consumer.start()
        self.consumer.subscribe([topic], listener=_Listener(self))

    async def _rebalance(self, callback: Callable[[list[Any]], Any], tps: Any, what: str) -> None:
        try:
            async with self.lock:
                await callback(sorted(tps, key=lambda tp: (tp.topic, tp.partition)))
        except Exception as exc:  # aiokafka would log and forget it: keep it for run()
            log.error("partitions %s: %s: %s", what, type(exc).__name__, exc)
            self.failure = exc
            self._stopping.set()

    async def run(self) -> None:
        """Process batches until :meth:`request_stop` (or :meth:`stop`); raise a failure."""
        from aiokafka.errors import ConsumerStoppedError

        assert self.consumer is not None, "join() first"
        timeout = self.settings.poll_timeout_ms
        limit = self.settings.max_poll_records
        self._idle.clear()
        try:
            while not self._stopping.is_set():
                try:
                    batch = await self.consumer.getmany(timeout_ms=timeout, max_records=limit)
                except ConsumerStoppedError:
                    break  # stop() closed the consumer under us
                if self._stopping.is_set() and self.failure is not None:
                    break  # a rebalance failed during the poll: nothing more is processed
                async with self.lock:
                    await self.step(batch)
        finally:
            self._idle.set()
        if self.failure is not None:
            raise self.failure

    def request_stop(self) -> None:
        """Ask :meth:`run` to return after the current batch."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def stop(self) -> None:
        """Let :meth:`run` finish its batch, :meth:`on_stop` under the lock, leave the group."""
        self._stopping.set()
        # Bounded: run() notices the flag within one poll plus one batch.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=30)
        consumer, self.consumer = self.consumer, None
        if consumer is None:
            return
        try:
            async with self.lock:
                await self.on_stop()
        finally:
            await consumer.stop()  # leaves the group: others take over at once
