//! The `pvb-year` workload generator: one synthetic year of Wlz care as JSON Lines.
//!
//! This crate implements `WORKLOAD.md` step by step: from a seed and a [`Scale`] it writes the
//! same file, byte for byte, as every other generator that follows that text, and it computes
//! the year's [`Figures`] (line counts, the checksums `<consumed>:<waited>`, the per-provider
//! table) while it writes.
//!
//! Two ways in:
//! - [`write_year`] streams the whole year into any [`std::io::Write`] through a small reused
//!   buffer and returns the figures;
//! - [`Generator::next_line`] appends one line at a time to a caller's buffer, for importers
//!   that submit commands as they are produced.
//!
//! What this crate is not: it does not depend on the ledger crates, does not parse or validate
//! commands, and never holds the lines of the year in memory (only compact per-client and
//! per-provider state). It does no IO of its own beyond the writer it is given.

mod error;
mod figures;
mod generator;
mod model;
mod rng;
mod scale;
mod text;
mod zipf;

pub use error::WorkloadError;
pub use figures::Figures;
pub use generator::{write_year, Generator, LineKind};
pub use model::{
    day_date, provider_agb, provider_pct, provider_places, provider_region, region_code, PROFILES,
    REGIONS, YEAR_DAYS,
};
pub use rng::SplitMix64;
pub use scale::Scale;
pub use zipf::zipf_weight;
