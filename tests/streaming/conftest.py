"""Fixtures for the streaming tests: brokers, a labelled dataset, and replay's alerts.

Brokers are real: the embedded Tansu broker (always available), and Apache
Kafka fetched from Maven Central and started with the machine's Java (recovery,
restart and lag tests, because Tansu reports end offsets low). Apache Kafka is
skipped with a reason when it cannot be fetched, unless ``CI=true`` and Maven
Central was reachable, in which case a failure to start it fails the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from pipeline.devtools.embedded_broker import EmbeddedBroker
from tests.streaming.helpers import EMBEDDED, FAST

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("DISTILLWATCH_KAFKA_CACHE", REPO / ".cache" / "kafka"))

# A small dataset that still raises alerts: a population of 40 benign keys (the engine
# measures keys against the keys around them), a few malformed lines, per-key and
# campaign alerts (hydra, swarm) spread over 14 hours of event time, so a kill can land
# between two of them. The structure pins keep the attackers of one kind (flat,
# templated, with every field and account age), so the test is about parity, not
# detection quality.
SIM_ARGS = [
    "--seed", "5", "--days", "0.6", "--benign-keys", "40", "--attack-instances", "1",
    "--scenarios", "low_and_slow,hydra,swarm", "--malformed-rate", "0.001",
    "--pin", "timing=flat", "--pin", "sharing=shared", "--pin", "fields=all",
    "--pin", "prompts=templates", "--account-age",
]  # fmt: skip
ENGINE_TOML = "[engine]\npopulation_warmup = 10\nkey_warmup_seconds = 600\n"
ENGINE_OVERRIDES = {"population_warmup": 10, "key_warmup_seconds": 600}


class Dataset:
    """Simulated events plus the alerts ``distillwatch replay`` raised on them."""

    def __init__(self, root: Path) -> None:
        self.events = root / "sim" / "events.jsonl"
        self.config = root / "engine.toml"
        self.replay_dir = root / "replay"
        lines = [line for line in self.events.read_bytes().splitlines() if line.strip()]
        self.lines = len(lines)
        self.alerts = [
            orjson.loads(line)
            for line in (self.replay_dir / "alerts.jsonl").read_bytes().splitlines()
        ]
        summary = orjson.loads((self.replay_dir / "summary.json").read_bytes())
        self.rejected = int(summary["events_rejected"])
        #: campaign alerts of the summaries replay still held back at end of input
        self.tail: set[str] = set()
        #: summaries the per-partition engines emitted (the stage's whole input)
        self.summaries = 0

    @property
    def alert_ids(self) -> set[str]:
        """Replay's alerts, per-key and campaign, including the end-of-input flush."""
        return {alert["alert_id"] for alert in self.alerts} | self.tail

    @property
    def campaign_ids(self) -> set[str]:
        return {a["alert_id"] for a in self.alerts if a["detector"] == "campaign"} | self.tail


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("streaming-data")
    cli = str(BIN / "distillwatch")
    subprocess.run([cli, "simulate", *SIM_ARGS, "--out", str(root / "sim")], check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    (root / "engine.toml").write_text(ENGINE_TOML)
    # Replay runs in this process (replay's own function, as `distillwatch replay`
    # calls it), so it uses exactly the detector code the in-process workers use.
    from detectors.config import EngineConfig
    from pipeline.runtime.replay import replay_files

    # The workers' partition count (``FAST``): parity holds only between equal shardings.
    config = EngineConfig.from_mapping({**ENGINE_OVERRIDES, "partitions": FAST["partitions"]})
    replay_files([str(root / "sim" / "events.jsonl")], config, out_dir=root / "replay")
    data = Dataset(root)
    data.tail, data.summaries = _end_of_input(root / "sim" / "events.jsonl", config, data)
    assert len(data.alert_ids) >= 10, "the dataset must raise alerts, or parity proves nothing"
    assert len(data.campaign_ids) >= 5, "the dataset must raise campaign alerts"
    return data


def _end_of_input(path: Path, config: object, data: Dataset) -> tuple[set[str], int]:
    """What ``ShardedEngine.finish()`` adds at end of input, and the summary count.

    ``replay_files`` does not call ``finish()`` (yet): the campaign alerts of the
    summaries still held back at the end are computed here, by the same engine
    over the same file, and checked to extend replay's alerts exactly.
    """
    from detectors.events import Event, parse_line
    from detectors.sharded import ShardedEngine

    sharded = ShardedEngine(config)  # type: ignore[arg-type]
    ids: set[str] = set()
    with open(path, "rb") as handle:
        for line in handle:
            item = parse_line(line)
            if type(item) is Event:
                ids.update(a.alert_id for a in sharded.process(item).alerts)
    tail = {a.alert_id for a in sharded.finish()}
    assert sharded.merger is not None
    replayed = {alert["alert_id"] for alert in data.alerts}
    assert ids == replayed or ids | tail == replayed, "replay and ShardedEngine disagree"
    return tail, sharded.merger.stats.offered


# The registry of running embedded brokers lives in helpers.py: pytest imports this
# conftest under its own module name (importlib mode), so a set defined here would
# be a different object from the one `from tests.streaming.conftest import` sees.


@pytest.fixture
def embedded_broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as broker:
        EMBEDDED.add(broker.bootstrap_servers)
        yield broker
        EMBEDDED.discard(broker.bootstrap_servers)


class KafkaBroker:
    """An Apache Kafka broker in ``data`` started by scripts/ci/start-kafka.sh (restartable)."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.script = REPO / "scripts" / "ci" / "start-kafka.sh"

    def start(self) -> str:
        out = subprocess.run(
            [str(self.script), "start", str(self.data)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "DISTILLWATCH_KAFKA_CACHE": str(CACHE)},
        )  # fmt: skip
        marker = self.data / "bootstrap"
        if not marker.exists():
            raise RuntimeError(out.stdout.strip() or out.stderr.strip())
        return self.bootstrap_servers

    def stop(self) -> None:
        env = {**os.environ, "DISTILLWATCH_KAFKA_CACHE": str(CACHE)}
        subprocess.run(
            [str(self.script), "stop", str(self.data)], capture_output=True, timeout=120, env=env
        )

    @property
    def bootstrap_servers(self) -> str:
        return (self.data / "bootstrap").read_text().strip()


@pytest.fixture
def apache_kafka(tmp_path: Path) -> Iterator[KafkaBroker]:
    """A fresh Apache Kafka (KRaft) per test, or a skip naming why there is none."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    fetch = subprocess.run(
        [str(REPO / "scripts" / "ci" / "fetch-kafka.sh"), str(CACHE)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    unavailable = CACHE / "UNAVAILABLE"
    if unavailable.exists() or not (CACHE / "classpath.txt").exists():
        reason = unavailable.read_text().strip() if unavailable.exists() else fetch.stdout.strip()
        pytest.skip(f"Apache Kafka unavailable: {reason}")
    broker = KafkaBroker(tmp_path / "kafka")
    try:
        broker.start()
    except RuntimeError as exc:
        if in_ci:
            pytest.fail(f"Apache Kafka was fetched but did not start: {exc}")
        pytest.skip(f"Apache Kafka did not start: {exc}")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(params=["embedded", "apache-kafka"])
def broker_servers(request: pytest.FixtureRequest) -> str:
    """Bootstrap servers of each broker kind in turn (Apache Kafka skips when unavailable)."""
    if request.param == "embedded":
        return str(request.getfixturevalue("embedded_broker").bootstrap_servers)
    return str(request.getfixturevalue("apache_kafka").bootstrap_servers)
