//! `detectors.lexicon.fold_confusables`, compiled: look-alike spellings undone for cue
//! matching only (never for fingerprints, hashes or token counts).
//!
//! Inside each word (a run of Latin, Cyrillic, Greek and styled Latin letters and
//! ignorable characters) that has a letter: invisible characters and combining marks go,
//! styled Latin (fullwidth, mathematical) becomes ASCII lower case, and if the word then mixes Latin with Cyrillic or
//! Greek letters (UTS #39's mixed-script sign of spoofing), each look-alike becomes its
//! Latin letter. Why these letters: the comment above `CONFUSABLES` in lexicon.py. The
//! constants are copies of the Python ones (`native_layout()` returns them and
//! tests/unit/test_native_build.py compares them).

use pyo3::prelude::*;

/// `lexicon.CONFUSABLES`: Cyrillic or Greek look-alike (lower case) -> Latin letter.
pub(crate) const CONFUSABLES: [(char, char); 37] = [
    // Cyrillic, drawn alike in lower case
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('ѕ', 's'),
    ('і', 'i'),
    ('ј', 'j'),
    ('һ', 'h'),
    ('ӏ', 'l'),
    ('ԁ', 'd'),
    ('ԛ', 'q'),
    ('ԝ', 'w'),
    ('ү', 'y'),
    ('ѵ', 'v'),
    // Cyrillic, drawn alike in upper case, seen lower-cased
    ('в', 'b'),
    ('к', 'k'),
    ('м', 'm'),
    ('н', 'h'),
    ('т', 't'),
    // Greek, drawn alike in lower case
    ('α', 'a'),
    ('ι', 'i'),
    ('ο', 'o'),
    ('ρ', 'p'),
    ('ν', 'v'),
    ('ϳ', 'j'),
    // Greek, drawn alike in upper case, seen lower-cased
    ('β', 'b'),
    ('ε', 'e'),
    ('ζ', 'z'),
    ('η', 'h'),
    ('κ', 'k'),
    ('μ', 'm'),
    ('τ', 't'),
    ('χ', 'x'),
    ('υ', 'y'),
];
/// `lexicon.IGNORABLES`: invisible characters and combining marks dropped inside words
/// (inclusive code point ranges; why these: the comment in lexicon.py).
pub(crate) const IGNORABLES: [(u32, u32); 19] = [
    (0xAD, 0xAD),
    (0x300, 0x36F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x20D0, 0x20FF),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];
/// `lexicon.LATIN_LETTERS` (inclusive code point ranges).
pub(crate) const LATIN_LETTERS: [(u32, u32); 6] = [
    (0x41, 0x5A),
    (0x61, 0x7A),
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0x24F),
    (0x1E00, 0x1EFF),
];
/// `lexicon.LOOKALIKE_SCRIPTS`: Greek and Coptic; Cyrillic and its supplement.
pub(crate) const LOOKALIKE_SCRIPTS: [(u32, u32); 2] = [(0x370, 0x3FF), (0x400, 0x52F)];
/// `lexicon.STYLED_LATIN`: fullwidth capitals, then small letters; the mathematical
/// alphanumeric letters (runs of A-Z, a-z).
pub(crate) const STYLED_LATIN: [(u32, u32); 3] =
    [(0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0x1D400, 0x1D6A3)];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Latin,
    Lookalike,
    /// A styled Latin letter, as the ASCII lower-case letter it folds to.
    Wide(char),
    Invisible,
    /// Anything else: ends a word.
    Break,
}

fn within(code: u32, ranges: &[(u32, u32)]) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= code && code <= hi)
}

fn kind(c: char) -> Kind {
    let code = c as u32;
    if within(code, &LATIN_LETTERS) {
        Kind::Latin
    } else if within(code, &LOOKALIKE_SCRIPTS) {
        Kind::Lookalike
    } else if let Some(&(lo, _)) = STYLED_LATIN
        .iter()
        .find(|&&(lo, hi)| lo <= code && code <= hi)
    {
        Kind::Wide(char::from(b'a' + ((code - lo) % 26) as u8))
    } else if within(code, &IGNORABLES) {
        Kind::Invisible
    } else {
        Kind::Break
    }
}

