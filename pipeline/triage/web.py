"""The triage web server: HTML pages and a JSON API on aiohttp.

aiohttp because it is already here (faust-streaming depends on it), well kept, and
asyncio-native: the server, the Kafka feeds (aiokafka) and the demo share one event
loop, and the store's queries run in threads so a slow one never stalls the loop.

Reading needs nothing; acting (label, release) needs the triage token, sent as a
form field from the page or as ``Authorization: Bearer TOKEN`` to the API.

=======================================  ==============================================
``GET /``                                ranked keys (``?view=alerts|campaigns``; filters)
``GET /key/{key}``                       a key's page; ``{key}`` may be the hashed id
``GET /campaign/{id}``, ``GET /audit``   a campaign's page; the triage's audit
``GET /resolve?key=K``                   redirect to the key's page (key id or hashed id)
``POST /key/{key}/label``                label (form: token, actor, label, reason)
``POST /outbox/{id}/release``            release a held hook action (form: token, actor, reason)
``GET /api/keys|alerts|campaigns``       the ranked lists as JSON (same filters)
``GET /api/keys/{key}``, ``/api/campaigns/{id}``, ``/api/audit``, ``/api/resolve/{key}``
``POST /api/keys/{key}/label``           JSON ``{label, reason, actor}``
``POST /api/outbox/{id}/release``        JSON ``{reason, actor}``
``GET /healthz``                         ``ok``
=======================================  ==============================================
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web

from pipeline.triage import pages, queries
from pipeline.triage.actions import Actions, Outcome
from pipeline.triage.html import CSS
from pipeline.triage.queries import Filters
from pipeline.triage.store import TriageStore

__all__ = ["build_app", "parse_time"]

log = logging.getLogger("distillwatch.triage")

STORE: web.AppKey[TriageStore] = web.AppKey("store", TriageStore)
ACTIONS: web.AppKey[Actions] = web.AppKey("actions", Actions)

_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def parse_time(text: str | None) -> float | None:
    """A filter time: RFC 3339 (``Z`` or an offset, minutes enough) or epoch seconds.

    >>> parse_time("2026-10-05T00:00Z"), parse_time("1791158400"), parse_time("soon")
    (1791158400.0, 1791158400.0, None)
    """
    if not text:
        return None
    from detectors.timestamps import parse_ts

    text = text.strip()
    try:
        return parse_ts(float(text))
    except ValueError:
        pass
    if len(text) == 17 and text.endswith("Z"):  # 2026-10-05T00:00Z
        text = text[:-1] + ":00Z"
    try:
        return parse_ts(text)
    except ValueError:
        return None


def _filters(request: web.Request) -> Filters:
    q = request.query
    return Filters(
        severity=q.get("severity") or None,
        detector=q.get("detector") or None,
        since=parse_time(q.get("since")),
        until=parse_time(q.get("until")),
        state=q.get("state") or None,
        limit=_int(q.get("limit"), 50),
        offset=_int(q.get("offset"), 0),
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=_HEADERS
    )


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers=_HEADERS)


async def _run(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def _ranked(store: TriageStore, view: str, f: Filters) -> list[dict[str, Any]]:
    if view == "alerts":
        return queries.ranked_alerts(store, f)
    if view == "campaigns":
        return queries.ranked_campaigns(store, f.clamp().limit)
    return queries.ranked_keys(store, f)


async def index(request: web.Request) -> web.Response:
    store = request.app[STORE]
    view = request.query.get("view", "keys")
    view = view if view in pages.VIEWS else "keys"
    f = _filters(request).clamp()
    rows = await _run(_ranked, store, view, f)
    detectors = await _run(store.detectors)
    q = request.query
    return _html(pages.index_page(view, f, rows, detectors, q.get("since", ""), q.get("until", "")))


async def key(request: web.Request) -> web.Response:
    store = request.app[STORE]
    wanted = request.match_info["key"]
    found = await _run(queries.resolve_key, store, wanted)
    if found is None:
        return _html(pages.not_found_page(f"No alert for key or hashed id {wanted!r}."), 404)
    if found != wanted:  # a hashed id: show the key under its own address
        raise web.HTTPSeeOther(f"/key/{quote(found, safe='')}")
    detail = await _run(queries.key_detail, store, found)
    flash, ok = request.query.get("flash"), request.query.get("ok", "1") == "1"
    return _html(pages.key_page(detail, request.app[ACTIONS].enabled, flash, ok))


async def campaign(request: web.Request) -> web.Response:
    detail = await _run(queries.campaign_detail, request.app[STORE], request.match_info["cid"])
    if detail is None:
        return _html(pages.not_found_page("No such campaign in this store."), 404)
    return _html(pages.campaign_page(detail))


async def audit(request: web.Request) -> web.Response:
    rows = await _run(queries.audit_log, request.app[STORE], None, 200)
    return _html(pages.audit_page(rows))


async def resolve(request: web.Request) -> web.Response:
    wanted = (request.query.get("key") or "").strip()
    found = await _run(queries.resolve_key, request.app[STORE], wanted) if wanted else None
    if found is None:
        return _html(pages.not_found_page(f"No alert for key or hashed id {wanted!r}."), 404)
    raise web.HTTPSeeOther(f"/key/{quote(found, safe='')}")


async def label_form(request: web.Request) -> web.Response:
    form = await request.post()
    api_key_id = request.match_info["key"]
    outcome: Outcome = await _run(
        request.app[ACTIONS].label,
        _field(form, "token"),
        _field(form, "actor"),
        api_key_id,
        _field(form, "label"),
        _field(form, "reason"),
    )
    return _back_to_key(api_key_id, outcome)


async def release_form(request: web.Request) -> web.Response:
    form = await request.post()
    outbox_id = _int(request.match_info["oid"], -1)
    outcome: Outcome = await _run(
        request.app[ACTIONS].release,
        _field(form, "token"),
        _field(form, "actor"),
        outbox_id,
        _field(form, "reason"),
    )
    key_id = await _run(_outbox_key, request.app[STORE], outbox_id)
    if key_id is None:
        return _html(pages.audit_page([]), outcome.status)
    return _back_to_key(key_id, outcome)


def _outbox_key(store: TriageStore, outbox_id: int) -> str | None:
    with store.lock:
        row = store.conn.execute(
            "SELECT api_key_id FROM hook_outbox WHERE id = ?", (outbox_id,)
        ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _back_to_key(api_key_id: str, outcome: Outcome) -> web.Response:
    from urllib.parse import urlencode

    query = urlencode({"flash": outcome.message, "ok": "1" if outcome.ok else "0"})
    # 303 after a POST: reloading the page does not repeat the action.
    raise web.HTTPSeeOther(f"/key/{quote(api_key_id, safe='')}?{query}")


# -- JSON API ---------------------------------------------------------------------------------


async def api_ranked(request: web.Request) -> web.Response:
    view = request.match_info["view"]
    rows = await _run(_ranked, request.app[STORE], view, _filters(request))
    return _json({view: rows})


async def api_key(request: web.Request) -> web.Response:
    store = request.app[STORE]
    found = await _run(queries.resolve_key, store, request.match_info["key"])
    if found is None:
        return _json({"error": "no alert for this key or hashed id"}, 404)
    return _json(await _run(queries.key_detail, store, found))


async def api_resolve(request: web.Request) -> web.Response:
    found = await _run(queries.resolve_key, request.app[STORE], request.match_info["key"])
    if found is None:
        return _json({"error": "no alert for this key or hashed id"}, 404)
    return _json({"api_key_id": found, "url": f"/key/{quote(found, safe='')}"})


async def api_campaign(request: web.Request) -> web.Response:
    detail = await _run(queries.campaign_detail, request.app[STORE], request.match_info["cid"])
    return _json(detail) if detail is not None else _json({"error": "no such campaign"}, 404)


async def api_audit(request: web.Request) -> web.Response:
    key_id = request.query.get("key")
    rows = await _run(
        queries.audit_log, request.app[STORE], key_id, _int(request.query.get("limit"), 100)
    )
    return _json({"actions": rows})


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


async def api_label(request: web.Request) -> web.Response:
    data = await _body(request)
    outcome: Outcome = await _run(
        request.app[ACTIONS].label,
        _bearer(request),
        str(data.get("actor") or "api"),
        request.match_info["key"],
        str(data.get("label") or ""),
        str(data.get("reason") or ""),
    )
    return _json({"ok": outcome.ok, "message": outcome.message}, outcome.status)


async def api_release(request: web.Request) -> web.Response:
    data = await _body(request)
    outcome: Outcome = await _run(
        request.app[ACTIONS].release,
        _bearer(request),
        str(data.get("actor") or "api"),
        _int(request.match_info["oid"], -1),
        str(data.get("reason") or ""),
    )
    return _json({"ok": outcome.ok, "message": outcome.message}, outcome.status)


async def css(_: web.Request) -> web.Response:
    return web.Response(text=CSS, content_type="text/css", headers=_HEADERS)


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok\n", headers=_HEADERS)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(store: TriageStore, actions: Actions) -> web.Application:
    """The aiohttp application over ``store``; ``actions`` does what the page asks."""
    app = web.Application(client_max_size=64 * 1024)
    app[STORE] = store
    app[ACTIONS] = actions
    app.add_routes(
        [
            web.get("/", index),
            web.get("/key/{key}", key),
            web.get("/campaign/{cid}", campaign),
            web.get("/audit", audit),
            web.get("/resolve", resolve),
            web.post("/key/{key}/label", label_form),
            web.post("/outbox/{oid}/release", release_form),
            web.get("/api/{view:keys|alerts|campaigns}", api_ranked),
            web.get("/api/keys/{key}", api_key),
            web.get("/api/campaigns/{cid}", api_campaign),
            web.get("/api/audit", api_audit),
            web.get("/api/resolve/{key}", api_resolve),
            web.post("/api/keys/{key}/label", api_label),
            web.post("/api/outbox/{oid}/release", api_release),
            web.get("/static/triage.css", css),
            web.get("/healthz", healthz),
        ]
    )
    return app
