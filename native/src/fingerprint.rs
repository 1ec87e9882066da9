//! `detectors.fingerprints._python_fields`, compiled: a prompt's frame signature, item
//! sample, elicitation cues, exact-repeat hash and visible token estimate.

use std::sync::LazyLock;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::lexicon;
use crate::prompt_memory::mix64;

/// `fingerprints.STOPWORDS` (the test compares the lists).
pub(crate) const STOPWORDS: [&str; 50] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "how", "i",
    "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "that", "the",
    "their", "them", "then", "there", "these", "this", "to", "was", "we", "what", "when", "where",
    "which", "who", "why", "will", "with", "you", "your", "can", "do", "does",
];
/// `fingerprints.PUNCTUATION`: bytes that become word breaks.
pub(crate) const PUNCTUATION: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/// What `bytes.split()` splits on (ASCII whitespace; not \x1c-\x1f, unlike `str.split`).
const WHITESPACE: &[u8] = b" \t\n\r\x0b\x0c";
pub(crate) const BOTTOM_K: usize = 8;
pub(crate) const ITEM_SAMPLE: usize = 8;
pub(crate) const LIMITS: u32 = 16;
pub(crate) const BYTES_PER_TOKEN: usize = 4;
/// `fingerprints.IDENTIFIER_MIN`: words this long mixing letters and digits are identifiers.
pub(crate) const IDENTIFIER_MIN: usize = 5;
/// `fingerprints.NUMBER_MIN`: words this long holding a digit are identifiers.
pub(crate) const NUMBER_MIN: usize = 9;
/// `fingerprints.IDENTIFIER_JOINERS`: what an identifier token may hold besides ASCII
/// letters and digits.
pub(crate) const IDENTIFIER_JOINERS: &[u8] = b"-_.:";

/// `fingerprints._id_shaped`: long enough, with a digit, and mixed with letters or long.
fn id_shaped(word: &[u8]) -> bool {
    word.len() >= IDENTIFIER_MIN
        && word.iter().any(u8::is_ascii_digit)
        && (word.len() >= NUMBER_MIN || word.iter().any(u8::is_ascii_alphabetic))
}

/// `fingerprints._identifier_token`: a whitespace-delimited token that is an identifier
/// as a whole (punctuation around it aside).
fn identifier_token(token: &[u8]) -> bool {
    let is_punct = |b: &u8| PUNCTUATION.contains(b);
    let Some(start) = token.iter().position(|b| !is_punct(b)) else {
        return false;
    };
    let end = token.len() - token.iter().rev().position(|b| !is_punct(b)).unwrap_or(0);
    let core = &token[start..end];
    core.iter()
        .all(|b| b.is_ascii_alphanumeric() || IDENTIFIER_JOINERS.contains(b))
        && id_shaped(core)
}

/// `fingerprints.DEFAULT_WORD_KEY`: the word key of the empty (public) secret.
pub(crate) const DEFAULT_WORD_KEY: u64 = 9_110_401_982_160_850_195;

/// `fingerprints.keyed_word`: a content word's CRC-32 scrambled under the word key.
fn keyed_word(crc: u32, key: u64) -> u32 {
    (mix64(key ^ u64::from(crc)) & 0xFFFF_FFFF) as u32
}

static STOP_HASHES: LazyLock<Vec<u32>> = LazyLock::new(|| {
    let mut hashes: Vec<u32> = STOPWORDS
        .iter()
        .map(|w| crc32fast::hash(w.as_bytes()))
        .collect();
    hashes.sort_unstable();
    hashes
});

/// `WHITESPACE` as a table: tokens are split at it on every byte of every prompt.
const SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < WHITESPACE.len() {
        table[WHITESPACE[i] as usize] = true;
        i += 1;
    }
    table
};

/// Words break at whitespace (`SPACE`) and at punctuation.
const WORD_BREAK: [bool; 256] = {
    let mut table = SPACE;
    let mut i = 0;
    while i < PUNCTUATION.len() {
        table[PUNCTUATION[i] as usize] = true;
        i += 1;
    }
    table
};

/// `PromptFingerprint`'s fields.
pub(crate) struct Fingerprint {
    pub(crate) signature: u64,
    /// The largest content-word hashes, largest first (`len` of them).
    pub(crate) items: [u32; ITEM_SAMPLE],
    pub(crate) len: usize,
    pub(crate) cues: u32,
    pub(crate) exact: u32,
    pub(crate) tokens: usize,
}

