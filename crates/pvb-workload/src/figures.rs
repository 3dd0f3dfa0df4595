//! The figures of one generated year (WORKLOAD.md section 6), computed while generating.
//!
//! These are the generator's own counts; a ledger computes the same figures from its reports
//! after importing the file. This module only holds and formats them; it does not read files.

use std::fmt::Write as _;

use crate::generator::LineKind;

/// Figures of one generated year (seed, scale).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    /// Lines of the file, the preamble included.
    pub lines: u64,
    /// Lines per command type, indexed by [`LineKind::index`]; see [`Figures::count`].
    pub per_kind: [u64; LineKind::COUNT],
    /// `deliver_care` lines (client-days in care).
    pub care_days: u64,
    /// `start_care` lines that are not part of a switch.
    pub care_starts: u64,
    /// Switches: `end_care` lines.
    pub switches: u64,
    /// Deaths: `withdraw_indication` lines.
    pub deaths: u64,
    /// Clients on a waiting list with status `active` on 2026-12-31.
    pub waiting_at_year_end: u64,
    /// Clients on a waiting list with status `preference` on 2026-12-31 (in care elsewhere).
    pub switch_pending_at_year_end: u64,
    /// Checksum (a): the sum of all `deliver_care` amounts, in cents.
    pub consumed_cents: u64,
    /// Checksum (b): waited client-days of clients that chose with urgency `active`.
    pub waited_client_days: u64,
    /// Per contracted provider, in id (= AGB code) order: `(AGB code, region code, consumed
    /// cents)`.
    pub per_provider: Vec<(String, u16, u64)>,
}

impl Figures {
    /// The number of lines of one command type.
    pub fn count(&self, kind: LineKind) -> u64 {
        self.per_kind[kind.index()]
    }

    /// The two checksums as quoted: `<consumed>:<waited>`.
    pub fn checksums(&self) -> String {
        format!("{}:{}", self.consumed_cents, self.waited_client_days)
    }

    /// The per-provider table (c): header `provider,region,consumed`, then one row per
    /// contracted provider sorted by AGB code, every line ending in a line feed.
    pub fn per_provider_csv(&self) -> String {
        let mut csv = String::with_capacity(24 + 26 * self.per_provider.len());
        csv.push_str("provider,region,consumed\n");
        for (agb, region, consumed) in &self.per_provider {
            // Writing to a String cannot fail.
            let _ = writeln!(csv, "{agb},{region},{consumed}");
        }
        csv
    }
}
