"""The campaign stage in its own process: workers with ``campaign_stage`` off + ``campaigns``.

Workers publish summaries but host no stage;
:class:`pipeline.runtime.campaign_service.CampaignService`
(what ``distillwatch campaigns`` runs) holds it. Alerts, per-key and campaign, must equal
replay's, as when the workers host the stage (test_parity.py). On the embedded broker:
in-process (two services, one standing by, which takes over when the holder stops), and
the real ``distillwatch campaigns`` command as a subprocess (SIGTERM, /metrics).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from detectors.summary_merge import MergeStats
from pipeline.config import Settings
from pipeline.kafka.push import push_file
from pipeline.kafka.topics import ensure_topics
from pipeline.runtime.campaign_service import CampaignService
from tests.streaming.conftest import BIN, ENGINE_TOML, Dataset
from tests.streaming.helpers import Harness, alert_ids, test_settings, wait_alerts, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

METRICS_LINE = re.compile(r"metrics http://127\.0\.0\.1:(\d+)/metrics")


def _check_parity(settings: Settings, dataset: Dataset) -> None:
    ids = alert_ids(settings)
    assert len(ids) == len(set(ids)), "an alert was published twice"
    missing, extra = dataset.alert_ids - set(ids), set(ids) - dataset.alert_ids
    assert not missing and not extra, (sorted(missing), sorted(extra))


async def _worker_without_stage(harness: Harness, settings: Settings, dataset: Dataset) -> None:
    """Run one stage-less worker through every event (it publishes summaries only)."""
    worker = await harness.start(settings)
    assert worker.campaigns is None, "campaign_stage=False: the worker must not host the stage"
    expected = dataset.lines - dataset.rejected
    await wait_for(lambda: worker.events_processed >= expected, 120, f"{expected} events")


def test_stage_in_its_own_processes_gives_replays_alerts(embedded_broker, dataset):
    settings = test_settings(embedded_broker.bootstrap_servers, campaign_stage=False)
    ensure_topics(settings)
    push_file([dataset.events], settings, batch_size=500)

    async def scenario() -> tuple[MergeStats, int, bool]:
        harness = Harness()
        services = [CampaignService(settings), CampaignService(settings)]
        try:
            for service in services:
                await service.start()
            await wait_for(lambda: any(s.holding for s in services), 60, "a stage holder")
            await _worker_without_stage(harness, settings, dataset)
            await wait_alerts(settings, len(dataset.alert_ids), timeout=60)
            holder = next(s for s in services if s.holding)
            other = services[1 - services.index(holder)]
            assert not other.holding, "one stage: the other instance stands by"
            merger = holder.processor.merger
            await wait_for(lambda: merger.pending == 0, 30, "the stage's idle release")
            stats = merger.stats
            published = holder.processor.alerts_published
            # The stand-by takes over from the holder's checkpoint when it leaves.
            await holder.stop()
            await wait_for(lambda: other.holding, 60, "the stand-by taking the stage over")
            await asyncio.sleep(1.0)  # anything it re-published would be on the topic by now
            return stats, published, other.processor.alerts_published == 0
        finally:
            await harness.stop_all()
            for service in services:
                await service.stop()

    stats, published, quiet_successor = asyncio.run(scenario())
    _check_parity(settings, dataset)
    # The stage saw every summary replay's engines emitted, none twice, none late.
    assert (stats.offered, stats.duplicates, stats.late) == (dataset.summaries, 0, 0)
    assert stats.released == stats.offered
    assert published == len(dataset.campaign_ids)
    assert quiet_successor, "the successor published campaign alerts again"


def _campaigns_env(settings: Settings, tmp: Path) -> dict[str, str]:
    config = tmp / "engine.toml"
    config.write_text(ENGINE_TOML)
    return {
        **_plain_env(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "DISTILLWATCH_CONFIG": str(config),
        "DISTILLWATCH_PARTITIONS": str(settings.partitions),
        "DISTILLWATCH_METRICS_PORT": "0",
        "DISTILLWATCH_PRODUCER_IDEMPOTENCE": str(settings.producer_idempotence).lower(),
        "DISTILLWATCH_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
        "DISTILLWATCH_HEARTBEAT_INTERVAL_MS": str(settings.heartbeat_interval_ms),
        "DISTILLWATCH_REBALANCE_TIMEOUT_MS": str(settings.rebalance_timeout_ms),
        "DISTILLWATCH_CHECKPOINT_INTERVAL_SECONDS": str(settings.checkpoint_interval_seconds),
        "DISTILLWATCH_CAMPAIGN_IDLE_SECONDS": str(settings.campaign_idle_seconds),
    }


def _scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_distillwatch_campaigns_command(embedded_broker, dataset, tmp_path):
    settings = test_settings(embedded_broker.bootstrap_servers, campaign_stage=False)
    ensure_topics(settings)
    push_file([dataset.events], settings, batch_size=500)
    log = tmp_path / "campaigns.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [str(BIN / "distillwatch"), "campaigns", "--duration", "150"],
            env=_campaigns_env(settings, tmp_path),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:

        async def scenario() -> None:
            harness = Harness()
            try:
                await _worker_without_stage(harness, settings, dataset)
                await wait_alerts(settings, len(dataset.alert_ids), timeout=90)
            finally:
                await harness.stop_all()

        asyncio.run(scenario())
        text = log.read_text(errors="replace")
        assert proc.poll() is None, text[-3000:]
        match = METRICS_LINE.search(text)
        assert match, text[-3000:]
        samples = _scrape(int(match.group(1)))
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert "campaign stage assigned (fresh)" in text, text[-3000:]
    assert samples["distillwatch_campaign_stage_held"] == 1.0
    # The stage's own numbers, copied on its loop: it saw the dataset's keys and
    # released every summary in order.
    assert samples["distillwatch_campaign_keys_tracked"] > 0
    assert samples["distillwatch_campaign_summaries_late_total"] == 0.0
    assert samples["distillwatch_campaign_summaries_pending"] >= 0.0
    counted = sum(
        v for k, v in samples.items() if k.startswith("distillwatch_campaign_alerts_total")
    )
    assert counted == len(dataset.campaign_ids)
    assert 'component="campaigns"' in "".join(samples), "build info names the component"
    _check_parity(settings, dataset)


def _plain_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTILLWATCH_", "KAFKA_"))}
    return {**env, **extra}


def test_campaigns_command_refuses_without_a_broker_or_with_campaigns_off():
    cli = str(BIN / "distillwatch")
    out = subprocess.run(
        [cli, "campaigns"], env=_plain_env(), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "KAFKA_BOOTSTRAP_SERVERS" in out.stderr
    env = _plain_env(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", DISTILLWATCH_CAMPAIGNS="false")
    out = subprocess.run([cli, "campaigns"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "campaigns is off" in out.stderr
