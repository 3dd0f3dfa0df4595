//! A naive recomputation of every projection straight from the raw event list, written
//! independently of the crate: obviously correct, obviously slow. It takes the view as the
//! set of events with `position <= P` and `business date <= D`, and counts delivered days one
//! by one; a delivery counts nowhere if a reversal of its reference is in the view.

use std::collections::{BTreeMap, BTreeSet};

use pvb_core::{Account, ClientId, Event, Money, Position, ProviderId, RegionId, Urgency};
use pvb_projection::{
    BudgetRow, ChoiceEntry, ClientEntry, Filter, InCare, IndicationEntry, Period, PoolRow,
    RegionWaiting, WaitingRow,
};
use time::{Date, Duration};

/// The events of the view, in log order, whole (deliveries are clipped where counted).
pub fn view(log: &[(Position, Event)], filter: Filter) -> Vec<&Event> {
    log.iter()
        .filter(|(p, _)| filter.known_at.is_none_or(|k| *p <= k))
        .filter(|(_, e)| filter.as_of.is_none_or(|d| e.business_date() <= d))
        .map(|(_, e)| e)
        .collect()
}

/// The date a report is as of.
pub fn reference_date(log: &[(Position, Event)], filter: Filter) -> Option<Date> {
    if filter.as_of.is_some() {
        return filter.as_of;
    }
    let mut latest: Option<Date> = None;
    for event in view(log, filter) {
        let mut days = vec![event.business_date()];
        if let Event::CareDelivered(e) = event {
            days.push(e.until - Duration::days(1));
        }
        for d in days {
            if latest.is_none_or(|l| d > l) {
                latest = Some(d);
            }
        }
    }
    latest
}

/// The delivered days of `[from, until)` that are on or before `as_of`, one by one.
fn counted_days(from: Date, until: Date, as_of: Option<Date>) -> Vec<Date> {
    let mut days = Vec::new();
    let mut d = from;
    while d < until {
        if as_of.is_none_or(|a| d <= a) {
            days.push(d);
        }
        d += Duration::days(1);
    }
    days
}

fn reversed_refs(events: &[&Event]) -> BTreeSet<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::DeliveryReversed(r) => Some(r.reference.to_string()),
            _ => None,
        })
        .collect()
}

pub fn budget_rows(log: &[(Position, Event)], filter: Filter) -> Vec<BudgetRow> {
    let events = view(log, filter);
    let reversed = reversed_refs(&events);
    // (allocated, reserved, consumed)
    let mut rows: BTreeMap<(ProviderId, RegionId, i32), (i64, i64, i64)> = BTreeMap::new();
    for event in &events {
        match event {
            Event::ProviderContracted(e) => {
                rows.entry((e.provider, e.region, e.year)).or_default();
            }
            Event::BudgetTransferred(e) => {
                if let Account::Provider { provider, region } = e.from {
                    rows.entry((provider, region, e.year)).or_default().0 -= e.amount.cents();
                }
                if let Account::Provider { provider, region } = e.to {
                    rows.entry((provider, region, e.year)).or_default().0 += e.amount.cents();
                }
            }
            Event::BudgetReserved(e) => {
                rows.entry((e.provider, e.region, e.year)).or_default().1 += e.amount.cents();
            }
            Event::BudgetReleased(e) => {
                rows.entry((e.provider, e.region, e.year)).or_default().1 -= e.amount.cents();
            }
            Event::CareDelivered(e) => {
                let row = rows
                    .entry((e.provider, e.region, e.from.year()))
                    .or_default();
                if !reversed.contains(e.reference.as_str()) {
                    let counted = counted_days(e.from, e.until, filter.as_of).len() as i64;
                    // Whole days of a whole amount: amount / days per day.
                    row.2 += e.amount.cents() / i64::from(e.days) * counted;
                }
            }
            _ => {}
        }
    }
    rows.into_iter()
        .map(
            |((provider, region, year), (allocated, reserved, consumed))| BudgetRow {
                provider,
                region,
                year,
                allocated: Money::from_cents(allocated),
                reserved: Money::from_cents(reserved),
                consumed: Money::from_cents(consumed),
                remaining: Money::from_cents(allocated - consumed),
            },
        )
        .collect()
}

