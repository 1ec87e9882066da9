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

/// `BloomGenerations.check_and_add`: whether `value` was (probably) added before; adds it.
fn check_and_add(generations: &Bound<'_, PyAny>, value: u64) -> PyResult<bool> {
    let py = generations.py();
    let bits: u32 = generations.getattr(intern!(py, "bits"))?.extract()?;
    if !(3..=48).contains(&bits) {
        return Err(PyBufferError::new_err("Bloom generation size out of range"));
    }
    let h = mix64(value);
    let mask = (1u64 << bits) - 1;
    let (a, b) = ((h & mask) as usize, ((h >> 32) & mask) as usize);
    let current_obj = generations.getattr(intern!(py, "current"))?;
    let current = PyBuffer::<u8>::get(&current_obj)?;
    let previous = PyBuffer::<u8>::get(&generations.getattr(intern!(py, "previous"))?)?;
    let size = 1usize << (bits - 3);
    let (Some(cur), Some(prev)) = (current.as_mut_slice(py), previous.as_slice(py)) else {
        return Err(PyBufferError::new_err(
            "Bloom generations must be bytearrays",
        ));
    };
    if cur.len() != size || prev.len() != size {
        return Err(PyBufferError::new_err("Bloom generation of the wrong size"));
    }
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

/// `PromptMemory.observe`: (the prompt is in the sample, only other keys sent it before).
pub(crate) fn observe(memory: &Bound<'_, PyAny>, key: u32, exact: u32) -> PyResult<(bool, bool)> {
    if !exact.is_multiple_of(SAMPLE) {
        return Ok((false, false));
    }
    let py = memory.py();
    let again = check_and_add(
        &memory.getattr(intern!(py, "own"))?,
        (u64::from(key) << 32) | u64::from(exact),
    )?;
    let anyone = check_and_add(&memory.getattr(intern!(py, "anyone"))?, u64::from(exact))?;
    Ok((true, anyone && !again))
}

/// `PromptMemory.observe(key, exact)` on a Python `PromptMemory`, for the parity tests.
#[pyfunction]
#[pyo3(name = "prompt_memory_observe")]
pub fn observe_py(memory: &Bound<'_, PyAny>, key: u32, exact: u32) -> PyResult<(bool, bool)> {
    observe(memory, key, exact)
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
