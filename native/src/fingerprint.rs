//! `detectors.fingerprints.fingerprint`, compiled: bottom-k MinHash signature,
//! vocabulary sample bits, the reasoning-request flag and the word count.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// `detectors.fingerprints._STOPWORDS` (a test checks the two lists are equal).
#[pyfunction]
pub fn stopwords() -> Vec<&'static str> {
    STOPWORDS.to_vec()
}

/// `detectors.fingerprints.REASONING_CUES` (a test checks the two lists are equal).
#[pyfunction]
pub fn reasoning_cues() -> Vec<&'static str> {
    REASONING_CUES.to_vec()
}

const STOPWORDS: [&str; 50] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "how", "i",
    "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "that", "the",
    "their", "them", "then", "there", "these", "this", "to", "was", "we", "what", "when", "where",
    "which", "who", "why", "will", "with", "you", "your", "can", "do", "does",
];
const REASONING_CUES: [&str; 12] = [
    "step by step",
    "step-by-step",
    "reasoning",
    "show your work",
    "show all work",
    "show the steps",
    "chain of thought",
    "think it through",
    "think carefully",
    "walk through each step",
    "walk me through",
    "let's think",
];
// Most prompts contain none of these; only those that do pay for the cue list.
const ANCHORS: [&str; 5] = ["step", "reason", "think", "work", "thought"];
const BOTTOM_K: usize = 8;
const VOCAB_SAMPLE: usize = 4;
const VOCAB_BITS: u32 = 512;

static STOP_HASHES: LazyLock<Vec<u32>> = LazyLock::new(|| {
    let mut hashes: Vec<u32> = STOPWORDS
        .iter()
        .map(|w| crc32fast::hash(w.as_bytes()))
        .collect();
    hashes.sort_unstable();
    hashes
});
// Searchers built once: str::contains builds one per call, which cost more than the scan.
static ANCHOR_FINDERS: LazyLock<Vec<Finder<'static>>> =
    LazyLock::new(|| ANCHORS.iter().map(|w| Finder::new(w.as_bytes())).collect());
static CUE_FINDERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    REASONING_CUES
        .iter()
        .map(|w| Finder::new(w.as_bytes()))
        .collect()
});

/// Bytes that end a word: ASCII whitespace as `bytes.split()` sees it, and the
/// punctuation `fingerprints._PUNCTUATION` turns into spaces.
const WORD_BREAK: [bool; 256] = {
    let mut table = [false; 256];
    let breaks = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c";
    let mut i = 0;
    while i < breaks.len() {
        table[breaks[i] as usize] = true;
        i += 1;
    }
    table
};

/// The four fields of `PromptFingerprint` for one prompt, as a plain tuple.
///
/// ASCII text (nearly all prompts) is lower-cased here; any other text is
/// lower-cased and encoded by Python itself (`str.lower`, UTF-8 with "replace"),
/// so Unicode case rules and lone surrogates behave exactly as in the reference.
#[pyfunction]
pub fn fingerprint_fields<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
) -> PyResult<(u64, Bound<'py, PyAny>, bool, usize)> {
    let owned: Vec<u8>;
    let lowered: &[u8] = match text.to_str() {
        Ok(s) if s.is_ascii() => {
            owned = s.bytes().map(|b| b.to_ascii_lowercase()).collect();
            &owned
        }
        _ => {
            let encoded = text
                .call_method0("lower")?
                .call_method1("encode", ("utf-8", "replace"))?;
            owned = encoded.cast_into::<PyBytes>()?.as_bytes().to_vec();
            &owned
        }
    };
    let (signature, vocab, words) = sketch(lowered);
    let vocab_bits = unsafe {
        // 64 little-endian bytes -> a non-negative Python int (CPython's own converter).
        Bound::from_owned_ptr_or_err(
            py,
            pyo3::ffi::_PyLong_FromByteArray(vocab.as_ptr(), vocab.len(), 1, 0),
        )?
    };
    // ASCII cues match the UTF-8 bytes exactly where they match the str: no byte of a
    // multi-byte sequence is ASCII, and "replace" only writes '?', which no cue contains.
    let asks_reasoning = ANCHOR_FINDERS.iter().any(|f| f.find(lowered).is_some())
        && CUE_FINDERS.iter().any(|f| f.find(lowered).is_some());
    Ok((signature, vocab_bits, asks_reasoning, words))
}

/// Signature, vocabulary bits (512, little-endian bytes) and word count of lower-cased bytes.
fn sketch(lowered: &[u8]) -> (u64, [u8; 64], usize) {
    let mut hashes: Vec<u32> = Vec::with_capacity(32);
    let mut words = 0usize;
    let mut start: Option<usize> = None;
    for (i, &byte) in lowered.iter().enumerate() {
        if WORD_BREAK[byte as usize] {
            if let Some(begin) = start.take() {
                words += 1;
                push_unless_stopword(&mut hashes, &lowered[begin..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(begin) = start {
        words += 1;
        push_unless_stopword(&mut hashes, &lowered[begin..]);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let mut signature = 0u64;
    for value in hashes.iter().take(BOTTOM_K) {
        signature |= 1u64 << (value & 63);
    }
    let mut vocab = [0u8; 64];
    for value in &hashes[hashes.len().saturating_sub(VOCAB_SAMPLE)..] {
        let bit = (value % VOCAB_BITS) as usize;
        vocab[bit / 8] |= 1 << (bit % 8);
    }
    (signature, vocab, words)
}

fn push_unless_stopword(hashes: &mut Vec<u32>, word: &[u8]) {
    let hash = crc32fast::hash(word);
    if STOP_HASHES.binary_search(&hash).is_err() {
        hashes.push(hash);
    }
}
