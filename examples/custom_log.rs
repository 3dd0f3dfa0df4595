//! Implementing a custom `EventLog` and running the conformance suite on it. The adapter keeps
//! sealed records in a `Vec` (a stand-in for your own storage: a key-value store, an object
//! store); `pvb_store::conformance::run` checks it against the contract every adapter keeps.
use std::collections::HashMap;
use std::ops::ControlFlow;

use pvb_core::*;
use pvb_store::conformance::{self, Harness};

#[derive(Default)]
struct VecLog {
    records: Vec<Vec<u8>>,
    ids: HashMap<EventId, Position>,
    commit: Commit,
}

impl EventLog for VecLog {
    type Error = std::io::Error;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Self::Error>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        for (i, r) in batch.iter().enumerate() {
            if batch[..i].iter().any(|o| o.id == r.id) {
                return Err(AppendError::InvalidBatch(format!(
                    "event id {} twice in one batch",
                    r.id
                )));
            }
        }
        if let Some(known) = batch
            .iter()
            .map(|r| self.ids.get(&r.id).copied())
            .collect::<Option<Vec<_>>>()
        {
            return Ok(known); // Every id is in the log: an idempotent retry.
        }
        let head = Position(self.records.len() as u64);
        if let Condition::Head(expected) = condition {
            if expected != head {
                return Err(AppendError::Conflict {
                    expected,
                    actual: head,
                });
            }
        }
        let new: Vec<NewRecord> = batch
            .iter()
            .filter(|r| !self.ids.contains_key(&r.id))
            .cloned()
            .collect();
        let mut sealed = Vec::new();
        let commit = seal_batch(self.commit, head.next(), &new, |_, bytes| {
            sealed.push(bytes.to_vec())
        })?;
        for (record, bytes) in new.iter().zip(sealed) {
            self.records.push(bytes);
            self.ids
                .insert(record.id, Position(self.records.len() as u64));
        }
        self.commit = commit;
        Ok(batch.iter().map(|r| self.ids[&r.id]).collect())
    }

    fn head(&mut self) -> Result<Position, Self::Error> {
        Ok(Position(self.records.len() as u64))
    }

    fn head_commit(&mut self) -> Result<Commit, Self::Error> {
        Ok(self.commit)
    }

    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        let mut chain = ChainVerifier::from_start();
        for bytes in &self.records {
            let view = RecordView::parse(bytes).map_err(std::io::Error::other)?;
            chain.push(&view).map_err(std::io::Error::other)?;
            if view.position >= from && visit(&view).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn durability(&self) -> Durability {
        Durability::None
    }
}

struct VecHarness;

impl Harness for VecHarness {
    type Log = VecLog;
    fn fresh(&mut self) -> VecLog {
        VecLog::default()
    }
    fn reopen(&mut self, log: VecLog) -> VecLog {
        log // Not durable: reopening hands back the same log.
    }
}

fn main() {
    conformance::run(VecHarness);
    println!("VecLog keeps the EventLog contract");
}
