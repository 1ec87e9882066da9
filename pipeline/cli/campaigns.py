"""``distillwatch campaigns``: run the cross-key campaign stage in a process of its own.

Workers started with ``campaign_stage = false`` (``--no-campaign-stage``) still
publish their per-partition summaries, but do not host the stage; one or more
``distillwatch campaigns`` processes do. They join the consumer group
``<group_id>-campaigns`` on the one-partition summaries topic: the member that
is assigned the partition runs the stage (restoring its checkpoint), the
others stand by and take over when it leaves or dies, exactly as when workers
host it (pipeline/runtime/campaign_stage.py). The process has its own producer, its
own ``/metrics`` (``distillwatch_build_info{component="campaigns"}``, the alert
counters, ``distillwatch_campaign_stage_held``) and stops cleanly on SIGINT or
SIGTERM (checkpoint, leave the group) or after ``--duration`` seconds.

Why a separate process: the stage merges every partition's summaries and runs
one :class:`~detectors.campaigns.CampaignStage`, work that otherwise shares the
core of whichever worker holds the summaries partition (docs/STREAMING.md).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from pipeline.runtime.campaign_service import CampaignService

__all__ = ["add_arguments", "run"]

log = logging.getLogger("distillwatch.campaigns")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``distillwatch campaigns``: the worker's connection flags plus ``--duration``."""
    from pipeline.cli.worker import add_connection_arguments

    add_connection_arguments(parser)
    parser.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop (cleanly) after this many seconds; default: until SIGINT/SIGTERM",
    )


async def _serve(service: CampaignService, duration: float | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await service.start()
    except Exception as error:  # e.g. a topic with the wrong partition count: say so
        print(f"distillwatch campaigns: could not start: {error}", file=sys.stderr)
        await service.stop()
        return 1
    assert service.task is not None
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait(
            {waiter, service.task}, timeout=duration, return_when=asyncio.FIRST_COMPLETED
        )
        if service.task in done:  # the loop ended without being asked: report why
            exc = service.task.exception()
            if exc is not None:
                log.error("campaign stage failed: %s", exc, exc_info=exc)
                return 1
    finally:
        waiter.cancel()
        await service.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the campaign stage until SIGINT/SIGTERM or ``--duration``; 0 on a clean stop."""
    from pipeline.cli.worker import (
        MetricsPortBusy,
        build_metrics,
        idempotence_problem,
        load_or_explain,
    )

    settings = load_or_explain(args, "campaigns")
    if settings is None:
        return 2
    if not settings.campaigns:
        print(
            "distillwatch campaigns: campaigns is off (DISTILLWATCH_CAMPAIGNS=false): "
            "workers publish no summaries, so there is no stage to run",
            file=sys.stderr,
        )
        return 2
    if args.duration is not None and args.duration <= 0:
        print("distillwatch campaigns: --duration must be positive", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="[%(asctime)s] [%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("kafka", "aiokafka"):  # client chatter at INFO drowns the stage's log
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    problem = idempotence_problem(settings)
    if problem is not None:
        print(f"distillwatch campaigns: {problem}", file=sys.stderr)
        return 2
    try:
        metrics, server = build_metrics(settings, component="campaigns")
    except MetricsPortBusy as exc:
        print(f"distillwatch campaigns: {exc}", file=sys.stderr)
        return 1
    service = CampaignService(settings, metrics)
    from pipeline.metrics.campaign_collector import register_campaign_metrics

    register_campaign_metrics(metrics.registry, lambda: service.processor)
    print(
        f"distillwatch campaigns: brokers {settings.kafka_bootstrap_servers}, group "
        f"{settings.group_id}-campaigns, topic {settings.summaries_topic}, "
        f"metrics http://{settings.metrics_host}:{server.port}/metrics",
        file=sys.stderr,
        flush=True,
    )
    try:
        return asyncio.run(_serve(service, args.duration))
    finally:
        server.close()
