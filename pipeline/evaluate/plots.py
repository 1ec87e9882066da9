"""PNG figures of an evaluation (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless servers and CI have no display

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline.evaluate.evaluation import Evaluation
from pipeline.evaluate.records import LEVELS, AlertRecord

PR_PNG = "precision_recall.png"
TTD_PNG = "time_to_detect.png"
TIMELINES_PNG = "score_timelines.png"

_LEVEL_COLORS = {"warning": "tab:orange", "critical": "tab:red"}


def _save(fig: Figure, path: Path) -> None:
    # No "Software" metadata: the same evaluation gives the same bytes across versions.
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _series(rows: Sequence[Mapping[str, Any]], name: str) -> tuple[list[float], list[float]]:
    points = [(row["threshold"], row[name]) for row in rows if row[name] is not None]
    return [p[0] for p in points], [p[1] for p in points]


def plot_precision_recall(metrics: Mapping[str, Any], path: Path) -> None:
    """Precision, recall, F1 and benign FPR over the threshold, and precision vs recall."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sweeps = [metrics["threshold_sweep"]]
    if metrics.get("score_sweep"):
        sweeps.append(metrics["score_sweep"])
    for sweep_block, style, curve in zip(
        sweeps, ("-", "--"), ("tab:blue", "tab:gray"), strict=False
    ):
        rows = sweep_block["rows"]
        tag = f" ({sweep_block['source']})"
        for name, color in (
            ("precision", "tab:blue"),
            ("recall", "tab:green"),
            ("f1", "tab:purple"),
            ("benign_fpr", "tab:red"),
        ):
            xs, ys = _series(rows, name)
            left.plot(xs, ys, style, color=color, label=name + tag)
        recall = [row["recall"] for row in rows if row["precision"] is not None]
        precision = [row["precision"] for row in rows if row["precision"] is not None]
        right.plot(recall, precision, style, marker=".", color=curve, label=tag.strip())
        best = sweep_block.get("best")
        if best is not None:
            left.axvline(best["threshold"], linestyle=":", color="grey")
            right.plot([best["recall"]], [best["precision"]], "o", color="tab:purple")
            right.annotate(f"t={best['threshold']:.2f}", (best["recall"], best["precision"]))
    left.set(xlabel="score threshold", ylabel="share of keys", xlim=(0, 1), ylim=(-0.02, 1.02))
    left.set_title("Metrics over threshold")
    left.legend(fontsize=7, loc="best")
    right.set(xlabel="recall", ylabel="precision", xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
    right.set_title("Precision-recall")
    right.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    _save(fig, path)


def plot_time_to_detect(evaluation: Evaluation, path: Path) -> None:
    """Box plot of minutes to detection per abusive scenario, warning and critical."""
    abusive = [o for o in evaluation.outcomes.values() if o.is_abuse]
    scenarios = sorted({o.label.scenario for o in abusive})
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(scenarios) + 2), 4.2))
    width = 0.35
    for offset, level in zip((-width / 2, width / 2), LEVELS, strict=True):
        data: list[list[float]] = []
        for scenario in scenarios:
            data.append(
                [
                    o.levels[level].ttd_minutes or 0.0
                    for o in abusive
                    if o.label.scenario == scenario
                    and o.levels[level].detected
                    and o.levels[level].ttd_minutes is not None
                ]
            )
        positions = [i + offset for i in range(len(scenarios))]
        filled = [(p, d) for p, d in zip(positions, data, strict=True) if d]
        if filled:
            box = ax.boxplot(
                [d for _, d in filled],
                positions=[p for p, _ in filled],
                widths=width * 0.9,
                patch_artist=True,
                manage_ticks=False,
                medianprops={"color": "black"},
            )
            for patch in box["boxes"]:
                patch.set_facecolor(_LEVEL_COLORS[level])
                patch.set_alpha(0.6)
        ax.plot([], [], "s", color=_LEVEL_COLORS[level], label=level)
    keys = {s: sum(o.label.scenario == s for o in abusive) for s in scenarios}
    ax.set_xticks(range(len(scenarios)), [f"{s}\n({keys[s]} keys)" for s in scenarios], fontsize=8)
    ax.set(ylabel="minutes from attack start to first alert")
    ax.set_title("Time to detect per scenario (detected keys)")
    if not scenarios:
        ax.text(0.5, 0.5, "no abusive keys", ha="center", transform=ax.transAxes)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def _day(epoch: float) -> float:
    """Matplotlib's date number (days) of an epoch time, for date axes."""
    return float(mdates.date2num(datetime.fromtimestamp(epoch, tz=UTC)))


