"""Word lists the task spaces and prompts are built from (written for this generator).

One module per concern; every list is re-exported here, so
``from benchmarks.heldout import vocab as V`` reaches them all as ``V.NAME``.
"""

from __future__ import annotations

from benchmarks.heldout.vocab.agents import (
    AGENT_GOALS,
    CURRENCIES,
    TOOLS,
)
from benchmarks.heldout.vocab.chat import (
    CHAT_ASKS,
    CHAT_FOLLOWUPS,
    CHAT_TOPICS,
    DISHES,
)
from benchmarks.heldout.vocab.news import (
    DOC_SUBJECTS,
    NEWS_ACTIONS,
    NEWS_OBJECTS,
    NEWS_SUBJECTS,
    NEWS_TOPICS,
)
from benchmarks.heldout.vocab.people_places import (
    CITIES,
    COMPANIES,
    COUNTABLES,
    NAMES,
    PLACES,
)
from benchmarks.heldout.vocab.professions import (
    FINANCE_TOPICS,
    FINDINGS,
    JURISDICTIONS,
    LEGAL_ASKS,
    LEGAL_EVENTS,
    LEGAL_PARTIES,
    SYMPTOMS,
)
from benchmarks.heldout.vocab.programming import (
    BUGGY_SNIPPETS,
    CODE_BEHAVIOURS,
    CODE_CONSTRAINTS,
    PROGRAMMING_LANGUAGES,
)
from benchmarks.heldout.vocab.reviews import (
    OPINIONS,
    PRODUCT_ASPECTS,
    PRODUCTS,
    SENTIMENT_LABELS,
)
from benchmarks.heldout.vocab.science import (
    AUDIENCES,
    SCIENCE_FIELDS,
    SCIENCE_TOPICS,
)
from benchmarks.heldout.vocab.support import (
    INTENT_LABELS,
    SUPPORT_ISSUES,
    SUPPORT_PRODUCTS,
)
from benchmarks.heldout.vocab.writing import (
    CREATIVE_FORMS,
    CREATIVE_STYLES,
    CREATIVE_SUBJECTS,
    LANGUAGES,
)

__all__ = [
    "AGENT_GOALS",
    "AUDIENCES",
    "BUGGY_SNIPPETS",
    "CHAT_ASKS",
    "CHAT_FOLLOWUPS",
    "CHAT_TOPICS",
    "CITIES",
    "CODE_BEHAVIOURS",
    "CODE_CONSTRAINTS",
    "COMPANIES",
    "COUNTABLES",
    "CREATIVE_FORMS",
    "CREATIVE_STYLES",
    "CREATIVE_SUBJECTS",
    "CURRENCIES",
    "DISHES",
    "DOC_SUBJECTS",
    "FINANCE_TOPICS",
    "FINDINGS",
    "INTENT_LABELS",
    "JURISDICTIONS",
    "LANGUAGES",
    "LEGAL_ASKS",
    "LEGAL_EVENTS",
    "LEGAL_PARTIES",
    "NAMES",
    "NEWS_ACTIONS",
    "NEWS_OBJECTS",
    "NEWS_SUBJECTS",
    "NEWS_TOPICS",
    "OPINIONS",
    "PLACES",
    "PRODUCTS",
    "PRODUCT_ASPECTS",
    "PROGRAMMING_LANGUAGES",
    "SCIENCE_FIELDS",
    "SCIENCE_TOPICS",
    "SENTIMENT_LABELS",
    "SUPPORT_ISSUES",
    "SUPPORT_PRODUCTS",
    "SYMPTOMS",
    "TOOLS",
]
