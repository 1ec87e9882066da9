"""Creative writing and translation: forms, subjects, styles, target languages."""

from __future__ import annotations

CREATIVE_FORMS: tuple[str, ...] = (
    "short story",
    "sonnet",
    "villanelle",
    "haiku sequence",
    "flash fiction piece",
    "dialogue scene",
    "fable",
    "limerick",
    "monologue",
    "ballad",
    "letter",
    "diary entry",
)

CREATIVE_SUBJECTS: tuple[str, ...] = (
    "a lighthouse keeper who finds a message in a bottle",
    "the last bookshop on a street",
    "a robot learning to garden",
    "two rivals stuck in a lift",
    "a city without clocks",
    "a grandmother's recipe book",
    "a migrating whale",
    "the first day of a new job",
    "a map that redraws itself",
    "an orchestra during a blackout",
    "a stray cat in a market",
    "a night train across a desert",
    "a message from a future self",
    "a lost glove",
)

CREATIVE_STYLES: tuple[str, ...] = (
    "hard-boiled noir",
    "magical realism",
    "a children's picture book",
    "gothic horror",
    "deadpan comedy",
    "minimalist prose",
    "epic poetry",
    "a folk tale",
    "science fiction",
    "a nature documentary voice-over",
    "a Victorian novel",
    "second-person present tense",
)

LANGUAGES: tuple[str, ...] = (
    "French",
    "German",
    "Spanish",
    "Portuguese",
    "Italian",
    "Japanese",
    "Korean",
    "Simplified Chinese",
    "Polish",
    "Turkish",
    "Vietnamese",
    "Indonesian",
    "Dutch",
    "Swedish",
    "Arabic",
    "Hindi",
    "Ukrainian",
    "Greek",
)
