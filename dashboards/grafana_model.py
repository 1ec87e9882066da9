"""A small typed model of Grafana dashboards (schema 39) that renders deterministic JSON.

We generate dashboards as code with this instead of grafana-foundation-sdk: the
SDK is alpha (exact pins only) and leaves panel ids and refIds unset, which
Grafana then fills in differently on every import. Here ids, refIds and grid
positions are assigned in order, so regenerating gives byte-identical files.

Examples
--------
>>> board = Dashboard("demo", "Demo", rows=[Row("Traffic", [
...     Panel("Events/s", [Query("sum(rate(x_total[$__rate_interval]))", "events")]),
... ])])
>>> model = board.to_dict()
>>> [p["type"] for p in model["panels"]]
['row', 'timeseries']
>>> model["panels"][1]["targets"][0]["refId"], model["panels"][1]["id"]
('A', 2)
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Literal

#: The provisioned Prometheus (dashboards/provisioning): the datasource variable's default.
DATASOURCE_UID = "distillwatch-prometheus"
#: Every panel and query names the datasource through the ``$datasource`` variable, so a
#: Grafana whose Prometheus has another uid (or several) only picks it in the menu.
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
#: Where the triage page (``distillwatch triage``) answers; a dashboard textbox variable.
TRIAGE_URL_DEFAULT = "http://127.0.0.1:9310"
GRID_WIDTH = 24

PanelType = Literal["timeseries", "stat", "table", "heatmap", "bargauge", "text"]


@dataclass(frozen=True)
class Query:
    """One PromQL target. ``instant`` for tables and stats of the current value."""

    expr: str
    legend: str = ""
    instant: bool = False
    heatmap: bool = False

    def to_dict(self, ref_id: str) -> dict[str, Any]:
        """Render as a Grafana target with the given refId."""
        target: dict[str, Any] = {
            "datasource": DATASOURCE,
            "editorMode": "code",
            "expr": self.expr,
            "legendFormat": self.legend or "__auto",
            "range": not self.instant,
            "instant": self.instant,
            "refId": ref_id,
        }
        if self.heatmap:
            target["format"] = "heatmap"
        elif self.instant:
            target["format"] = "table"
        return target


@dataclass(frozen=True)
class Link:
    """A link from a panel (or from a value in it: ``${__value.raw}``) to a board or a page.

    ``url`` is either a Grafana path (``/d/UID/slug?...``) or starts with ``${triage_url}``;
    tests/observability/test_obs_links.py resolves every one.
    """

    title: str
    url: str
    new_tab: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Render as a Grafana link."""
        return {"title": self.title, "url": self.url, "targetBlank": self.new_tab}


