//! The event-id index of `FileLog`: id to position, for idempotent appends.
//!
//! Two parts. *Runs*: a ledger draws its fresh ids as one random 8-byte prefix and a
//! little-endian counter (`EventId::derived`), so the ids it appends are consecutive at
//! consecutive positions; such a run is kept as four numbers however long it is (a national
//! year from one ledger: a few runs, a few hundred bytes). *Singles*: every other id (caller
//! ids are BLAKE3 outputs) in a `HashMap<[u8; 16], u64>` (24 bytes an entry plus one control
//! byte, at a load factor of 7/8 to 7/16: about 28 to 57 bytes an event) with a hasher made for
//! ids: a per-process random key and one folded 64x64->128-bit multiplication (the core of
//! wyhash/foldhash), about 1 ns where std's SipHash takes about 20. The random key keeps
//! crafted ids from being aimed at one bucket by anyone who does not know it.
//!
//! A run starts when an appended id is the successor of the id appended just before it, at
//! the next position; a single id never costs a run.
//!
//! It is not persistent: `FileLog::open` rebuilds it from the segments.

use std::collections::{BTreeMap, HashMap, HashSet};
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

/// The prefix and counter of an id: its first and last 8 bytes, little-endian.
fn split(id: &[u8; 16]) -> (u64, u64) {
    let mut prefix = [0u8; 8];
    let mut counter = [0u8; 8];
    prefix.copy_from_slice(&id[..8]);
    counter.copy_from_slice(&id[8..]);
    (u64::from_le_bytes(prefix), u64::from_le_bytes(counter))
}

fn join(prefix: u64, counter: u64) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&prefix.to_le_bytes());
    id[8..].copy_from_slice(&counter.to_le_bytes());
    id
}

/// Consecutive ids at consecutive positions: counters `start..start + len` of one prefix at
/// positions `first..first + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    len: u64,
    first: u64,
}

/// The id inserted last, its position, and the key of its run if it is in one.
#[derive(Clone, Copy, Debug)]
struct Last {
    id: [u8; 16],
    position: u64,
    run: Option<(u64, u64)>,
}

/// Id to position (see the module text).
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    /// Keyed by (prefix, first counter).
    runs: BTreeMap<(u64, u64), Run>,
    singles: HashMap<[u8; 16], u64, IdHash>,
    /// The id inserted last.
    last: Option<Last>,
    /// Ids in runs.
    in_runs: u64,
}

impl IdIndex {
    /// The position of `id`, if it is known.
    pub(crate) fn get(&self, id: &[u8; 16]) -> Option<u64> {
        if let Some(position) = self.singles.get(id) {
            return Some(*position);
        }
        let (prefix, counter) = split(id);
        let (&(run_prefix, start), run) = self.runs.range(..=(prefix, counter)).next_back()?;
        (run_prefix == prefix && counter - start < run.len).then(|| run.first + (counter - start))
    }

    /// The position of `id` if it is known; otherwise enters it at `position` and answers
    /// `None`.
    pub(crate) fn get_or_insert(&mut self, id: [u8; 16], position: u64) -> Option<u64> {
        let known = self.get(&id);
        if known.is_none() {
            self.insert_new(id, position);
        }
        known
    }

    /// Enters an id that [`get`](Self::get) does not know at `position`.
    pub(crate) fn insert_new(&mut self, id: [u8; 16], position: u64) {
        let (prefix, counter) = split(&id);
        if let Some(Last {
            id: last_id,
            position: last_position,
            run: last_run,
        }) = self.last
        {
            let (last_prefix, last_counter) = split(&last_id);
            let follows = last_prefix == prefix
                && last_counter.checked_add(1) == Some(counter)
                && last_position.checked_add(1) == Some(position);
            if follows {
                match last_run {
                    Some(key) => {
                        if let Some(run) = self.runs.get_mut(&key) {
                            run.len += 1;
                            self.in_runs += 1;
                            self.last = Some(Last {
                                id,
                                position,
                                run: Some(key),
                            });
                            return;
                        }
                    }
                    None => {
                        // The id before was a single: the two start a run.
                        if self.singles.remove(&last_id).is_some() {
                            let key = (last_prefix, last_counter);
                            self.runs.insert(
                                key,
                                Run {
                                    len: 2,
                                    first: last_position,
                                },
                            );
                            self.in_runs += 2;
                            self.last = Some(Last {
                                id,
                                position,
                                run: Some(key),
                            });
                            return;
                        }
                    }
                }
            }
        }
        self.singles.insert(id, position);
        self.last = Some(Last {
            id,
            position,
            run: None,
        });
    }

