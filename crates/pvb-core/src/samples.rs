//! One event of every kind (all 14 `Event` variants, in tag order) with fixed values: the events
//! of the golden record files (`tests/golden/`) and of the version-1 FileLog fixture in
//! `pvb-store`, and a quick way to see every event in examples.
//!
//! It is not a generator of realistic histories (see `pvb-testkit` and `pvb-workload`). The
//! values must never change: the golden files and the fixture are built from them.

use time::Date;

use crate::event::*;
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};
use crate::text::Note;

fn day(year: i32, ordinal: u16) -> Option<Date> {
    Date::from_ordinal_date(year, ordinal).ok()
}

/// One event of every kind, in tag order, with fixed values (always `Some`: the values are
/// valid; `Option` only because building ids checks them).
pub fn one_of_each_kind() -> Option<Vec<Event>> {
    let client = ClientId::parse("c-17").ok()?;
    let provider = ProviderId::parse("12345678").ok()?;
    let region = RegionId::new(5531).ok()?;
    let other_region = RegionId::new(5502).ok()?;
    let profile = Profile::parse("5VV").ok()?;
    let form = DeliveryForm::parse("verblijf").ok()?;
    let indication = IndicationId::parse("B-2026-17").ok()?;
    let reference = DeclarationRef::parse("D-1").ok()?;
    Some(vec![
        Event::RegionBudgetSet(RegionBudgetSet {
            region,
            year: 2026,
            amount: Money::from_cents(2_500_000_000),
        }),
        Event::ProviderContracted(ProviderContracted {
            provider,
            region,
            year: 2026,
            places: 40,
            tariff_bp: 9700,
        }),
        Event::TariffSet(TariffSet {
            year: 2026,
            profile,
            form,
            day_tariff: Money::from_cents(23_000),
        }),
        Event::IndicationGranted(IndicationGranted {
            client: client.clone(),
            indication: indication.clone(),
            profile,
            region,
            from: day(2026, 1)?,
            until: Some(day(2027, 1)?),
        }),
        Event::IndicationWithdrawn(IndicationWithdrawn {
            client: client.clone(),
            indication,
            on: day(2026, 152)?,
            reason: WithdrawalReason::Deceased,
        }),
        Event::ProviderChosen(ProviderChosen {
            client: client.clone(),
            provider,
            form,
            on: day(2026, 1)?,
            urgency: Urgency::Active,
        }),
        Event::ChoiceWithdrawn(ChoiceWithdrawn {
            client: client.clone(),
            provider,
            on: day(2026, 20)?,
            reason: Note::new("no longer wanted").ok()?,
        }),
        Event::CareStarted(CareStarted {
            client: client.clone(),
            provider,
            on: day(2026, 5)?,
            region,
            profile,
            form,
        }),
        Event::CareEnded(CareEnded {
            client: client.clone(),
            provider,
            on: day(2026, 60)?,
            reason: EndReason::Transfer,
        }),
        Event::CareDelivered(CareDelivered {
            client: client.clone(),
            provider,
            region,
            from: day(2026, 5)?,
            until: day(2026, 32)?,
            days: 27,
            amount: Money::from_cents(27 * 22_310),
            reference: reference.clone(),
        }),
        Event::DeliveryReversed(DeliveryReversed {
            reference,
            reason: Note::new("wrong period").ok()?,
            client: client.clone(),
            provider,
            region,
            from: day(2026, 5)?,
            until: day(2026, 32)?,
            days: 27,
            amount: Money::from_cents(27 * 22_310),
        }),
        Event::BudgetTransferred(BudgetTransferred {
            from: Account::pool(region),
            to: Account::provider(provider, other_region),
            year: 2026,
            on: day(2026, 1)?,
            amount: Money::from_cents(100_000),
            reason: TransferReason::Reallocation,
        }),
        Event::BudgetReserved(BudgetReserved {
            client: client.clone(),
            provider,
            region,
            year: 2026,
            from: day(2026, 5)?,
            days: 361,
            amount: Money::from_cents(361 * 22_310),
        }),
        Event::BudgetReleased(BudgetReleased {
            client,
            provider,
            region,
            year: 2026,
            from: day(2026, 60)?,
            days: 306,
            amount: Money::from_cents(306 * 22_310),
        }),
    ])
}
