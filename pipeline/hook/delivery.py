"""Delivery: signed HTTP POSTs from the outbox, with retries and dead-lettering.

A thin loop around :mod:`pipeline.hook.outbox`: take due rows, POST each with
a fresh timestamp and signature, then record the result. Failures that may
pass (connection errors, timeouts, 408, 425, 429, 5xx) are retried with
exponential backoff and jitter, honouring ``Retry-After``; other 4xx answers
and exhausted attempts dead-letter the row.

Redirects are failures, never followed: a 3xx (a login page, a moved endpoint)
would turn the signed POST into a GET elsewhere and answer 200 without acting.
They are retried (the endpoint may be fixed) and dead-lettered when attempts
run out.

Before sending, an action is checked against what its key already got: one
not stronger than an action delivered to the key is superseded, never sent
(ordering across policies, retries and releases), and one due within
``cooldown`` of the key's last delivered action waits for the cooldown.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.hook import audit, outbox
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.policy import ACTION_STRENGTH, DeliverySettings
from pipeline.hook.signing import Secret, sign_headers
from pipeline.hook.store import Store

__all__ = ["Attempt", "Deliverer", "backoff_delay", "http_post"]

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({408, 425, 429})
USER_AGENT = "distillwatch-hook/1"


@dataclass(frozen=True)
class Attempt:
    """The result of one POST: an HTTP status, or ``None`` with an error for no answer."""

    status: int | None
    error: str = ""
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        """Whether the receiver accepted the request."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Whether trying again later may succeed (a redirect: once the endpoint is fixed)."""
        return (
            self.status is None
            or self.status >= 500
            or 300 <= self.status < 400
            or self.status in RETRYABLE_STATUS
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Answer a 3xx as what it is: urllib raises it as an HTTPError instead of following."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Attempt:
    """POST ``body`` and classify the answer (never raises for network errors).

    Redirects are not followed: a 3xx is returned as a failed attempt.
    """
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return Attempt(int(response.status))
    except urllib.error.HTTPError as exc:
        retry_after = _retry_after(exc.headers.get("Retry-After"))
        error = f"HTTP {exc.code}"
        if 300 <= exc.code < 400:
            error += " redirect (not followed)"
        exc.close()
        return Attempt(exc.code, error, retry_after)
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused, reset
        reason = getattr(exc, "reason", exc)
        return Attempt(None, f"{type(exc).__name__}: {reason}")


def backoff_delay(attempts: int, settings: DeliverySettings, rng: random.Random) -> float:
    """Delay before retry number ``attempts`` (1-based): exponential, capped, jittered.

    "Equal jitter": half the exponential delay is fixed, half random, so
    retries after an outage spread out but never come back immediately.

    Examples
    --------
    >>> s = DeliverySettings(backoff_initial=1.0, backoff_max=60.0)
    >>> rng = random.Random(0)
    >>> [(n, 2 ** (n - 1) / 2 <= backoff_delay(n, s, rng) <= 2 ** (n - 1)) for n in (1, 2, 3)]
    [(1, True), (2, True), (3, True)]
    >>> 30.0 <= backoff_delay(10, s, rng) <= 60.0  # capped at backoff_max
    True
    """
    base = min(settings.backoff_max, settings.backoff_initial * 2 ** (attempts - 1))
    return base / 2 + rng.random() * base / 2


class Deliverer:
    """Sends due outbox rows; run :meth:`run` in its own thread."""

    def __init__(
        self,
        db_path: str | Path,
        settings: DeliverySettings,
        key: Secret,
        metrics: HookMetrics,
        clock: Callable[[], float],
        *,
        rng: random.Random | None = None,
        post: Callable[[str, bytes, dict[str, str], float], Attempt] = http_post,
        cooldown: float = 0.0,
    ) -> None:
        self.db_path = db_path
        self.settings = settings
        #: the policy's ``limits.cooldown``, held again at delivery (releases, retries)
        self.cooldown = cooldown
        self._key = key
        self.metrics = metrics
        self.clock = clock
        self.rng = rng or random.Random()
        self.post = post
        self.wake = threading.Event()

    def run(self, stop: threading.Event, poll: float = 1.0) -> None:
        """Deliver until ``stop`` is set; sleeps until the next row is due or :attr:`wake`."""
        store = Store(self.db_path)
        try:
            while not stop.is_set():
                try:
                    self.deliver_due(store)
                    due_at = outbox.next_due_at(store.conn)
                except Exception:
                    # A locked database or a bug in one send must not end delivery for
                    # good: the rows stay in the outbox and the next pass retries them.
                    log.exception("delivery pass failed; retrying in %.1fs", poll)
                    due_at = None
                wait = poll if due_at is None else max(0.0, min(poll, due_at - self.clock()))
                self.wake.wait(wait)
                self.wake.clear()
        finally:
            store.close()

    def deliver_due(self, store: Store, limit: int = 50) -> int:
        """Send every due row once; return how many were delivered."""
        delivered = 0
        for row in outbox.due(store.conn, self.clock(), limit):
            delivered += self._deliver(store, row)
        self.metrics.set_depth(outbox.depth(store.conn))
        return delivered

    def _deliver(self, store: Store, row: outbox.OutboxRow) -> int:
        url = self.settings.page_url if row.target == "page" else self.settings.url
        if not url:
            self._dead(store, row, f"no delivery URL configured for {row.target}")
            return 0
        if row.target == "action" and row.api_key_id is not None and not self._in_order(store, row):
            return 0
        now = self.clock()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": row.idempotency_key,
            **sign_headers(self._key.reveal(), row.body, int(now)),
        }
        result = self.post(url, row.body, headers, self.settings.timeout)
        now = self.clock()
        attempts = row.attempts + 1
        if result.delivered:
            with store.transaction() as conn:
                outbox.mark_delivered(conn, row.id, now)
                self._audit(
                    conn, row, now, "delivered", f"HTTP {result.status}, attempt {attempts}"
                )
            self.metrics.deliveries.labels(result="delivered").inc()
            return 1
        if not result.retryable:
            self._dead(store, row, f"permanent failure: {result.error}")
            return 0
        if attempts >= self.settings.max_attempts:
            self._dead(store, row, f"gave up after {attempts} attempts: {result.error}")
            return 0
        delay = backoff_delay(attempts, self.settings, self.rng)
        if result.retry_after is not None:
            delay = max(delay, min(result.retry_after, self.settings.backoff_max))
        with store.transaction() as conn:
            outbox.mark_retry(conn, row.id, now, now + delay, result.error)
        self.metrics.deliveries.labels(result="retry").inc()
        self.metrics.retries.inc()
        return 0

    def _in_order(self, store: Store, row: outbox.OutboxRow) -> bool:
        """Whether ``row`` may be sent now: stronger than the key's delivered actions, and
        past the cooldown after the last one (else superseded, or postponed)."""
        assert row.api_key_id is not None
        done = outbox.last_delivered(store.conn, row.api_key_id, exclude=row.id)
        if not done:
            return True
        strongest = max(done, key=lambda item: ACTION_STRENGTH.get(item[0], -1))[0]
        now = self.clock()
        if ACTION_STRENGTH.get(row.action or "", -1) <= ACTION_STRENGTH.get(strongest, -1):
            why = f"superseded: the key already got {strongest} (an action only ever climbs)"
            with store.transaction() as conn:
                outbox.mark_superseded(conn, row.id, now, why)
                self._audit(conn, row, now, "superseded", why)
            self.metrics.deliveries.labels(result="superseded").inc()
            return False
        ready = done[-1][1] + self.cooldown
        if now < ready:
            with store.transaction() as conn:
                outbox.postpone(conn, row.id, now, ready)
            return False
        return True

    def _dead(self, store: Store, row: outbox.OutboxRow, error: str) -> None:
        now = self.clock()
        with store.transaction() as conn:
            outbox.mark_dead(conn, row.id, now, error)
            self._audit(conn, row, now, "dead-lettered", error)
        self.metrics.deliveries.labels(result="dead").inc()
        self.metrics.dead_letters.inc()

    @staticmethod
    def _audit(
        conn: sqlite3.Connection, row: outbox.OutboxRow, now: float, outcome: str, reason: str
    ) -> None:
        audit.append(
            conn,
            audit.AuditRow(
                decided_at=now,
                outcome=outcome,
                reason=reason,
                source=f"outbox:{row.id}",
                alert_id=row.alert_id,
                api_key_id=row.api_key_id,
                action=row.action,
                idempotency_key=row.idempotency_key,
                outbox_id=row.id,
            ),
        )


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: ignore it and use our own backoff
