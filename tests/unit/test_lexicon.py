# ruff: noqa: RUF001  (the rewordings are written in their own scripts)
"""The elicitation lexicon under rewording.

How the robustness is measured: REWORDINGS below are ways a harvester could ask
for written-out reasoning (the issue's examples and paraphrases of the usual asks).
They were written by the lexicon's author, so they are a regression check, not a
blind test; the blind measure is the held-out generator's reworded scenarios
(benchmarks/heldout, README "Detection quality"), which nobody tuned the lexicon on.
The lexicon is one input of the elicitation family, never the detector: a prompt
it misses loses that family's evidence, and yield, coverage, structure and
quantity still count (tests/unit/test_combine.py).
"""

from __future__ import annotations

from detectors.lexicon import cue_groups, limits_answer

REWORDINGS = (
    "Justify each inference you make.",
    "Lay out your derivation in full.",
    "Explain how you got there.",
    "Make every intermediate result explicit.",
    "Walk through the argument one move at a time.",
    "Before answering, reason it out thoroughly.",
    "Show the full solution path.",
    "Give a rigorous proof.",
    "Detail each stage of the calculation.",
    "Describe your thought process as you solve this.",
    "Spell out the logic behind every step.",
    "Break the problem down and solve each part.",
    "Offer three different approaches to this problem.",
    "Explica tu razonamiento paso a paso.",
    "Justifie chaque étape de ta réponse.",
    "Erkläre deine Herleitung ausführlich.",
    "请一步一步地解释你的推理。",
    "Demonstrate why the result holds.",
    "Provide an exhaustive, well-argued answer.",
    "Work out the answer and show how.",
)
#: The usual asks in languages a harvest is often run in beyond the first seven
#: (Russian, Japanese, Korean, Dutch, Polish, Turkish, Vietnamese, Indonesian, Arabic,
#: Hindi), written from how each language says "explain", "step by step", "prove".
OTHER_LANGUAGES = (
    "Объясните решение подробно.",
    "Реши задачу пошагово.",
    "なぜそうなるのか説明してください。",
    "解法を詳しく書いてください。",
    "풀이를 단계별로 보여 주세요.",
    "이유를 설명해 주세요.",
    "Leg uit hoe je tot dit antwoord komt.",
    "Rozwiąż krok po kroku.",
    "Cevabını adım adım açıkla.",
    "ADIM ADIM AÇIKLA.",  # upper case lowers to a dotted i outside a Turkish locale
    "Giải thích từng bước.",
    "Jelaskan jawabanmu langkah demi langkah.",
    "اشرح الحل خطوة بخطوة.",
    "इसे चरण दर चरण समझाइए।",
)
ORDINARY = (
    "What's a good name for a golden retriever puppy?",
    "translate good morning into japanese",
    "write a haiku about autumn leaves",
    "summarize this email for me",
    "is it going to rain in Lisbon tomorrow",
    "recommend a sci-fi novel like dune",
    "fix the typo in this sentence: teh cat sat",
    "draft a polite reminder about the unpaid invoice",
    "what are the details of my order 1182?",
    "cd into the working directory and list the files",
)


def test_most_rewordings_are_still_recognised() -> None:
    found = sum(1 for text in REWORDINGS if cue_groups(text) > 0)
    # Measured: every one of these; the bar leaves room for a rewording the list misses.
    assert found / len(REWORDINGS) >= 0.9, [t for t in REWORDINGS if not cue_groups(t)]


def test_the_usual_asks_in_other_languages_are_recognised() -> None:
    assert [t for t in OTHER_LANGUAGES if not cue_groups(t)] == []


def test_ordinary_requests_touch_no_group() -> None:
    assert [t for t in ORDINARY if cue_groups(t)] == []


def test_score_counts_groups_not_words() -> None:
    assert cue_groups("step by step, step by step, step by step") == 1
    assert cue_groups("Derive it step by step and explain why.") == 3


def test_limits_recognise_options_labels_and_formats() -> None:
    assert limits_answer("Question?\nA) one\nB) two\nAnswer:")
    assert limits_answer("Classify the sentiment of this review. Respond with one word.")
    assert limits_answer("Return the fields as JSON object, no explanation.")
    assert not any(limits_answer(t) for t in REWORDINGS)
