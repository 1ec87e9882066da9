"""aiokafka clients built from the settings, with the deployment's security options.

Every consumer and producer of the workers, the campaign stage and the demo is
built here, so broker address, SASL and TLS come from the one settings object.
"""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings

__all__ = ["aio_consumer", "aio_producer", "faust_broker_options"]


def aio_producer(settings: Settings, **overrides: Any) -> Any:
    """An (unstarted) aiokafka producer for alerts, dead letters, checkpoints and routing."""
    from aiokafka import AIOKafkaProducer

    options: dict[str, Any] = {
        "client_id": f"{settings.app_id}-worker",
        "acks": "all",
        "enable_idempotence": settings.producer_idempotence,
        # No linger: the worker queues a whole batch's records before it yields to the
        # sender, then waits for their acks; lingering only delayed every batch (and
        # its alerts) by the linger time.
        "linger_ms": 0,
        "max_batch_size": 1024 * 1024,
        "max_request_size": 8 * 1024 * 1024,
        **_aio_security(settings),
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def aio_consumer(settings: Settings, **overrides: Any) -> Any:
    """An (unstarted, unsubscribed) aiokafka consumer; offsets are committed by the caller."""
    from aiokafka import AIOKafkaConsumer

    options: dict[str, Any] = {
        "client_id": f"{settings.app_id}-worker",
        "enable_auto_commit": False,
        "auto_offset_reset": settings.start_offset,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_bytes": 32 * 1024 * 1024,
        # aiokafka's 500 ms default: the embedded broker answers an empty fetch only
        # when it expires (Apache Kafka answers as data arrives), which added
        # 0.1-0.25 s per hop to a caught-up worker's alerts (benchmarks/streaming).
        "fetch_max_wait_ms": 100,
        **_aio_security(settings),
    }
    options.update(overrides)
    return AIOKafkaConsumer(**options)


def _aio_security(settings: Settings) -> dict[str, Any]:
    options = settings.kafka_client_options()
    if settings.ssl_cafile is not None:
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context(cafile=str(settings.ssl_cafile))
    return options


def faust_broker_options(settings: Settings) -> dict[str, Any]:
    """faust settings for the broker connection and consumer-group timing.

    Short session and heartbeat timeouts (from the settings) let a restarted
    worker rejoin quickly: with faust's defaults a restart after a crash
    waited ~108 s (DESIGN.md).
    """
    if settings.kafka_bootstrap_servers is None:
        raise ValueError("kafka_bootstrap_servers is not set")
    options: dict[str, Any] = {
        "broker": [f"kafka://{server}" for server in settings.kafka_bootstrap_servers.split(",")],
        "broker_session_timeout": settings.session_timeout_ms / 1000,
        "broker_heartbeat_interval": settings.heartbeat_interval_ms / 1000,
        "broker_rebalance_timeout": settings.rebalance_timeout_ms / 1000,
        "consumer_auto_offset_reset": settings.start_offset,
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
    }
    if settings.sasl_mechanism is not None:
        from faust import SASLCredentials

        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        options["broker_credentials"] = SASLCredentials(
            username=settings.sasl_username or "",
            password=password,
            mechanism=settings.sasl_mechanism,
            ssl_context=None,
        )
    return options
