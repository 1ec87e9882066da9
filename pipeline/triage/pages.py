"""The triage pages: ranked lists, a key, a campaign, the audit. Pure functions of query results."""

from __future__ import annotations

from typing import Any

from pipeline.triage.html import (
    campaign_link,
    chart,
    esc,
    key_link,
    layout,
    severity,
    table,
    url,
)
from pipeline.triage.queries import STATES, Filters

__all__ = ["audit_page", "campaign_page", "index_page", "key_page", "not_found_page"]

VIEWS = ("keys", "alerts", "campaigns")


def _score(value: object) -> str:
    return "-" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def _filters_form(view: str, f: Filters, detectors: list[str], since: str, until: str) -> str:
    def options(name: str, values: tuple[str, ...] | list[str], current: str | None) -> str:
        opts = '<option value="">any</option>' + "".join(
            f'<option value="{esc(v)}"{" selected" if v == current else ""}>{esc(v)}</option>'
            for v in values
        )
        return f'<label>{esc(name)}<select name="{esc(name)}">{opts}</select></label>'

    return (
        '<form class="filters" method="get" action="/">'
        f'<input type="hidden" name="view" value="{esc(view)}">'
        + options("severity", ("warning", "critical"), f.severity)
        + options("detector", detectors, f.detector)
        + options("state", STATES, f.state)
        + f'<label>since (UTC)<input name="since" value="{esc(since)}" '
        'placeholder="2026-10-05T00:00Z"></label>'
        f'<label>until (UTC)<input name="until" value="{esc(until)}"></label>'
        '<button type="submit">filter</button></form>'
    )


def index_page(
    view: str,
    f: Filters,
    rows: list[dict[str, Any]],
    detectors: list[str],
    since: str = "",
    until: str = "",
    flash: str | None = None,
) -> str:
    """Keys, alerts or campaigns ranked by score."""
    tabs = " · ".join(
        f"<b>{v}</b>" if v == view else f'<a href="{url("/", view=v)}">{v}</a>' for v in VIEWS
    )
    body = f"<p>{tabs}</p>"
    if view != "campaigns":
        body += _filters_form(view, f, detectors, since, until)
    if view == "keys":
        body += table(
            ("key", "score", "severity", "state", "alerts", "last alert", "campaign", "why"),
            (
                (
                    key_link(r["api_key_id"]),
                    _score(r["score"]),
                    severity(r["severity"]),
                    esc(r["state"]),
                    esc(r["alerts"]),
                    esc(r["last_alert"]),
                    campaign_link(r["campaign_id"]),
                    esc(r["summary"]),
                )
                for r in rows
            ),
            "ranked",
            "no key matches these filters",
        )
    elif view == "alerts":
        body += table(
            ("event time", "key", "score", "severity", "detector", "state", "why"),
            (
                (
                    esc(r["ts"]),
                    key_link(r["api_key_id"]),
                    _score(r["score"]),
                    severity(r["severity"]),
                    esc(r["detector"]),
                    esc(r["state"]),
                    esc(r["summary"]),
                )
                for r in rows
            ),
            "ranked",
            "no alert matches these filters",
        )
    else:
        body += table(
            ("campaign", "score", "severity", "members", "alerts", "first", "last", "why"),
            (
                (
                    campaign_link(r["campaign_id"]),
                    _score(r["score"]),
                    severity(r["severity"]),
                    esc(r["members"]),
                    esc(r["alerts"]),
                    esc(r["first_alert"]),
                    esc(r["last_alert"]),
                    esc(r["summary"]),
                )
                for r in rows
            ),
            "ranked",
            "no campaign yet",
        )
    more = len(rows) == f.limit
    if more:
        nxt = url(
            "/",
            view=view,
            severity=f.severity,
            detector=f.detector,
            state=f.state,
            since=since,
            until=until,
            offset=f.offset + f.limit,
        )
        body += f'<p><a href="{nxt}">next {f.limit}</a></p>'
    return layout(f"Suspicious {view}, ranked by score", body, flash)


