//! Runnable examples of embedding pvb (`cargo run -p pvb-examples --example NAME`):
//! `embed` (a ledger in 30 lines), `replay_as_of` (the budgets as of a date, as known at a
//! position), `custom_projection` (your own read model folded with the others) and `custom_log`
//! (your own storage adapter, checked by the conformance suite).
//!
//! This library is empty; it exists so the examples build as part of the workspace.
#![forbid(unsafe_code)]
