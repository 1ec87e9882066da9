"""The campaign stage as a service of its own: a producer and a campaign processor.

What ``distillwatch campaigns`` (pipeline/cli/campaigns.py) runs; tests and
benchmarks run it in their own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pipeline.config import Settings

__all__ = ["CampaignService"]

log = logging.getLogger("distillwatch.campaigns")


class CampaignService:
    """A producer and a :class:`~pipeline.runtime.campaign_stage.CampaignProcessor`, run together.

    What ``distillwatch campaigns`` runs; tests and benchmarks run it in their
    own event loop.

    Parameters
    ----------
    settings
        The deployment's settings (same ``group_id``, topics and ``partitions``
        as its workers).
    metrics
        A ``PipelineMetrics`` counting the published campaign alerts, or ``None``.
    """

    def __init__(self, settings: Settings, metrics: Any | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.processor: Any = None
        self.task: asyncio.Task[None] | None = None
        self._producer: Any = None

    @property
    def holding(self) -> bool:
        """Whether this instance currently runs the stage (else it stands by)."""
        return self.processor is not None and self.processor.stage is not None

    async def start(self) -> None:
        """Check the pipeline topics, connect, join the group, start consuming."""
        from pipeline.kafka.clients import aio_producer
        from pipeline.kafka.topics import ensure_topics
        from pipeline.runtime.campaign_stage import CampaignProcessor

        # Alerts must exist with the requests topic's partition count before the stage
        # routes alerts to them; this also catches a `partitions` that does not match.
        created = await asyncio.get_running_loop().run_in_executor(
            None, ensure_topics, self.settings
        )
        if created:
            log.info("created topics: %s", ", ".join(created))
        self._producer = aio_producer(self.settings)
        await self._producer.start()
        try:
            self.processor = CampaignProcessor(self.settings, self._producer, self.metrics)
            await self.processor.start()
        except BaseException:
            await self._producer.stop()
            self._producer = self.processor = None
            raise
        self.task = asyncio.create_task(self.processor.run())

    async def stop(self) -> None:
        """Checkpoint the stage if held, leave the group, close the producer (bounded)."""
        try:
            if self.processor is not None:
                await self.processor.stop()
            if self.task is not None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.task), timeout=30)
        finally:
            if self._producer is not None:
                await self._producer.stop()
            self._producer = None
