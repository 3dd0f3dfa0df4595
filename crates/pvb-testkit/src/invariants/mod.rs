//! The auditor invariants of DOMAIN.md section 6 that pvb's events can show, each checked by
//! recomputing the books from the events alone.
//!
//! Every check here is written against the events, never against `pvb_core::decide` or
//! `pvb_core::State`: the point is to catch a bug in those. The bookkeeping (indications, care
//! intervals, paid days, accounts, waiting lists) is the kit's own.
//!
//! Two ways in:
//! - one function per invariant ([`inv01_paid_within_indication`] ...) over an event list,
//!   returning the [`Violation`]s with the position of the event that shows each one;
//! - the streaming [`Auditor`]: [`Auditor::observe`] every event in log order, then
//!   [`Auditor::finish`] gives a [`Report`]. It holds per-client, per-provider and per-account
//!   state, plus 16 bytes per declaration reference (INV-05 must recognise a reused
//!   reference); nothing else grows with the log. `pvb verify` uses it.
//!
//! The invariant identifiers and what each function checks are listed in [`CHECKED`] and in
//! docs/AUDITORS.md.
//!
//! ```
//! use pvb_core::{Event, Money, Position, RegionBudgetSet, RegionId};
//! use pvb_testkit::invariants::{self, Auditor};
//!
//! let region = RegionId::new(5531)?;
//! let events = vec![(
//!     Position(1),
//!     Event::RegionBudgetSet(RegionBudgetSet { region, year: 2026, amount: Money::from_cents(100) }),
//! )];
//! assert!(invariants::inv09_budget_conservation(&events).is_empty());
//! let mut auditor = Auditor::new();
//! for (position, event) in &events {
//!     auditor.observe(*position, event);
//! }
//! assert!(auditor.finish().is_clean());
//! # Ok::<(), pvb_core::IdError>(())
//! ```

mod auditor;
mod paid;
mod waiting;

use std::collections::BTreeMap;
use std::fmt;

use pvb_core::{Event, Position};

pub use auditor::Auditor;

/// INV-01: every paid client-day lies inside a valid indication of the client.
pub const INV_01: &str = "INV-01";
/// INV-02: every paid client-day lies inside a care interval at the declaring provider.
pub const INV_02: &str = "INV-02";
/// INV-04: no client-day is paid twice, net of reversals.
pub const INV_04: &str = "INV-04";
/// INV-05: declaration references are idempotent.
pub const INV_05: &str = "INV-05";
/// INV-06: every amount is days x the contracted day tariff, at most the maximum tariff.
pub const INV_06: &str = "INV-06";
/// INV-07: a delivery lies in one calendar year.
pub const INV_07: &str = "INV-07";
/// INV-09: transfers net to zero; no account is overdrawn.
pub const INV_09: &str = "INV-09";
/// INV-11: no care days after death.
pub const INV_11: &str = "INV-11";
/// INV-14: waiting-list consistency, including capacity.
pub const INV_14: &str = "INV-14";
/// INV-15: nobody waits for budget reasons where a place is free and the pool has room.
pub const INV_15: &str = "INV-15";
/// INV-17: temporal sanity of indications and care intervals.
pub const INV_17: &str = "INV-17";
/// INV-19: replay integrity: gapless positions, decodable events, totals that reconcile.
pub const INV_19: &str = "INV-19";

/// Every invariant the kit checks, in order.
pub const CHECKED: &[&str] = &[
    INV_01, INV_02, INV_04, INV_05, INV_06, INV_07, INV_09, INV_11, INV_14, INV_15, INV_17, INV_19,
];

/// One broken invariant: which, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant, e.g. `"INV-04"`.
    pub invariant: &'static str,
    /// The position of the event that shows the violation (for INV-15, the last event before
    /// the day after the second judged day).
    pub position: Position,
    /// What is wrong, naming client, provider, days and amounts.
    pub explanation: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at position {}: {}",
            self.invariant, self.position, self.explanation
        )
    }
}

/// What an [`Auditor`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The violations, sorted by position (then invariant); at most the auditor's limit.
    pub violations: Vec<Violation>,
    /// Violations found per invariant (all of them, also beyond the limit).
    pub violated: BTreeMap<&'static str, u64>,
    /// Checks made per invariant (roughly: events that invariant looked at).
    pub checked: BTreeMap<&'static str, u64>,
    /// Events observed (decodable or not).
    pub events: u64,
}

impl Report {
    /// The violation with the lowest position.
    pub fn first(&self) -> Option<&Violation> {
        self.violations.first()
    }

    /// True when nothing was violated.
    pub fn is_clean(&self) -> bool {
        self.violated.values().all(|n| *n == 0)
    }

