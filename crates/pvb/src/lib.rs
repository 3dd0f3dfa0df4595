//! pvb: the ledger a care office embeds.
#![forbid(unsafe_code)]
pub mod import;
pub mod jsonl;
pub mod keyfile;
mod ledger;
mod views;
pub use ledger::*;
pub use views::Views;
