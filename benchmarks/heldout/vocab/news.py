"""News and documents: headlines' subjects, actions and objects, topics, document kinds."""

from __future__ import annotations

NEWS_SUBJECTS: tuple[str, ...] = (
    "the city council",
    "a regional airline",
    "researchers at a coastal university",
    "the national football team",
    "a chip manufacturer",
    "farmers in the valley",
    "the central bank",
    "a streaming service",
    "hospital staff",
    "a renewable energy start-up",
    "the port authority",
    "local schools",
    "a pharmaceutical firm",
    "museum curators",
)

NEWS_ACTIONS: tuple[str, ...] = (
    "announced a new plan to",
    "voted against a proposal to",
    "reported record demand after deciding to",
    "delayed a project to",
    "secured funding to",
    "faced criticism for a decision to",
    "completed a trial to",
    "signed an agreement to",
)

NEWS_OBJECTS: tuple[str, ...] = (
    "expand night bus routes",
    "cut water use by a fifth",
    "replace ageing turbines",
    "open three new clinics",
    "raise interest rates by a quarter point",
    "digitise paper archives",
    "build a desalination plant",
    "reduce ticket prices",
    "test drought-resistant wheat",
    "recruit more teachers",
    "move data centres north",
)

NEWS_TOPICS: tuple[str, ...] = (
    "politics",
    "economy",
    "sport",
    "science",
    "health",
    "technology",
    "culture",
    "environment",
    "education",
    "business",
    "transport",
    "energy",
)

DOC_SUBJECTS: tuple[str, ...] = (
    "quarterly operations review",
    "incident post-mortem",
    "board meeting minutes",
    "customer interview notes",
    "research article abstract",
    "policy memo",
    "product requirements document",
    "clinical study summary",
    "earnings call transcript",
    "court ruling",
    "city planning report",
    "internal newsletter",
)
