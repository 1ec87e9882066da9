//! `detectors.campaign_index.TemplateIndex._band_keys`, compiled: the LSH bucket keys
//! of a template signature (MinHash over its set bits, cut into bands); and the topic
//! background's count of a summary's topic bits.

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// `[(band, min_rank, ...), ...]` for a non-zero `signature`; `ranks` holds one
/// 64-byte permutation table per MinHash function (`rank[bit]`), `rows` per band.
#[pyfunction]
pub fn band_keys<'py>(
    py: Python<'py>,
    signature: u64,
    ranks: &[u8],
    rows: usize,
) -> PyResult<Option<Vec<Bound<'py, PyTuple>>>> {
    if signature == 0 || rows == 0 || !ranks.len().is_multiple_of(64) {
        return Ok(None); // the reference's own behaviour (an error for 0) stays its own
    }
    let mins: Vec<u8> = ranks
        .chunks_exact(64)
        .map(|rank| {
            let mut rest = signature;
            let mut least = u8::MAX;
            while rest != 0 {
                least = least.min(rank[rest.trailing_zeros() as usize]);
                rest &= rest - 1;
            }
            least
        })
        .collect();
    mins.chunks(rows)
        .enumerate()
        .filter(|(_, chunk)| chunk.len() == rows)
        .map(|(band, chunk)| {
            let mut items = Vec::with_capacity(rows + 1);
            items.push(band as u64);
            items.extend(chunk.iter().map(|&m| u64::from(m)));
            PyTuple::new(py, items)
        })
        .collect::<PyResult<Vec<_>>>()
        .map(Some)
}

/// `TemplateIndex.find`'s candidate scan: the most similar `(rep, gid)` among the
/// buckets `signature` falls in, as `(gid, similarity)` (`(-1, 0.0)` when none);
/// ties go to the smaller id. None for `signature` 0 (the reference decides).
#[pyfunction]
pub fn best_in_buckets(
    py: Python<'_>,
    signature: u64,
    ranks: &[u8],
    rows: usize,
    buckets: &Bound<'_, PyDict>,
) -> PyResult<Option<(i128, f64)>> {
    let Some(keys) = band_keys(py, signature, ranks, rows)? else {
        return Ok(None);
    };
    let (mut best, mut best_sim) = (-1i128, 0.0f64);
    for key in keys {
        let Some(bucket) = buckets.get_item(key)? else {
            continue;
        };
        for entry in bucket.try_iter()? {
            let (rep, gid): (u64, u64) = entry?.extract()?;
            let union = (rep | signature).count_ones();
            let sim = if union != 0 {
                f64::from((rep & signature).count_ones()) / f64::from(union)
            } else {
                0.0
            };
            let gid = i128::from(gid);
            if sim > best_sim || (sim == best_sim && gid < best) {
                best = gid;
                best_sim = sim;
            }
        }
    }
    Ok(Some((best, best_sim)))
}

/// `TopicBackground.add`'s count of one summary's topic bits: 1.0 added to
/// `counts[bit]` for every bit set in `bits` (the bitmap's little-endian bytes, one
/// per 8 counts). Each count gains at most one addition, so the order of the
/// additions cannot change a result. False, with nothing added, when `counts` is not
/// a writable buffer of 8 doubles per byte (a restored oddity: the reference decides).
#[pyfunction]
pub fn add_topic_marks(py: Python<'_>, counts: &Bound<'_, PyAny>, bits: &[u8]) -> bool {
    let Ok(buffer) = PyBuffer::<f64>::get(counts) else {
        return false;
    };
    let Some(cells) = buffer
        .as_mut_slice(py)
        .filter(|cells| cells.len() == 8 * bits.len())
    else {
        buffer.release(py);
        return false;
    };
    for (byte_index, &byte) in bits.iter().enumerate() {
        let mut rest = byte;
        while rest != 0 {
            let cell = &cells[8 * byte_index + rest.trailing_zeros() as usize];
            cell.set(cell.get() + 1.0);
            rest &= rest - 1;
        }
    }
    buffer.release(py);
    true
}
