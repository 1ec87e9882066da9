//! `detectors.dedup.RecentIds`' memory, compiled: a FIFO set of 64-bit request-id hashes.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The set's hasher: its members are BLAKE2b digests already, so one multiply-xorshift
/// round with a per-set random key spreads them (SipHash over them cost more than the
/// digest); the key keeps chosen request ids from piling into one bucket.
struct Digests {
    key: u64,
}

impl Default for Digests {
    fn default() -> Self {
        Digests {
            key: std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

impl BuildHasher for Digests {
    type Hasher = Digest;

    fn build_hasher(&self) -> Digest {
        Digest(self.key)
    }
}

struct Digest(u64);

impl Hasher for Digest {
    fn finish(&self) -> u64 {
        crate::prompt_memory::mix64(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }
}

/// The last `capacity` (api_key_id, request_id) hashes, oldest forgotten first.
#[pyclass(module = "distillwatch_native")]
pub struct RecentIds {
    capacity: usize,
    order: VecDeque<u64>,
    members: HashSet<u64, Digests>,
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

/// `detectors.dedup.id_hash`: BLAKE2b with an 8-byte digest of "key\x1frequest", as
/// `hashlib.blake2b(data, digest_size=8)`, read little-endian. A real 64-bit hash: the
/// two seeded CRC-32s this replaced differed by a function of the length only (32 bits).
pub(crate) fn id_hash(api_key_id: &str, request_id: &str) -> u64 {
    let mut data = Vec::with_capacity(api_key_id.len() + 1 + request_id.len());
    data.extend_from_slice(api_key_id.as_bytes());
    data.push(0x1f);
    data.extend_from_slice(request_id.as_bytes());
    blake2b_64(&data)
}

const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

#[inline(always)]
fn mix(v: &mut [u64; 16], (a, b, c, d): (usize, usize, usize, usize), x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

fn compress(h: &mut [u64; 8], block: &[u8; 128], counter: u128, last: bool) {
    let mut m = [0u64; 16];
    for (i, word) in m.iter_mut().enumerate() {
        *word = u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= counter as u64;
    v[13] ^= (counter >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    for s in &SIGMA {
        mix(&mut v, (0, 4, 8, 12), m[s[0]], m[s[1]]);
        mix(&mut v, (1, 5, 9, 13), m[s[2]], m[s[3]]);
        mix(&mut v, (2, 6, 10, 14), m[s[4]], m[s[5]]);
        mix(&mut v, (3, 7, 11, 15), m[s[6]], m[s[7]]);
        mix(&mut v, (0, 5, 10, 15), m[s[8]], m[s[9]]);
        mix(&mut v, (1, 6, 11, 12), m[s[10]], m[s[11]]);
        mix(&mut v, (2, 7, 8, 13), m[s[12]], m[s[13]]);
        mix(&mut v, (3, 4, 9, 14), m[s[14]], m[s[15]]);
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// BLAKE2b (RFC 7693), unkeyed, 8-byte digest, as a little-endian u64.
pub(crate) fn blake2b_64(data: &[u8]) -> u64 {
    let mut h = IV;
    h[0] ^= 0x0101_0000 ^ 8; // depth 1, fanout 1, no key, digest length 8
    let mut block = [0u8; 128];
    let mut offset = 0;
    // Every full block but the last goes through as not-final.
    while data.len() - offset > 128 {
        block.copy_from_slice(&data[offset..offset + 128]);
        offset += 128;
        compress(&mut h, &block, offset as u128, false);
    }
    let rest = &data[offset..];
    block = [0u8; 128];
    block[..rest.len()].copy_from_slice(rest);
    compress(&mut h, &block, data.len() as u128, true);
    h[0]
}

/// `prompt_memory.keyed_exact`: BLAKE2b-64 of the salt and the little-endian hash, low
/// 32 bits.
pub(crate) fn keyed_exact(exact: u32, salt: &[u8; 16]) -> u32 {
    in_context(exact, &[], salt)
}

/// `detectors.state.prompt_memory.in_context`: a keyed prompt hash with the request's
/// system prompt (its hash's UTF-8 bytes, as `.encode("utf-8", "replace")` makes them);
/// with none, `keyed_exact`. Short inputs (all but hostile ones) stay on the stack.
pub(crate) fn in_context(exact: u32, system_prompt_hash: &[u8], salt: &[u8; 16]) -> u32 {
    let size = 20 + system_prompt_hash.len();
    let fill = |data: &mut [u8]| {
        data[..16].copy_from_slice(salt);
        data[16..20].copy_from_slice(&exact.to_le_bytes());
        data[20..].copy_from_slice(system_prompt_hash);
    };
    let mut stack = [0u8; 128];
    if size <= stack.len() {
        fill(&mut stack[..size]);
        return blake2b_64(&stack[..size]) as u32;
    }
    let mut heap = vec![0u8; size];
    fill(&mut heap);
    blake2b_64(&heap) as u32
}

#[pyfunction]
#[pyo3(name = "in_context")]
/// `in_context`, for tests that compare it with the Python reference.
pub fn in_context_py(exact: u32, system_prompt_hash: &[u8], salt: [u8; 16]) -> u32 {
    in_context(exact, system_prompt_hash, &salt)
}

#[pyfunction]
#[pyo3(name = "keyed_exact")]
/// `keyed_exact`, for tests that compare it with the Python reference.
pub fn keyed_exact_py(exact: u32, salt: [u8; 16]) -> u32 {
    keyed_exact(exact, &salt)
}

#[pyfunction]
/// `id_hash`, for tests that compare it with the Python reference.
pub fn request_id_hash(api_key_id: &str, request_id: &str) -> u64 {
    id_hash(api_key_id, request_id)
}
