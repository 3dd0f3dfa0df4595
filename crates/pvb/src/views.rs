//! The read models the ledger keeps up to date: a thin owner of `pvb-projection`'s projections.
//!
//! It is not where projections are defined (that is `pvb-projection`).

use pvb_core::{Event, Position};

/// The projections a ledger folds as it appends.
#[derive(Clone, Debug, Default)]
pub struct Views {
    events: u64,
}

impl Views {
    /// Folds one event.
    pub fn apply(&mut self, _position: Position, _recorded_at_us: i64, _event: &Event) {
        self.events += 1;
    }

    /// Events folded.
    pub fn events(&self) -> u64 {
        self.events
    }
}
