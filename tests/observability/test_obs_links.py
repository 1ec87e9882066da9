"""Every link of the dashboards and rules leads somewhere that exists.

Grafana links (``/d/UID/...``) must name a generated dashboard and only its variables;
links to the triage page are followed on a real ``distillwatch triage`` holding the sample
alerts, with the hashed id Grafana would put in them; every rule's ``runbook_url`` must
name a section of docs/RUNBOOKS.md. The datasource is a variable everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from dashboards.grafana_model import DATASOURCE_UID
from pipeline.devtools.triage_sample import HARVESTER, sample_lines
from pipeline.metrics.topk import key_label
from tests.triage.server import fetch, running_triage

from .prom import REPO, RULES

BOARDS = {
    board["uid"]: board
    for board in (
        json.loads(p.read_text()) for p in sorted((REPO / "dashboards/grafana").glob("*.json"))
    )
}
RUNBOOKS = REPO / "docs" / "RUNBOOKS.md"
PROVISIONED = REPO / "dashboards/provisioning/datasources/prometheus.yml"


def _links(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, url) of every panel link, data link and markdown link."""
    for panel in board["panels"]:
        title = panel.get("title", "")
        for link in panel.get("links", []):
            yield title, link["url"]
        for override in panel.get("fieldConfig", {}).get("overrides", []):
            for prop in override["properties"]:
                if prop["id"] == "links":
                    for link in prop["value"]:
                        yield title, link["url"]
        content = panel.get("options", {}).get("content", "")
        for url in re.findall(r"\]\(([^)]+)\)", content):
            yield title, url


def _variables(board: dict[str, Any]) -> set[str]:
    return {v["name"] for v in board["templating"]["list"]}


ALL_LINKS = [(uid, title, url) for uid, board in BOARDS.items() for title, url in _links(board)]


def test_the_top_keys_lead_to_the_drilldown_and_the_triage_page() -> None:
    overview = [u for uid, t, u in ALL_LINKS if uid == "distillwatch-overview"]
    assert any(u.startswith("/d/distillwatch-key-drilldown/") for u in overview)
    assert any(u.startswith("${triage_url}/key/") for u in overview)
    drilldown = [u for uid, t, u in ALL_LINKS if uid == "distillwatch-key-drilldown"]
    assert any(u.startswith("${triage_url}/key/") for u in drilldown)


@pytest.mark.parametrize("uid,title,url", [x for x in ALL_LINKS if x[2].startswith("/d/")])
def test_grafana_links_name_a_board_and_its_variables(uid: str, title: str, url: str) -> None:
    parts = urlsplit(url)
    target = parts.path.split("/")[2]
    assert target in BOARDS, f"{uid}/{title}: no dashboard {target}"
    for name in parse_qs(parts.query):
        if name.startswith("var-"):
            assert name[4:] in _variables(BOARDS[target]), f"{uid}/{title}: {name}"
    for used in re.findall(r"\$\{(\w+)", url):
        assert used.startswith("__") or used in _variables(BOARDS[uid]), used


def _triage_links() -> list[tuple[str, str, str]]:
    return [x for x in ALL_LINKS if x[2].startswith("${triage_url}")]


@pytest.mark.integration
def test_triage_links_open_the_key_page_on_a_real_triage(tmp_path: Path) -> None:
    links = _triage_links()
    assert links
    (tmp_path / "alerts.jsonl").write_bytes(sample_lines())
    hashed = key_label(HARVESTER)  # what the top-K panel and $key hold
    with running_triage(
        "--db", str(tmp_path / "t.db"), "--alerts", str(tmp_path / "alerts.jsonl"), "--no-kafka"
    ) as base:
        for uid, title, url in links:
            for used in re.findall(r"\$\{(\w+)", url):
                assert used.startswith("__") or used in _variables(BOARDS[uid]), used
            resolved = (
                url.replace("${triage_url}", base.rstrip("/"))
                .replace("${__value.raw}", hashed)
                .replace("${key}", hashed)
                .replace("$key", hashed)
            )
            assert "$" not in resolved, resolved
            status, headers, _ = fetch(resolved)
            assert status == 303 and headers["Location"] == f"/key/{HARVESTER}", (uid, title)
            status, _, page = fetch(base.rstrip("/") + headers["Location"])
            assert status == 200 and f"Key {HARVESTER}".encode() in page


def test_every_rule_has_a_runbook_section() -> None:
    anchors = {
        re.sub(r"[^a-z0-9-]", "", line[3:].strip().lower().replace(" ", "-"))
        for line in RUNBOOKS.read_text().splitlines()
        if line.startswith("## ")
    }
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    assert len(rules) >= 10
    for rule in rules:
        url = rule["annotations"].get("runbook_url", "")
        assert url == f"docs/RUNBOOKS.md#{rule['alert'].lower()}", rule["alert"]
        assert url.split("#")[1] in anchors, rule["alert"]


def test_the_datasource_is_a_variable_everywhere() -> None:
    provisioned = yaml.safe_load(PROVISIONED.read_text())["datasources"][0]["uid"]
    assert provisioned == DATASOURCE_UID
    for uid, board in BOARDS.items():
        first = board["templating"]["list"][0]
        assert (first["name"], first["type"], first["current"]["value"]) == (
            "datasource",
            "datasource",
            DATASOURCE_UID,
        ), uid
        text = json.dumps(board["panels"])
        assert DATASOURCE_UID not in text, f"{uid}: a panel names the datasource directly"
        assert '"uid": "${datasource}"' in text