#: Smallest time span a timeline panel shows, in days (a lone point would span years).
_MIN_SPAN = 1 / 24


def _outcome_word(evaluation: Evaluation, key: str) -> str:
    outcome = evaluation.outcomes[key]
    if outcome.is_abuse:
        return "detected" if outcome.levels["warning"].detected else "missed"
    return "alerted" if outcome.levels["warning"].alerted else "quiet"


def _timeline_panel(
    ax: Axes, evaluation: Evaluation, alerts: Mapping[str, Sequence[AlertRecord]], name: str
) -> None:
    times: list[float] = []
    for key in evaluation.samples[name]:
        points = evaluation.timelines.get(key, [])
        xs = [_day(t) for t, _ in points]
        color = ax.plot(xs, [s for _, s in points], ".-", lw=1)[0].get_color() if xs else "grey"
        suffix = "" if xs else f", no {evaluation.timeline_source}"
        ax.plot([], [], color=color, label=f"{key} ({_outcome_word(evaluation, key)}{suffix})")
        times += xs
        for alert in alerts.get(key, ()):
            times.append(_day(alert.ts))
            ax.plot(
                times[-1],
                alert.score,
                "v",
                color=_LEVEL_COLORS[alert.severity],
                markeredgecolor="black",
                markeredgewidth=0.5,
            )
        start = evaluation.outcomes[key].label.attack_start
        if start is not None:
            times.append(_day(start))
            ax.axvline(times[-1], color=color, linestyle="--", lw=0.8)
    ax.set_title(name, fontsize=9)
    ax.set_ylim(-0.02, 1.02)
    if not times:
        # Nothing to place in time: an empty date axis would read 1970 (date number 0).
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no scores or alerts", ha="center", va="center", fontsize=8,
                transform=ax.transAxes)  # fmt: skip
        ax.legend(fontsize=6, loc="upper left")
        return
    low, high = min(times), max(times)
    pad = max(_MIN_SPAN - (high - low), 0.0) / 2 + (high - low) * 0.03
    ax.set_xlim(low - pad, high + pad)
    locator = mdates.AutoDateLocator()  # x values are date numbers: label them as UTC times
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="upper left")


def plot_timelines(
    evaluation: Evaluation, alerts: Mapping[str, Sequence[AlertRecord]], path: Path
) -> None:
    """Score over event time for the sample keys, one panel per scenario/archetype."""
    groups = sorted(evaluation.samples)
    cols = 3 if len(groups) > 4 else max(1, min(2, len(groups)))
    rows = max(1, -(-len(groups) // cols))
    # Constrained layout leaves room for the suptitle (tight_layout overlaps it).
    fig, axes = plt.subplots(
        rows, cols, figsize=(5 * cols, 3 * rows), squeeze=False, layout="constrained"
    )
    for index, ax in enumerate(axes.flat):
        if index < len(groups):
            _timeline_panel(ax, evaluation, alerts, groups[index])
        else:
            ax.set_visible(False)
    fig.suptitle(
        f"Score timelines of sample keys (from {evaluation.timeline_source}; "
        "▼ alerts, dashed: attack start)",
        fontsize=10,
    )
    _save(fig, path)


def write_plots(
    evaluation: Evaluation, alerts: Mapping[str, Sequence[AlertRecord]], out_dir: Path
) -> list[str]:
    """Write every figure into ``out_dir``; returns the file names."""
    plot_precision_recall(evaluation.metrics, out_dir / PR_PNG)
    plot_time_to_detect(evaluation, out_dir / TTD_PNG)
    plot_timelines(evaluation, alerts, out_dir / TIMELINES_PNG)
    return [PR_PNG, TTD_PNG, TIMELINES_PNG]
