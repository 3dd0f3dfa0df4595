//! pvb-core: the vocabulary and the rules of pvb, a ledger for person-following financing
//! (persoonsvolgende bekostiging) of Dutch long-term care (the Wlz).
//!
//! The principal types: [`Command`] (a request) goes through [`decide`] under a [`Policy`]
//! against a [`State`], which answers with [`Event`]s (facts) or a [`Rejection`] (the rule it
//! broke); [`State::apply`] folds accepted events. Events become [`NewRecord`]s, sealed into a
//! hash-chained log by an [`EventLog`] adapter.
//!
//! It is not: a store, a projection, a parser of files, or a command-line tool. It does no I/O,
//! reads no clock and draws no random numbers; identifiers that need randomness (event ids
//! without a caller's id) and timestamps come from the caller.
//!
//! ```
//! use pvb_core::*;
//! use time::macros::date;
//!
//! let mut state = State::new();
//! let region = RegionId::new(5531).unwrap();
//! let budget = Command::SetRegionBudget { region, year: 2026, amount: Money::from_cents(1_000_000) };
//! for event in decide(&state, &budget, Policy::PersonFollowing).unwrap() {
//!     state.apply(&event);
//! }
//! assert_eq!(state.balance(Account::pool(region), 2026), Money::from_cents(1_000_000));
//! # let _ = date!(2026-01-01);
//! ```

#![forbid(unsafe_code)]

mod codec;
mod command;
mod event;
mod ids;
mod log;
mod money;
mod profile;
mod record;
mod rejection;
mod rules;
pub mod samples;
mod state;
mod text;

pub use codec::{
    decode_event, encode_event, event_to_vec, PayloadError, CODEC_BINCODE_2, PAYLOAD_BYTES_MAX,
};
pub use command::Command;
pub use event::{
    january_first, Account, BudgetReleased, BudgetReserved, BudgetTransferred, CareDelivered,
    CareEnded, CareStarted, ChoiceWithdrawn, DeliveryReversed, EndReason, Event, IndicationGranted,
    IndicationWithdrawn, ProviderChosen, ProviderContracted, RegionBudgetSet, TariffSet,
    TransferReason, Urgency, WithdrawalReason, Year,
};
pub use ids::{
    eleven_proof, Bsn, ClientId, DeclarationRef, EventId, IdError, IndicationId, Position,
    ProviderId, Pseudonymiser, RegionId, TEXT_ID_BYTES_MAX,
};
pub use log::{AppendError, Condition, Durability, EventLog};
pub use money::Money;
pub use profile::{DeliveryForm, Profile};
pub use record::{
    seal_batch, ChainError, ChainVerifier, Commit, NewRecord, RecordError, RecordView,
    BATCH_RECORDS_MAX, COMMIT_BYTES, HEADER_BYTES, RECORD_BYTES_MAX, SCHEMA_VERSION,
};
pub use rejection::Rejection;
pub use rules::{decide, Policy, RULES_VERSION};
pub use state::{
    days_between, next_january_first, CareInterval, ChoiceState, ClientState, Contract,
    DeliveryRecord, IndicationState, Reservation, State,
};
pub use text::{Note, NoteError, NOTE_BYTES_MAX};

/// Re-exported so users name dates with the same type the ledger uses.
pub use time::Date;
