//! The write-side state that `decide` consults and `apply` folds: who holds which indication,
//! who waits where, who is in care where since when, which days are paid, and every account.
//!
//! It is not a report: the read models with as-of queries live in `pvb-projection`. `apply`
//! holds no rules and cannot fail; every check is in [`crate::rules`].

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::event::{january_first, Account, Event, Urgency, Year};
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};

/// A provider's contract for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The contracting region.
    pub region: RegionId,
    /// Places.
    pub places: u32,
    /// Percentage of the maximum tariff, in basis points.
    pub tariff_bp: u32,
}

/// One indication of a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicationState {
    /// Its id.
    pub id: IndicationId,
    /// The profile.
    pub profile: Profile,
    /// The client's (paying) region.
    pub region: RegionId,
    /// First valid day.
    pub from: Date,
    /// First day no longer valid by the decision itself.
    pub until: Option<Date>,
    /// First day no longer valid by a withdrawal.
    pub withdrawn: Option<Date>,
}

impl IndicationState {
    /// First day not valid, if any: the earlier of `until` and `withdrawn`.
    pub fn end(&self) -> Option<Date> {
        match (self.until, self.withdrawn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// True when the indication holds on `day`.
    pub fn valid_on(&self, day: Date) -> bool {
        self.from <= day && self.end().is_none_or(|end| day < end)
    }
}

/// A client's choice (assignment) of a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceState {
    /// The provider.
    pub provider: ProviderId,
    /// The delivery form.
    pub form: DeliveryForm,
    /// The date of the choice; on the list, the original date (a repeated choice keeps it).
    pub on: Date,
    /// The waiting status.
    pub urgency: Urgency,
    /// On the provider's waiting list (false once care started anywhere).
    pub listed: bool,
}

/// One reservation of an open care interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The budget year.
    pub year: Year,
    /// First reserved day.
    pub from: Date,
    /// Day tariff it was fixed at.
    pub day_tariff: Money,
}

/// A care interval `[from, until)` at a provider; `until` is `None` while it is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareInterval {
    /// The provider.
    pub provider: ProviderId,
    /// First day in care.
    pub from: Date,
    /// First day not in care; `None` while in care.
    pub until: Option<Date>,
    /// The funding region.
    pub region: RegionId,
    /// The profile.
    pub profile: Profile,
    /// The delivery form.
    pub form: DeliveryForm,
    /// Reservations made for this interval (kept while it is open).
    pub reservations: Vec<Reservation>,
}

impl CareInterval {
    /// True when `[from, until)` lies inside this interval.
    pub fn covers(&self, from: Date, until: Date) -> bool {
        self.from <= from && self.until.is_none_or(|end| until <= end)
    }
}

/// Everything the ledger knows of one client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientState {
    /// The client.
    pub id: ClientId,
    /// Indications, in the order granted.
    pub indications: Vec<IndicationState>,
    /// Choices (assignments) by provider.
    pub choices: Vec<ChoiceState>,
    /// Care intervals in order; at most the last is open.
    pub care: Vec<CareInterval>,
    /// Paid days, net of reversals: sorted, disjoint, coalesced half-open intervals.
    pub paid: Vec<(Date, Date)>,
}

impl ClientState {
    fn new(id: ClientId) -> ClientState {
        ClientState {
            id,
            indications: Vec::new(),
            choices: Vec::new(),
            care: Vec::new(),
            paid: Vec::new(),
        }
    }

    /// The open care interval, if the client is in care.
    pub fn open_care(&self) -> Option<&CareInterval> {
        self.care.last().filter(|c| c.until.is_none())
    }

    /// The indication valid on `day` that starts last (the current decision).
    pub fn indication_on(&self, day: Date) -> Option<&IndicationState> {
        self.indications
            .iter()
            .filter(|i| i.valid_on(day))
            .max_by_key(|i| i.from)
    }

    /// The first day of `[from, until)` that no valid indication covers.
    pub fn first_uncovered_day(&self, from: Date, until: Date) -> Option<Date> {
        let mut day = from;
        while day < until {
            let reach = self
                .indications
                .iter()
                .filter(|i| i.valid_on(day))
                .map(|i| i.end().unwrap_or(Date::MAX))
                .max();
            match reach {
                Some(end) => day = end,
                None => return Some(day),
            }
        }
        None
    }

