//! Compiled hot path of distillwatch's detection core.
//!
//! Every function here has a reference implementation in `detectors/` and must
//! return exactly what it returns (tests/unit/test_native_*.py check both on the
//! same inputs). Like the Python core, nothing here reads a clock, touches a
//! file or the network, or keeps prompt text: only integers survive a call.
//! Python objects are reached through their public attributes and the buffer
//! protocol only (no slot offsets, no private names).

use pyo3::prelude::*;

mod campaign;
mod confusables;
mod dedup;
mod engine;
mod event_fields;
mod fingerprint;
mod fold;
mod keystate;
mod layout;
mod lexicon;
mod partition;
mod prompt_memory;
mod request;
mod sharded;
mod statistics;
mod wire;

/// Bumped whenever a function's results or signature change; `detectors/native.py`
/// ignores a build whose protocol it does not know (a stale install).
const PROTOCOL: u32 = 29;

#[pymodule]
fn distillwatch_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("PROTOCOL", PROTOCOL)?;
    m.add_function(wrap_pyfunction!(layout::native_layout, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint::fingerprint_fields, m)?)?;
    m.add_function(wrap_pyfunction!(confusables::fold_confusables_py, m)?)?;
    m.add_function(wrap_pyfunction!(keystate::add_event, m)?)?;
    m.add_function(wrap_pyfunction!(fold::fold_values, m)?)?;
    m.add_function(wrap_pyfunction!(fold::fold_state, m)?)?;
    m.add_function(wrap_pyfunction!(fold::horizon_sums, m)?)?;
    m.add_function(wrap_pyfunction!(statistics::key_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(request::harvest_like_py, m)?)?;
    m.add_function(wrap_pyfunction!(prompt_memory::observe_py, m)?)?;
    m.add_function(wrap_pyfunction!(prompt_memory::key_hash_py, m)?)?;
    m.add_function(wrap_pyfunction!(prompt_memory::mix64_py, m)?)?;
    m.add_class::<dedup::RecentIds>()?;
    m.add_function(wrap_pyfunction!(dedup::request_id_hash, m)?)?;
    m.add_function(wrap_pyfunction!(dedup::keyed_exact_py, m)?)?;
    m.add_function(wrap_pyfunction!(dedup::in_context_py, m)?)?;
    m.add_function(wrap_pyfunction!(wire::checked_ts, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ts_range, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ip_prefix_bit, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ip_prefix_bits, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::best_in_buckets, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::add_topic_marks, m)?)?;
    m.add_function(wrap_pyfunction!(partition::murmur2_py, m)?)?;
    m.add_class::<partition::Router>()?;
    m.add_class::<engine::HotPath>()?;
    m.add_class::<sharded::ShardedPath>()?;
    Ok(())
}
