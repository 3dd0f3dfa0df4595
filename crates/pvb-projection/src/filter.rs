//! The view: which events, and which part of them, a fold sees when it asks for the state at the
//! end of a day (valid time, `as_of`) as the office knew it at a log position (transaction time,
//! `known_at`). docs/AUDITORS.md, "As-of semantics", states the same rules for auditors.
//!
//! It is not a projection and holds no state: [`Filter::see`] judges one event at a time, so
//! every projection (the built-in ones and a user's own) folds exactly the same view.
//!
//! The rules, in full:
//! - known at `P`: only events at positions `<= P`;
//! - as of `D`: only events whose [`Event::business_date`] is `<= D`; of a `CareDelivered` whose
//!   period runs past `D`, only the days up to and including `D`, with the amount
//!   `floor(amount x counted days / recorded days)`; a `DeliveryReversed` is clipped the same
//!   way, so a reversal in the view takes away exactly what its delivery added. A reversal has
//!   its delivery's business date, so it is in an as-of view whenever its delivery is, and in a
//!   known-at view only when its own position is `<= P`.

use pvb_core::{CareDelivered, DeliveryReversed, Event, Money, Position};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::period::ymd;

/// Which part of the log a fold sees. The default sees everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filter {
    /// Valid time: the state at the end of this day. `None`: every day.
    #[serde(with = "ymd::option", default)]
    pub as_of: Option<Date>,
    /// Transaction time: the log as it stood when its last position was this one.
    /// `None`: the whole log.
    #[serde(default)]
    pub known_at: Option<Position>,
}

/// How an event appears in a view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen<'e> {
    /// After the `known_at` position: not yet in the log the view reads.
    Unknown,
    /// Dated after the `as_of` day.
    Later,
    /// In the view as it is.
    Whole(&'e Event),
    /// A delivery or reversal whose period runs past the `as_of` day, cut at its end.
    Clipped(Event),
}

impl Seen<'_> {
    /// The event as the view sees it, if it sees it at all.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Seen::Whole(event) => Some(event),
            Seen::Clipped(event) => Some(event),
            Seen::Unknown | Seen::Later => None,
        }
    }
}

impl Filter {
    /// The whole log, every day.
    pub const ALL: Filter = Filter {
        as_of: None,
        known_at: None,
    };

    /// The state at the end of `day`, as known now.
    pub const fn as_of(day: Date) -> Filter {
        Filter {
            as_of: Some(day),
            known_at: None,
        }
    }

    /// Every day, as known when the log ended at `position`.
    pub const fn known_at(position: Position) -> Filter {
        Filter {
            as_of: None,
            known_at: Some(position),
        }
    }

    /// Both: the state at the end of `day` as known at `position` (bitemporal).
    pub const fn bitemporal(day: Date, position: Position) -> Filter {
        Filter {
            as_of: Some(day),
            known_at: Some(position),
        }
    }

    /// True when the event at `position` is in the log this view reads.
    #[inline]
    pub fn knows(&self, position: Position) -> bool {
        self.known_at.is_none_or(|last| position <= last)
    }

    /// How the event at `position` appears in this view.
    #[inline]
    pub fn see<'e>(&self, position: Position, event: &'e Event) -> Seen<'e> {
        if !self.knows(position) {
            return Seen::Unknown;
        }
        self.see_known(event)
    }

    /// [`Filter::see`] for an event already known to be at or before `known_at`.
    #[inline]
    pub(crate) fn see_known<'e>(&self, event: &'e Event) -> Seen<'e> {
        let Some(day) = self.as_of else {
            return Seen::Whole(event);
        };
        if event.business_date() > day {
            return Seen::Later;
        }
        // `day + 1` is the first day not counted; at `Date::MAX` nothing runs past it.
        let Some(end) = day.next_day() else {
            return Seen::Whole(event);
        };
        match event {
            Event::CareDelivered(e) if e.until > end => {
                let (days, amount) = clip(e.from, end, e.days, e.amount);
                Seen::Clipped(Event::CareDelivered(CareDelivered {
                    until: end,
                    days,
                    amount,
                    ..e.clone()
                }))
            }
            Event::DeliveryReversed(e) if e.until > end => {
                let (days, amount) = clip(e.from, end, e.days, e.amount);
                Seen::Clipped(Event::DeliveryReversed(DeliveryReversed {
                    until: end,
                    days,
                    amount,
                    ..e.clone()
                }))
            }
            _ => Seen::Whole(event),
        }
    }
}

/// The days `[from, end)` of a period of `days` recorded days costing `amount`, and their
/// amount `floor(amount x counted / days)` (exact when `amount = days x day tariff`, which is
/// how the ledger writes every delivery). A period of 0 recorded days keeps its amount.
fn clip(from: Date, end: Date, days: u32, amount: Money) -> (u32, Money) {
    let counted = u32::try_from((end - from).whole_days().max(0)).unwrap_or(u32::MAX);
    if days == 0 || counted >= days {
        return (counted.min(days), amount);
    }
    let cents = i128::from(amount.cents()) * i128::from(counted);
    let clipped = cents.div_euclid(i128::from(days));
    // |clipped| <= |amount|, so it fits.
    let clipped = i64::try_from(clipped).unwrap_or(amount.cents());
    (counted, Money::from_cents(clipped))
}

/// The latest day a view has seen: the reference date of a view without `as_of`
/// (DESIGN.md section 6: "as of the latest business date in the log").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Latest {
    /// The latest business date of an event in the view.
    #[serde(with = "ymd::option", default)]
    business: Option<Date>,
    /// The latest `until` of a delivery in the view (its last day is the day before).
    #[serde(with = "ymd::option", default)]
    delivered_until: Option<Date>,
}

impl Latest {
    /// Notes an event of the view.
    #[inline]
    pub(crate) fn note(&mut self, event: &Event) {
        let date = event.business_date();
        if self.business.is_none_or(|latest| date > latest) {
            self.business = Some(date);
        }
        if let Event::CareDelivered(e) = event {
            if self.delivered_until.is_none_or(|latest| e.until > latest) {
                self.delivered_until = Some(e.until);
            }
        }
    }

    /// The latest business date, or the last delivered day when that is later; `None` for an
    /// empty view.
    pub(crate) fn day(&self) -> Option<Date> {
        let last_delivered = self.delivered_until.and_then(Date::previous_day);
        match (self.business, last_delivered) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests;
