"""HTML building blocks of the triage page: escaping, the layout, tables, SVG charts.

Everything that comes from data (key ids, reasons, analysts' text) goes through
:func:`esc`; the page carries no script, and the style sheet is served from
``/static/triage.css`` so the Content-Security-Policy can forbid inline code.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

from pipeline.hook.audit import rfc3339

__all__ = [
    "CSS",
    "chart",
    "esc",
    "key_link",
    "layout",
    "table",
    "url",
]


def esc(value: object) -> str:
    """Escape ``value`` for HTML text and attributes (``None`` reads as a dash).

    >>> esc('<b onclick="x">'), esc(None)
    ('&lt;b onclick=&quot;x&quot;&gt;', '-')
    """
    if value is None:
        return "-"
    return html.escape(str(value), quote=True)


def url(path: str, **query: object) -> str:
    """A local URL with its query (``None`` values left out), escaped for an attribute.

    >>> url("/", severity="critical", state=None)
    '/?severity=critical'
    """
    kept = {k: str(v) for k, v in query.items() if v is not None and v != ""}
    return esc(path + ("?" + urlencode(kept) if kept else ""))


def key_link(api_key_id: str) -> str:
    """A link to a key's page."""
    return f'<a class="key" href="/key/{esc(quote(api_key_id, safe=""))}">{esc(api_key_id)}</a>'


def campaign_link(campaign_id: str | None) -> str:
    """A link to a campaign's page."""
    if not campaign_id:
        return "-"
    target = esc(quote(campaign_id, safe=""))
    return f'<a class="campaign" href="/campaign/{target}">{esc(campaign_id)}</a>'


def severity(value: str | None) -> str:
    """A severity badge."""
    name = value or "none"
    return f'<span class="sev sev-{esc(name)}">{esc(name)}</span>'


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], table_id: str = "", empty: str = ""
) -> str:
    """A table; cells are HTML already (escape data with :func:`esc` first)."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="empty">{esc(empty or "nothing yet")}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def layout(title: str, body: str, flash: str | None = None, flash_ok: bool = True) -> str:
    """The page around ``body``."""
    note = ""
    if flash:
        kind = "ok" if flash_ok else "error"
        note = f'<p id="flash" class="flash flash-{kind}" role="status">{esc(flash)}</p>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · distillwatch triage</title>"
        '<link rel="stylesheet" href="/static/triage.css"></head><body>'
        '<header><a class="brand" href="/">distillwatch triage</a>'
        '<nav><a href="/">keys</a><a href="/?view=alerts">alerts</a>'
        '<a href="/?view=campaigns">campaigns</a><a href="/audit">audit</a></nav>'
        '<form class="find" method="get" action="/resolve">'
        '<input name="key" placeholder="key id or hashed id (Grafana)" aria-label="find a key">'
        '<button type="submit">find</button></form></header>'
        f"<main>{note}<h1>{esc(title)}</h1>{body}</main></body></html>"
    )


def chart(
    points: Sequence[Sequence[float]],
    width: int = 720,
    height: int = 160,
    y_max: float | None = 1.0,
    step: bool = False,
    marks: Sequence[float] = (),
    label: str = "",
) -> str:
    """An inline SVG line chart of (Unix time, value) points, with its time axis in UTC."""
    if not points:
        return '<p class="empty">no points yet</p>'
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    x0, x1 = min(xs), max(xs)
    top = y_max if y_max is not None else max(max(ys), 1e-9)
    span = max(x1 - x0, 1.0)
    pad_l, pad_b, pad_t = 44, 22, 8
    w, h = width - pad_l - 8, height - pad_b - pad_t

    def px(x: float) -> float:
        return pad_l + (x - x0) / span * w

    def py(y: float) -> float:
        return pad_t + h - min(max(y / top, 0.0), 1.0) * h

    coords: list[str] = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if step and i:
            coords.append(f"{px(x):.1f},{py(ys[i - 1]):.1f}")
        coords.append(f"{px(x):.1f},{py(y):.1f}")
    lines = [
        f'<line class="mark" x1="{pad_l}" x2="{pad_l + w}" y1="{py(m):.1f}" y2="{py(m):.1f}"/>'
        for m in marks
    ]
    dots = "".join(
        f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2"/>'
        for x, y in zip(xs, ys, strict=True)
        if len(xs) <= 60
    )
    axis = (
        f'<text x="{pad_l}" y="{height - 6}">{esc(rfc3339(x0)[:16].replace("T", " "))}</text>'
        f'<text x="{pad_l + w}" y="{height - 6}" text-anchor="end">'
        f"{esc(rfc3339(x1)[:16].replace('T', ' '))} UTC</text>"
        f'<text x="4" y="{pad_t + 10}">{top:g}</text><text x="4" y="{pad_t + h}">0</text>'
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(label)}"><rect class="frame" x="{pad_l}" y="{pad_t}" '
        f'width="{w}" height="{h}"/>{"".join(lines)}'
        f'<polyline points="{" ".join(coords)}"/>{dots}{axis}</svg>'
    )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.2em;background:#1d2330;
color:#fff;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;margin-right:1em}.brand{font-weight:600}
.find input{width:22em;padding:.25em}main{padding:1em 1.5em;max-width:1200px}
h1{font-size:1.35em;word-break:break-all}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;background:#fff;margin:.4em 0}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e3e6eb;vertical-align:top}
th{background:#eef0f4;font-weight:600}td{overflow-wrap:anywhere}
.sev{padding:0 .4em;border-radius:3px;font-size:.9em}.sev-critical{background:#d92d20;color:#fff}
.sev-warning{background:#f5b301}.sev-none{background:#ddd}
.summary{background:#fff;border-left:4px solid #d92d20;padding:.6em .9em}
ul.reasons li{margin:.3em 0}.muted,.empty{color:#667085}
.flash{padding:.5em .8em;border-radius:4px}.flash-ok{background:#dcfae6}
.flash-error{background:#fee4e2}
form.act{background:#fff;padding:.6em .8em;margin:.5em 0;border:1px solid #e3e6eb}
form.act input,form.act select{margin:.2em .4em .2em 0}
.filters{display:flex;gap:.6em;flex-wrap:wrap;align-items:end}
.filters label{display:flex;flex-direction:column;font-size:.85em}
svg.chart{width:100%;max-width:760px;background:#fff;border:1px solid #e3e6eb}
svg.chart polyline{fill:none;stroke:#1570ef;stroke-width:1.5}svg.chart circle{fill:#1570ef}
svg.chart .frame{fill:none;stroke:#e3e6eb}svg.chart .mark{stroke:#f5b301;stroke-dasharray:4 3}
svg.chart text{font-size:11px;fill:#667085}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.facts dt{color:#667085}
"""
