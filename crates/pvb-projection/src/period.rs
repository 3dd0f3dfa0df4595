//! Periods of days: half-open date intervals `[from, until)`, and the sorted, disjoint,
//! coalesced lists of them that the client register keeps for paid days.
//!
//! It is not a calendar and knows nothing of years, tariffs or care: a list only ever holds
//! non-empty periods, and two periods that touch are merged into one.

use serde::{Deserialize, Serialize};
use time::Date;

time::serde::format_description!(pub(crate) ymd, Date, "[year]-[month]-[day]");

/// The days `[from, until)`: `from` is the first day, `until` the first day after.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// First day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// First day after the period.
    #[serde(with = "ymd")]
    pub until: Date,
}

impl Period {
    /// The period `[from, until)`.
    pub const fn new(from: Date, until: Date) -> Period {
        Period { from, until }
    }

    /// True when the period holds no day (`until <= from`).
    pub fn is_empty(self) -> bool {
        self.until <= self.from
    }

    /// The number of days, 0 when empty.
    pub fn days(self) -> i64 {
        (self.until - self.from).whole_days().max(0)
    }

    /// True when `day` lies in the period.
    pub fn contains(self, day: Date) -> bool {
        self.from <= day && day < self.until
    }
}

/// Adds `period` to a sorted, disjoint, coalesced list (a union of sets of days).
pub(crate) fn insert(list: &mut Vec<Period>, period: Period) {
    if period.is_empty() {
        return;
    }
    // Periods that end before `period` starts stay; those that start after it ends stay.
    let start = list.partition_point(|p| p.until < period.from);
    let stop = list.partition_point(|p| p.from <= period.until);
    let mut merged = period;
    for p in list.get(start..stop).unwrap_or(&[]) {
        merged.from = merged.from.min(p.from);
        merged.until = merged.until.max(p.until);
    }
    list.splice(start..stop, std::iter::once(merged));
}

/// Removes the days of `period` from a sorted, disjoint, coalesced list (a set difference).
pub(crate) fn remove(list: &mut Vec<Period>, period: Period) {
    if period.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(list.len() + 1);
    for p in list.drain(..) {
        if p.until <= period.from || period.until <= p.from {
            out.push(p);
            continue;
        }
        if p.from < period.from {
            out.push(Period::new(p.from, period.from));
        }
        if period.until < p.until {
            out.push(Period::new(period.until, p.until));
        }
    }
    *list = out;
}

#[cfg(test)]
mod tests;