    /// The violations of one invariant.
    pub fn of<'a>(&'a self, invariant: &'a str) -> impl Iterator<Item = &'a Violation> + 'a {
        self.violations
            .iter()
            .filter(move |v| v.invariant == invariant)
    }

    /// True when some violations were found but not kept (the limit was reached).
    pub fn truncated(&self) -> bool {
        self.violated.values().sum::<u64>() > self.violations.len() as u64
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} events audited", self.events)?;
        for invariant in CHECKED {
            let checked = self.checked.get(invariant).copied().unwrap_or(0);
            let violated = self.violated.get(invariant).copied().unwrap_or(0);
            writeln!(f, "{invariant}: {checked} checks, {violated} violations")?;
        }
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// Runs every invariant over `events` (in log order) with an [`Auditor`] for the
/// person-following policy.
pub fn check_all(events: &[(Position, Event)]) -> Report {
    let mut auditor = Auditor::new();
    for (position, event) in events {
        auditor.observe(*position, event);
    }
    auditor.finish()
}

fn only(invariant: &'static str, events: &[(Position, Event)]) -> Vec<Violation> {
    let mut auditor = Auditor::new().only(&[invariant]).limit(usize::MAX);
    for (position, event) in events {
        auditor.observe(*position, event);
    }
    auditor.finish().violations
}

/// INV-01: every paid client-day lies inside an indication of the client that is valid on
/// that day (granted, started, not past its `until`, not withdrawn). Checked at every
/// delivery, and again at every withdrawal for the days already paid on or after it.
pub fn inv01_paid_within_indication(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_01, events)
}

/// INV-02: every paid client-day lies inside a care interval `[started, ended)` of the client
/// at the declaring provider, and the delivery is funded by that interval's region; care
/// starts only at a provider the client chose (the assignment) on or before that day.
/// Checked at every delivery and start, and again when care ends, for the days already paid.
pub fn inv02_paid_within_care(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_02, events)
}

/// INV-04: no client-day is paid twice (at any provider), net of reversals.
pub fn inv04_no_double_payment(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_04, events)
}

/// INV-05: one delivery per declaration reference; a reversal names a delivered reference
/// that was not reversed before.
pub fn inv05_declaration_references(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_05, events)
}

/// INV-06: a delivery's amount is `days x floor(max tariff x bp / 10_000)` for the contract
/// of its provider and year and the profile and form of its care; a contract is at most 100%
/// of the maximum tariff; a reservation is `days x` the day tariff and lies within its year;
/// a release is `days x` the day tariff of the reservation it releases.
pub fn inv06_tariffs(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_06, events)
}

/// INV-07: a delivery (and its reversal) covers `days = until - from > 0` days of one
/// calendar year.
pub fn inv07_one_year_per_delivery(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_07, events)
}

/// INV-09: a region's budget is set once per year and is not negative; each transfer moves a
/// positive amount between two different accounts that exist for its year, dated in that
/// year; no account is overdrawn; and the sum of all balances equals the sum of
/// `RegionBudgetSet` amounts.
pub fn inv09_budget_conservation(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_09, events)
}

/// INV-11: after an indication is withdrawn for death on day `X` (the first day after the
/// death), no day on or after `X` is paid, no care starts on or after `X`, and by the end of
/// the log no care interval of the client runs past `X`. pvb pays no mutatiedagen, so DOMAIN's
/// 13-day allowance is zero here.
pub fn inv11_no_care_after_death(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_11, events)
}

/// INV-14: a choice needs a valid indication on its date; nobody chooses (is listed at) a
/// provider while in care there; care starts with a valid indication of the care's profile
/// and region, while not in care anywhere; and on every day a care interval starts, the
/// clients in care at that provider that day do not exceed its places for that year.
pub fn inv14_waiting_list_consistency(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_14, events)
}

/// INV-15, the Rosa Spier invariant, under the person-following policy: a client listed at a
/// provider, with a valid indication, where at the end of a day the provider has a free place
/// (by the contract of that year) and the region's pool covers the client's reservation (the
/// tariff exists for every year the start would reserve), and still so at the end of a later
/// day, is a violation. The one day of grace exists because in the pvb-year workload a place
/// given up on day `d` is taken on day `d + 1`. When a day is over, and why the last day of the
/// log is not judged, is explained in docs/AUDITORS.md.
pub fn inv15_capacity_not_budget(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_15, events)
}

/// INV-17: an indication's `until` lies after its `from`, and it is granted once; a
/// withdrawal names a granted indication not withdrawn before, dated on or after its `from`;
/// care ends only where it is open, not before it started.
pub fn inv17_temporal_sanity(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_17, events)
}

/// INV-19: positions are gapless from 1; a reversal subtracts exactly the amount its days
/// were paid with; at the end, per provider, region and year, delivered minus reversed equals
/// the amount of the days still paid. (Undecodable records are reported through
/// [`Auditor::observe_record`].)
pub fn inv19_replay_integrity(events: &[(Position, Event)]) -> Vec<Violation> {
    only(INV_19, events)
}
