//! `detectors.state.prompt_memory`, compiled: the partition's sampled Bloom generations
//! of recently seen prompts (`PromptMemory.observe`), `key_hash` and `mix64`.
//!
//! The memory stays the Python `PromptMemory`: this code reads its public attributes
//! (`own`, `anyone`; each generation pair's `bits`, `capacity`, `current`, `previous`,
//! `inserted`) and the bytearrays through the buffer protocol.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// `prompt_memory.SAMPLE`: one prompt hash in SAMPLE is remembered.
pub(crate) const SAMPLE: u32 = 4;

/// `prompt_memory.ANSWER_CLASSES`: the answer lengths that part the classes a prompt is
/// remembered under.
pub(crate) const ANSWER_CLASSES: [f64; 3] = [32.0, 128.0, 512.0];

/// `prompt_memory.answer_class`: how many of `ANSWER_CLASSES` an answer reaches.
pub(crate) fn answer_class(answer: f64) -> u64 {
    ANSWER_CLASSES
        .iter()
        .filter(|&&bound| answer >= bound)
        .count() as u64
}

/// splitmix64's finaliser.
pub(crate) fn mix64(value: u64) -> u64 {
    let mut v = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    v = (v ^ (v >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    v = (v ^ (v >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    v ^ (v >> 31)
}

/// `key_hash`: crc32 of the key's UTF-8 (lone surrogates replaced by `?`).
pub(crate) fn key_hash(key: &Bound<'_, PyString>) -> PyResult<u32> {
    match key.to_str() {
        Ok(text) => Ok(crc32fast::hash(text.as_bytes())),
        Err(_) => {
            let py = key.py();
            let encoded = key.call_method1(intern!(py, "encode"), ("utf-8", "replace"))?;
            Ok(crc32fast::hash(encoded.cast::<PyBytes>()?.as_bytes()))
        }
    }
}

/// A `BloomGenerations`' size in bits, its current generation (the object) and both
/// generations' buffers, checked: `bits` in range, both of `2**bits / 8` bytes.
type Generations<'py> = (u32, Bound<'py, PyAny>, PyBuffer<u8>, PyBuffer<u8>);

fn generations_of<'py>(generations: &Bound<'py, PyAny>) -> PyResult<Generations<'py>> {
    let py = generations.py();
    let bits: u32 = generations.getattr(intern!(py, "bits"))?.extract()?;
    if !(3..=48).contains(&bits) {
        return Err(PyBufferError::new_err("Bloom generation size out of range"));
    }
    let current_obj = generations.getattr(intern!(py, "current"))?;
    let current = PyBuffer::<u8>::get(&current_obj)?;
    let previous = PyBuffer::<u8>::get(&generations.getattr(intern!(py, "previous"))?)?;
    let size = 1usize << (bits - 3);
    if current.item_count() != size || previous.item_count() != size {
        return Err(PyBufferError::new_err("Bloom generation of the wrong size"));
    }
    Ok((bits, current_obj, current, previous))
}

fn not_bytearrays() -> PyErr {
    PyBufferError::new_err("Bloom generations must be bytearrays")
}

/// `BloomGenerations.check_and_add`: whether `value` was (probably) added before; adds it.
fn check_and_add(generations: &Bound<'_, PyAny>, value: u64) -> PyResult<bool> {
    let py = generations.py();
    let (bits, current_obj, current, previous) = generations_of(generations)?;
    let size = 1usize << (bits - 3);
    let h = mix64(value);
    let mask = (1u64 << bits) - 1;
    let (a, b) = ((h & mask) as usize, ((h >> 32) & mask) as usize);
    let (Some(cur), Some(prev)) = (current.as_mut_slice(py), previous.as_slice(py)) else {
        return Err(not_bytearrays());
    };
    let has = |bytes: &dyn Fn(usize) -> u8, i: usize| (bytes(i >> 3) >> (i & 7)) & 1 != 0;
    let cur_at = |i: usize| cur[i].get();
    let prev_at = |i: usize| prev[i].get();
    let in_cur = has(&cur_at, a) && has(&cur_at, b);
    let found = in_cur || (has(&prev_at, a) && has(&prev_at, b));
    let mut roll = false;
    if !in_cur {
        cur[a >> 3].set(cur[a >> 3].get() | 1 << (a & 7));
        cur[b >> 3].set(cur[b >> 3].get() | 1 << (b & 7));
        let inserted: i64 = generations
            .getattr(intern!(py, "inserted"))?
            .extract::<i64>()?
            + 1;
        let capacity: i64 = generations.getattr(intern!(py, "capacity"))?.extract()?;
        if inserted >= capacity {
            roll = true;
            generations.setattr(intern!(py, "inserted"), 0)?;
        } else {
            generations.setattr(intern!(py, "inserted"), inserted)?;
        }
    }
    current.release(py);
    previous.release(py);
    if roll {
        // self.previous, self.current = cur, bytearray(len(cur))
        generations.setattr(intern!(py, "previous"), current_obj)?;
        generations.setattr(
            intern!(py, "current"),
            PyByteArray::new(py, &vec![0u8; size]),
        )?;
    }
    Ok(found)
}

/// `BloomGenerations.contains` of any of `values`: whether one was (probably) added
/// before; adds nothing.
fn contains_any(generations: &Bound<'_, PyAny>, values: &[u64]) -> PyResult<bool> {
    let py = generations.py();
    let (bits, _, current, previous) = generations_of(generations)?;
    let (Some(cur), Some(prev)) = (current.as_slice(py), previous.as_slice(py)) else {
        return Err(not_bytearrays());
    };
    let mask = (1u64 << bits) - 1;
    let has =
        |gen: &[pyo3::buffer::ReadOnlyCell<u8>], i: usize| (gen[i >> 3].get() >> (i & 7)) & 1 != 0;
    let found = values.iter().any(|&value| {
        let h = mix64(value);
        let (a, b) = ((h & mask) as usize, ((h >> 32) & mask) as usize);
        (has(cur, a) && has(cur, b)) || (has(prev, a) && has(prev, b))
    });
    current.release(py);
    previous.release(py);
    Ok(found)
}

/// `PromptMemory.observe`: (the prompt is in the sample, other keys sent it before and
/// got an answer at least one class below this one's).
pub(crate) fn observe(
    memory: &Bound<'_, PyAny>,
    key: u32,
    exact: u32,
    answer: f64,
) -> PyResult<(bool, bool)> {
    if !exact.is_multiple_of(SAMPLE) {
        return Ok((false, false));
    }
    let py = memory.py();
    let again = check_and_add(
        &memory.getattr(intern!(py, "own"))?,
        (u64::from(key) << 32) | u64::from(exact),
    )?;
    let level = answer_class(answer);
    let anyone = memory.getattr(intern!(py, "anyone"))?;
    let exact = u64::from(exact);
    let classes = ANSWER_CLASSES.len() as u64 + 1;
    let looked: Vec<u64> = (level.saturating_sub(1)..classes)
        .map(|c| exact | c << 32)
        .collect();
    let shared = contains_any(&anyone, &looked)?;
    check_and_add(&anyone, exact | level << 32)?;
    Ok((true, shared && !again))
}

/// `PromptMemory.observe(key, exact, answer)` on a Python `PromptMemory`, for the parity
/// tests.
#[pyfunction]
#[pyo3(name = "prompt_memory_observe")]
pub fn observe_py(
    memory: &Bound<'_, PyAny>,
    key: u32,
    exact: u32,
    answer: f64,
) -> PyResult<(bool, bool)> {
    observe(memory, key, exact, answer)
}

/// `prompt_memory.key_hash`, for the parity tests.
#[pyfunction]
#[pyo3(name = "key_hash")]
pub fn key_hash_py(key: &Bound<'_, PyString>) -> PyResult<u32> {
    key_hash(key)
}

/// `prompt_memory.mix64`, for the parity tests.
#[pyfunction]
#[pyo3(name = "mix64")]
pub fn mix64_py(value: u64) -> u64 {
    mix64(value)
}