pub fn pool_rows(log: &[(Position, Event)], filter: Filter) -> Vec<PoolRow> {
    // (contract space, balance, to providers, from pools)
    let mut pools: BTreeMap<(RegionId, i32), (i64, i64, i64, i64)> = BTreeMap::new();
    for event in view(log, filter) {
        match event {
            Event::RegionBudgetSet(e) => {
                let pool = pools.entry((e.region, e.year)).or_default();
                pool.0 += e.amount.cents();
                pool.1 += e.amount.cents();
            }
            Event::BudgetTransferred(e) => {
                let amount = e.amount.cents();
                if let Account::Pool { pool } = e.from {
                    let p = pools.entry((pool, e.year)).or_default();
                    p.1 -= amount;
                    match e.to {
                        Account::Provider { .. } => p.2 += amount,
                        Account::Pool { .. } => p.3 -= amount,
                    }
                }
                if let Account::Pool { pool } = e.to {
                    let p = pools.entry((pool, e.year)).or_default();
                    p.1 += amount;
                    match e.from {
                        Account::Provider { .. } => p.2 -= amount,
                        Account::Pool { .. } => p.3 += amount,
                    }
                }
            }
            _ => {}
        }
    }
    pools
        .into_iter()
        .map(
            |((region, year), (space, balance, allocated, other))| PoolRow {
                region,
                year,
                contract_space: Money::from_cents(space),
                allocated: Money::from_cents(allocated),
                other_pools: Money::from_cents(other),
                unallocated: Money::from_cents(balance),
            },
        )
        .collect()
}

/// A place on a list: (client, provider, status, since).
type Place = (ClientId, ProviderId, Urgency, Date);

/// The places at the end of the view, simulated with the rules of DESIGN.md section 6.
fn places(events: &[&Event]) -> Vec<Place> {
    let mut places: Vec<Place> = Vec::new();
    for event in events {
        match event {
            Event::ProviderChosen(e) => {
                match places
                    .iter_mut()
                    .find(|p| p.0 == e.client && p.1 == e.provider)
                {
                    Some(place) => place.2 = e.urgency,
                    None => places.push((e.client.clone(), e.provider, e.urgency, e.on)),
                }
            }
            Event::ChoiceWithdrawn(e) => places.retain(|p| !(p.0 == e.client && p.1 == e.provider)),
            Event::CareStarted(e) => places.retain(|p| p.0 != e.client),
            Event::IndicationWithdrawn(e) => places.retain(|p| p.0 != e.client),
            _ => {}
        }
    }
    places
}

pub fn waiting_rows(log: &[(Position, Event)], filter: Filter) -> Vec<WaitingRow> {
    let Some(on) = reference_date(log, filter) else {
        return Vec::new();
    };
    let mut places = places(&view(log, filter));
    places.sort_by(|a, b| {
        let key = |p: &Place| (p.1, p.2 != Urgency::Urgent, p.3, p.0.clone());
        key(a).cmp(&key(b))
    });
    let mut rows: Vec<WaitingRow> = Vec::new();
    for (client, provider, status, since) in places {
        let position = rows.iter().filter(|r| r.provider == provider).count() as u32 + 1;
        rows.push(WaitingRow {
            provider,
            position,
            client,
            status,
            since,
            days_waiting: (on - since).whole_days(),
        });
    }
    rows
}

pub fn region_waiting(log: &[(Position, Event)], filter: Filter) -> Vec<RegionWaiting> {
    let mut region_of: BTreeMap<ClientId, RegionId> = BTreeMap::new();
    for event in view(log, filter) {
        if let Event::IndicationGranted(e) = event {
            region_of.insert(e.client.clone(), e.region);
        }
    }
    let rows = waiting_rows(log, filter);
    let regions: BTreeSet<RegionId> = rows
        .iter()
        .filter_map(|r| region_of.get(&r.client).copied())
        .collect();
    regions
        .into_iter()
        .map(|region| {
            let mine: Vec<&WaitingRow> = rows
                .iter()
                .filter(|r| region_of.get(&r.client) == Some(&region))
                .collect();
            let count = |s: Urgency| mine.iter().filter(|r| r.status == s).count() as u32;
            let mut waits: Vec<i64> = mine.iter().map(|r| r.days_waiting).collect();
            waits.sort();
            let clients: BTreeSet<&ClientId> = mine.iter().map(|r| &r.client).collect();
            RegionWaiting {
                region,
                urgent: count(Urgency::Urgent),
                active: count(Urgency::Active),
                preference: count(Urgency::Preference),
                precaution: count(Urgency::Precaution),
                total: mine.len() as u32,
                clients: clients.len() as u32,
                median_days: waits[(waits.len() - 1) / 2],
                beyond_treeknorm: waits.iter().filter(|w| **w > 91).count() as u32,
            }
        })
        .collect()
}

