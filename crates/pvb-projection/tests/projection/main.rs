//! pvb-projection's tests, one binary, by property:
//!
//! - `scenarios`: hand-written histories with exact expected numbers (DESIGN.md section 5's
//!   reservation example, deliveries crossing the as-of date, reversals known or not, list
//!   order and repeated choices, the median and the Treeknorm boundary, snapshots);
//! - `properties`: random valid histories against the naive model of `model.rs`, and replay
//!   determinism (also through a snapshot).

mod common;
mod model;
mod properties;
mod scenarios;
