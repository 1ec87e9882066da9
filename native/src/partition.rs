//! `detectors.partitioning`, compiled: Kafka's default partitioner (murmur2 of the key).

use pyo3::prelude::*;

/// 32-bit murmur2 exactly as Kafka's Java client computes it (unsigned).
fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    let mut h: u32 = 0x9747_b28c ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes(chunk.try_into().expect("chunks of 4"));
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// `detectors.partitioning.murmur2`, for the test that compares them.
#[pyfunction]
#[pyo3(name = "murmur2")]
pub fn murmur2_py(data: &[u8]) -> u32 {
    murmur2(data)
}

/// Kafka's partition of a record keyed by `api_key_id` (`partitions` >= 1).
pub(crate) fn partition_of(api_key_id: &str, partitions: u32) -> u32 {
    (murmur2(api_key_id.as_bytes()) & 0x7fff_ffff) % partitions
}

/// The partition of a record keyed by an API key: `router(api_key_id) -> int`.
#[pyclass(module = "distillwatch_native", frozen)]
pub struct Router {
    #[pyo3(get)]
    partitions: u32,
}

#[pymethods]
impl Router {
    #[new]
    fn new(partitions: u32) -> PyResult<Self> {
        if partitions == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "partitions must be >= 1",
            ));
        }
        Ok(Router { partitions })
    }

    fn __call__(&self, api_key_id: &str) -> u32 {
        partition_of(api_key_id, self.partitions)
    }
}
