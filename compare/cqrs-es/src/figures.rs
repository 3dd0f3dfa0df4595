//! What one run measured (`Run`: counts and times) and what it ended with (`Totals`: the
//! budget columns the cross-check compares), in the same shape for cqrs-es and pvb.
//!
//! It is not a report format: `main.rs` prints these. Times are wall-clock seconds of the
//! timed loop; the thread's CPU time is read from Linux's /proc where it exists.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use pvb_core::{Money, ProviderId, RegionId, Rejection};

/// The budget year of the pvb-year (WORKLOAD.md: calendar year 2026).
pub const YEAR: pvb_core::Year = 2026;

/// Counts and times of one run.
#[derive(Clone, Debug)]
pub struct Run {
    /// What ran, e.g. `cqrs-es 0.5 MemStore`.
    pub name: &'static str,
    /// Commands submitted.
    pub commands: u64,
    /// Commands accepted.
    pub accepted: u64,
    /// Commands refused.
    pub rejected: u64,
    /// Events recorded (in the store or log).
    pub events: u64,
    /// Wall-clock seconds of the timed loop.
    pub seconds: f64,
    /// CPU seconds of the calling thread during the loop, where Linux says.
    pub thread_cpu_seconds: Option<f64>,
    /// Refusals by rule.
    pub rejections: BTreeMap<&'static str, u64>,
    /// The first few refusals, as text.
    pub first_rejections: Vec<String>,
}

impl Run {
    /// An empty run of `commands` commands.
    pub fn new(name: &'static str, commands: usize) -> Run {
        Run {
            name,
            commands: commands as u64,
            accepted: 0,
            rejected: 0,
            events: 0,
            seconds: 0.0,
            thread_cpu_seconds: None,
            rejections: BTreeMap::new(),
            first_rejections: Vec::new(),
        }
    }

    /// Counts one refusal.
    pub fn reject(&mut self, rule: &'static str, text: impl FnOnce() -> String) {
        self.rejected += 1;
        *self.rejections.entry(rule).or_default() += 1;
        if self.first_rejections.len() < 5 {
            self.first_rejections.push(text());
        }
    }

    /// Counts one pvb refusal.
    pub fn reject_with(&mut self, rejection: &Rejection) {
        self.reject(rejection.rule(), || rejection.to_string());
    }

    /// Commands per second.
    pub fn commands_per_second(&self) -> f64 {
        self.commands as f64 / self.seconds
    }

    /// Events per second.
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

/// A started timer: wall clock and this thread's CPU time.
pub struct Clock {
    wall: Instant,
    cpu_ns: Option<u64>,
}

impl Clock {
    /// Starts timing.
    pub fn start() -> Clock {
        Clock {
            cpu_ns: thread_cpu_ns(),
            wall: Instant::now(),
        }
    }

    /// Stops timing: (wall seconds, thread CPU seconds if known).
    pub fn stop(self) -> (f64, Option<f64>) {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu_ns, thread_cpu_ns()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / 1e9),
            _ => None,
        };
        (wall, cpu)
    }
}

/// The time this thread has run on a CPU (Linux: /proc/thread-self/schedstat), so that other
/// processes on a shared machine do not count.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The budget columns a run ended with, for the budget year [`YEAR`]. Accounts are keyed by
/// (provider, funding region); a missing account counts as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Deliveries (the budgets report's `consumed`).
    pub consumed: BTreeMap<(ProviderId, RegionId), Money>,
    /// Reservations minus releases (`reserved`).
    pub reserved: BTreeMap<(ProviderId, RegionId), Money>,
    /// Transfers into the provider account minus out of it (`allocated`).
    pub allocated: BTreeMap<(ProviderId, RegionId), Money>,
    /// Each region's pool balance (`unallocated`).
    pub pools: BTreeMap<RegionId, Money>,
    /// Clients in care at each provider at the end.
    pub in_care: BTreeMap<ProviderId, u32>,
    /// The consumed total as the store reports it itself, where it has such a call (pvb:
    /// `ledger.projections().budgets().consumed_total(2026)`).
    pub reported_consumed: Option<Money>,
}

impl Totals {
    /// The sum of the consumed column (WORKLOAD.md checksum (a)).
    pub fn consumed_total(&self) -> i128 {
        sum(&self.consumed)
    }
}

/// The sum of a column.
pub fn sum<K>(column: &BTreeMap<K, Money>) -> i128 {
    column.values().map(|m| i128::from(m.cents())).sum()
}

/// The keys at which two columns differ, a missing key counting as zero.
pub fn differing<K: Ord + Copy, V: Copy + Default + PartialEq>(
    a: &BTreeMap<K, V>,
    b: &BTreeMap<K, V>,
) -> Vec<K> {
    let keys: BTreeSet<K> = a.keys().chain(b.keys()).copied().collect();
    keys.into_iter()
        .filter(|k| a.get(k).copied().unwrap_or_default() != b.get(k).copied().unwrap_or_default())
        .collect()
}
