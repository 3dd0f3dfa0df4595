use pvb_core::{ClientId, DeclarationRef, ProviderId, RegionId};
use time::macros::date;

use super::*;

fn delivery(from: Date, until: Date, days: u32, cents: i64) -> Event {
    Event::CareDelivered(CareDelivered {
        client: ClientId::parse("c-1").expect("valid"),
        provider: ProviderId::new(10_000_000).expect("valid"),
        region: RegionId::new(5501).expect("valid"),
        from,
        until,
        days,
        amount: Money::from_cents(cents),
        reference: DeclarationRef::parse("D-1").expect("valid"),
    })
}

#[test]
fn a_delivery_crossing_the_day_is_cut_after_it() {
    // 28 days of February at 230.00; as of 10 February: 10 days, 2,300.00.
    let event = delivery(date!(2026 - 02 - 01), date!(2026 - 03 - 01), 28, 644_000);
    let filter = Filter::as_of(date!(2026 - 02 - 10));
    match filter.see(Position(1), &event) {
        Seen::Clipped(Event::CareDelivered(e)) => {
            assert_eq!(e.until, date!(2026 - 02 - 11));
            assert_eq!(e.days, 10);
            assert_eq!(e.amount, Money::from_cents(230_000));
        }
        other => panic!("expected a clipped delivery, got {other:?}"),
    }
    // On its last day it is whole; before its first day it is later.
    let whole = Filter::as_of(date!(2026 - 02 - 28));
    assert_eq!(whole.see(Position(1), &event), Seen::Whole(&event));
    let before = Filter::as_of(date!(2026 - 01 - 31));
    assert_eq!(before.see(Position(1), &event), Seen::Later);
}

#[test]
fn known_at_hides_later_positions() {
    let event = delivery(date!(2026 - 02 - 01), date!(2026 - 02 - 02), 1, 23_000);
    let filter = Filter::known_at(Position(4));
    assert_eq!(filter.see(Position(4), &event), Seen::Whole(&event));
    assert_eq!(filter.see(Position(5), &event), Seen::Unknown);
    assert_eq!(Filter::ALL.see(Position(5), &event), Seen::Whole(&event));
}

#[test]
fn clipping_rounds_down_and_keeps_degenerate_amounts() {
    assert_eq!(
        clip(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 02),
            3,
            Money::from_cents(100)
        ),
        (1, Money::from_cents(33))
    );
    assert_eq!(
        clip(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 02),
            0,
            Money::from_cents(100)
        ),
        (0, Money::from_cents(100))
    );
}

#[test]
fn the_latest_day_includes_the_last_delivered_day() {
    let mut latest = Latest::default();
    assert_eq!(latest.day(), None);
    latest.note(&delivery(
        date!(2026 - 02 - 01),
        date!(2026 - 03 - 01),
        28,
        644_000,
    ));
    assert_eq!(latest.day(), Some(date!(2026 - 02 - 28)));
}