    /// The first already-paid day of `[from, until)`.
    pub fn first_paid_day(&self, from: Date, until: Date) -> Option<Date> {
        // Intervals are sorted by start; the first that ends after `from` decides.
        let index = self.paid.partition_point(|(_, end)| *end <= from);
        self.paid
            .get(index)
            .filter(|(start, _)| *start < until)
            .map(|(start, _)| (*start).max(from))
    }

    /// The choice of `provider`, if any.
    pub fn choice(&self, provider: ProviderId) -> Option<&ChoiceState> {
        self.choices.iter().find(|c| c.provider == provider)
    }
}

/// A recorded delivery, kept for reversals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// Index of the client in the state.
    pub client: u32,
    /// The provider.
    pub provider: ProviderId,
    /// The funding region.
    pub region: RegionId,
    /// First day.
    pub from: Date,
    /// First day after.
    pub until: Date,
    /// The amount.
    pub amount: Money,
    /// Reversed since.
    pub reversed: bool,
}

/// Every delivery by its declaration reference, kept compact because there is one per
/// client-day (about 90 million in a national year): a table from a 64-bit hash of the
/// reference to the delivery's index (16 bytes an entry, where a map keyed by the reference
/// text held about 60), the references and deliveries in the order recorded, and a map for
/// the rare reference whose hash an earlier reference already has. Looking a new reference up
/// (every delivery does) probes the small table only.
///
/// It serializes as the sequence of `(reference, delivery)` pairs in the order recorded; the
/// table is rebuilt on load.
#[derive(Clone, Debug, Default)]
pub(crate) struct Deliveries {
    by_hash: FxHashMap<u64, u64>,
    collided: FxHashMap<DeclarationRef, u64>,
    references: Vec<DeclarationRef>,
    records: Vec<DeliveryRecord>,
}

impl Deliveries {
    fn hash(reference: &DeclarationRef) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        reference.as_str().hash(&mut hasher);
        hasher.finish()
    }

    fn index(&self, reference: &DeclarationRef) -> Option<usize> {
        let index = *self.by_hash.get(&Self::hash(reference))? as usize;
        if self.references.get(index) == Some(reference) {
            return Some(index);
        }
        self.collided.get(reference).map(|i| *i as usize)
    }

    pub(crate) fn get(&self, reference: &DeclarationRef) -> Option<&DeliveryRecord> {
        self.index(reference).and_then(|i| self.records.get(i))
    }

    pub(crate) fn get_mut(&mut self, reference: &DeclarationRef) -> Option<&mut DeliveryRecord> {
        self.index(reference).and_then(|i| self.records.get_mut(i))
    }

    /// Records a delivery; a reference recorded before gets the new record (as a map would).
    pub(crate) fn insert(&mut self, reference: DeclarationRef, record: DeliveryRecord) {
        use std::collections::hash_map::Entry;
        let next = self.records.len() as u64;
        let slot = match self.by_hash.entry(Self::hash(&reference)) {
            Entry::Vacant(vacant) => {
                vacant.insert(next);
                None
            }
            Entry::Occupied(occupied) => {
                let index = *occupied.get() as usize;
                if self.references.get(index) == Some(&reference) {
                    Some(index)
                } else {
                    match self.collided.entry(reference.clone()) {
                        Entry::Occupied(known) => Some(*known.get() as usize),
                        Entry::Vacant(vacant) => {
                            vacant.insert(next);
                            None
                        }
                    }
                }
            }
        };
        match slot.and_then(|i| self.records.get_mut(i)) {
            Some(known) => *known = record,
            None => {
                self.references.push(reference);
                self.records.push(record);
            }
        }
    }
}

impl Serialize for Deliveries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.references.iter().zip(&self.records))
    }
}

impl<'de> Deserialize<'de> for Deliveries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Deliveries, D::Error> {
        let pairs: Vec<(DeclarationRef, DeliveryRecord)> = Vec::deserialize(d)?;
        let mut deliveries = Deliveries::default();
        deliveries.by_hash.reserve(pairs.len());
        for (reference, record) in pairs {
            deliveries.insert(reference, record);
        }
        Ok(deliveries)
    }
}

