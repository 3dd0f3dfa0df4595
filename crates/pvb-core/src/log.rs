//! The storage seam: the `EventLog` trait every adapter implements (memory, file, sled,
//! PostgreSQL), and the types of its contract.
//!
//! It is not an adapter: pvb-core does no I/O. The conformance suite in `pvb-store` (feature
//! `conformance`) checks an adapter against this contract.

use std::ops::ControlFlow;

use crate::ids::{EventId, Position};
use crate::record::{Commit, NewRecord, RecordError, RecordView};

/// What an append requires of the log's head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Append after whatever is there.
    Any,
    /// Append only if the log's last position is this one (`Position(0)`: the log is empty).
    /// Another writer got there first otherwise: the append fails with `Conflict`.
    Head(Position),
}

/// How durable an acknowledged append is. Visible in the type so that a non-durable log can
/// never be mistaken for a durable one (RELIABILITY.md a7, rule 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Held in memory only: lost with the process.
    None,
    /// `fdatasync` (or the storage engine's flush) before `Ok`.
    Fsync,
    /// A database commit with synchronous durability before `Ok`.
    DatabaseCommit,
}

/// Why an append failed. Nothing of the batch was appended in any case.
#[derive(Debug, thiserror::Error)]
pub enum AppendError<E> {
    /// The `Head(p)` condition failed: the log's head is `actual`.
    #[error("conflict: the log's head is {actual}, the append expected {expected}")]
    Conflict {
        /// The head the caller expected.
        expected: Position,
        /// The head the log has.
        actual: Position,
    },
    /// The batch itself is invalid (too large, an oversized payload, an id twice).
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    /// The batch could not be sealed.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The storage failed. For a durable log this poisons the writer until it is reopened.
    #[error(transparent)]
    Storage(E),
}

/// An append-only, totally ordered, hash-chained log of records.
///
/// Contract (every adapter, checked by the conformance suite):
/// - positions are gapless and start at 1; every reader sees one order;
/// - `append` is all or nothing; it returns one position per record of the batch, in order;
/// - an event id already in the log is not appended again: its original position is returned
///   (idempotent retries); if every id of a batch is already there the condition is not checked;
/// - a batch is sealed with [`crate::record::seal_batch`] against the current chain head, so every
///   adapter stores the same bytes for the same history;
/// - `Ok` means durable to the adapter's [`Durability`];
/// - `read` hands out only records that passed the adapter's integrity checks and the hash
///   chain, in position order from `from` (a position past the head reads nothing).
pub trait EventLog {
    /// The adapter's storage error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Appends `batch` under `condition`. Returns the position of every record.
    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Self::Error>>;

    /// The last position (`Position(0)` when empty).
    fn head(&mut self) -> Result<Position, Self::Error>;

    /// The chain head: the commit of the last batch (`Commit::GENESIS` when empty).
    fn head_commit(&mut self) -> Result<Commit, Self::Error>;

    /// Visits every record from `from` on, in order, until `visit` breaks.
    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Self::Error>;

    /// How durable an acknowledged append is.
    fn durability(&self) -> Durability;

    /// The position of the record with event id `id`, if the log has it.
    ///
    /// The default scans the whole log; adapters with an id index answer from it.
    fn find(&mut self, id: &EventId) -> Result<Option<Position>, Self::Error> {
        let mut found = None;
        self.read(Position(1), &mut |record| {
            if record.id == *id {
                found = Some(record.position);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(found)
    }
}