def key_page(key: dict[str, Any], actions_enabled: bool, flash: str | None, ok: bool) -> str:
    """One key: why, what it did over time, who is with it, what the hook did, actions."""
    k = key
    facts = (
        f'<dl class="facts"><dt>best score</dt><dd>{_score(k["score"])} {severity(k["severity"])}'
        f'</dd><dt>state</dt><dd id="state">{esc(k["state"])}</dd>'
        f"<dt>account</dt><dd>{esc(k['account_id'])}</dd>"
        f"<dt>hashed id (metrics)</dt><dd>{esc(k['key_hash'])}</dd>"
        f"<dt>alerts</dt><dd>{esc(k['alerts'])} ({esc(k['first_alert'])} to "
        f"{esc(k['last_alert'])})</dd><dt>detectors</dt><dd>{esc(', '.join(k['detectors']))}</dd>"
        f"<dt>campaigns</dt><dd>{', '.join(campaign_link(c) for c in k['campaigns']) or '-'}</dd>"
    )
    label = k["label_detail"]
    if label:
        facts += (
            f'<dt>label</dt><dd id="label">{esc(label["label"])}: {esc(label["reason"])} '
            f"({esc(label['labelled_at'])})</dd>"
        )
    facts += "</dl>"
    reasons = "".join(
        f'<li class="reason" data-feature="{esc(r["feature"])}">{esc(r["text"])}'
        f' <span class="muted">({esc(r["feature"])})</span></li>'
        for r in k["reasons"]
    )
    body = (
        f'<p class="summary" id="summary">{esc(k["summary"])}</p>{facts}'
        f'<h2>Why: the strongest alert\'s reasons</h2><ul class="reasons" id="reasons">{reasons}'
        "</ul>"
    )
    timeline = k["timeline"]
    source = "every score (replay --scores)" if timeline["source"] == "scores" else "its alerts"
    body += (
        f'<h2>Score over time</h2><p class="muted">from {source}; dashed: warning 0.6 and '
        "critical 0.85</p>" + chart(timeline["points"], marks=(0.6, 0.85), label="score over time")
    )
    features = k["features"][0]
    if features["features"]:
        body += "<h2>Main features at each alert</h2>" + table(
            ("event time", "score", *features["features"]),
            (
                (
                    esc(row["ts"]),
                    _score(row["score"]),
                    *(esc(row["values"].get(name, "-")) for name in features["features"]),
                )
                for row in features["rows"]
            ),
            "features",
        )
    body += "<h2>Related keys and campaign members</h2>" + table(
        ("key", "why related", "best score", "severity", "state"),
        (
            (
                key_link(r["api_key_id"]),
                esc(r["why"]),
                _score(r["score"]),
                severity(r["severity"]) if r["severity"] else "-",
                esc(r["state"]),
            )
            for r in k["related"]
        ),
        "related",
        "no related key",
    )
    body += _hook_section(k["hook"], actions_enabled)
    body += _alerts_section(k["alerts_list"])
    body += _label_form(k["api_key_id"], actions_enabled)
    body += "<h2>Actions taken here</h2>" + _actions_table(k["actions"])
    return layout(f"Key {k['api_key_id']}", body, flash, ok)


def _hook_section(hook: dict[str, Any], actions_enabled: bool) -> str:
    out = "<h2>The hook's decisions</h2>" + table(
        ("#", "decided", "outcome", "action", "policy", "mode", "reason", "outbox"),
        (
            (
                esc(d["seq"]),
                esc(d["decided_at"]),
                esc(d["outcome"]),
                esc(d["action"]),
                esc(d["policy"]),
                esc(d["mode"]),
                esc(d["reason"]),
                esc(d["outbox_id"]),
            )
            for d in hook["decisions"]
        ),
        "hook-decisions",
        "the hook decided nothing on this key (or no hook database is read)",
    )
    out += "<h2>Deliveries</h2>" + table(
        ("outbox", "action", "to", "status", "attempts", "last error", "updated", ""),
        (
            (
                esc(d["outbox_id"]),
                esc(d["action"]),
                esc(d["target"]),
                esc(d["status"]),
                esc(d["attempts"]),
                esc(d["last_error"]),
                esc(d["updated_at"]),
                _release_form(d["outbox_id"]) if d["status"] in ("held", "dead") else "",
            )
            for d in hook["deliveries"]
        ),
        "hook-deliveries",
        "nothing in the hook's outbox for this key",
    )
    return out


def _token_fields() -> str:
    return (
        '<input type="password" name="token" placeholder="triage token" required '
        'autocomplete="off"><input name="actor" placeholder="your name" required maxlength="64">'
    )


