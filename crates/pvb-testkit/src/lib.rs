//! pvb-testkit: the auditors' kit of pvb.
//!
//! - [`invariants`]: the auditor invariants of DOMAIN.md section 6 that the events express
//!   (INV-01, 02, 04, 05, 06, 07, 09, 11, 14, 15, 17, 19), each a function from an event list
//!   to the [`invariants::Violation`]s it finds, and the streaming [`invariants::Auditor`]
//!   that `pvb verify` runs over a whole log. They recompute the books from the events and
//!   never call the rules they check.
//! - [`replay`]: commands through `pvb_core::decide` in memory, or through any function of
//!   its shape (a broken one, in a mutation test).
//! - [`strategies`] (feature `strategies`, default): proptest strategies for valid
//!   care-financing histories and for commands refused by every rule of `Rejection::RULES`.
//! - [`harness`] (feature `harness`, default): the bodies of the fuzz targets in `fuzz/`,
//!   also run over the checked-in corpora by this crate's tests.
//!
//! It is not a ledger, a store, or a projection. `pvb verify` depends on it with
//! `default-features = false` and gets `invariants` and `replay` on pvb-core alone.
//!
//! ```
//! use pvb_core::{Command, Money, Policy, RegionId};
//! use pvb_testkit::{invariants, replay};
//!
//! let region = RegionId::new(5531)?;
//! let commands = vec![Command::SetRegionBudget {
//!     region,
//!     year: 2026,
//!     amount: Money::from_cents(2_500_000_000),
//! }];
//! let (events, rejections) = replay::run_history(&commands, Policy::PersonFollowing);
//! assert!(rejections.is_empty());
//! assert!(invariants::check_all(&events).is_clean());
//! # Ok::<(), pvb_core::IdError>(())
//! ```

#![forbid(unsafe_code)]

pub mod bytes;
pub mod invariants;
pub mod replay;
pub mod universe;

#[cfg(feature = "strategies")]
pub mod strategies;

#[cfg(feature = "harness")]
pub mod harness;