    /// Forgets an id (of a batch whose append failed).
    pub(crate) fn remove(&mut self, id: &[u8; 16]) {
        self.last = None;
        if self.singles.remove(id).is_some() {
            return;
        }
        let (prefix, counter) = split(id);
        let Some((&key, &run)) = self.runs.range(..=(prefix, counter)).next_back() else {
            return;
        };
        if key.0 != prefix || counter - key.1 >= run.len {
            return;
        }
        let offset = counter - key.1;
        self.runs.remove(&key);
        self.in_runs -= run.len;
        // What stays of the run on either side of the id.
        for (start, len, first) in [
            (key.1, offset, run.first),
            (
                counter.wrapping_add(1),
                run.len - offset - 1,
                run.first + offset + 1,
            ),
        ] {
            match len {
                0 => {}
                1 => {
                    self.singles.insert(join(prefix, start), first);
                }
                _ => {
                    self.runs.insert((prefix, start), Run { len, first });
                    self.in_runs += len;
                }
            }
        }
    }

    /// Ids known.
    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.singles.len() as u64 + self.in_runs
    }

    /// About how many bytes of memory the index holds.
    pub(crate) fn bytes(&self) -> usize {
        let buckets = (self.singles.capacity() * 8 / 7).next_power_of_two();
        buckets * (std::mem::size_of::<([u8; 16], u64)>() + 1) + self.runs.len() * 64
    }
}
/// A set of ids (the ids of one batch, to find one given twice).
pub(crate) type IdSet = HashSet<[u8; 16], IdHash>;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The index answers like a plain map for any mix of runs, singles and removals.
        #[test]
        fn index_agrees_with_a_map(
            steps in proptest::collection::vec((0u8..4, 0u64..6, any::<bool>()), 1..300)
        ) {
            let mut index = IdIndex::default();
            let mut model: HashMap<[u8; 16], u64> = HashMap::new();
            let mut position = 1u64;
            let mut counter = 100u64;
            let mut inserted: Vec<[u8; 16]> = Vec::new();
            for (prefix, jump, remove) in steps {
                if remove && !inserted.is_empty() {
                    // Take back the latest ids, as a failed append does.
                    let id = inserted.pop().unwrap();
                    index.remove(&id);
                    model.remove(&id);
                    position -= 1;
                    continue;
                }
                counter = counter.wrapping_add(jump);
                let id = join(u64::from(prefix), counter);
                prop_assert_eq!(index.get(&id), model.get(&id).copied());
                if let std::collections::hash_map::Entry::Vacant(new) = model.entry(id) {
                    new.insert(position);
                    index.insert_new(id, position);
                    inserted.push(id);
                    position += 1;
                }
                prop_assert_eq!(index.len(), model.len() as u64);
            }
            for (id, expected) in &model {
                prop_assert_eq!(index.get(id), Some(*expected));
            }
            for probe in 0..200u64 {
                let id = join(probe % 4, 90 + probe);
                prop_assert_eq!(index.get(&id), model.get(&id).copied());
            }
        }
    }

    #[test]
    fn a_ledgers_fresh_ids_take_one_run() {
        let mut index = IdIndex::default();
        for i in 0..100_000u64 {
            index.insert_new(join(7, 1_000 + i), 1 + i);
        }
        assert_eq!(index.runs.len(), 1);
        assert!(index.singles.is_empty());
        assert_eq!(index.get(&join(7, 1_000 + 4_321)), Some(4_322));
        assert_eq!(index.get(&join(7, 1_000 + 100_000)), None);
        assert_eq!(index.get(&join(8, 1_000)), None);
    }

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