/// The ledger's write-side state.
///
/// It serializes (serde) for snapshots: maps are written as sequences of pairs, so any serde
/// format can hold it; the client index is rebuilt on load.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    #[serde(with = "pairs")]
    pub(crate) tariffs: FxHashMap<(Year, Profile, DeliveryForm), Money>,
    pub(crate) budgets: BTreeSet<(RegionId, Year)>,
    #[serde(with = "pairs")]
    pub(crate) contracts: FxHashMap<(ProviderId, Year), Contract>,
    #[serde(with = "pairs")]
    pub(crate) accounts: BTreeMap<(Account, Year), Money>,
    #[serde(with = "pairs")]
    pub(crate) reserved: BTreeMap<(ProviderId, RegionId, Year), Money>,
    #[serde(skip)]
    pub(crate) client_index: FxHashMap<ClientId, u32>,
    pub(crate) clients: Vec<ClientState>,
    #[serde(with = "pairs")]
    pub(crate) in_care: FxHashMap<ProviderId, u32>,
    pub(crate) deliveries: Deliveries,
    pub(crate) budget_total: i128,
}

/// Serializes a map as a sequence of `(key, value)` pairs, sorted by key where the map is
/// ordered, in insertion-independent order otherwise (sorted on write for determinism).
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<'a, M, K, V, S>(map: &'a M, s: S) -> Result<S::Ok, S::Error>
    where
        &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        K: Serialize + Ord + 'a,
        V: Serialize + 'a,
        S: Serializer,
    {
        let mut pairs: Vec<(&K, &V)> = map.into_iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        s.collect_seq(pairs)
    }

    pub(super) fn deserialize<'de, M, K, V, D>(d: D) -> Result<M, D::Error>
    where
        M: FromIterator<(K, V)>,
        K: Deserialize<'de>,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let pairs: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(pairs.into_iter().collect())
    }
}

fn add(slot: &mut Money, amount: Money) {
    // `decide` checked that this cannot overflow; saturate rather than fail.
    *slot = Money::from_cents(slot.cents().saturating_add(amount.cents()));
}

fn sub(slot: &mut Money, amount: Money) {
    *slot = Money::from_cents(slot.cents().saturating_sub(amount.cents()));
}

impl State {
    /// An empty ledger.
    pub fn new() -> State {
        State::default()
    }

