//! `detectors.dedup.RecentIds`' memory, compiled: a FIFO set of 64-bit request-id hashes.

use std::collections::{HashSet, VecDeque};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The last `capacity` (api_key_id, request_id) hashes, oldest forgotten first.
#[pyclass(module = "distillwatch_native")]
pub struct RecentIds {
    capacity: usize,
    order: VecDeque<u64>,
    members: HashSet<u64>,
}

#[pymethods]
impl RecentIds {
    /// An empty memory, or one holding `order` (native-endian u64 words, oldest first).
    #[new]
    #[pyo3(signature = (capacity, order=None))]
    fn new(capacity: usize, order: Option<&[u8]>) -> Self {
        let order: VecDeque<u64> = order
            .unwrap_or_default()
            .chunks_exact(8)
            .map(|w| u64::from_ne_bytes(w.try_into().expect("chunks of 8")))
            .collect();
        let members = order.iter().copied().collect();
        RecentIds {
            capacity,
            order,
            members,
        }
    }

    /// True if this id was seen recently; otherwise remember it.
    pub(crate) fn seen(&mut self, api_key_id: &str, request_id: &str) -> bool {
        let hash = id_hash(api_key_id, request_id);
        if !self.members.insert(hash) {
            return true;
        }
        self.order.push_back(hash);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.members.remove(&oldest);
            }
        }
        false
    }

    /// The remembered hashes, oldest first, as native-endian u64 words (`array("Q")` bytes).
    fn order_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut out = Vec::with_capacity(self.order.len() * 8);
        for hash in &self.order {
            out.extend_from_slice(&hash.to_ne_bytes());
        }
        PyBytes::new(py, &out)
    }

    fn __len__(&self) -> usize {
        self.members.len()
    }
}

/// `detectors.dedup._id_hash`: crc32 and crc32 seeded 0x9E3779B9 of "key\x1frequest", as zlib.
fn id_hash(api_key_id: &str, request_id: &str) -> u64 {
    let mut plain = crc32fast::Hasher::new();
    let mut seeded = crc32fast::Hasher::new_with_initial(0x9E37_79B9);
    for part in [api_key_id.as_bytes(), b"\x1f", request_id.as_bytes()] {
        plain.update(part);
        seeded.update(part);
    }
    (u64::from(plain.finalize()) << 32) | u64::from(seeded.finalize())
}
