"""Evaluate's timeline panels: a panel with nothing to place in time never reads 1970."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pipeline.evaluate.plots import _timeline_panel

T0 = 1_791_158_400.0


def _evaluation(timelines: dict[str, list[tuple[float, float]]]) -> SimpleNamespace:
    label = SimpleNamespace(attack_start=None, label="benign")
    quiet = SimpleNamespace(detected=False, alerted=False)
    outcome = SimpleNamespace(label=label, is_abuse=False, levels={"warning": quiet})
    return SimpleNamespace(
        samples={"chat": ["k1"]},
        timelines=timelines,
        timeline_source="scores",
        outcomes={"k1": outcome},
    )


def _labels(ax: object) -> str:
    fig = ax.figure  # type: ignore[attr-defined]
    fig.canvas.draw()
    ticks = " ".join(t.get_text() for t in ax.get_xticklabels())  # type: ignore[attr-defined]
    return ticks + " " + ax.xaxis.get_offset_text().get_text()  # type: ignore[attr-defined]


def test_an_empty_panel_has_no_1970_axis() -> None:
    fig, ax = plt.subplots()
    _timeline_panel(ax, _evaluation({}), {}, "chat")  # type: ignore[arg-type]
    assert "1970" not in _labels(ax)
    plt.close(fig)


def test_a_panel_with_scores_reads_their_dates() -> None:
    fig, ax = plt.subplots()
    points = [(T0 + 3600 * i, 0.1) for i in range(6)]
    _timeline_panel(ax, _evaluation({"k1": points}), {}, "chat")  # type: ignore[arg-type]
    text = _labels(ax)
    assert "1970" not in text and text.strip()
    plt.close(fig)