    /// Rebuilds the derived client index after deserializing a snapshot.
    pub fn reindex(&mut self) {
        self.client_index = self
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i as u32))
            .collect();
    }

    /// The maximum day tariff for a year, profile and form.
    pub fn max_tariff(&self, year: Year, profile: Profile, form: DeliveryForm) -> Option<Money> {
        self.tariffs.get(&(year, profile, form)).copied()
    }

    /// The provider's contract for `year`.
    pub fn contract(&self, provider: ProviderId, year: Year) -> Option<Contract> {
        self.contracts.get(&(provider, year)).copied()
    }

    /// True when the region's budget for `year` is set.
    pub fn has_budget(&self, region: RegionId, year: Year) -> bool {
        self.budgets.contains(&(region, year))
    }

    /// The balance of an account for a year (zero when it never moved).
    pub fn balance(&self, account: Account, year: Year) -> Money {
        self.accounts
            .get(&(account, year))
            .copied()
            .unwrap_or(Money::ZERO)
    }

    /// Every account balance, ordered.
    pub fn balances(&self) -> impl Iterator<Item = (&(Account, Year), &Money)> {
        self.accounts.iter()
    }

    /// The sum of every `RegionBudgetSet` amount so far.
    pub fn budget_total(&self) -> i128 {
        self.budget_total
    }

    /// Reserved budget at a provider for a funding region and year.
    pub fn reserved(&self, provider: ProviderId, region: RegionId, year: Year) -> Money {
        self.reserved
            .get(&(provider, region, year))
            .copied()
            .unwrap_or(Money::ZERO)
    }

    /// Clients in care at a provider now.
    pub fn in_care(&self, provider: ProviderId) -> u32 {
        self.in_care.get(&provider).copied().unwrap_or(0)
    }

    /// A client's state.
    pub fn client(&self, id: &ClientId) -> Option<&ClientState> {
        self.client_index
            .get(id)
            .and_then(|i| self.clients.get(*i as usize))
    }

    /// Every client, in the order first seen.
    pub fn clients(&self) -> &[ClientState] {
        &self.clients
    }

    /// A recorded delivery.
    pub fn delivery(&self, reference: &DeclarationRef) -> Option<&DeliveryRecord> {
        self.deliveries.get(reference)
    }

    /// The day tariff of a contract: `floor(max_tariff * bp / 10_000)`.
    pub fn day_tariff(
        &self,
        provider: ProviderId,
        year: Year,
        profile: Profile,
        form: DeliveryForm,
    ) -> Option<Money> {
        let contract = self.contract(provider, year)?;
        self.max_tariff(year, profile, form)?
            .basis_points_floor(contract.tariff_bp)
    }

    /// The last year for which `region` has a budget.
    pub(crate) fn last_budget_year(&self, region: RegionId) -> Option<Year> {
        self.budgets
            .range((region, Year::MIN)..=(region, Year::MAX))
            .next_back()
            .map(|(_, y)| *y)
    }

    fn client_mut(&mut self, id: &ClientId) -> &mut ClientState {
        let next = self.clients.len() as u32;
        let index = *self.client_index.entry(id.clone()).or_insert(next);
        if index == next {
            self.clients.push(ClientState::new(id.clone()));
        }
        &mut self.clients[index as usize]
    }

    /// Folds one accepted event into the state. Holds no rules and cannot fail: every check was
    /// made by `decide` before the event existed.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::RegionBudgetSet(e) => {
                self.budgets.insert((e.region, e.year));
                add(
                    self.accounts
                        .entry((Account::pool(e.region), e.year))
                        .or_default(),
                    e.amount,
                );
                self.budget_total += i128::from(e.amount.cents());
            }
            Event::ProviderContracted(e) => {
                self.contracts.insert(
                    (e.provider, e.year),
                    Contract {
                        region: e.region,
                        places: e.places,
                        tariff_bp: e.tariff_bp,
                    },
                );
            }
            Event::TariffSet(e) => {
                self.tariffs
                    .insert((e.year, e.profile, e.form), e.day_tariff);
            }
            Event::IndicationGranted(e) => {
                self.client_mut(&e.client)
                    .indications
                    .push(IndicationState {
                        id: e.indication.clone(),
                        profile: e.profile,
                        region: e.region,
                        from: e.from,
                        until: e.until,
                        withdrawn: None,
                    });
            }
            Event::IndicationWithdrawn(e) => {
                let client = self.client_mut(&e.client);
                if let Some(i) = client.indications.iter_mut().find(|i| i.id == e.indication) {
                    i.withdrawn = Some(e.on);
                }
                for choice in &mut client.choices {
                    choice.listed = false;
                }
            }
            Event::ProviderChosen(e) => {
                let client = self.client_mut(&e.client);
                match client.choices.iter_mut().find(|c| c.provider == e.provider) {
                    Some(choice) => {
                        if !choice.listed {
                            choice.on = e.on;
                        }
                        choice.form = e.form;
                        choice.urgency = e.urgency;
                        choice.listed = true;
                    }
                    None => client.choices.push(ChoiceState {
                        provider: e.provider,
                        form: e.form,
                        on: e.on,
                        urgency: e.urgency,
                        listed: true,
                    }),
                }
            }
            Event::ChoiceWithdrawn(e) => {
                self.client_mut(&e.client)
                    .choices
                    .retain(|c| c.provider != e.provider);
            }
            Event::CareStarted(e) => {
                let client = self.client_mut(&e.client);
                client.care.push(CareInterval {
                    provider: e.provider,
                    from: e.on,
                    until: None,
                    region: e.region,
                    profile: e.profile,
                    form: e.form,
                    reservations: Vec::new(),
                });
                for choice in &mut client.choices {
                    choice.listed = false;
                }
                *self.in_care.entry(e.provider).or_default() += 1;
            }
            Event::CareEnded(e) => {
                let client = self.client_mut(&e.client);
                if let Some(care) = client.care.last_mut().filter(|c| c.until.is_none()) {
                    care.until = Some(e.on);
                    care.reservations.clear();
                }
                let count = self.in_care.entry(e.provider).or_default();
                *count = count.saturating_sub(1);
            }
            Event::CareDelivered(e) => {
                let index = {
                    let next = self.clients.len() as u32;
                    let index = *self.client_index.entry(e.client.clone()).or_insert(next);
                    if index == next {
                        self.clients.push(ClientState::new(e.client.clone()));
                    }
                    index
                };
                insert_interval(&mut self.clients[index as usize].paid, e.from, e.until);
                self.deliveries.insert(
                    e.reference.clone(),
                    DeliveryRecord {
                        client: index,
                        provider: e.provider,
                        region: e.region,
                        from: e.from,
                        until: e.until,
                        amount: e.amount,
                        reversed: false,
                    },
                );
            }
            Event::DeliveryReversed(e) => {
                remove_interval(&mut self.client_mut(&e.client).paid, e.from, e.until);
                if let Some(d) = self.deliveries.get_mut(&e.reference) {
                    d.reversed = true;
                }
            }
            Event::BudgetTransferred(e) => {
                sub(self.accounts.entry((e.from, e.year)).or_default(), e.amount);
                add(self.accounts.entry((e.to, e.year)).or_default(), e.amount);
            }
            Event::BudgetReserved(e) => {
                add(
                    self.reserved
                        .entry((e.provider, e.region, e.year))
                        .or_default(),
                    e.amount,
                );
                let client = self.client_mut(&e.client);
                // The reservation belongs to the open care only if it was made for it: same
                // provider and funding region, and not before it started. A carried-over
                // reservation of an earlier, closed care interval (dated 1 January, before
                // the open care started) must not be released again when the open care ends.
                if let Some(care) = client.care.last_mut().filter(|c| {
                    c.until.is_none()
                        && c.provider == e.provider
                        && c.region == e.region
                        && c.from <= e.from
                }) {
                    let day_tariff = if e.days == 0 {
                        Money::ZERO
                    } else {
                        Money::from_cents(e.amount.cents() / i64::from(e.days))
                    };
                    care.reservations.push(Reservation {
                        year: e.year,
                        from: e.from,
                        day_tariff,
                    });
                }
            }
            Event::BudgetReleased(e) => {
                sub(
                    self.reserved
                        .entry((e.provider, e.region, e.year))
                        .or_default(),
                    e.amount,
                );
            }
        }
    }
}