def _release_form(outbox_id: int) -> str:
    return (
        f'<form class="act release" method="post" action="/outbox/{esc(outbox_id)}/release">'
        f'{_token_fields()}<input name="reason" placeholder="reason (ticket)" required>'
        '<button type="submit">release</button></form>'
    )


def _label_form(api_key_id: str, enabled: bool) -> str:
    if not enabled:
        return (
            '<h2>Label</h2><p class="muted">Actions are disabled: start `distillwatch triage` '
            "with $DISTILLWATCH_TRIAGE_TOKEN (or _FILE) set.</p>"
        )
    from urllib.parse import quote

    target = esc(quote(api_key_id, safe=""))
    return (
        f'<h2>Label</h2><form class="act" id="label-form" method="post" action="/key/{target}'
        f'/label">{_token_fields()}<select name="label"><option value="benign">benign</option>'
        '<option value="abuse">abuse</option></select>'
        '<input name="reason" placeholder="reason (ticket, workload)" maxlength="500">'
        '<button type="submit">label</button></form><p class="muted">Same as `distillwatch '
        "label`: written to the feedback file (and topic); the hook never acts on a key labelled "
        "benign.</p>"
    )


def _alerts_section(alerts: list[dict[str, Any]]) -> str:
    return "<h2>Alerts</h2>" + table(
        ("event time", "severity", "score", "detector", "summary", "alert id"),
        (
            (
                esc(a.get("ts")),
                severity(a.get("severity")),
                _score(a.get("score")),
                esc(a.get("detector")),
                esc(a.get("summary")),
                f'<span class="muted">{esc(a.get("alert_id"))}</span>',
            )
            for a in reversed(alerts)
        ),
        "alerts",
    )


def _actions_table(rows: list[dict[str, Any]]) -> str:
    return table(
        ("#", "when", "who", "action", "key", "outbox", "detail", "outcome"),
        (
            (
                esc(r["seq"]),
                esc(r["at"]),
                esc(r["actor"]),
                esc(r["action"]),
                key_link(r["api_key_id"]) if r["api_key_id"] else "-",
                esc(r["outbox_id"]),
                esc(r["detail"]),
                esc(r["outcome"]),
            )
            for r in rows
        ),
        "audit",
        "no action yet",
    )


def campaign_page(c: dict[str, Any]) -> str:
    """One campaign: what links its members, who they are, how it grew."""
    links = "".join(f'<li class="reason">{esc(r["text"])}</li>' for r in c["links"])
    body = (
        f'<p class="summary" id="summary">{esc(c["summary"])}</p>'
        f'<dl class="facts"><dt>best score</dt><dd>{_score(c["score"])} {severity(c["severity"])}'
        f"</dd><dt>members</dt><dd>{esc(c['members_count'])} keys, {len(c['accounts'])} "
        f"accounts</dd><dt>alerts</dt><dd>{esc(c['alerts'])} ({esc(c['first_alert'])} to "
        f"{esc(c['last_alert'])})</dd></dl>"
        f'<h2>What links them</h2><ul class="reasons" id="links">{links}</ul>'
        "<h2>How it grew: members by the time of their first alert in it</h2>"
        + chart(c["growth"], y_max=None, step=True, label="members over time")
        + "<h2>Members</h2>"
        + table(
            ("key", "joined", "best score here", "severity", "account", "state"),
            (
                (
                    key_link(m["api_key_id"]),
                    esc(m["joined"]),
                    _score(m["score"]),
                    severity(m["severity"]),
                    esc(m["account_id"]),
                    esc(m["state"]),
                )
                for m in c["members"]
            ),
            "members",
        )
    )
    return layout(f"Campaign {c['campaign_id']}", body)


def audit_page(rows: list[dict[str, Any]]) -> str:
    """Every label and release done through the triage page, newest first."""
    note = (
        '<p class="muted">Append-only. The hook keeps its own audit (`distillwatch hook audit`); '
        "releases done here appear there too, as done by the analyst via triage.</p>"
    )
    return layout("Audit: actions taken through triage", note + _actions_table(rows))


def not_found_page(what: str) -> str:
    """A key or campaign the store does not know."""
    return layout(
        "Not found",
        f'<p>{esc(what)}</p><p class="muted">Keys appear here once they have an alert. A '
        "hashed id from Grafana resolves when its key has an alert in this store.</p>",
    )
