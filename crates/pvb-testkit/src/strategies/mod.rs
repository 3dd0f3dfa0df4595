//! proptest strategies (feature `strategies`): valid care-financing histories and commands
//! refused by each rule.
//!
//! - [`valid_history`] / [`valid_history_for`]: commands that the rules mostly accept, driven
//!   through a small world (two regions, three providers, six clients, 2026 and 2027) with
//!   choices, starts, deliveries in arrears, back-dated corrections, reversals, switches,
//!   deaths, transfers and a new year; plus a few near misses (refused by the real rules).
//!   They shrink to the few commands that still fail.
//! - [`invalid_command_for`]: for every name in `Rejection::RULES`, (history, command) pairs
//!   whose history is accepted and whose command is refused with that rule.
//!
//! ```
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! use pvb_core::Policy;
//! use pvb_testkit::{invariants, replay, strategies};
//!
//! let mut runner = TestRunner::deterministic();
//! let history = strategies::valid_history(30).new_tree(&mut runner)?.current();
//! let (events, _rejections) = replay::run_history(&history, Policy::PersonFollowing);
//! assert!(invariants::check_all(&events).is_clean());
//! # Ok::<(), proptest::test_runner::Reason>(())
//! ```

mod history;
mod refused;
mod steps;

pub use history::{accepted_share, valid_history, valid_history_for};
pub use refused::{invalid_command, invalid_command_for, Refusal};