/// The sum over every date from 2026-01-01 through the reference date of the places with
/// `status` in the view as of that date (only equal to the fold's figure when the log's
/// waiting events are in date order).
pub fn waited_client_days(log: &[(Position, Event)], filter: Filter, status: Urgency) -> i64 {
    let Some(last) = reference_date(log, filter) else {
        return 0;
    };
    let mut total = 0;
    let mut d = time::macros::date!(2026 - 01 - 01);
    while d <= last {
        let day_view = Filter {
            as_of: Some(d),
            known_at: filter.known_at,
        };
        total += places(&view(log, day_view))
            .iter()
            .filter(|p| p.2 == status)
            .count() as i64;
        d += Duration::days(1);
    }
    total
}

pub fn register(log: &[(Position, Event)], filter: Filter) -> Vec<ClientEntry> {
    let events = view(log, filter);
    let reversed = reversed_refs(&events);
    let mut clients: BTreeMap<ClientId, ClientEntry> = BTreeMap::new();
    let mut paid_days: BTreeMap<ClientId, BTreeSet<Date>> = BTreeMap::new();
    for event in &events {
        let Some(id) = event.client() else { continue };
        if matches!(event, Event::BudgetReserved(_) | Event::BudgetReleased(_)) {
            continue;
        }
        let entry = clients.entry(id.clone()).or_insert_with(|| ClientEntry {
            client: id.clone(),
            indications: Vec::new(),
            choices: Vec::new(),
            in_care: None,
            paid: Vec::new(),
        });
        match event {
            Event::IndicationGranted(e) => entry.indications.push(IndicationEntry {
                id: e.indication.clone(),
                profile: e.profile,
                region: e.region,
                from: e.from,
                until: e.until,
                withdrawn: None,
            }),
            Event::IndicationWithdrawn(e) => {
                for i in &mut entry.indications {
                    if i.id == e.indication {
                        i.withdrawn = Some(e.on);
                    }
                }
                for c in &mut entry.choices {
                    c.listed = false;
                }
            }
            Event::ProviderChosen(e) => {
                if let Some(c) = entry.choices.iter_mut().find(|c| c.provider == e.provider) {
                    if !c.listed {
                        c.on = e.on;
                        c.listed = true;
                    }
                    c.form = e.form;
                    c.urgency = e.urgency;
                } else {
                    entry.choices.push(ChoiceEntry {
                        provider: e.provider,
                        form: e.form,
                        on: e.on,
                        urgency: e.urgency,
                        listed: true,
                    });
                }
            }
            Event::ChoiceWithdrawn(e) => entry.choices.retain(|c| c.provider != e.provider),
            Event::CareStarted(e) => {
                entry.in_care = Some(InCare {
                    provider: e.provider,
                    since: e.on,
                });
                for c in &mut entry.choices {
                    c.listed = false;
                }
            }
            Event::CareEnded(e) if entry.in_care.map(|c| c.provider) == Some(e.provider) => {
                entry.in_care = None;
            }
            Event::CareDelivered(e) if !reversed.contains(e.reference.as_str()) => {
                paid_days
                    .entry(id.clone())
                    .or_default()
                    .extend(counted_days(e.from, e.until, filter.as_of));
            }
            _ => {}
        }
    }
    for (id, days) in paid_days {
        let mut periods: Vec<Period> = Vec::new();
        for d in days {
            match periods.last_mut() {
                Some(last) if last.until == d => last.until = d + Duration::days(1),
                _ => periods.push(Period::new(d, d + Duration::days(1))),
            }
        }
        if let Some(entry) = clients.get_mut(&id) {
            entry.paid = periods;
        }
    }
    clients.into_values().collect()
}
