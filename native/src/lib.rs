//! Compiled hot path of distillwatch's detection core.
//!
//! Every function here has a reference implementation in `detectors/` and must
//! return exactly what it returns (tests/unit/test_native.py checks both on the
//! same inputs). Like the Python core, nothing here reads a clock, touches a
//! file or the network, or keeps prompt text: only integers survive a call.

use pyo3::prelude::*;

mod campaign;
mod dedup;
mod engine;
mod fingerprint;
mod keystate;
mod partition;
mod slots;
mod wire;

/// Bumped whenever a function's results or signature change; `detectors/native.py`
/// ignores a build whose protocol it does not know (a stale install).
const PROTOCOL: u32 = 13;

#[pymodule]
fn distillwatch_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("PROTOCOL", PROTOCOL)?;
    m.add_function(wrap_pyfunction!(fingerprint::fingerprint_fields, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint::stopwords, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint::reasoning_cues, m)?)?;
    m.add_class::<dedup::RecentIds>()?;
    m.add_function(wrap_pyfunction!(dedup::request_id_hash, m)?)?;
    m.add_function(wrap_pyfunction!(keystate::add_event, m)?)?;
    m.add_function(wrap_pyfunction!(keystate::keystate_layout, m)?)?;
    m.add_function(wrap_pyfunction!(keystate::fold_values, m)?)?;
    m.add_function(wrap_pyfunction!(wire::checked_ts, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ts_range, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ip_prefix_bit, m)?)?;
    m.add_function(wrap_pyfunction!(wire::ip_prefix_bits, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::best_in_buckets, m)?)?;
    m.add_function(wrap_pyfunction!(campaign::bit_counts, m)?)?;
    m.add_function(wrap_pyfunction!(keystate::templates, m)?)?;
    m.add_function(wrap_pyfunction!(partition::murmur2_py, m)?)?;
    m.add_class::<partition::Router>()?;
    m.add_class::<engine::HotPath>()?;
    m.add_class::<engine::ShardedPath>()?;
    Ok(())
}