@dataclass(frozen=True)
class Panel:
    """A panel: title, queries, kind, unit, and its width/height on the 24-column grid."""

    title: str
    queries: list[Query] = field(default_factory=list)
    kind: PanelType = "timeseries"
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    text: str = ""
    stacked: bool = False
    thresholds: tuple[tuple[str, float | None], ...] = (("green", None),)
    #: Links in the panel's header menu.
    links: tuple[Link, ...] = ()
    #: Data links on the values of one field (column) of the panel: (field name, links).
    field_links: tuple[str, tuple[Link, ...]] | None = None

    def to_dict(self, panel_id: int, x: int, y: int) -> dict[str, Any]:
        """Render as Grafana JSON at grid position ``(x, y)``."""
        panel: dict[str, Any] = {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "gridPos": {"h": self.height, "w": self.width, "x": x, "y": y},
        }
        if self.links:
            panel["links"] = [link.to_dict() for link in self.links]
        if self.kind == "text":
            panel["options"] = {"mode": "markdown", "content": self.text}
            return panel
        panel["datasource"] = DATASOURCE
        refs = string.ascii_uppercase
        panel["targets"] = [q.to_dict(refs[i]) for i, q in enumerate(self.queries)]
        steps = [{"color": color, "value": value} for color, value in self.thresholds]
        defaults: dict[str, Any] = {
            "unit": self.unit,
            "thresholds": {"mode": "absolute", "steps": steps},
        }
        if self.kind == "timeseries":
            defaults["custom"] = {
                "drawStyle": "line",
                "lineWidth": 1,
                "fillOpacity": 10,
                "stacking": {"mode": "normal" if self.stacked else "none", "group": "A"},
            }
            panel["options"] = {
                "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                "tooltip": {"mode": "multi", "sort": "desc"},
            }
        elif self.kind == "stat":
            panel["options"] = {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "colorMode": "value",
                "graphMode": "area",
            }
        elif self.kind == "table":
            panel["options"] = {"showHeader": True}
            panel["transformations"] = [
                {
                    "id": "organize",
                    "options": {"excludeByName": {"Time": True, "__name__": True}},
                }
            ]
        elif self.kind == "heatmap":
            panel["options"] = {
                "calculate": False,
                "yAxis": {"unit": self.unit},
                "color": {"mode": "scheme", "scheme": "Oranges"},
                "cellGap": 1,
            }
        overrides: list[dict[str, Any]] = []
        if self.field_links is not None:
            name, links = self.field_links
            overrides.append(
                {
                    "matcher": {"id": "byName", "options": name},
                    "properties": [{"id": "links", "value": [k.to_dict() for k in links]}],
                }
            )
        panel["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
        return panel


@dataclass(frozen=True)
class Row:
    """A titled row of panels laid out left to right, wrapping at 24 columns."""

    title: str
    panels: list[Panel]


@dataclass(frozen=True)
class Variable:
    """A query variable fed by ``label_values(...)``."""

    name: str
    label: str
    query: str
    multi: bool = True
    include_all: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Render as a Grafana templating entry."""
        return {
            "name": self.name,
            "label": self.label,
            "type": "query",
            "datasource": DATASOURCE,
            "query": {"query": self.query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": self.query,
            "refresh": 2,
            "multi": self.multi,
            "includeAll": self.include_all,
            "allValue": ".*" if self.include_all else None,
            "current": {},
            "sort": 1,
            "hide": 0,
        }


DATASOURCE_VARIABLE: dict[str, Any] = {
    "name": "datasource",
    "label": "Prometheus",
    "type": "datasource",
    "query": "prometheus",
    "current": {"text": "Prometheus", "value": DATASOURCE_UID},
    "refresh": 1,
    "hide": 0,
    "includeAll": False,
    "multi": False,
    "regex": "",
}

TRIAGE_VARIABLE: dict[str, Any] = {
    "name": "triage_url",
    "label": "Triage page",
    "type": "textbox",
    "query": TRIAGE_URL_DEFAULT,
    "current": {"text": TRIAGE_URL_DEFAULT, "value": TRIAGE_URL_DEFAULT},
    "options": [{"selected": True, "text": TRIAGE_URL_DEFAULT, "value": TRIAGE_URL_DEFAULT}],
    "hide": 0,
    "description": "Base URL of `distillwatch triage`; data links open keys there.",
}


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: uid, title, rows of panels, variables."""

    uid: str
    title: str
    rows: list[Row]
    variables: list[Variable] = field(default_factory=list)
    description: str = ""
    tags: tuple[str, ...] = ("distillwatch",)
    refresh: str = "30s"
    time_from: str = "now-6h"

    def panels(self) -> list[Panel]:
        """Every panel of every row, in order."""
        return [panel for row in self.rows for panel in row.panels]

    def to_dict(self) -> dict[str, Any]:
        """Render with ids 1..n and grid positions assigned in order (deterministic)."""
        rendered: list[dict[str, Any]] = []
        next_id, y = 1, 0
        for row in self.rows:
            rendered.append(
                {
                    "id": next_id,
                    "type": "row",
                    "title": row.title,
                    "collapsed": False,
                    "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                    "panels": [],
                }
            )
            next_id, y = next_id + 1, y + 1
            x, row_height = 0, 0
            for panel in row.panels:
                if x + panel.width > GRID_WIDTH:
                    x, y, row_height = 0, y + row_height, 0
                rendered.append(panel.to_dict(next_id, x, y))
                next_id += 1
                x += panel.width
                row_height = max(row_height, panel.height)
            y += row_height
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "timezone": "utc",
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": 39,
            "version": 1,
            "refresh": self.refresh,
            "time": {"from": self.time_from, "to": "now"},
            "templating": {
                "list": [
                    DATASOURCE_VARIABLE,
                    *(v.to_dict() for v in self.variables),
                    TRIAGE_VARIABLE,
                ]
            },
            "annotations": {"list": []},
            "links": [
                {
                    "title": "distillwatch",
                    "type": "dashboards",
                    "tags": ["distillwatch"],
                    "asDropdown": True,
                    "includeVars": False,
                    "keepTime": True,
                }
            ],
            "panels": rendered,
        }
