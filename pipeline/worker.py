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

from pipeline.config import Settings, load_settings

__all__ = ["add_arguments", "run", "settings_from_args"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``distillwatch worker``; each overrides the env/config-file value."""
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
)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from flags over environment over config file over defaults."""
    overrides = {name: getattr(args, name, None) for name in _OVERRIDES}
    return load_settings(getattr(args, "config", None), **overrides)


def build_metrics(settings: Settings) -> tuple[Any, Any]:
    """A ``PipelineMetrics`` on a fresh registry, served on the configured port."""
    from prometheus_client import CollectorRegistry

    from pipeline.metrics import PipelineMetrics, serve

    config = settings.engine_config()
    registry = CollectorRegistry()
    metrics = PipelineMetrics(
        registry,
        keys_limit=config.max_keys,
        population_warmup=config.population_warmup,
        component="worker",
    )
    server = serve(registry, settings.metrics_host, settings.metrics_port)
    return metrics, server


def run(args: argparse.Namespace) -> int:
    """Run a worker until SIGINT/SIGTERM; state is checkpointed on the way out."""
    try:
        settings = settings_from_args(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"distillwatch worker: {exc}", file=sys.stderr)
        return 2
    if settings.kafka_bootstrap_servers is None:
        print(
            "distillwatch worker: no broker: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers "
            "(or try `distillwatch demo`, which starts an embedded one)",
            file=sys.stderr,
        )
        return 2
    import faust

    from pipeline.app import create_app

    metrics, server = build_metrics(settings)
    print(
        f"distillwatch worker: brokers {settings.kafka_bootstrap_servers}, group "
        f"{settings.group_id}, metrics http://{settings.metrics_host}:{server.port}/metrics",
        file=sys.stderr,
        flush=True,
    )
    app = create_app(settings, metrics)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:  # faust exits through sys.exit
        return int(exc.code or 0)
    finally:
        server.close()
    return 0
