use pvb_core::{CareDelivered, DeclarationRef, Money, RegionId};
use time::macros::date;
use time::Duration;

use super::*;

fn delivery(client: &ClientId, day: i64) -> Event {
    let from = date!(2026 - 01 - 01) + Duration::days(day);
    Event::CareDelivered(CareDelivered {
        client: client.clone(),
        provider: ProviderId::new(10_000_000).expect("valid"),
        region: RegionId::new(5501).expect("valid"),
        from,
        until: from + Duration::days(1),
        days: 1,
        amount: Money::from_cents(100),
        reference: DeclarationRef::parse(&format!("D-{client}-{day}")).expect("valid"),
    })
}

/// Deliveries in a repeated order (the guesses hit), then in an order that changes every day
/// (the guesses miss and are distrusted), then in the first order again: every client ends
/// with exactly the days it was paid, whatever the guesses did.
#[test]
fn successor_guesses_never_change_what_is_paid() {
    let clients: Vec<ClientId> = (0..40)
        .map(|c| ClientId::parse(&format!("c-{c}")).expect("valid"))
        .collect();
    let mut register = ClientRegister::new();
    let mut order: Vec<usize> = (0..clients.len()).collect();
    let mut position = 0;
    for day in 0..30i64 {
        if (10..20).contains(&day) {
            // A different order every day: rotate and interleave.
            order.rotate_left(7);
            order.swap(0, (day as usize * 3) % clients.len());
        }
        for &c in &order {
            // Client 5 is skipped on day 12, so it has two paid periods.
            if c == 5 && day == 12 {
                continue;
            }
            position += 1;
            register.apply(Position(position), &delivery(&clients[c], day));
        }
    }
    for (c, client) in clients.iter().enumerate() {
        let paid = register.client(client).expect("known").paid;
        let start = date!(2026 - 01 - 01);
        let expected = if c == 5 {
            vec![
                Period::new(start, start + Duration::days(12)),
                Period::new(start + Duration::days(13), start + Duration::days(30)),
            ]
        } else {
            vec![Period::new(start, start + Duration::days(30))]
        };
        assert_eq!(paid, expected, "client {client}");
    }
    assert_eq!(register.len(), clients.len());
}