/// Adds `[from, until)` to a sorted, disjoint, coalesced interval list.
pub(crate) fn insert_interval(list: &mut Vec<(Date, Date)>, from: Date, until: Date) {
    // Fast path: appending at the end (a delivery per day, in order).
    if let Some(last) = list.last_mut() {
        if last.1 == from {
            last.1 = until;
            return;
        }
        if last.1 < from {
            list.push((from, until));
            return;
        }
    } else {
        list.push((from, until));
        return;
    }
    let start = list.partition_point(|(_, end)| *end < from);
    let stop = list.partition_point(|(begin, _)| *begin <= until);
    let mut merged = (from, until);
    for (begin, end) in list.get(start..stop).unwrap_or(&[]) {
        merged.0 = merged.0.min(*begin);
        merged.1 = merged.1.max(*end);
    }
    list.splice(start..stop, std::iter::once(merged));
}

/// Removes `[from, until)` from a sorted, disjoint interval list.
pub(crate) fn remove_interval(list: &mut Vec<(Date, Date)>, from: Date, until: Date) {
    let mut out = Vec::with_capacity(list.len() + 1);
    for (begin, end) in list.drain(..) {
        if end <= from || until <= begin {
            out.push((begin, end));
            continue;
        }
        if begin < from {
            out.push((begin, from));
        }
        if until < end {
            out.push((until, end));
        }
    }
    *list = out;
}

/// Days in `[from, until)`, 0 when empty.
pub fn days_between(from: Date, until: Date) -> u32 {
    let days = (until - from).whole_days();
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

/// 1 January of the year after `day`'s year.
pub fn next_january_first(day: Date) -> Date {
    january_first(day.year().saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn intervals_coalesce_and_split() {
        let mut list = Vec::new();
        insert_interval(&mut list, date!(2026 - 01 - 01), date!(2026 - 01 - 02));
        insert_interval(&mut list, date!(2026 - 01 - 02), date!(2026 - 01 - 03));
        assert_eq!(list, vec![(date!(2026 - 01 - 01), date!(2026 - 01 - 03))]);
        insert_interval(&mut list, date!(2026 - 01 - 10), date!(2026 - 01 - 12));
        insert_interval(&mut list, date!(2026 - 01 - 05), date!(2026 - 01 - 06));
        assert_eq!(list.len(), 3);
        insert_interval(&mut list, date!(2026 - 01 - 03), date!(2026 - 01 - 10));
        assert_eq!(list, vec![(date!(2026 - 01 - 01), date!(2026 - 01 - 12))]);
        remove_interval(&mut list, date!(2026 - 01 - 05), date!(2026 - 01 - 06));
        assert_eq!(
            list,
            vec![
                (date!(2026 - 01 - 01), date!(2026 - 01 - 05)),
                (date!(2026 - 01 - 06), date!(2026 - 01 - 12))
            ]
        );
    }

    #[test]
    fn days_between_counts_half_open() {
        assert_eq!(
            days_between(date!(2026 - 02 - 01), date!(2027 - 01 - 01)),
            334
        );
        assert_eq!(
            days_between(date!(2026 - 03 - 01), date!(2027 - 01 - 01)),
            306
        );
        assert_eq!(
            days_between(date!(2026 - 03 - 01), date!(2026 - 03 - 01)),
            0
        );
    }
}
