//! `BatchBuffer`: gathers the records of one batch as they stream from the server, checks
//! their positions, and verifies the batch's commit when its last record arrives, so that a
//! read hands out a batch's records only after its commit matched. It is the check of
//! `pvb_core::ChainVerifier`, computed differently for speed:
//!
//! - the bytes are copied once, into one buffer, and the driver's row is dropped at once (a
//!   retained row pins the driver's read buffer and costs an allocation per row);
//! - BLAKE3 is fed the previous commit and the whole batch in one call (its SIMD path, about
//!   17 ns a record) rather than one ~100-byte record at a time (about 100 ns).
//!
//! Same bytes, same hash, same verdicts: `tests::agrees_with_chain_verifier` holds the two to
//! each other. At most one batch is held (a batch has at most `BATCH_RECORDS_MAX` records).
//!
//! It is not a second definition of the chain: that is pvb-core's `record.rs`.

use pvb_core::{ChainError, Commit, Position, RecordError, RecordView, COMMIT_BYTES};

/// Why a record was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The bytes are not a record.
    Record(RecordError),
    /// The chain does not verify (gap, or a batch whose commit does not match).
    Chain(ChainError),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Record(e) => write!(f, "record does not parse: {e}"),
            Refused::Chain(e) => write!(f, "{e}"),
        }
    }
}

/// The records of the batch being read, and the chain up to it.
pub(crate) struct BatchBuffer {
    commit: Commit,
    next: Position,
    batch_first: Position,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl BatchBuffer {
    /// A buffer whose chain continues after `previous`, with the next record at `next`.
    pub(crate) fn new(previous: Commit, next: Position) -> BatchBuffer {
        BatchBuffer {
            commit: previous,
            next,
            batch_first: next,
            bytes: Vec::with_capacity(256 << 10),
            ends: Vec::with_capacity(2048),
        }
    }

    /// Takes one record. Returns true when it ended its batch and the batch verified: the
    /// batch's records are then in [`BatchBuffer::records`] until the next push. After an
    /// error the buffer is unusable.
    pub(crate) fn push(&mut self, record: &[u8]) -> Result<bool, Refused> {
        if self.next == self.batch_first && !self.ends.is_empty() {
            // The previous push ended a batch: start the next one.
            self.bytes.clear();
            self.ends.clear();
        }
        let view = RecordView::parse(record).map_err(Refused::Record)?;
        if view.position != self.next {
            return Err(Refused::Chain(ChainError::Gap {
                expected: self.next,
                got: view.position,
            }));
        }
        self.bytes.extend_from_slice(record);
        self.ends.push(self.bytes.len());
        self.next = Position(self.next.0.saturating_add(1));
        let Some(stored) = view.commit else {
            return Ok(false);
        };
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.commit.0);
        // Every record whole, except the last one's commit.
        hasher.update(&self.bytes[..self.bytes.len() - COMMIT_BYTES]);
        let computed = Commit(*hasher.finalize().as_bytes());
        if computed != stored {
            return Err(Refused::Chain(ChainError::Mismatch {
                first: self.batch_first,
                position: view.position,
            }));
        }
        self.commit = computed;
        self.batch_first = self.next;
        Ok(true)
    }

    /// The records of the batch the last push ended (empty before one ended).
    pub(crate) fn records(&self) -> impl Iterator<Item = &[u8]> {
        let done = self.next == self.batch_first;
        let mut start = 0;
        self.ends
            .iter()
            .take(if done { self.ends.len() } else { 0 })
            .map(move |&end| {
                let record = &self.bytes[start..end];
                start = end;
                record
            })
    }

    /// The position the next record must have.
    pub(crate) fn next_position(&self) -> Position {
        self.next
    }

    /// The last position covered by a verified commit.
    pub(crate) fn committed_head(&self) -> Position {
        Position(self.batch_first.0.saturating_sub(1))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use pvb_core::{seal_batch, ChainVerifier, EventId, NewRecord, SCHEMA_VERSION};

    fn sealed(batches: &[usize]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut commit = Commit::GENESIS;
        let mut next = Position(1);
        for (k, &n) in batches.iter().enumerate() {
            let records: Vec<NewRecord> = (0..n)
                .map(|i| NewRecord {
                    id: EventId([(k * 31 + i) as u8; 16]),
                    recorded_at_us: i as i64,
                    schema: SCHEMA_VERSION,
                    codec: 1,
                    payload: vec![k as u8; i % 300],
                })
                .collect();
            commit = seal_batch(commit, next, &records, |_, b| out.push(b.to_vec())).unwrap();
            next = Position(next.0 + n as u64);
        }
        out
    }

    #[test]
    fn agrees_with_chain_verifier() {
        let log = sealed(&[1, 5, 300, 2, 1, 40, 9000]);
        let mut cases = vec![log.clone()];
        for flip in [0, 3, 6, 200, 306, 307, 310, 5000, log.len() - 1] {
            for byte in [0usize, 9, 30, 38, 39, 60] {
                let mut damaged = log.clone();
                if byte < damaged[flip].len() {
                    damaged[flip][byte] ^= 1;
                    cases.push(damaged);
                }
            }
        }
        let mut swapped = log.clone();
        swapped.swap(10, 11);
        cases.push(swapped);
        let mut dropped = log.clone();
        dropped.remove(7);
        cases.push(dropped);
        for case in &cases {
            let mut a = ChainVerifier::from_start();
            let mut b = BatchBuffer::new(Commit::GENESIS, Position(1));
            let mut handed_out = Vec::new();
            for rec in case {
                let ra = RecordView::parse(rec)
                    .map_err(|_| ())
                    .and_then(|view| a.push(&view).map_err(|_| ()));
                let rb = b.push(rec);
                assert_eq!(ra.is_ok(), rb.is_ok(), "{rb:?}");
                let Ok(ended) = rb else { break };
                assert_eq!(ra.unwrap().is_some(), ended);
                if ended {
                    handed_out.extend(b.records().map(<[u8]>::to_vec));
                }
                assert_eq!(a.next_position(), b.next_position());
                assert_eq!(a.committed_head(), b.committed_head());
            }
            // Only verified batches were handed out, byte for byte the records pushed.
            assert_eq!(handed_out[..], case[..handed_out.len()]);
            assert_eq!(handed_out.len() as u64, b.committed_head().0);
        }
    }
}