impl Fingerprint {
    pub(crate) fn items(&self) -> &[u32] {
        &self.items[..self.len]
    }

    /// The fields as the Python reference returns them.
    pub(crate) fn to_tuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = PyTuple::new(py, self.items())?;
        (self.signature, items, self.cues, self.exact, self.tokens).into_pyobject(py)
    }
}

/// The prompt lower-cased exactly as `str.lower()` does, as UTF-8 (lone surrogates
/// replaced by `?`, as `.encode("utf-8", "replace")` does), into `buffer`.
///
/// ASCII text (nearly every prompt) is lower-cased here; any other text by Python
/// itself, so Unicode case rules (final sigma, dotted I, ...) are CPython's.
fn lowered<'a>(text: &Bound<'_, PyString>, buffer: &'a mut Vec<u8>) -> PyResult<&'a [u8]> {
    buffer.clear();
    match text.to_str() {
        Ok(s) if s.is_ascii() => {
            buffer.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        }
        _ => {
            let py = text.py();
            let encoded = text
                .call_method0(intern!(py, "lower"))?
                .call_method1(intern!(py, "encode"), ("utf-8", "replace"))?;
            buffer.extend_from_slice(encoded.cast::<PyBytes>()?.as_bytes());
        }
    }
    Ok(buffer)
}

/// The fingerprint of one prompt.
pub(crate) fn fingerprint_of(text: &Bound<'_, PyString>, key: u64) -> PyResult<Fingerprint> {
    let mut buffer = Vec::new();
    let raw = lowered(text, &mut buffer)?;
    Ok(fingerprint_bytes(raw, key))
}

/// The fingerprint of a lower-cased prompt's UTF-8 bytes, word hashes under `key`.
pub(crate) fn fingerprint_bytes(raw: &[u8], key: u64) -> Fingerprint {
    let mut hashes: Vec<u32> = Vec::with_capacity(64);
    let mut exact = crc32fast::Hasher::new();
    let mut first = true;
    let mut word = |bytes: &[u8], identifier: bool, hashes: &mut Vec<u32>| {
        if !first {
            exact.update(b" ");
        }
        first = false;
        exact.update(bytes);
        // Identifiers (ids, digests) are not content: exact hash only (see the reference).
        if identifier || id_shaped(bytes) {
            return;
        }
        let hash = crc32fast::hash(bytes);
        if STOP_HASHES.binary_search(&hash).is_err() {
            hashes.push(keyed_word(hash, key));
        }
    };
    // Whitespace-delimited tokens first (an identifier token is one as a whole), then
    // the words inside each at punctuation.
    for token in raw.split(|&b| SPACE[b as usize]).filter(|t| !t.is_empty()) {
        let identifier = identifier_token(token);
        let mut start: Option<usize> = None;
        for (i, &byte) in token.iter().enumerate() {
            if WORD_BREAK[byte as usize] {
                if let Some(begin) = start.take() {
                    word(&token[begin..i], identifier, &mut hashes);
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(begin) = start {
            word(&token[begin..], identifier, &mut hashes);
        }
    }
    let exact = exact.finalize();
    hashes.sort_unstable();
    hashes.dedup();
    let mut signature = 0u64;
    for value in hashes.iter().take(BOTTOM_K) {
        signature |= 1u64 << (value & 63);
    }
    let mut items = [0u32; ITEM_SAMPLE];
    let len = hashes.len().min(ITEM_SAMPLE);
    for (slot, value) in items.iter_mut().zip(hashes.iter().rev()) {
        *slot = *value;
    }
    let (groups, limits) = lexicon::cues(raw);
    Fingerprint {
        signature,
        items,
        len,
        cues: groups | if limits { LIMITS } else { 0 },
        exact,
        tokens: raw.len() / BYTES_PER_TOKEN,
    }
}

/// `(signature, items, cues, exact, tokens)` of one prompt, as `fingerprints._python_fields`.
#[pyfunction]
#[pyo3(signature = (text, key = DEFAULT_WORD_KEY))]
pub fn fingerprint_fields<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    key: u64,
) -> PyResult<Bound<'py, PyTuple>> {
    fingerprint_of(text, key)?.to_tuple(py)
}
