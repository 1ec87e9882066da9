"""What the ranked lists filter on: key states, severities, limits (:class:`Filters`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.triage.store import SEVERITY_RANK

#: Key states an analyst filters on: not yet judged, labelled, or what the hook did.
STATES = ("open", "benign", "abuse", "held", "acted")

_ACTED = ("acted", "shadow-acted", "delivered", "released", "requeued", "dead-lettered")

MAX_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    """Filters of the ranked lists; ``None`` means any."""

    severity: str | None = None
    detector: str | None = None
    since: float | None = None
    until: float | None = None
    state: str | None = None
    limit: int = 50
    offset: int = 0

    def clamp(self) -> Filters:
        """Limits within bounds (a request cannot ask for a million rows)."""
        return Filters(
            self.severity if self.severity in SEVERITY_RANK else None,
            self.detector or None,
            self.since,
            self.until,
            self.state if self.state in STATES else None,
            max(1, min(self.limit, MAX_LIMIT)),
            max(0, min(self.offset, 100_000)),
        )


def state_sql(state: str | None, alias: str) -> tuple[str, list[Any]]:
    if state is None:
        return "", []
    if state == "open":
        return f"{alias}.label IS NULL AND coalesce({alias}.hook_state, '') <> 'held'", []
    if state in ("benign", "abuse"):
        return f"{alias}.label = ?", [state]
    if state == "held":
        return f"{alias}.hook_state = 'held'", []
    marks = ",".join("?" * len(_ACTED))
    return f"{alias}.hook_state IN ({marks})", list(_ACTED)


def key_state(label: str | None, hook_state: str | None) -> str:
    if label:
        return label
    if hook_state == "held":
        return "held"
    if hook_state in _ACTED:
        return "acted"
    return "open"


def severity_name(rank: int) -> str:
    return "critical" if rank >= 2 else "warning"
