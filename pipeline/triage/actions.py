"""What the triage page can do: label a key, release a held hook action.

Both go through the same code as the command line (``distillwatch label``:
:func:`pipeline.hook.label.record_label`; ``distillwatch hook release``:
:func:`pipeline.hook.release.release`), both need the triage token (compared in
constant time), and both are audited in the triage store's append-only
``actions`` table, whatever came of them (refusals and bad tokens included).
The token itself is never stored or logged.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.hook.feedback import DEFAULT_TOPIC, LABELS
from pipeline.hook.signing import Secret
from pipeline.triage.store import TriageStore

__all__ = ["ActionSettings", "Actions", "Outcome", "clean_text"]

log = logging.getLogger("distillwatch.triage")

MAX_REASON = 500
MAX_ACTOR = 64


@dataclass(frozen=True)
class ActionSettings:
    """Where actions go: the token, the feedback file and topic, the hook's database."""

    token: Secret | None
    feedback_file: Path
    broker: Settings | None = None
    feedback_topic: str = DEFAULT_TOPIC
    hook_db: Path | None = None
    kafka_timeout: float = 15.0


@dataclass(frozen=True)
class Outcome:
    """The answer to an action: HTTP status and a message for the analyst."""

    status: int
    message: str

    @property
    def ok(self) -> bool:
        """Whether the action was done."""
        return self.status < 300


def clean_text(text: object, limit: int) -> str:
    r"""Free text from a form: printable, single-line, at most ``limit`` characters.

    >>> clean_text("eval\x1b[31m harness\n", 40)
    'eval [31m harness'
    """
    if not isinstance(text, str):
        return ""
    kept = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(kept.split())[:limit]


class Actions:
    """Authorises and performs the page's actions; audits every attempt."""

    def __init__(
        self,
        store: TriageStore,
        settings: ActionSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    @property
    def enabled(self) -> bool:
        """Whether a token is configured (without one the page is read-only)."""
        return self.settings.token is not None

    def authorize(self, presented: str | None) -> Outcome | None:
        """``None`` when ``presented`` is the token; otherwise the refusal to answer."""
        token = self.settings.token
        if token is None:
            return Outcome(403, "actions are disabled: no triage token is configured")
        given = (presented or "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, token.reveal()):
            return Outcome(401, "wrong or missing token")
        return None

    def label(
        self, presented: str | None, actor: str, api_key_id: str, label: str, reason: str
    ) -> Outcome:
        """Label ``api_key_id`` benign or abuse, as ``distillwatch label`` does."""
        from pipeline.hook.label import record_label

        actor = clean_text(actor, MAX_ACTOR) or "anonymous"
        reason = clean_text(reason, MAX_REASON)
        refused = self.authorize(presented)
        if refused is not None:
            return self._audit(actor, "label", api_key_id, None, f"{label}: {reason}", refused)
        if label not in LABELS:
            bad = Outcome(400, f"label must be one of {list(LABELS)}")
            return self._audit(actor, "label", api_key_id, None, f"{label}: {reason}", bad)
        s = self.settings
        done = record_label(
            api_key_id,
            label,
            f"{reason} (by {actor} via triage)" if reason else f"by {actor} via triage",
            s.feedback_file,
            s.broker,
            s.feedback_topic,
            s.kafka_timeout,
            now=self.clock(),
        )
        record = done.record
        if record is not None and done.written:
            self.store.apply_label(
                record.api_key_id, record.label, record.reason, record.labelled_at,
                record.labelled_ts,
            )  # fmt: skip
        if done.record is None or not done.written:
            outcome = Outcome(400 if done.code == 2 else 500, f"not labelled: {done.error}")
        elif done.error:
            outcome = Outcome(502, f"labelled {label} in the feedback file; {done.error}")
        else:
            where = "the feedback file" + (
                f" and topic {s.feedback_topic}" if done.published else ""
            )
            outcome = Outcome(200, f"labelled {label} in {where}")
        return self._audit(actor, "label", api_key_id, None, f"{label}: {reason}", outcome)

    def release(self, presented: str | None, actor: str, outbox_id: int, reason: str) -> Outcome:
        """Release a held (or re-drive a dead-lettered) action, as ``hook release`` does."""
        from pipeline.hook.release import release
        from pipeline.hook.store import Store

        actor = clean_text(actor, MAX_ACTOR) or "anonymous"
        reason = clean_text(reason, MAX_REASON)
        refused = self.authorize(presented)
        if refused is not None:
            return self._audit(actor, "release", None, outbox_id, reason, refused)
        if not reason:
            needed = Outcome(400, "a release needs a reason (it goes to the hook's audit log)")
            return self._audit(actor, "release", None, outbox_id, reason, needed)
        db = self.settings.hook_db
        if db is None or not db.exists():
            missing = Outcome(409, "no hook database configured (--hook-db)")
            return self._audit(actor, "release", None, outbox_id, reason, missing)
        hook = Store(db)
        try:
            done = release(hook, outbox_id, reason, f"{actor} via triage", self.clock(), "triage")
        finally:
            hook.close()
        from pipeline.triage.feeds import HookDatabase

        HookDatabase(db).poll(self.store)
        outcome = Outcome(200 if done.ok else 409, f"outbox {outbox_id}: {done.message}")
        return self._audit(actor, "release", done.api_key_id, outbox_id, reason, outcome)

    def _audit(
        self,
        actor: str,
        action: str,
        api_key_id: str | None,
        outbox_id: int | None,
        detail: str,
        outcome: Outcome,
    ) -> Outcome:
        self.store.record_action(
            self.clock(), actor, action, detail, outcome.message, api_key_id, outbox_id
        )
        log.info(
            "triage: %s %s by %s: %s", action, api_key_id or f"outbox {outbox_id}", actor,
            outcome.message,
        )  # fmt: skip
        return outcome