/// One word (no `Break` in it), folded onto `out`; whether anything changed.
fn fold_word(word: &str, out: &mut String) -> bool {
    let (mut latin, mut other, mut letters, mut changed) = (false, false, false, false);
    for c in word.chars() {
        match kind(c) {
            Kind::Latin | Kind::Wide(_) => (latin, letters) = (true, true),
            Kind::Lookalike => (other, letters) = (true, true),
            _ => {}
        }
    }
    if !letters {
        // Only invisible characters (between letters of another script): not a word.
        out.push_str(word);
        return false;
    }
    let mixed = latin && other;
    for c in word.chars() {
        match kind(c) {
            Kind::Invisible => changed = true,
            Kind::Wide(ascii) => {
                out.push(ascii);
                changed = true;
            }
            Kind::Lookalike if mixed => match CONFUSABLES.iter().find(|&&(from, _)| from == c) {
                Some(&(_, to)) => {
                    out.push(to);
                    changed = true;
                }
                None => out.push(c),
            },
            _ => out.push(c),
        }
    }
    changed
}

/// Whether UTF-8 `bytes` may hold a character folding acts on (a Greek or Cyrillic
/// letter, a styled Latin letter, an ignorable character), from the encoded bytes
/// alone: most text in other scripts (CJK, Arabic, accented Latin, curly quotes) is
/// passed over without decoding. Never false when such a character is there (the lead
/// byte and, where it is shared with common characters, the next ones).
pub(crate) fn may_fold(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        // U+0300..U+053F: combining marks, Greek and Coptic, Cyrillic and its supplement.
        0xCC..=0xD4 => true,
        // U+00AD soft hyphen.
        0xC2 => bytes.get(i + 1) == Some(&0xAD),
        // U+115F..U+1160, U+17B4..U+17B5, U+180B..U+180F, U+1AB0..U+1AFF,
        // U+1DC0..U+1DFF.
        0xE1 => matches!(
            bytes.get(i + 1..i + 3),
            Some(
                [0x85, 0x9F..=0xA0]
                    | [0x9E, 0xB4..=0xB5]
                    | [0xA0, 0x8B..=0x8F]
                    | [0xAA, 0xB0..=0xBF]
                    | [0xAB, _]
                    | [0xB7, _]
            )
        ),
        // U+200B..U+200F, U+202A..U+202E, U+2060..U+206F, U+20D0..U+20FF.
        0xE2 => matches!(
            bytes.get(i + 1..i + 3),
            Some([0x80, 0x8B..=0x8F | 0xAA..=0xAE] | [0x81, 0xA0..=0xAF] | [0x83, 0x90..=0xBF])
        ),
        // U+3164.
        0xE3 => matches!(bytes.get(i + 1..i + 3), Some([0x85, 0xA4])),
        // U+FE00..U+FE0F, U+FE20..U+FE2F, U+FEFF; U+FF21..U+FF3A; U+FF41..U+FF5A; U+FFA0.
        0xEF => matches!(
            bytes.get(i + 1..i + 3),
            Some(
                [0xB8, 0x80..=0x8F | 0xA0..=0xAF]
                | [0xBB, 0xBF]
                | [0xBC, 0xA1..=0xBA]
                | [0xBD, 0x81..=0x9A]
                | [0xBE, 0xA0],
            )
        ),
        // U+1BCA0..U+1BCA3; U+1D173..U+1D17A and U+1D400..U+1D7FF (mathematical letters).
        0xF0 => matches!(
            bytes.get(i + 1..i + 3),
            Some([0x9B, 0xB2] | [0x9D, 0x85 | 0x90..=0x9F])
        ),
        // U+E0000..U+E0FFF: tags and variation selectors.
        0xF3 => bytes.get(i + 1) == Some(&0xA0),
        _ => false,
    })
}

/// `text` folded, or `None` when folding changes nothing (always for ASCII text).
pub(crate) fn fold(text: &str) -> Option<String> {
    if !may_fold(text.as_bytes()) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if kind(c) == Kind::Break {
            if let Some(begin) = start.take() {
                changed |= fold_word(&text[begin..i], &mut out);
            }
            out.push(c);
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(begin) = start {
        changed |= fold_word(&text[begin..], &mut out);
    }
    changed.then_some(out)
}

/// `lexicon.fold_confusables` (for the parity tests).
#[pyfunction]
#[pyo3(name = "fold_confusables")]
pub fn fold_confusables_py(text: &str) -> String {
    fold(text).unwrap_or_else(|| text.to_owned())
}
