"""``distillwatch worker``: run a streaming worker against Kafka.

Start as many as there are requests partitions to share; each holds the
engines of the partitions the consumer group assigns it, and a worker that
stops (or dies) hands its partitions over with their checkpointed state. See
docs/STREAMING.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from pipeline.config import Settings, describe_error, load_settings

__all__ = [
    "MetricsPortBusy",
    "add_arguments",
    "add_connection_arguments",
    "build_metrics",
    "idempotence_problem",
    "load_or_explain",
    "run",
    "settings_from_args",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``distillwatch worker``; each overrides the env/config-file value."""
    add_connection_arguments(parser)
    parser.add_argument(
        "--campaign-stage",
        dest="campaign_stage",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="host the campaign stage in this worker (--no-campaign-stage: "
        "`distillwatch campaigns` runs it; default: $DISTILLWATCH_CAMPAIGN_STAGE, on)",
    )


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every streaming process shares (broker, group, topics, /metrics, logging)."""
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")
    parser.add_argument(
        "--bootstrap-servers",
        dest="kafka_bootstrap_servers",
        metavar="HOST:PORT[,...]",
        help="Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS)",
    )
    parser.add_argument("--group-id", dest="group_id", help="consumer group of the workers")
    parser.add_argument("--partitions", type=int, help="requests topic partition count")
    parser.add_argument("--requests-topic", dest="requests_topic")
    parser.add_argument("--alerts-topic", dest="alerts_topic")
    parser.add_argument("--metrics-host", dest="metrics_host")
    parser.add_argument(
        "--metrics-port", dest="metrics_port", type=int, help="/metrics port (0: pick a free one)"
    )
    parser.add_argument("--log-level", dest="log_level", choices=["DEBUG", "INFO", "WARNING"])


_OVERRIDES = (
    "kafka_bootstrap_servers",
    "group_id",
    "partitions",
    "requests_topic",
    "alerts_topic",
    "metrics_host",
    "metrics_port",
    "log_level",
    "campaign_stage",
)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from flags over environment over config file over defaults."""
    overrides = {name: getattr(args, name, None) for name in _OVERRIDES}
    return load_settings(getattr(args, "config", None), **overrides)


def load_or_explain(args: argparse.Namespace, command: str) -> Settings | None:
    """Settings for ``command``, or ``None`` after telling the user what is wrong.

    A bad value or a missing config file, and a missing broker, are reported on
    stderr (the caller exits with status 2).
    """
    try:
        settings = settings_from_args(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"distillwatch {command}: {describe_error(exc)}", file=sys.stderr)
        return None
    if settings.kafka_bootstrap_servers is None:
        print(
            f"distillwatch {command}: no broker: set KAFKA_BOOTSTRAP_SERVERS or "
            "--bootstrap-servers (or try `distillwatch demo`, which starts an embedded one)",
            file=sys.stderr,
        )
        return None
    return settings


class MetricsPortBusy(RuntimeError):
    """The /metrics address cannot be served (one line for the user, no traceback)."""


def build_metrics(settings: Settings, component: str = "worker") -> tuple[Any, Any]:
    """A ``PipelineMetrics`` on a fresh registry, served on the configured port.

    Raises
    ------
    MetricsPortBusy
        When the address is taken or cannot be bound.
    """
    from prometheus_client import CollectorRegistry

    from pipeline.metrics.pipeline_metrics import PipelineMetrics
    from pipeline.metrics.serving import serve

    config = settings.engine_config()
    registry = CollectorRegistry()
    metrics = PipelineMetrics(
        registry,
        keys_limit=config.max_keys,
        population_warmup=config.population_warmup,
        component=component,
        partitions=settings.partitions,
    )
    if component == "worker":  # the "campaign stage absent" rule needs to know it is wanted
        metrics.health.campaigns_enabled.set(1 if settings.campaigns else 0)
    try:
        server = serve(registry, settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        raise MetricsPortBusy(
            f"cannot serve /metrics on {settings.metrics_host}:{settings.metrics_port}: "
            f"{exc.strerror or exc} (another distillwatch process on this host? set --metrics-port "
            "or DISTILLWATCH_METRICS_PORT; 0 picks a free port)"
        ) from None
    return metrics, server


def idempotence_problem(settings: Settings, timeout: float = 20.0) -> str | None:
    """Why the broker refuses the idempotent producer the settings ask for, or ``None``.

    Apache Kafka grants it; the embedded Tansu broker (``distillwatch demo``, tests) has
    no InitProducerId and answers UnknownError, which would otherwise surface as a
    traceback deep in the detect loop.
    """
    if not settings.producer_idempotence:
        return None
    import asyncio

    from pipeline.kafka.clients import aio_producer

    async def probe() -> str | None:
        producer = aio_producer(settings)
        try:
            await asyncio.wait_for(producer.start(), timeout)
        except Exception as exc:  # aiokafka's errors, timeouts, refused connections
            name = type(exc).__name__
            if name in (
                "UnknownError",
                "UnsupportedVersionError",
                "ClusterAuthorizationFailedError",
            ):
                return (
                    f"the broker at {settings.kafka_bootstrap_servers} refused an idempotent "
                    f"producer ({name}; the embedded broker of `distillwatch demo` has none): "
                    "set DISTILLWATCH_PRODUCER_IDEMPOTENCE=false for it (keep it on for Kafka)"
                )
            return None  # not this problem: the worker reports its own connection errors
        finally:
            await producer.stop()
        return None

    chatty = logging.getLogger("aiokafka")
    level = chatty.level
    chatty.setLevel(logging.CRITICAL)  # its own line about the refusal would repeat ours
    try:
        return asyncio.run(probe())
    finally:
        chatty.setLevel(level)


def run(args: argparse.Namespace) -> int:
    """Run a worker until SIGINT/SIGTERM; state is checkpointed on the way out."""
    settings = load_or_explain(args, "worker")
    if settings is None:
        return 2
    problem = idempotence_problem(settings)
    if problem is not None:
        print(f"distillwatch worker: {problem}", file=sys.stderr)
        return 2
    import faust

    from pipeline.runtime.faust_app import create_app

    try:
        metrics, server = build_metrics(settings)
    except MetricsPortBusy as exc:
        print(f"distillwatch worker: {exc}", file=sys.stderr)
        return 1
    stage = "in this worker" if settings.campaign_stage else "in `distillwatch campaigns`"
    if not settings.campaigns:
        stage = "off"
    print(
        f"distillwatch worker: brokers {settings.kafka_bootstrap_servers}, group "
        f"{settings.group_id}, campaign stage {stage}, "
        f"metrics http://{settings.metrics_host}:{server.port}/metrics",
        file=sys.stderr,
        flush=True,
    )
    app = create_app(settings, metrics)
    if settings.campaigns and settings.campaign_stage:
        from pipeline.metrics.campaign_collector import register_campaign_metrics

        def campaign_processor() -> Any:
            processor = getattr(app, "distillwatch_processor", None)
            return None if processor is None else processor.campaigns

        register_campaign_metrics(metrics.registry, campaign_processor)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:  # faust exits through sys.exit
        return int(exc.code or 0)
    finally:
        server.close()
    return 0
