//! A client's paid days, net of reversals: sorted segments `[from, until)` with the provider,
//! the funding region and the amount they were paid with.
//!
//! It is the auditor's own bookkeeping (not pvb-core's `ClientState::paid`): segments of one
//! provider and region with the same day rate coalesce, so a client paid day by day for a year
//! holds one segment, not 365. Segments overlap only after a double payment was reported.

use pvb_core::{ProviderId, RegionId};
use time::Date;

/// One run of paid days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub from: Date,
    pub until: Date,
    pub provider: ProviderId,
    pub region: RegionId,
    /// Cents paid for the whole segment.
    pub amount: i128,
}

impl Segment {
    pub fn days(&self) -> i64 {
        (self.until - self.from).whole_days()
    }

    /// The amount of one day, when every day costs the same.
    fn day_rate(&self) -> Option<i128> {
        let days = i128::from(self.days());
        (days > 0 && self.amount % days == 0).then(|| self.amount / days)
    }
}

/// What a removal found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    /// Days found paid at the provider and region, and removed.
    pub days: i64,
    /// Their amount.
    pub amount: i128,
    /// A segment paid with an uneven day rate was cut: `amount` is rounded.
    pub uneven: bool,
}

/// The paid segments of one client.
#[derive(Clone, Debug, Default)]
pub(crate) struct Paid {
    segments: Vec<Segment>,
}

impl Paid {
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The first day of `[from, until)` already paid (at any provider).
    pub fn first_paid_day(&self, from: Date, until: Date) -> Option<Date> {
        self.segments
            .iter()
            .filter(|s| s.from < until && from < s.until)
            .map(|s| s.from.max(from))
            .min()
    }

    /// Segments with a day on or after `day`.
    pub fn on_or_after(&self, day: Date) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(move |s| s.until > day)
    }

    /// Adds a segment (the caller reported any overlap first).
    pub fn insert(&mut self, segment: Segment) {
        let at = self.segments.partition_point(|s| s.from <= segment.from);
        if at > 0 {
            if let Some(previous) = self.segments.get_mut(at - 1) {
                if coalesces(previous, &segment) {
                    previous.until = segment.until;
                    previous.amount += segment.amount;
                    return;
                }
            }
        }
        self.segments.insert(at, segment);
    }

    /// Removes the days `[from, until)` paid at `provider` for `region`.
    pub fn remove(
        &mut self,
        from: Date,
        until: Date,
        provider: ProviderId,
        region: RegionId,
    ) -> Removed {
        let mut removed = Removed::default();
        let mut kept = Vec::with_capacity(self.segments.len() + 1);
        // Days already taken from an earlier (overlapping) segment are not taken twice.
        let mut cursor = from;
        for segment in self.segments.drain(..) {
            let start = segment.from.max(cursor);
            let end = segment.until.min(until);
            let matches = segment.provider == provider && segment.region == region;
            if !matches || start >= end {
                kept.push(segment);
                continue;
            }
            let cut = (end - start).whole_days();
            removed.days += cut;
            match segment.day_rate() {
                Some(rate) => removed.amount += rate * i128::from(cut),
                None if start == segment.from && end == segment.until => {
                    removed.amount += segment.amount;
                }
                None => {
                    removed.uneven = true;
                    let days = i128::from(segment.days().max(1));
                    removed.amount += segment.amount * i128::from(cut) / days;
                }
            }
            let rate = segment.day_rate();
            if segment.from < start {
                kept.push(part(&segment, segment.from, start, rate));
            }
            if end < segment.until {
                kept.push(part(&segment, end, segment.until, rate));
            }
            cursor = end;
        }
        kept.sort_by_key(|s| s.from);
        self.segments = kept;
        removed
    }
}

fn part(segment: &Segment, from: Date, until: Date, rate: Option<i128>) -> Segment {
    let days = i128::from((until - from).whole_days());
    let amount = match rate {
        Some(rate) => rate * days,
        None => segment.amount * days / i128::from(segment.days().max(1)),
    };
    Segment {
        from,
        until,
        provider: segment.provider,
        region: segment.region,
        amount,
    }
}

fn coalesces(previous: &Segment, next: &Segment) -> bool {
    previous.until == next.from
        && previous.provider == next.provider
        && previous.region == next.region
        && previous.from.year() == next.from.year()
        && previous.day_rate().is_some()
        && previous.day_rate() == next.day_rate()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn provider() -> ProviderId {
        ProviderId::new(12_345_678).expect("8 digits")
    }

    fn region() -> RegionId {
        RegionId::new(5531).expect("COD001")
    }

    fn segment(from: Date, until: Date, amount: i128) -> Segment {
        Segment {
            from,
            until,
            provider: provider(),
            region: region(),
            amount,
        }
    }

    #[test]
    fn daily_payments_coalesce_and_split_on_reversal() {
        let mut paid = Paid::default();
        paid.insert(segment(date!(2026 - 01 - 01), date!(2026 - 01 - 02), 100));
        paid.insert(segment(date!(2026 - 01 - 02), date!(2026 - 01 - 03), 100));
        paid.insert(segment(date!(2026 - 01 - 03), date!(2026 - 01 - 04), 100));
        assert_eq!(paid.segments().len(), 1);
        let removed = paid.remove(
            date!(2026 - 01 - 02),
            date!(2026 - 01 - 03),
            provider(),
            region(),
        );
        assert_eq!(
            removed,
            Removed {
                days: 1,
                amount: 100,
                uneven: false
            }
        );
        assert_eq!(paid.segments().len(), 2);
        assert_eq!(
            paid.first_paid_day(date!(2026 - 01 - 02), date!(2026 - 01 - 10)),
            Some(date!(2026 - 01 - 03))
        );
        assert_eq!(
            paid.first_paid_day(date!(2026 - 01 - 02), date!(2026 - 01 - 03)),
            None
        );
    }

    #[test]
    fn years_do_not_coalesce() {
        let mut paid = Paid::default();
        paid.insert(segment(date!(2026 - 12 - 31), date!(2027 - 01 - 01), 100));
        paid.insert(segment(date!(2027 - 01 - 01), date!(2027 - 01 - 02), 100));
        assert_eq!(paid.segments().len(), 2);
    }
}
