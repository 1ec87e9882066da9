"""The harvest-like slice: a mixed key's harvest-like requests, counted again on their own.

Extraction mixed into a reseller's (or any busy app's) traffic is diluted in the
key's statistics: its answers, prompts and timing are a minority of the key's
requests. Each request is tested on its own (:func:`harvest_like
<detectors.state.keystate.harvest_like>`: far more output per input token, in a
longer answer, than the population's keys get on average); when such requests
are a real minority of a key's day (:data:`MIN_SHARE` to :data:`MAX_SHARE`, at
least :data:`MIN_EVENTS`), they are also counted into a second
:class:`~detectors.state.keystate.KeyState`, the slice, which the scorer judges
by what those requests ask for and how many there are
(:meth:`detectors.engine.scoring.Scorer.evaluate`). A key whose traffic is all
harvest-like needs no slice: the key itself is judged on it.
"""

from __future__ import annotations

from detectors.state import layout as L
from detectors.state.keystate import KeyState

__all__ = ["MAX_SHARE", "MIN_EVENTS", "MIN_SHARE", "PREFIX", "wants_slice"]

#: Share of the key's day-decayed requests that are harvest-like.
MIN_SHARE = 0.02
MAX_SHARE = 0.8
#: Harvest-like requests (day-decayed) before the slice is worth its memory.
MIN_EVENTS = 20.0
#: Reasons carried by the slice name their feature with this prefix.
PREFIX = "harvest_like."
_DAY = L.COUNTERS * 2  # start of the day horizon's sums in KeyState.values


def wants_slice(state: KeyState) -> bool:
    """Whether ``state``'s key should get a slice (call after a fold).

    Examples
    --------
    >>> from detectors.events import Event
    >>> state = KeyState(0.0, 300.0)
    >>> for i in range(200):
    ...     state.add(Event(float(i), "k", 10, 50), None, harvestlike=i % 4 == 0)
    >>> state.fold(300.0)
    >>> wants_slice(state)
    True
    """
    values = state.values
    hits = values[_DAY + L.HARVESTLIKE]
    total = values[_DAY + L.N]
    return hits >= MIN_EVENTS and MIN_SHARE * total <= hits <= MAX_SHARE * total
