"""The faust app: built by a factory, never configured at import time.

:func:`create_app` returns a ``faust.App`` that hosts the detect loop
(:class:`pipeline.runtime.detect_loop.StreamProcessor`) as a service started and stopped
with the app, so ``distillwatch worker`` gets faust's worker lifecycle
(signals, logging, graceful shutdown). The hot path is an aiokafka consumer
rather than a faust agent: faust's per-record dispatch caps an agent at
~10k records/s here (DESIGN.md, and ``python -m benchmarks.streaming``
measures it side by side), and the worker must resume each partition exactly
at its checkpoint, which needs control of the consumer's position.

Topics (names in the settings; created on start by
:func:`pipeline.kafka.topics.ensure_topics`):

========================  ==================  =========================================
topic                     partitions          content
========================  ==================  =========================================
requests                  ``partitions``      API request events (EVENTS.md), key = api_key_id
alerts                    ``partitions``      alert objects (ALERTS.md), key = api_key_id
requests-dead-letters     ``dead_letter_...`` rejected input: reason, topic/partition/offset
distillwatch-checkpoints  ``partitions``      engine snapshots (compacted), the changelog
distillwatch-summaries    1                   per-partition campaign summaries + watermarks
campaign checkpoints      1                   ``distillwatch-campaign-checkpoints`` (compacted)
========================  ==================  =========================================

The campaign topics are created by the campaign stage on start
(:mod:`pipeline.runtime.campaign_stage`: every worker hosts it unless run with
``campaign_stage = false``, when ``distillwatch campaigns`` processes do; one runs it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from mode import Service

from pipeline.config import Settings
from pipeline.kafka.clients import faust_broker_options
from pipeline.kafka.topics import ensure_topics
from pipeline.runtime.detect_loop import StreamProcessor

__all__ = ["create_app"]

log = logging.getLogger("distillwatch.app")


def create_app(settings: Settings, metrics: Any | None = None) -> faust.App:
    """Build the worker's faust app.

    Parameters
    ----------
    settings
        The one settings object (broker, topics, timing, engine).
    metrics
        A ``PipelineMetrics`` the detect loop updates per batch, or ``None``.

    Returns
    -------
    faust.App
        Start it with ``faust.Worker(app).execute_from_commandline()`` (what
        ``distillwatch worker`` does) or ``await app.start()``. The running
        processor is ``app.distillwatch_processor`` once started.
    """
    app = faust.App(
        settings.app_id,
        autodiscover=False,
        # /metrics is prometheus-client's own thread (pipeline/metrics/serving.py)
        web_enabled=False,
        store="memory://",  # no faust tables: engine state goes to the checkpoint topic
        **faust_broker_options(settings),
    )

    class DetectService(Service):
        """Runs :class:`StreamProcessor` for the app's lifetime."""

        processor: StreamProcessor | None = None

        async def on_start(self) -> None:
            for noisy in ("kafka", "aiokafka"):  # client chatter at INFO drowns the worker's log
                logging.getLogger(noisy).setLevel(max(logging.WARNING, log.getEffectiveLevel()))
            # Blocking admin calls, once, before any consumption starts.
            created = await asyncio.get_running_loop().run_in_executor(
                None, ensure_topics, settings
            )
            if created:
                log.info("created topics: %s", ", ".join(created))
            self.processor = StreamProcessor(settings, metrics)
            app.distillwatch_processor = self.processor  # type: ignore[attr-defined]
            await self.processor.start()

        @Service.task
        async def _run(self) -> None:
            assert self.processor is not None
            await self.processor.run()

        async def on_stop(self) -> None:
            if self.processor is not None:
                self.processor.request_stop()
                await self.processor.stop()

    app.service(DetectService)
    return app
