//! `detectors.lexicon.fold_confusables`, compiled: look-alike spellings undone for cue
//! matching only (never for fingerprints, hashes or token counts).
//!
//! Inside each word (a run of Latin, Cyrillic, Greek and fullwidth letters and
//! invisible characters) that has a letter: the invisible characters go, fullwidth
//! Latin becomes ASCII lower case, and if the word then mixes Latin with Cyrillic or
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
/// `lexicon.IGNORABLES`: soft hyphen, zero-width space, non-joiner, joiner, word
/// joiner, zero-width no-break space.
pub(crate) const IGNORABLES: &str = "\u{ad}\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}";
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
/// `lexicon.FULLWIDTH_LATIN`: capitals, then small letters.
pub(crate) const FULLWIDTH_LATIN: [(u32, u32); 2] = [(0xFF21, 0xFF3A), (0xFF41, 0xFF5A)];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Latin,
    Lookalike,
    /// A fullwidth Latin letter, as the ASCII lower-case letter it folds to.
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
    } else if let Some(&(lo, _)) = FULLWIDTH_LATIN
        .iter()
        .find(|&&(lo, hi)| lo <= code && code <= hi)
    {
        Kind::Wide(char::from(b'a' + (code - lo) as u8))
    } else if IGNORABLES.contains(c) {
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
/// letter, a fullwidth Latin letter, an invisible character), from the encoded bytes
/// alone: most text in other scripts (CJK, Arabic, accented Latin, curly quotes) is
/// passed over without decoding. Never false when such a character is there.
pub(crate) fn may_fold(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        // U+0340..U+053F: every lead byte of Greek and Coptic, Cyrillic and its supplement.
        0xCD..=0xD4 => true,
        // U+00AD soft hyphen.
        0xC2 => bytes.get(i + 1) == Some(&0xAD),
        // U+200B..U+200D, U+2060.
        0xE2 => matches!(
            bytes.get(i + 1..i + 3),
            Some([0x80, 0x8B..=0x8D] | [0x81, 0xA0])
        ),
        // U+FEFF; U+FF21..U+FF3A; U+FF41..U+FF5A.
        0xEF => matches!(
            bytes.get(i + 1..i + 3),
            Some([0xBB, 0xBF] | [0xBC, 0xA1..=0xBA] | [0xBD, 0x81..=0x9A])
        ),
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
