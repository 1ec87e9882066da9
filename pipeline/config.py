"""The one settings object of the streaming pipeline (pydantic-settings).

Sources, highest priority first: explicit overrides (CLI flags), environment
variables (``DISTILLWATCH_<NAME>``; the broker list also as the conventional
``KAFKA_BOOTSTRAP_SERVERS``), an optional TOML config file (``--config PATH``
or ``$DISTILLWATCH_CONFIG``), then the defaults below. Every option is listed
in docs/CONFIG.md. Settings are built once by a command and passed down;
nothing else reads the environment.

Examples
--------
>>> settings = load_settings(None, requests_topic="gateway-requests")
>>> settings.requests_topic, settings.partitions
('gateway-requests', 1)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from detectors.campaign_config import CampaignConfig
from detectors.config import EngineConfig

__all__ = ["CONFIG_ENV", "Settings", "describe_error", "load_settings"]

#: Environment variable naming the TOML config file.
CONFIG_ENV = "DISTILLWATCH_CONFIG"


class Settings(BaseSettings):
    """Streaming pipeline settings (see docs/CONFIG.md for every option)."""

    model_config = SettingsConfigDict(
        env_prefix="DISTILLWATCH_",
        extra="forbid",
        populate_by_name=True,
        frozen=True,
    )

    # --- broker -----------------------------------------------------------
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "kafka_bootstrap_servers",
            "DISTILLWATCH_KAFKA_BOOTSTRAP_SERVERS",
            "KAFKA_BOOTSTRAP_SERVERS",
        ),
        description="Comma-separated host:port list; unset means the embedded broker (demo).",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None

    # --- topics -----------------------------------------------------------
    requests_topic: str = "requests"
    alerts_topic: str = "alerts"
    dead_letter_topic: str = "requests-dead-letters"
    checkpoint_topic: str = "distillwatch-checkpoints"
    # One by default: shared-prompt evidence and the population scales are per partition
    # (detectors.config.EngineConfig.partitions); raise it to scale the workers out.
    partitions: int = Field(default=1, ge=1, le=4096)
    dead_letter_partitions: int = Field(default=1, ge=1, le=4096)
    replication_factor: int = Field(default=1, ge=1, le=16)

    # --- worker -----------------------------------------------------------
    app_id: str = "distillwatch"
    group_id: str = "distillwatch-detect"
    start_offset: Literal["earliest", "latest"] = "earliest"
    max_poll_records: int = Field(default=5000, ge=1)
    poll_timeout_ms: int = Field(default=100, ge=1)
    checkpoint_interval_seconds: float = Field(default=10.0, gt=0)
    checkpoint_chunk_bytes: int = Field(default=512 * 1024, ge=1024)
    session_timeout_ms: int = Field(default=10_000, ge=1000)
    heartbeat_interval_ms: int = Field(default=2_000, ge=100)
    rebalance_timeout_ms: int = Field(default=30_000, ge=1000)
    #: idempotent producer: a retried send after a broker restart is never written twice.
    #: The embedded Tansu broker does not support it (the demo and tests turn it off).
    producer_idempotence: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9308, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- campaign stage (docs/STREAMING.md) ---------------------------------
    #: publish per-partition summaries (off: per-key alerts only, no stage anywhere)
    campaigns: bool = True
    #: also host the campaign stage in this worker; off when `distillwatch campaigns`
    #: processes run it (their own cores, isolated from the detect loop)
    campaign_stage: bool = True
    summaries_topic: str = "distillwatch-summaries"
    campaign_checkpoint_topic: str = "distillwatch-campaign-checkpoints"
    #: wall seconds a caught-up partition's watermark may stand still before the
    #: campaign stage stops waiting for it (longer than a worker's restart)
    campaign_idle_seconds: float = Field(default=60.0, gt=0)

    # --- engine -----------------------------------------------------------
    engine: dict[str, Any] = Field(default_factory=dict)
    #: the deployment's secret for prompt hashes (detectors.state.prompt_memory.keyed_exact):
    #: the same on every worker and replay of a deployment; unset, the public default
    prompt_hash_key: SecretStr | None = None
    #: overrides of detectors.campaign_config.CampaignConfig (the campaign stage)
    campaign: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _strip_servers(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = ",".join(part.strip() for part in value.split(",") if part.strip())
        return value or None

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.heartbeat_interval_ms * 3 > self.session_timeout_ms:
            raise ValueError("heartbeat_interval_ms must be at most a third of session_timeout_ms")
        if "partitions" in self.engine and int(self.engine["partitions"]) != self.partitions:
            raise ValueError("engine.partitions must equal partitions (or be left unset)")
        self.engine_config()  # unknown or inconsistent engine settings fail at load time
        self.campaign_config()
        return self

    def prompt_key(self) -> str:
        """The prompt-hash secret ("" when unset), for :class:`~detectors.engine.Engine`."""
        return self.prompt_hash_key.get_secret_value() if self.prompt_hash_key else ""

    def engine_config(self) -> EngineConfig:
        """The detection engine's config; its ``partitions`` is this object's ``partitions``."""
        return EngineConfig.from_mapping({**self.engine, "partitions": self.partitions})

    def campaign_config(self) -> CampaignConfig:
        """The campaign stage's config (replay and the streaming stage use the same)."""
        return CampaignConfig.from_mapping(self.campaign)

    def kafka_python_options(self) -> dict[str, Any]:
        """:meth:`kafka_client_options` plus the CA file, as kafka-python clients take it
        (admin, ``replay --to-kafka``, the hook, ``distillwatch label``)."""
        options = self.kafka_client_options()
        if self.ssl_cafile is not None:
            options["ssl_cafile"] = str(self.ssl_cafile)
        return options

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options shared by aiokafka and kafka-python clients."""
        if self.kafka_bootstrap_servers is None:
            raise ValueError("kafka_bootstrap_servers is not set")
        options: dict[str, Any] = {
            "bootstrap_servers": self.kafka_bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism is not None:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            if self.sasl_password is not None:
                options["sasl_plain_password"] = self.sasl_password.get_secret_value()
        return options

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file: secrets come from the environment or the config file only.
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings from overrides, the environment and an optional TOML file.

    Parameters
    ----------
    config_file
        TOML file; ``$DISTILLWATCH_CONFIG`` when ``None``; no file when neither is set.
    **overrides
        Values that win over every other source (typically CLI flags); ``None``
        values are ignored so unset flags do not mask the environment.

    Raises
    ------
    FileNotFoundError
        When a config file is named but does not exist.
    pydantic.ValidationError
        When a value is invalid (the message names the option).
    """
    path_text = config_file if config_file is not None else os.environ.get(CONFIG_ENV)
    path = Path(path_text) if path_text else None
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")

    class _Configured(Settings):
        model_config = SettingsConfigDict(toml_file=path, title="Settings")

    values = {name: value for name, value in overrides.items() if value is not None}
    return _Configured(**values)


def describe_error(exc: Exception) -> str:
    """One line per problem of a settings error, naming the option (pydantic's own
    message starts with "1 validation error for Settings" and hides the rest).

    >>> try:
    ...     load_settings(None, partitions=0)
    ... except ValueError as exc:
    ...     print(describe_error(exc))
    partitions: Input should be greater than or equal to 1
    """
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "; ".join(lines)
