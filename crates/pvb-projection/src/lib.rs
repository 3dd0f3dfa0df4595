//! pvb-projection: the read models of the pvb ledger, folded from its events: budgets per pool
//! and per provider account, waiting lists per provider with per-region summaries, and a client
//! register, each as of any date (valid time) and as known at any log position (transaction
//! time).
//!
//! The principal types: [`Projections`] folds [`Budgets`], [`WaitingLists`] and
//! [`ClientRegister`], plus a user's own [`Projection`], in one pass over the events a
//! [`Filter`] lets through. Reports come out as plain rows ([`BudgetRow`], [`PoolRow`],
//! [`WaitingRow`], [`RegionWaiting`], [`ClientEntry`]) for a caller to print as a table, CSV or
//! JSON. docs/AUDITORS.md, "As-of semantics", fixes what a view holds.
//!
//! Folding is the replay's hot path (a national year is about 90 million `CareDelivered`):
//! a delivery costs one hash lookup in the budgets (2,000-odd accounts, in cache) and, in the
//! register, a check of the client that followed the previous delivery's client last time,
//! which reads memory front to back when deliveries come in a stable order (see
//! [`ClientRegister`]). `examples/fold_speed.rs` measures it.
//!
//! It is not: a store, a rule book or a cache you can write to. It reads no log (the caller
//! hands it events in position order), refuses nothing, never recomputes a tariff (events carry
//! their amounts), and everything here can be thrown away and rebuilt from the log.
//!
//! ```
//! use pvb_core::*;
//! use pvb_projection::{Filter, Projections};
//! use time::macros::date;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let region = RegionId::new(5531)?;
//! let provider = ProviderId::parse("12345678")?;
//! let client = ClientId::parse("c-17")?;
//! let commands = [
//!     Command::SetTariff { year: 2026, profile: Profile::parse("5VV")?,
//!         form: DeliveryForm::parse("verblijf")?, day_tariff: Money::from_cents(23_000) },
//!     Command::SetRegionBudget { region, year: 2026, amount: Money::from_cents(100_000_000) },
//!     Command::ContractProvider { provider, region, year: 2026, places: 40, tariff_bp: 10_000 },
//!     Command::GrantIndication { client: client.clone(), indication: IndicationId::parse("I-17")?,
//!         profile: Profile::parse("5VV")?, region, from: date!(2026-01-01), until: None },
//!     Command::ChooseProvider { client: client.clone(), provider,
//!         form: DeliveryForm::parse("verblijf")?, on: date!(2026-01-01), urgency: Urgency::Active },
//!     Command::StartCare { client: client.clone(), provider, on: date!(2026-02-01) },
//!     Command::DeliverCare { client: client.clone(), provider, from: date!(2026-02-01),
//!         until: date!(2026-03-01), reference: DeclarationRef::parse("D-1")?, amount: None },
//! ];
//! let mut state = State::new();
//! let mut log = Vec::new();
//! for command in &commands {
//!     for event in decide(&state, command, Policy::PersonFollowing)? {
//!         state.apply(&event);
//!         log.push(event);
//!     }
//! }
//! let events = log.iter().enumerate().map(|(i, e)| (Position(i as u64 + 1), e));
//!
//! // As of 10 February the February delivery counts 10 of its 28 days.
//! let view = Projections::fold(Filter::as_of(date!(2026-02-10)), events.clone());
//! let row = view.budgets().row(provider, region, 2026).expect("an account");
//! assert_eq!(row.consumed, Money::from_cents(10 * 23_000));
//! assert_eq!(row.reserved, Money::from_cents(334 * 23_000));
//!
//! // In January the client was still waiting: 30 days on 31 January.
//! let january = Projections::fold(Filter::as_of(date!(2026-01-31)), events);
//! assert_eq!(january.waiting_rows()[0].days_waiting, 30);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod budgets;
mod filter;
mod period;
mod projections;
mod register;
mod waiting;

pub use budgets::{BudgetRow, Budgets, PoolRow};
pub use filter::{Filter, Seen};
pub use period::Period;
pub use projections::{Projection, Projections};
pub use register::{ChoiceEntry, ClientEntry, ClientRegister, InCare, IndicationEntry};
pub use waiting::{RegionWaiting, WaitingLists, WaitingRow, TREEKNORM_DAYS};

/// The version of the serialized projections (snapshots). Bump it whenever a change to this
/// crate changes what a fold produces or how it is serialized: a snapshot of another version
/// is refused, and the projections are rebuilt from the log.
pub const SNAPSHOT_VERSION: u32 = 1;
