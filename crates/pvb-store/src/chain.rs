//! `BatchChain`: the hash-chain check of `pvb_core::ChainVerifier`, computed a batch at a time.
//!
//! `ChainVerifier` feeds BLAKE3 one record at a time; at about 100 bytes a record that keeps
//! BLAKE3 on its one-block-at-a-time path (about 1 GB/s here). `BatchChain` gathers the bytes of
//! a batch (previous commit, then each record without its commit) and hashes them in one call,
//! where BLAKE3 uses its SIMD many-chunk path (about 5 GB/s). The result is the same hash, so
//! the same check; `tests::agrees_with_chain_verifier` holds the two to each other.
//!
//! It is not a second definition of the chain: the chain is defined in pvb-core `record.rs`.

#[cfg(test)]
use pvb_core::RecordView;
use pvb_core::{ChainError, Commit, Position, COMMIT_BYTES};

/// Gathered bytes are hashed when they pass this size, to bound memory for huge batches.
const GATHER_FLUSH_BYTES: usize = 1 << 20;

/// Recomputes the chain from a batch boundary on.
#[derive(Clone)]
pub(crate) struct BatchChain {
    commit: Commit,
    next: Position,
    batch_first: Position,
    hasher: blake3::Hasher,
    gather: Vec<u8>,
}

impl BatchChain {
    /// A chain that continues after `previous`, whose next record is `next`.
    pub(crate) fn new(previous: Commit, next: Position) -> BatchChain {
        let mut gather = Vec::new();
        gather.extend_from_slice(&previous.0);
        BatchChain {
            commit: previous,
            next,
            batch_first: next,
            hasher: blake3::Hasher::new(),
            gather,
        }
    }

    /// Checks one record; returns the new commit when it ends its batch.
    #[cfg(test)]
    pub(crate) fn push(&mut self, record: &RecordView<'_>) -> Result<Option<Commit>, ChainError> {
        let chained = record.chained_bytes();
        let commit = record.commit.map(|c| c.0);
        self.push_raw(record.position, chained, commit.as_ref().map(|c| &c[..]))
    }

    /// Checks one record given as its position, its chained bytes (the record without its
    /// commit) and, on the last record of a batch, its stored commit.
    #[inline]
    pub(crate) fn push_raw(
        &mut self,
        position: Position,
        chained: &[u8],
        stored: Option<&[u8]>,
    ) -> Result<Option<Commit>, ChainError> {
        if position != self.next {
            return Err(ChainError::Gap {
                expected: self.next,
                got: position,
            });
        }
        self.gather.extend_from_slice(chained);
        // Overflow needs 2^64 records; saturate rather than panic on a crafted position.
        self.next = Position(self.next.0.saturating_add(1));
        if self.gather.len() >= GATHER_FLUSH_BYTES {
            self.hasher.update(&self.gather);
            self.gather.clear();
        }
        let Some(stored) = stored else {
            return Ok(None);
        };
        self.hasher.update(&self.gather);
        let computed = Commit(*self.hasher.finalize().as_bytes());
        self.hasher.reset();
        self.gather.clear();
        if computed.0[..] != *stored {
            // Leave the chain at the batch start, as if the batch had not been pushed.
            let first = self.batch_first;
            self.next = first;
            self.gather.extend_from_slice(&self.commit.0);
            return Err(ChainError::Mismatch { first, position });
        }
        self.commit = computed;
        self.batch_first = self.next;
        self.gather.extend_from_slice(&computed.0);
        Ok(Some(computed))
    }

    /// Moves the chain past batches verified elsewhere: `commit` is the last one's commit and
    /// `next` the position after it. Only at a batch boundary.
    pub(crate) fn advance(&mut self, commit: Commit, next: Position) {
        debug_assert!(self.batch_first == self.next, "advance inside a batch");
        self.commit = commit;
        self.next = next;
        self.batch_first = next;
        self.hasher.reset();
        self.gather.clear();
        self.gather.extend_from_slice(&commit.0);
    }

    /// Forgets the records pushed since the last batch end.
    pub(crate) fn discard_batch(&mut self) {
        self.next = self.batch_first;
        self.hasher.reset();
        self.gather.clear();
        self.gather.extend_from_slice(&self.commit.0);
    }

    /// The last verified commit.
    pub(crate) fn commit(&self) -> Commit {
        self.commit
    }

    /// The position the next record must have.
    pub(crate) fn next(&self) -> Position {
        self.next
    }

    /// First position of the batch being gathered (== `next` at a boundary).
    pub(crate) fn batch_first(&self) -> Position {
        self.batch_first
    }

    /// True when every record pushed is covered by a verified commit.
    #[cfg(test)]
    pub(crate) fn at_boundary(&self) -> bool {
        self.batch_first == self.next
    }
}

const _: () = assert!(COMMIT_BYTES == 32);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use pvb_core::{seal_batch, ChainVerifier, EventId, NewRecord, RecordView, SCHEMA_VERSION};

    fn records(n: usize, seed: u8) -> Vec<NewRecord> {
        (0..n)
            .map(|i| NewRecord {
                id: EventId([seed ^ i as u8; 16]),
                recorded_at_us: i as i64,
                schema: SCHEMA_VERSION,
                codec: 1,
                payload: vec![seed; i % 300],
            })
            .collect()
    }

    fn sealed(batches: &[usize]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut commit = Commit::GENESIS;
        let mut next = Position(1);
        for (k, &n) in batches.iter().enumerate() {
            commit = seal_batch(commit, next, &records(n, k as u8), |_, b| {
                out.push(b.to_vec())
            })
            .unwrap();
            next = Position(next.0 + n as u64);
        }
        out
    }

    #[test]
    fn agrees_with_chain_verifier() {
        let log = sealed(&[1, 5, 300, 2, 1, 40]);
        for flip in 0..log.len() {
            for byte in [0usize, 9, 30, 38, 39, 60] {
                let mut damaged = log.clone();
                if byte >= damaged[flip].len() {
                    continue;
                }
                damaged[flip][byte] ^= 1;
                let mut a = ChainVerifier::from_start();
                let mut b = BatchChain::new(Commit::GENESIS, Position(1));
                for rec in &damaged {
                    let Ok(view) = RecordView::parse(rec) else {
                        break;
                    };
                    let ra = a.push(&view);
                    let rb = b.push(&view);
                    assert_eq!(ra, rb, "record {flip} byte {byte}");
                    if ra.is_err() {
                        break;
                    }
                }
            }
        }
        let mut b = BatchChain::new(Commit::GENESIS, Position(1));
        let mut a = ChainVerifier::from_start();
        for rec in &log {
            let view = RecordView::parse(rec).unwrap();
            assert_eq!(a.push(&view), b.push(&view));
        }
        assert_eq!(a.commit(), b.commit());
        assert!(b.at_boundary());
    }
}
