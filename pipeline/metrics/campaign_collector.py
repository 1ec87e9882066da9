"""/metrics of the campaign stage, for any process that may run it.

A prometheus-client custom collector: at scrape time it reads the numbers the
stage's :class:`~pipeline.runtime.campaign_stage.CampaignProcessor` copied on its event
loop (``readings``), never the live stage (the metrics server is another thread).
No labels: nothing here is per key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["CampaignStageCollector", "register_campaign_metrics"]

_GAUGES = (
    ("summaries_pending", "distillwatch_campaign_summaries_pending",
     "per-key summaries buffered by the stage, waiting for every partition to pass them"),
    ("partitions_idle", "distillwatch_campaign_partitions_idle",
     "requests partitions the stage stopped waiting for (caught up and quiet)"),
    ("keys_tracked", "distillwatch_campaign_keys_tracked", "keys the campaign stage remembers"),
    ("groups_tracked", "distillwatch_campaign_groups_tracked", "template groups tracked"),
    ("campaigns_active", "distillwatch_campaigns_active",
     "template-group parts scoring at warning or above (at the last checkpoint)"),
)  # fmt: skip
_COUNTERS = (
    ("summaries_late", "distillwatch_campaign_summaries_late",
     "summaries that arrived after the stage released past them (order may differ from replay)"),
    ("summaries_gaps", "distillwatch_campaign_summaries_gaps",
     "summaries whose sequence skipped ahead (a predecessor's output went missing)"),
    ("summaries_duplicates", "distillwatch_campaign_summaries_duplicates",
     "re-sent summaries dropped (a restarted worker re-emitting)"),
    ("summaries_skipped", "distillwatch_campaign_summaries_skipped",
     "summaries records that could not be read (skipped, logged)"),
)  # fmt: skip


class CampaignStageCollector(Collector):
    """Collect the stage's numbers from whatever processor ``processor()`` returns.

    Parameters
    ----------
    processor
        Returns the process's ``CampaignProcessor`` (``None`` before it exists).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> running = SimpleNamespace(stage=object(), readings={"summaries_late": 2})
    >>> families = {f.name: f for f in CampaignStageCollector(lambda: running).collect()}
    >>> families["distillwatch_campaign_stage_held"].samples[0].value
    1.0
    >>> families["distillwatch_campaign_summaries_late"].samples[0].value
    2.0
    """

    def __init__(self, processor: Callable[[], Any]) -> None:
        self.processor = processor

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        processor = self.processor()
        held = processor is not None and processor.stage is not None
        yield GaugeMetricFamily(
            "distillwatch_campaign_stage_held",
            "1 while this process runs the campaign stage, 0 while it stands by",
            value=1.0 if held else 0.0,
        )
        readings: dict[str, float] = processor.readings if held else {}
        for key, name, help_text in _GAUGES:
            if key in readings:
                yield GaugeMetricFamily(name, help_text, value=float(readings[key]))
        for key, name, help_text in _COUNTERS:
            if key in readings:
                yield CounterMetricFamily(name, help_text, value=float(readings[key]))


def register_campaign_metrics(registry: Any, processor: Callable[[], Any]) -> None:
    """Register a :class:`CampaignStageCollector` on ``registry``."""
    registry.register(CampaignStageCollector(processor))
