# ruff: noqa: RUF001, RUF002, RUF003  (cues and look-alikes are written in their own scripts)
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
the list lacks loses this family's evidence, and with it the half point coverage
gives a sweep: a sweep counts as a walk only where the prompts do not argue against
asking for worked answers, :func:`detectors.evidence.families.coverage_family`).

``tests/unit/test_lexicon.py`` checks how the score holds up under rewording
(a held-out list of rewordings that no group was written from).

Look-alike letters: an ask written with Cyrillic or Greek letters drawn like Latin
ones ("Ехрlаіn" with Cyrillic е, х, р, а, і) or with invisible characters inside its
words matches no cue, and no entry can list every spelling. So the cues are also
searched in :func:`fold_confusables` of the prompt (the idea of Unicode UTS #39: its
mixed-script detection and confusables skeleton), and a cue found in either text
counts; ``tests/unit/test_lexicon_confusables.py`` checks it.

Examples
--------
>>> cue_groups("Justify each inference you make.")
2
>>> cue_groups("What's a good name for a puppy?")
0
"""

from __future__ import annotations

import re

__all__ = [
    "CONFUSABLES",
    "CUE_GROUPS",
    "IGNORABLES",
    "LATIN_LETTERS",
    "LIMIT_CUES",
    "LOOKALIKE_SCRIPTS",
    "MAX_CUE_GROUPS",
    "STYLED_LATIN",
    "cue_groups",
    "cues",
    "fold_confusables",
    "limits_answer",
]

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


# Look-alike folding (mirrored in native/src/confusables.rs; test_native_build.py compares
# every constant below with the compiled copy).
#
# Which letters: a Cyrillic or Greek letter drawn like a Latin one, in its lower-case form
# (the cues are matched on lower-cased text). The pairs follow UTS #39 confusables.txt
# (the table is written here, not generated): a lower-case letter it lists as the Latin
# letter (а е о р с у х ѕ і ј һ ӏ ԁ ԛ ԝ ү ѵ; α ι ο ρ ν ϳ), plus the lower case of a capital
# drawn like a Latin capital (В К М Н Т; Β Ε Ζ Η Κ Μ Τ Χ Υ), because the folding runs
# after lower-casing: "STEP" with a Cyrillic Т arrives as "sтep" (ε is listed for its
# capital Ε: the lower case is not drawn like e). Left out: letters only roughly alike
# (γ, ω, ш, п), Greek capital Ν (its lower case ν is drawn as v, which wins), and
# anything mapping to a non-ASCII letter (no cue needs it). Folding happens only inside
# a word that also has a Latin letter, so no whole Russian, Ukrainian or Greek word is
# ever rewritten.
#: Cyrillic or Greek look-alike (lower case) -> the Latin letter it passes for.
CONFUSABLES: dict[str, str] = {
    # Cyrillic, drawn alike in lower case
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "ѵ": "v",
    # Cyrillic, drawn alike in upper case (В К М Н Т), seen lower-cased
    "в": "b", "к": "k", "м": "m", "н": "h", "т": "t",
    # Greek, drawn alike in lower case
    "α": "a", "ι": "i", "ο": "o", "ρ": "p", "ν": "v", "ϳ": "j",
    # Greek, drawn alike in upper case (Β Ε Ζ Η Κ Μ Τ Χ Υ), seen lower-cased
    "β": "b", "ε": "e", "ζ": "z", "η": "h", "κ": "k", "μ": "m", "τ": "t", "χ": "x",
    "υ": "y",
}  # fmt: skip
#: Code point ranges (inclusive) of characters dropped inside words: invisible ones (soft
#: hyphen, combining grapheme joiner, Mongolian and other variation selectors, zero-width
#: spaces and joiners, direction marks and embeddings, word joiner and invisible
#: operators, Hangul fillers, the BOM, tags: Unicode's default-ignorable code points)
#: and combining marks (accents over a letter). A model reads "exp\ufe0flain" and
#: "e\u0301xplain" as "explain"; the lexicon did not (red team round 11,
#: ``invisible_ask``: 0 of 9 at ``critical``). Only inside words with a Latin, Cyrillic or
#: Greek letter: joiners shape Arabic and Indic script, whose letters are no part of
#: these words.
IGNORABLES: tuple[tuple[int, int], ...] = (
    (0xAD, 0xAD), (0x300, 0x36F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x20D0, 0x20FF), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
#: Code point ranges (inclusive) of the Latin letters: ASCII, Latin-1, Latin Extended-A
#: and -B, Latin Extended Additional (Vietnamese).
LATIN_LETTERS: tuple[tuple[int, int], ...] = (
    (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0x1E00, 0x1EFF),
)  # fmt: skip
#: Greek and Coptic; Cyrillic and Cyrillic Supplement: the scripts whose letters pass for
#: Latin ones. A word with letters of these and Latin letters is a mixed-script word.
LOOKALIKE_SCRIPTS: tuple[tuple[int, int], ...] = ((0x370, 0x3FF), (0x400, 0x52F))
#: Latin letters drawn in another style, in runs of A-Z (and a-z): fullwidth capitals
#: and small letters, and the mathematical alphanumeric letters (bold, italic, script,
#: fraktur, double-struck, sans-serif, monospace: thirteen alphabets of 52). Folded to
#: ASCII lower case, the ``(code - start) % 26``-th letter (NFKC would fold them to
#: ASCII; the cues are lower case), and Latin letters for the mixed check.
STYLED_LATIN: tuple[tuple[int, int], ...] = (
    (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0x1D400, 0x1D6A3),
)  # fmt: skip


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


_LATIN = _char_class(LATIN_LETTERS)
_OTHER = _char_class(LOOKALIKE_SCRIPTS)
_WIDE = _char_class(STYLED_LATIN)
_INVISIBLE = _char_class(IGNORABLES)
# A word: a run of Latin, Cyrillic, Greek or styled Latin letters and dropped characters;
# everything else (spaces, digits, punctuation, other scripts, surrogates) ends one.
_WORD = re.compile(f"[{_LATIN}{_OTHER}{_WIDE}{_INVISIBLE}]+")
# Text without any of these folds to itself (the common case: skip the word pass).
_TRIGGER = re.compile(f"[{_OTHER}{_WIDE}{_INVISIBLE}]")
_HAS_LATIN = re.compile(f"[{_LATIN}]")
_HAS_OTHER = re.compile(f"[{_OTHER}]")
_NARROW = str.maketrans(
    {code: None for lo, hi in IGNORABLES for code in range(lo, hi + 1)}
    | {
        code: chr(ord("a") + (code - lo) % 26)
        for lo, hi in STYLED_LATIN
        for code in range(lo, hi + 1)
    }
)
_LOOKALIKE = str.maketrans(CONFUSABLES)


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    narrow = word.translate(_NARROW)
    if not narrow:
        # Only invisible characters (between letters of another script): not a word.
        return word
    if _HAS_LATIN.search(narrow) and _HAS_OTHER.search(narrow):
        return narrow.translate(_LOOKALIKE)
    return narrow


def fold_confusables(text: str) -> str:
    """``text`` with its look-alike spellings undone, for cue matching only.

    Inside each word (a run of Latin, Cyrillic, Greek and :data:`STYLED_LATIN` letters
    and :data:`IGNORABLES`) that has a letter: invisible characters and combining marks
    are dropped and styled Latin letters become ASCII lower case; if the word then mixes Latin
    letters with Cyrillic or Greek ones (the spoofing sign of UTS #39's mixed-script
    detection), each of its :data:`CONFUSABLES` becomes its Latin letter. A word in a
    single script keeps every letter: Russian or Greek text is unchanged.

    Parameters
    ----------
    text : str
        Lower-cased text (look-alike capitals are listed by their lower case).

    Returns
    -------
    str
        The folded text; ``text`` itself when nothing folds (always for ASCII).

    Examples
    --------
    >>> fold_confusables("ехрlаіn step by step")  # Cyrillic е, х, р, а, і
    'explain step by step'
    >>> fold_confusables("ex\\u200bplain ｗｈｙ")
    'explain why'
    >>> fold_confusables("exp\\ufe0flain e\\u0301xplain \\U0001d41e\\U0001d431\\U0001d429lain")
    'explain explain explain'
    >>> fold_confusables("объясните решение")  # one script: as it is
    'объясните решение'
    """
    if text.isascii() or _TRIGGER.search(text) is None:
        return text
    return _WORD.sub(_fold_word, text)


def _haystack(text: str) -> str:
    """The lower-cased text, and its folded copy after a NUL when that differs.

    A cue counts when it occurs in either (no cue contains NUL, so none matches across
    the join): folding only ever adds cues, and what matched before still matches.
    """
    lowered = text.lower()
    folded = fold_confusables(lowered)
    return lowered if folded == lowered else f"{lowered}\x00{folded}"


def cues(text: str) -> tuple[int, bool]:
    """``(cue_groups(text), limits_answer(text))``, folding look-alikes once.

    >>> cues("Derive it step by step. Answer with a single word.")
    (2, True)
    """
    haystack = _haystack(text)
    return _groups_in(haystack), any(cue in haystack for cue in LIMIT_CUES)


def _groups_in(haystack: str) -> int:
    found = 0
    for group in _GROUPS:
        for cue in group:
            if cue in haystack:
                found += 1
                break
        if found >= MAX_CUE_GROUPS:
            break
    return found


def cue_groups(text: str) -> int:
    """How many cue groups a prompt touches (0 to :data:`MAX_CUE_GROUPS`).

    ``text`` may be lower-cased already (lower-casing twice changes nothing). A cue
    also counts when written with look-alike letters (:func:`fold_confusables`).

    >>> cue_groups("Derive the result step by step and explain why it holds.")
    3
    """
    return _groups_in(_haystack(text))


def limits_answer(text: str) -> bool:
    """Whether a prompt constrains its answer (options, a label, a format, no explanation).

    >>> limits_answer("Which is larger? (a) 3 (b) 4")
    True
    >>> limits_answer("Prove that there are infinitely many primes.")
    False
    """
    haystack = _haystack(text)
    return any(cue in haystack for cue in LIMIT_CUES)
