"""`distillwatch evaluate` end to end on small hand-built files (real files, real matplotlib)."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest

from pipeline.cli.main import main

T0 = 1_800_000_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


# key -> (label, scenario, attack start offset or None, campaign)
KEYS: dict[str, tuple[str, str, int | None, str | None]] = {
    "hyd-1": ("abuse", "hydra", 0, "camp-a"),
    "hyd-2": ("abuse", "hydra", 0, "camp-a"),
    "hyd-3": ("abuse", "hydra", 0, "camp-a"),
    "tko-1": ("abuse", "key_takeover", 3600, None),
    "tko-2": ("abuse", "key_takeover", 3600, None),
    "bat-1": ("benign", "batch_classifier", None, None),
    "bat-2": ("benign", "batch_classifier", None, None),
    "cod-1": ("benign", "coding_agent", None, None),
}
# (key, offset seconds, severity, score, campaign id)
ALERTS: list[tuple[str, int, str, float, str | None]] = [
    ("hyd-1", 600, "warning", 0.6, "C1"),
    ("hyd-1", 1200, "critical", 0.92, "C1"),
    ("hyd-2", 900, "warning", 0.66, "C1"),
    ("tko-1", 1800, "warning", 0.7, None),  # before the takeover: a false positive
    ("tko-1", 3900, "critical", 0.95, None),
    ("bat-1", 300, "warning", 0.61, "C1"),  # benign key pulled into the campaign
    ("cod-1", 100, "critical", 0.81, None),
]


def _write_dataset(directory: Path) -> dict[str, Path]:
    labels = [
        {
            "api_key_id": key,
            "account_id": f"acct-{key}",
            "label": label,
            "scenario": scenario,
            "attack_start": None if start is None else _iso(T0 + start),
            "campaign_id": campaign,
        }
        for key, (label, scenario, start, campaign) in KEYS.items()
    ]
    alerts = [
        {
            "alert_id": f"al-{i}",
            "api_key_id": key,
            "account_id": None,
            "ts": _iso(T0 + offset),
            "severity": severity,
            "score": score,
            "detector": "ensemble",
            "reasons": [{"feature": "rate", "value": 1.0, "baseline": 0.1}],
            **({"campaign_id": campaign, "related_keys": []} if campaign else {}),
        }
        for i, (key, offset, severity, score, campaign) in enumerate(ALERTS)
    ]
    events = [
        {
            "ts": _iso(T0 + 60 * i),
            "api_key_id": key,
            "request_id": f"{key}-{i}",
            "prompt_tokens": 10,
            "completion_tokens": 900,
            "prompt_text": "never kept",
        }
        for key in KEYS
        for i in range(120)
    ]
    scores = [
        {"api_key_id": key, "ts": T0 + 300 * i, "score": round(0.1 + 0.03 * i, 3)}
        for key in KEYS
        for i in range(24)
    ]
    paths = {name: directory / f"{name}.jsonl" for name in ("labels", "alerts", "events", "scores")}
    for name, rows in (
        ("labels", labels),
        ("alerts", alerts),
        ("events", events),
        ("scores", scores),
    ):
        lines = [json.dumps(row) for row in rows]
        if name == "alerts":
            lines.insert(2, "{truncated")  # malformed: counted, not fatal
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths["feedback"] = directory / "feedback.jsonl"
    paths["feedback"].write_text(
        json.dumps({"api_key_id": "bat-2", "label": "benign", "reason": "known partner"}) + "\n",
        encoding="utf-8",
    )
    return paths


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["evaluate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _write_dataset(tmp_path_factory.mktemp("evaluate-data"))


def _full_args(paths: dict[str, Path], out: Path) -> list[str]:
    return [
        str(paths["alerts"]),
        str(paths["labels"]),
        "--out",
        str(out),
        "--events",
        str(paths["events"]),
        "--scores",
        str(paths["scores"]),
        "--feedback",
        str(paths["feedback"]),
    ]


@pytest.fixture(scope="module")
def full_run(
    dataset: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """One run with every optional input; returns (output dir, console output)."""
    directory = tmp_path_factory.mktemp("evaluate-out")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["evaluate", *_full_args(dataset, directory)])
    assert code == 0, err.getvalue()
    return directory, out.getvalue()


def test_full_run_writes_reports_and_valid_pngs(full_run: tuple[Path, str]) -> None:
    directory, out = full_run
    metrics: dict[str, Any] = json.loads((directory / "metrics.json").read_text())
    report_md = (directory / "report.md").read_text()
    report_html = (directory / "report.html").read_text()
    for scenario in {scenario for _, scenario, _, _ in KEYS.values()}:
        assert scenario in report_md and scenario in report_html and scenario in out

    assert metrics["plots"]
    for name in metrics["plots"]:
        blob = (directory / name).read_bytes()
        assert blob.startswith(PNG_MAGIC)
        pixels = matplotlib.image.imread(directory / name)
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert f"]({name})" in report_md  # linked from the Markdown
    # The HTML is self-contained: every image is an inline copy of a written PNG.
    sources = re.findall(r'<img src="([^"]+)"', report_html)
    assert len(sources) == len(metrics["plots"])
    inline = {base64.b64decode(src.split(",", 1)[1]) for src in sources}
    assert inline == {(directory / name).read_bytes() for name in metrics["plots"]}

    # Overall precision at warning level, computed here from the dataset tables.
    def qualifying(key: str, offset: int) -> bool:
        label, _, start, _ = KEYS[key]
        return label == "abuse" and offset >= (start or 0)

    flagged = {key for key, *_ in ALERTS}
    detected = {key for key, offset, *_ in ALERTS if qualifying(key, offset)}
    abusive = {key for key, spec in KEYS.items() if spec[0] == "abuse"}
    warning = metrics["overall"]["levels"]["warning"]
    assert warning["precision"] == round(len(detected) / len(flagged), 6)
    assert warning["recall"] == round(len(detected) / len(abusive), 6)
    alerts_report = next(r for r in metrics["inputs"] if r["role"] == "alerts")
    assert alerts_report["malformed"] == 1
    assert metrics["labels"]["feedback"]["confirmed"] == 1
    assert metrics["score_sweep"]["source"] == "scores"
    capped = metrics["threshold_sweep"]["best_within_fpr"]
    assert capped is None or capped["benign_fpr"] <= metrics["threshold_sweep"]["max_benign_fpr"]
    assert "never kept" not in report_md + report_html + json.dumps(metrics)


def test_same_input_gives_same_outputs(
    dataset: dict[str, Path],
    full_run: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(_full_args(dataset, tmp_path), capsys)
    assert code == 0, err
    for name in ("metrics.json", "report.md"):
        assert (tmp_path / name).read_bytes() == (full_run[0] / name).read_bytes()


def test_without_events_or_scores(
    dataset: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        [str(dataset["alerts"]), str(dataset["labels"]), "--out", str(tmp_path), "--quiet"], capsys
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    hydra = next(s for s in metrics["scenarios"] if s["scenario"] == "hydra")
    assert hydra["exposure"] is None
    assert hydra["requests_before_detection"]["warning"] is None
    assert hydra["time_to_detect_minutes"]["warning"]["max"] == 15.0  # hyd-2: 900 s
    assert metrics["samples"]["source"] == "alerts" and metrics["score_sweep"] is None


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("alerts", "cannot read alerts file"),
        ("labels", "cannot read labels file"),
        ("events", "cannot read events file"),
        ("scores", "cannot read scores file"),
        ("feedback", "cannot read feedback file"),
    ],
)
def test_unreadable_input_exits_non_zero_with_one_line(
    dataset: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    which: str,
    expected: str,
) -> None:
    paths = dict(dataset)
    paths[which] = tmp_path / "missing.jsonl"
    code, _, err = _run(_full_args(paths, tmp_path / "out"), capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("distillwatch evaluate: error: ")
    assert expected in err and "missing.jsonl" in err
    assert not (tmp_path / "out").exists()  # failed before writing anything


def test_output_directory_that_is_a_file(
    dataset: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(
        [str(dataset["alerts"]), str(dataset["labels"]), "--out", str(blocker)], capsys
    )
    assert code == 2 and "cannot create" in err
