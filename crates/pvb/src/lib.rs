//! pvb: the ledger a care office embeds to run person-following financing (persoonsvolgende
//! bekostiging) of Dutch long-term care on an append-only, hash-chained event log.
//!
//! The principal type is [`Ledger`]: open it over any [`pvb_core::EventLog`] (a `FileLog` from
//! `pvb-store` is the embedded default), [`Ledger::execute`] commands (decide, append durably,
//! apply), and read [`Ledger::projections`] or [`Ledger::replay`] them as of any date and as known
//! at any position. [`import`] reads JSON Lines with a rejections report; [`jsonl`] parses and
//! writes single lines; [`keyfile`] keeps the pseudonymisation key outside the log.
//!
//! It is not: a storage adapter, a rule book (that is `pvb-core`) or a command-line tool (that is
//! `pvb-cli`).

#![forbid(unsafe_code)]

pub mod export;
pub mod import;
pub mod jsonl;
pub mod keyfile;
mod ledger;
pub mod snapshot;

pub use ledger::{
    replay_log, system_clock_us, AllOrNothing, Ledger, LedgerError, Options, Outcome, Submission,
};
/// The core crate, re-exported.
pub use pvb_core as core;
/// The projections crate, re-exported.
pub use pvb_projection as projection;
