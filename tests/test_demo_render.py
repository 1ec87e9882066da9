"""The demo's live table folds, never cuts: at any width the key and its reasons stay whole."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from pipeline.cli.demo import _alert_line, _render, _Status
from pipeline.devtools.triage_sample import sample_alerts

KEY = "key_d1363cdc85a1-with-a-long-tenant-suffix"


def _status() -> _Status:
    status = _Status(metrics_url="http://127.0.0.1:9308/metrics", triage_url="http://127.0.0.1:1/")
    alert = sample_alerts()[-1].to_dict()
    alert["api_key_id"] = KEY
    status.alerts.appendleft(alert)
    return status


@pytest.mark.parametrize("width", [90, 120, 250])
def test_the_table_keeps_the_key_and_the_reasons_whole(width: int) -> None:
    console = Console(width=width, record=True, color_system=None)
    console.print(_render(_status(), width))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    body = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    column = ["".join(cells[i].strip() for cells in body) for i in range(len(body[0]))]
    assert KEY in column[1]  # folded over lines, never cut
    assert "membersbelongto6accounts" in column[4].replace(" ", "")
    assert "http://127.0.0.1:1/" in re.sub(r"\s+", "", text)


def test_off_a_terminal_each_alert_is_one_whole_line() -> None:
    alert = sample_alerts()[0].to_dict()
    line = _alert_line(alert)
    assert "\n" not in line and alert["api_key_id"] in line
    assert alert["summary"].split(": ", 1)[1] in line


@pytest.mark.parametrize("width", [30, 60, 89])
def test_narrow_terminals_stack_the_alerts_and_cut_nothing(width: int) -> None:
    console = Console(width=width, record=True, color_system=None)
    console.print(_render(_status(), width))
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= width
    flat = re.sub(r"\s+", "", text)
    assert KEY in flat and "membersbelongto6accounts" in flat
