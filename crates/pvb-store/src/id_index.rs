//! The event-id index of `FileLog`: id to position, for idempotent appends.
//!
//! A `HashMap<[u8; 16], u64>` (24 bytes an entry plus one control byte, at a load factor of
//! 7/8 to 7/16: about 28 to 57 bytes an event) with a hasher made for ids: a per-process random
//! key and one folded 64x64->128-bit multiplication (the core of wyhash/foldhash), about 1 ns
//! where std's SipHash takes about 20. Ids are BLAKE3 outputs or caller-chosen 128-bit values;
//! the random key keeps crafted ids from being aimed at one bucket by anyone who does not know
//! it.
//!
//! It is not persistent: `FileLog::open` rebuilds it from the segments.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

/// Builds [`IdHasher`]s with this process's key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IdHash {
    k0: u64,
    k1: u64,
}

impl Default for IdHash {
    fn default() -> IdHash {
        use std::sync::OnceLock;
        static KEYS: OnceLock<(u64, u64)> = OnceLock::new();
        let &(k0, k1) = KEYS.get_or_init(|| {
            // std's RandomState is seeded from the operating system's random source.
            let state = std::collections::hash_map::RandomState::new();
            (state.hash_one(0x5eed_u64) | 1, state.hash_one(0x1d_u64))
        });
        IdHash { k0, k1 }
    }
}

impl BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher {
            k0: self.k0,
            k1: self.k1,
            state: self.k1,
        }
    }
}

/// Hashes the bytes of one id.
pub(crate) struct IdHasher {
    k0: u64,
    k1: u64,
    state: u64,
}

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a).wrapping_mul(u128::from(b));
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(16) {
            let mut lo = [0u8; 8];
            let mut hi = [0u8; 8];
            let split = chunk.len().min(8);
            lo[..split].copy_from_slice(&chunk[..split]);
            hi[..chunk.len() - split].copy_from_slice(&chunk[split..]);
            let lo = u64::from_le_bytes(lo) ^ self.k0;
            let hi = u64::from_le_bytes(hi) ^ self.k1 ^ self.state;
            self.state = fold(lo, hi);
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        // The length prefix of a slice: always 16 here.
        self.state ^= n as u64;
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.state ^ self.k0, self.k1.rotate_left(23))
    }
}

/// Id to position.
pub(crate) type IdIndex = HashMap<[u8; 16], u64, IdHash>;
/// A set of ids (the ids of one batch, to find one given twice).
pub(crate) type IdSet = HashSet<[u8; 16], IdHash>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_spread_over_the_buckets() {
        let build = IdHash::default();
        // Ids that differ only in their last 8 bytes, by small numbers.
        let mut seen = HashSet::new();
        for i in 0..4096u64 {
            let mut id = [0u8; 16];
            id[8..].copy_from_slice(&i.to_le_bytes());
            seen.insert(build.hash_one(id) >> 52);
        }
        // 4096 random draws from 4096 values hit 4096 * (1 - 1/e) = 2589 of them on average.
        let distinct = seen.len();
        assert!(
            (2450..2730).contains(&distinct),
            "{distinct} of 4096 top-12-bit values"
        );
    }
}
