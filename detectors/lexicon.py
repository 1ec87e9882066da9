# ruff: noqa: RUF001  (cues are written in their own scripts: Turkish needs the dotless i)
"""Elicitation cues: words with which a prompt asks for written-out reasoning.

Distillers want the answers that teach: reasoning, worked solutions,
derivations, justifications, several variants. This lexicon is *one input* of
the elicitation family, never the detector: rewording defeats any list, so
the family also reads what the answers are (their length against the prompt)
and the engine never needs a cue to reach ``critical``.

The cues are grouped by what they ask for. A prompt's cue score is the number
of groups it touches (0-3): "justify each inference" touches two groups, a
chat message that happens to say "why" touches one. Cues are lower-case
substrings (stems where a language inflects: ``"justif"`` covers justify,
justified, justification, justifier); English plus the most common phrasings
in Spanish, Portuguese, French, German, Italian, Chinese, Russian, Japanese,
Korean, Dutch, Polish, Turkish, Vietnamese, Indonesian, Arabic and Hindi,
because a harvest is often run in several languages (a prompt in a language
the list lacks loses only this family's evidence).

``tests/unit/test_lexicon.py`` checks how the score holds up under rewording
(a held-out list of rewordings that no group was written from).

Examples
--------
>>> cue_groups("Justify each inference you make.")
2
>>> cue_groups("What's a good name for a puppy?")
0
"""

from __future__ import annotations

__all__ = ["CUE_GROUPS", "LIMIT_CUES", "MAX_CUE_GROUPS", "cue_groups", "limits_answer"]

#: Group name -> substrings of a lower-cased prompt.
CUE_GROUPS: dict[str, tuple[str, ...]] = {
    # Reasoning written out as a chain.
    "reasoning": (
        "reasoning", "reason through", "reason about", "your reason", "chain of thought",
        "chain-of-thought", "think through", "think it through", "think carefully",
        "think step", "let's think", "thought process", "line of thought", "logic",
        "infer", "deduc", "razonamiento", "raciocínio", "raisonnement", "ragionamento",
        "denkweg", "gedankengang", "推理", "思路",
        "reason it out", "reason out", "your thinking", "think aloud", "thinking aloud",
        "ragiona", "raisonne", "рассужд", "ход мысл", "考え方", "論理", "추론", "사고 과정",
        "penalaran", "lập luận", "akıl yürüt", "akil yürüt", "redeneer", "rozumowani", "استدلال",
    ),
    # Steps and stages.
    "stepwise": (
        "step by step", "step-by-step", "each step", "every step", "all steps",
        "the steps", "intermediate", "stage by stage", "each stage", "one step at a time",
        "walk through", "walk me through", "walkthrough", "break down", "break it down",
        "paso a paso", "passo a passo", "étape par étape", "étape", "schritt für schritt",
        "schrittweise", "passo dopo passo", "一步一步", "逐步", "步骤",
        "line by line", "point by point", "all the working", "your working", "passaggi",
        "пошагов", "шаг за шагом", "順を追って", "段階的", "단계별", "단계적", "각 단계", "과정을",
        "stap voor stap", "krok po kroku", "adım adım", "adim adim", "từng bước",
        "langkah demi langkah", "خطوة بخطوة", "चरण दर चरण",
    ),
    # Explanations and justifications.
    "justify": (
        "explain", "explanation", "justif", "rationale", "why ", "how you got",
        "how did you", "how you arrived", "how you reached", "show why", "argue",
        "argument", "defend your", "explica", "explique", "erklär", "begründ",
        "spiega", "giustific", "解释", "说明理由", "为什么",
        "объясн", "обоснуй", "обоснова", "почему", "説明", "理由", "なぜ", "설명", "이유",
        "leg uit", "uitleg", "verklaar", "wyjaśnij", "uzasadnij", "açıkla", "açikla", "gerekçe",
        "giải thích", "tại sao", "jelaskan", "mengapa", "اشرح", "समझा",
    ),
    # Worked solutions, derivations, proofs.
    "worked": (
        "show your work", "show all work", "show the work", "show working", "worked",
        "work it out", "work out", "derive", "derivation", "proof", "prove ", "prove that",
        "demonstrat", "solution", "solve", "calculation", "lay out", "spell out",
        "demuestra", "demostr", "démontr", "herleit", "beweis", "dimostra", "证明",
        "推导", "解答",
        "desarrollo", "operaciones", "lösungsweg", "докаж", "доказательств", "решени",
        "証明", "解法", "途中式", "導出", "증명", "풀이", "bewijs", "udowodnij", "kanıtla",
        "kanitla", "chứng minh", "buktikan", "برهن", "सिद्ध",
    ),
    # Thoroughness and variants: more of each answer.
    "thorough": (
        "thorough", "in depth", "in-depth", "detailed", "in detail", "comprehensive",
        "exhaustive", "complete answer", "full answer", "elaborate", "alternative",
        "different ways", "different approaches", "several ways", "multiple ways",
        "variants", "variations", "detallad", "detalhad", "détaillé", "ausführlich",
        "dettagliat", "详细",
        "detalla", "detalle", "подробн", "詳しく", "詳細", "자세히", "상세",
        "gedetailleerd", "szczegółow", "ayrıntılı", "ayrintili", "chi tiết", "secara rinci",
        "بالتفصيل", "विस्तार से",
    ),
}  # fmt: skip
MAX_CUE_GROUPS = 3
_GROUPS: tuple[tuple[str, ...], ...] = tuple(CUE_GROUPS.values())

#: Cues that ask for *less*: a choice among given options, a label, a fixed format.
#: Evaluation items, classification and extraction prompts constrain the answer; a
#: harvester wants it in full. Evidence against harvesting, as fragile as the rest.
LIMIT_CUES: tuple[str, ...] = (
    "\na)", "\n(a)", "\na.", " a) ", "(a) ", "answer:", "answer with", "answer only",
    "respond with", "respond only", "reply with", "only the", "just the", "only output",
    "output only", "single word", "one word", "single letter", "one letter", "yes or no",
    "true or false", "which of the following", "choose one", "choose the", "select one",
    "select the", "pick one", "label:", "classify", "category:", "categories:",
    "sentiment:", "in json", "as json", "json object", "no explanation", "without explanation",
    "do not explain", "don't explain", "respuesta:", "réponse :", "antwort:", "只回答",
)  # fmt: skip


def cue_groups(text: str) -> int:
    """How many cue groups a prompt touches (0 to :data:`MAX_CUE_GROUPS`).

    ``text`` may be lower-cased already (lower-casing twice changes nothing).

    >>> cue_groups("Derive the result step by step and explain why it holds.")
    3
    """
    lowered = text.lower()
    found = 0
    for group in _GROUPS:
        for cue in group:
            if cue in lowered:
                found += 1
                break
        if found >= MAX_CUE_GROUPS:
            break
    return found


def limits_answer(text: str) -> bool:
    """Whether a prompt constrains its answer (options, a label, a format, no explanation).

    >>> limits_answer("Which is larger? (a) 3 (b) 4")
    True
    >>> limits_answer("Prove that there are infinitely many primes.")
    False
    """
    lowered = text.lower()
    return any(cue in lowered for cue in LIMIT_CUES)
