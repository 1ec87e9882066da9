# ruff: noqa: RUF001, RUF003  (look-alike letters are the subject)
"""Cues written with look-alike letters (red team round 4, ``homoglyph_ask``).

An ask spelled with Cyrillic or Greek letters drawn like Latin ones, with fullwidth
letters or with invisible characters inside its words still touches its cue groups;
text in one script (Russian, Greek, Ukrainian) is matched exactly as before; the
compiled lexicon folds exactly as the Python reference does.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.redteam import content
from benchmarks.redteam.round4 import homoglyph
from detectors import fingerprints, lexicon, native
from detectors.lexicon import CONFUSABLES, cue_groups, fold_confusables, limits_answer
from detectors.native import NATIVE

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"


def test_the_red_team_homoglyph_asks_match_as_their_latin_spelling() -> None:
    rng = random.Random(4)
    for ask in content.CUE_ASKS:
        assert cue_groups(homoglyph(ask)) == cue_groups(ask) > 0, ask
    for _ in range(300):
        text = f"{content.plain_item(rng)} {homoglyph(rng.choice(content.CUE_ASKS))}"
        assert cue_groups(text) > 0, text


def test_mixed_script_words_fold_to_latin() -> None:
    # Cyrillic е, х, р, а, і, у, с, о; Greek ο, ρ, α, ν inside Latin words.
    assert fold_confusables("ехрlаіn why") == "explain why"
    assert fold_confusables("stер bу stер") == "step by step"
    assert fold_confusables("shοw yοur wοrk, dеrіνe") == "show your work, derive"
    assert cue_groups("Ехрlаіn уоur rеаsоnіng stер bу stер.") == 3
    assert cue_groups("Shοw yοur wοrk αnd dеrіνe the rеsult") == 1
    # Capitals drawn like Latin ones arrive lower-cased (Cyrillic Т, В, К; Greek Ε, Ρ, Τ)
    assert cue_groups("STEP ВY SТEP") == cue_groups("ΕXPLAIN") == cue_groups("ΡROOF") == 1
    assert cue_groups("ІN DEPTH, ALТERNATIVES") == 1
    # A look-alike limit cue counts too (it argues against the key).
    assert limits_answer("Аnswеr wіth оnе wоrd.")


def test_whole_words_in_one_script_are_unchanged() -> None:
    sentences = (
        "Объясните решение подробно.",
        "Реши задачу пошагово и докажи результат.",
        "Поясніть, будь ласка, відповідь.",  # Ukrainian: і, є, ї
        "Εξηγήστε τη λύση βήμα προς βήμα.",
        "Ο Ρωμαίος και η Ιουλιέτα",
        "сор рос хор ерос",  # Cyrillic words spelled only with look-alikes
    )
    for text in sentences:
        lowered = text.lower()
        assert fold_confusables(lowered) == lowered, text
    assert cue_groups(sentences[0]) == 3 and cue_groups(sentences[1]) == 2
    # A Russian cue next to a mixed word still matches (the original text is searched too).
    assert cue_groups("объясни ехрlаіn") == 1
    assert cue_groups("подробно ехрlаіn") == 2


def test_invisible_characters_inside_a_word_no_longer_hide_it() -> None:
    for mark in (ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY):
        assert cue_groups(f"Please ex{mark}pla{mark}in it.") == 1, hex(ord(mark))
        assert cue_groups(f"step{mark} by {mark}step") == 1, hex(ord(mark))
    assert cue_groups(f"объ{ZWSP}ясни") == 1
    # Joiners between Arabic letters stay: no Latin, Cyrillic or Greek letter there.
    persian = f"می{ZWNJ}خواهم"
    assert fold_confusables(persian) == persian


def test_fullwidth_letters_fold_to_ascii() -> None:
    assert fold_confusables("ｅｘｐｌａｉｎ ｓｔｅｐ ｂｙ ｓｔｅｐ") == "explain step by step"
    assert cue_groups("ＥＸＰＬＡＩＮ ｗｈｙ") == 1
    assert cue_groups("ｓｈｏｗ ｙｏｕｒ ｗｏｒｋ, ｓｔｅｐ ｂｙ ｓｔｅｐ") == 2


def test_plain_text_and_fingerprints_are_untouched() -> None:
    for text in ("What's a good name for a puppy?", "Explain it step by step.", "étape"):
        assert fold_confusables(text) is text
    # Only the cues see the fold: the word hashes keep the text as it was written.
    spoofed = fingerprints._python_fields("ехрlаіn photosynthesis")
    plain = fingerprints._python_fields("explain photosynthesis")
    assert spoofed[2] == plain[2] == 1
    assert spoofed[0] != plain[0] and spoofed[3] != plain[3] and spoofed[4] != plain[4]


def test_the_table_maps_cyrillic_and_greek_letters_to_ascii_letters() -> None:
    for source, latin in CONFUSABLES.items():
        assert len(source) == 1 and source.islower() and not source.isascii(), source
        assert latin.isascii() and latin.isalpha() and latin.islower(), source
        assert any(lo <= ord(source) <= hi for lo, hi in lexicon.LOOKALIKE_SCRIPTS), source
    cues = [c for group in lexicon.CUE_GROUPS.values() for c in group] + list(lexicon.LIMIT_CUES)
    assert not any("\x00" in cue for cue in cues)  # the haystack joins both texts with NUL


@needs_native
def test_a_build_with_another_table_is_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The folding constants are shared with the compiled copy (native_layout): a look-alike
    # added on one side only makes detectors.native run pure Python.
    assert NATIVE is not None
    assert native._mismatch(NATIVE.native_layout()) is None
    monkeypatch.setattr(lexicon, "CONFUSABLES", {**CONFUSABLES, "ш": "w"})
    assert native._mismatch(NATIVE.native_layout()) == "detectors.lexicon.CONFUSABLES"
    monkeypatch.undo()
    monkeypatch.setattr(lexicon, "IGNORABLES", (*lexicon.IGNORABLES, (0x3000, 0x3000)))
    assert native._mismatch(NATIVE.native_layout()) == "detectors.lexicon.IGNORABLES"


# Pieces that mix the scripts and characters the fold handles with cue words in both.
PIECES = [
    *"explain step by show your work derive why reasoning answer with one word".split(),
    *CONFUSABLES,
    *"абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґ",
    *"αβγδεζηθικλμνξοπρστυφχψως",
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "АВЕКМНОРСТХ",
    "ｅｘｐｌａｉｎ",
    "ＳＴＥＰ",
    ZWSP,
    ZWNJ,
    ZWJ,
    WJ,
    BOM,
    SHY,
    "объясни",
    "пошагово",
    "étape",
    "\u0301",
    "\ufe0f",
    "\u034f",
    "\U000e0041",
    "\U0001d41e",
    "\U0001d5b1",
    "\u05d0",
    "\u0628",
    "推理",
    " ",
    "-",
    "'",
    "?",
    "\n",
    "7",
]


@needs_native
@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_native_folds_and_matches_as_the_reference(text: str) -> None:
    assert NATIVE is not None
    lowered = text.lower()
    assert NATIVE.fold_confusables(lowered) == fold_confusables(lowered)
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)


# Latin (ASCII, Latin-1, Vietnamese), Cyrillic, Greek, fullwidth, invisible characters
# and a sprinkle of anything else.
ALPHABET = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xC0, max_codepoint=0x24F),
    st.characters(min_codepoint=0x1E00, max_codepoint=0x1EFF),
    st.characters(min_codepoint=0x370, max_codepoint=0x52F),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from([chr(c) for lo, hi in lexicon.IGNORABLES for c in (lo, hi)]),
    st.characters(min_codepoint=0x1D400, max_codepoint=0x1D6A3),
    st.characters(codec="utf-8"),
)


@needs_native
@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_native_folds_random_mixed_text_as_the_reference(text: str) -> None:
    assert NATIVE is not None
    for case in (text, text.lower()):
        assert NATIVE.fold_confusables(case) == fold_confusables(case)
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)
