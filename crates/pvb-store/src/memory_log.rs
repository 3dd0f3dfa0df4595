//! `MemoryLog`: the in-memory adapter and the oracle of the conformance suite.
//!
//! It stores the same sealed record bytes as every other adapter, in one growing buffer, and
//! checks the hash chain with pvb-core's own `ChainVerifier` on every read. Its
//! [`Durability`] is `None`: everything is lost with the process.
//!
//! It is not a cache in front of another log and not meant for more than what fits in memory.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;

use pvb_core::{
    seal_batch, AppendError, ChainVerifier, Commit, Condition, Durability, EventLog, NewRecord,
    Position, RecordView,
};

use crate::error::{Damage, Error};

/// The in-memory event log.
///
/// Invariants: `ends[i]` is the end of the record at position `i + 1` in `bytes`; `batches`
/// holds each batch's first position and previous commit, in order; `ids` maps every id to its
/// position.
#[derive(Debug, Default, Clone)]
pub struct MemoryLog {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    batches: Vec<(Position, Commit)>,
    ids: HashMap<[u8; 16], u64>,
    head_commit: Commit,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> MemoryLog {
        MemoryLog::default()
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn record(&self, position: Position) -> Option<&[u8]> {
        let index = usize::try_from(position.0.checked_sub(1)?).ok()?;
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.bytes.get(start..end)
    }

    fn damage(position: Position, damage: Damage) -> Error {
        Error::Corruption {
            segment: PathBuf::from("<memory>"),
            offset: 0,
            position,
            damage,
        }
    }
}

impl EventLog for MemoryLog {
    type Error = Error;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Error>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen = HashSet::with_capacity(batch.len());
        if let Some(twice) = batch.iter().find(|r| !seen.insert(r.id)) {
            return Err(AppendError::InvalidBatch(format!(
                "event id {} appears twice in the batch",
                twice.id
            )));
        }
        let known: Vec<Option<Position>> = batch
            .iter()
            .map(|r| self.ids.get(&r.id.0).map(|&p| Position(p)))
            .collect();
        if known.iter().all(Option::is_some) {
            return Ok(known.into_iter().flatten().collect());
        }
        let head = Position(self.ends.len() as u64);
        if let Condition::Head(expected) = condition {
            if expected != head {
                return Err(AppendError::Conflict {
                    expected,
                    actual: head,
                });
            }
        }
        let fresh: Vec<NewRecord> = batch
            .iter()
            .zip(&known)
            .filter(|(_, k)| k.is_none())
            .map(|(r, _)| r.clone())
            .collect();
        let first = head.next();
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(fresh.len());
        let base = self.bytes.len();
        let commit = seal_batch(self.head_commit, first, &fresh, |_, record| {
            bytes.extend_from_slice(record);
            ends.push(base + bytes.len());
        })?;
        self.bytes.extend_from_slice(&bytes);
        self.ends.extend_from_slice(&ends);
        self.batches.push((first, self.head_commit));
        self.head_commit = commit;
        let mut next = first;
        let mut positions = Vec::with_capacity(batch.len());
        for (record, known) in batch.iter().zip(known) {
            match known {
                Some(position) => positions.push(position),
                None => {
                    self.ids.insert(record.id.0, next.0);
                    positions.push(next);
                    next = next.next();
                }
            }
        }
        Ok(positions)
    }

    fn head(&mut self) -> Result<Position, Error> {
        Ok(Position(self.ends.len() as u64))
    }

    fn head_commit(&mut self) -> Result<Commit, Error> {
        Ok(self.head_commit)
    }

    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let from = Position(from.0.max(1));
        let head = Position(self.ends.len() as u64);
        if from > head {
            return Ok(());
        }
        let index = self.batches.partition_point(|(first, _)| *first <= from);
        let Some(&(first, previous)) = index.checked_sub(1).and_then(|i| self.batches.get(i))
        else {
            return Ok(());
        };
        let mut verifier = ChainVerifier::new(previous, first);
        let mut batch_start = first;
        let mut position = first;
        while position <= head {
            // Verify the whole batch before handing out any of its records.
            loop {
                let bytes = self
                    .record(position)
                    .ok_or_else(|| MemoryLog::damage(position, Damage::Header("record missing")))?;
                let view = RecordView::parse(bytes)
                    .map_err(|e| MemoryLog::damage(position, Damage::Record(e)))?;
                let ended = verifier
                    .push(&view)
                    .map_err(|e| MemoryLog::damage(position, Damage::Chain(e)))?;
                position = position.next();
                if ended.is_some() {
                    break;
                }
            }
            let mut p = batch_start;
            while p < position {
                if p >= from {
                    if let Some(view) = self.record(p).and_then(|b| RecordView::parse(b).ok()) {
                        if visit(&view).is_break() {
                            return Ok(());
                        }
                    }
                }
                p = p.next();
            }
            batch_start = position;
        }
        Ok(())
    }

    fn durability(&self) -> Durability {
        Durability::None
    }

    fn find(&mut self, id: &pvb_core::EventId) -> Result<Option<Position>, Self::Error> {
        Ok(self.ids.get(&id.0).map(|p| Position(*p)))
    }
}
