"""Helpers for the hook tests: alert builders and a real provider HTTP server."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.hook.policy import Policy, parse_policy

REPO = Path(__file__).resolve().parents[2]
SECRET = b"test-hmac-secret-\x00\xff-with-bytes"
T0 = 1_791_158_400.0  # 2026-10-05T00:00:00Z


def load_doc_verifier() -> Callable[..., bool]:
    """Return ``verify_request`` from the Python example in docs/HOOK.md.

    The provider-side doc is tested by running its own snippet, so a doc that
    drifts from what the hook sends fails the suite.
    """
    text = (REPO / "docs" / "HOOK.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "verify_request" in b)
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/HOOK.md", "exec"), namespace)
    verifier: Callable[..., bool] = namespace["verify_request"]
    return verifier


def make_alert(
    alert_id: str,
    key: str = "key-1",
    *,
    ts: float = T0,
    severity: str = "critical",
    score: float = 0.95,
    detector: str = "extraction_ensemble",
    account: str | None = "acct-1",
    campaign: str | None = None,
) -> dict[str, Any]:
    """An alert object as distillwatch emits it (docs/contracts/ALERTS.md)."""
    from pipeline.hook.audit import rfc3339

    alert: dict[str, Any] = {
        "alert_id": alert_id,
        "api_key_id": key,
        "account_id": account,
        "ts": rfc3339(ts),
        "severity": severity,
        "score": score,
        "detector": detector,
        "reasons": [{"feature": "elicitation_share", "value": 0.9, "baseline": 0.1}],
        "summary": "Critical (score 0.95): 90% of prompts ask for written-out reasoning or worked"
        " solutions, 9.0 times the population median (10%).",
    }
    if campaign:
        alert["campaign_id"] = campaign
        alert["related_keys"] = ["key-x", "key-y"]
    return alert


def make_policy(**overrides: Any) -> Policy:
    """An enforcing, one-confirmation policy unless overridden (top-level sections by name)."""
    rule: dict[str, Any] = {
        "name": "p",
        "mode": "enforce",
        "severities": ["critical"],
        "confirmations": 1,
        "ladder": ["suspend"],
    }
    rule.update(overrides.pop("rule", {}))
    doc: dict[str, Any] = {
        "policies": [rule],
        "limits": {"max_actions_per_hour": 100, "cooldown": 0},
        "delivery": {
            "url": "http://127.0.0.1:9/unused",
            "timeout": 2,
            "max_attempts": 50,
            "backoff_initial": 0.02,
            "backoff_max": 0.1,
        },
    }
    for section, value in overrides.items():
        if isinstance(value, dict) and isinstance(doc.get(section), dict):
            doc[section].update(value)
        else:
            doc[section] = value
    return parse_policy(doc)


class ProviderServer:
    """A real HTTP server standing in for the provider's account system.

    It verifies every request with the docs' ``verify_request`` snippet, applies
    each idempotency key once (as the contract asks), and can be told to fail
    with a status for the next N requests, or be stopped and restarted on the
    same port to simulate an outage.
    """

    def __init__(self, secret: bytes = SECRET) -> None:
        self.secret = secret
        self.verify = load_doc_verifier()
        self.requests: list[dict[str, Any]] = []  # every request that reached us
        self.applied: Counter[str] = Counter()  # idempotency key -> times applied
        self.bad_signatures = 0
        self.fail_next: list[int] = []  # statuses to answer before succeeding
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/actions"

    def start(self) -> ProviderServer:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()}
                status = provider._handle(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handle(self, headers: dict[str, str], body: bytes) -> int:
        import orjson

        with self._lock:
            ok = self.verify(self.secret, headers, body)
            self.requests.append({"headers": headers, "body": body, "verified": ok})
            if not ok:
                self.bad_signatures += 1
                return 401
            if self.fail_next:
                return self.fail_next.pop(0)
            key = headers["Idempotency-Key"]
            assert orjson.loads(body)["idempotency_key"] == key
            self.applied[key] += 1
            return 200

    def distinct_applied(self) -> int:
        return len(self.applied)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
