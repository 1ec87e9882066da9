"""Task spaces: generators of self-contained task items in many domains.

An item is the content of a request without any ask for reasoning: a word
problem, a coding task, a clinical vignette, a text to classify... Each domain
has topics; ``make_item(domain, topic, rng)`` draws one item, and
:class:`TaskSpace` numbers a space of items so that a walker can ask each
exactly once (``space.item(i)`` is a pure function of the space seed and ``i``).

The domains' generators live by concern (``maths``, ``technical``,
``professional``, ``language``), the plain texts they share in ``texts``, the
domain table and :class:`TaskSpace` in ``space``; the public names are
re-exported here.

>>> space = TaskSpace(("competition_math",), seed="s")
>>> space.item(3) == space.item(3), space.item(3) != space.item(4)
(True, True)
"""

from __future__ import annotations

from benchmarks.heldout.tasks.space import (
    DOMAINS,
    REASONING_DOMAINS,
    DomainFn,
    Item,
    TaskSpace,
    make_item,
)
from benchmarks.heldout.tasks.texts import document, review, sentence

__all__ = [
    "DOMAINS",
    "REASONING_DOMAINS",
    "DomainFn",
    "Item",
    "TaskSpace",
    "document",
    "make_item",
    "review",
    "sentence",
]
