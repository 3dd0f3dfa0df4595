//! The client register: per client its indications, its chosen providers (listed or not), the
//! provider it is in care at (since when), and its paid days as coalesced periods net of
//! reversals.
//!
//! It is not the write-side state (`pvb_core::State`), which `decide` consults: this is a read
//! model of the same facts, folded from the view a [`crate::Filter`] gives, and kept small.
//! Clients are numbered densely in the order first seen; the last paid period of each client
//! (the one daily deliveries extend) is kept apart from the rest, which only rare events change.
//! The successor guess of [`ClientRegister`] makes a delivery in a repeated order touch memory
//! front to back.
//!
//! The paid periods assume what `decide` guarantees: no day is paid twice net of reversals, so
//! a reversal takes away exactly the days its delivery added.

use pvb_core::{
    ClientId, DeliveryForm, Event, IndicationId, Position, Profile, ProviderId, RegionId, Urgency,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::period::{self, ymd, Period};
use crate::Projection;

/// One indication of a client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndicationEntry {
    /// The indication's id.
    pub id: IndicationId,
    /// The care profile.
    pub profile: Profile,
    /// The client's (paying) region.
    pub region: RegionId,
    /// First valid day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// First day no longer valid by the decision itself.
    #[serde(with = "ymd::option", default)]
    pub until: Option<Date>,
    /// First day no longer valid by a withdrawal.
    #[serde(with = "ymd::option", default)]
    pub withdrawn: Option<Date>,
}

impl IndicationEntry {
    /// The first day it no longer holds, if any: the earlier of `until` and `withdrawn`.
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

/// A client's choice of a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChoiceEntry {
    /// The provider.
    pub provider: ProviderId,
    /// The delivery form.
    pub form: DeliveryForm,
    /// The choice date; while listed, the date that put the client on the list.
    #[serde(with = "ymd")]
    pub on: Date,
    /// The latest urgency.
    pub urgency: Urgency,
    /// On the provider's waiting list (false once care started anywhere or the indication
    /// was withdrawn).
    pub listed: bool,
}

/// Where a client is in care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InCare {
    /// The provider.
    pub provider: ProviderId,
    /// First day in care.
    #[serde(with = "ymd")]
    pub since: Date,
}

/// Everything the register holds of one client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientEntry {
    /// The client.
    pub client: ClientId,
    /// Indications, in the order granted.
    #[serde(default)]
    pub indications: Vec<IndicationEntry>,
    /// Choices, in the order first made; a withdrawn choice is gone.
    #[serde(default)]
    pub choices: Vec<ChoiceEntry>,
    /// The provider the client is in care at, if any.
    #[serde(default)]
    pub in_care: Option<InCare>,
    /// Paid days net of reversals: sorted, disjoint, coalesced periods.
    #[serde(default)]
    pub paid: Vec<Period>,
}

impl ClientEntry {
    /// The indications that hold on `day`.
    pub fn indications_on(&self, day: Date) -> impl Iterator<Item = &IndicationEntry> {
        self.indications.iter().filter(move |i| i.valid_on(day))
    }

    /// The number of paid days.
    pub fn paid_days(&self) -> i64 {
        self.paid.iter().map(|p| p.days()).sum()
    }
}

/// The cold part of a client: changed by the rare events only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Record {
    indications: Box<[IndicationEntry]>,
    choices: Box<[ChoiceEntry]>,
    in_care: Option<InCare>,
    /// Paid periods before the last one.
    paid_before: Box<[Period]>,
}

/// `items` with `item` added at the end, in an allocation of exactly the new length (rare
/// events only; a growing `Vec` would leave a hole of spare capacity per client).
fn push<T>(items: &mut Box<[T]>, item: T) {
    let mut list = Vec::with_capacity(items.len() + 1);
    list.extend(std::mem::take(items).into_vec());
    list.push(item);
    *items = list.into_boxed_slice();
}

/// No client: the end of a successor chain.
const NONE: u32 = u32::MAX;

/// What a delivery reads and writes of a client, together in one place.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Hot {
    /// The client.
    id: ClientId,
    /// The last paid period (the one daily deliveries extend).
    paid_last: Option<Period>,
    /// The client whose delivery followed this client's delivery last time.
    next: u32,
}

/// The client register. Fold it with [`Projection::apply`]; read it with
/// [`ClientRegister::client`] and [`ClientRegister::entries`].
///
/// Clients are numbered densely in the order first seen; the per-client vectors are indexed by
/// that number. Deliveries usually come in the same client order every period (every client's
/// day, or a provider's monthly declaration, in a stable order), so the register remembers, for
/// each client, which client's delivery came next last time, and checks that guess before it
/// hashes: right guesses read the vectors front to back, which the CPU prefetches, instead of
/// a random hash slot per delivery. While guesses keep failing (deliveries in a new order every
/// time) it stops checking them until they would have been right again.
#[derive(Clone, Debug)]
pub struct ClientRegister {
    /// Client id to dense number.
    index: FxHashMap<ClientId, u32>,
    /// Per client, what deliveries touch.
    hot: Vec<Hot>,
    /// Per client, everything else.
    records: Vec<Record>,
    /// The client of the last delivery folded.
    cursor: u32,
    /// How far the successor guess is trusted: checked while above zero.
    trust: i8,
}

impl Default for ClientRegister {
    fn default() -> ClientRegister {
        ClientRegister {
            index: FxHashMap::default(),
            hot: Vec::new(),
            records: Vec::new(),
            cursor: NONE,
            trust: 1,
        }
    }
}

/// Two registers are equal when they hold the same clients with the same data (the numbering
/// and the successor guesses are not part of it).
impl PartialEq for ClientRegister {
    fn eq(&self, other: &ClientRegister) -> bool {
        self.len() == other.len() && self.entries() == other.entries()
    }
}

impl Eq for ClientRegister {}

impl ClientRegister {
    /// No clients.
    pub fn new() -> ClientRegister {
        ClientRegister::default()
    }

    /// The dense number of `client`, added when new.
    #[inline]
    fn number(&mut self, client: &ClientId) -> usize {
        match self.index.get(client) {
            Some(number) => *number as usize,
            None => self.add(client),
        }
    }

    /// Adds `client`; returns its number.
    #[cold]
    fn add(&mut self, client: &ClientId) -> usize {
        let number = self.hot.len();
        // More than 4 billion clients cannot be held in memory anyway.
        self.index
            .insert(client.clone(), u32::try_from(number).unwrap_or(NONE));
        self.hot.push(Hot {
            id: client.clone(),
            paid_last: None,
            next: NONE,
        });
        self.records.push(Record::default());
        number
    }

    /// The number of the client of a delivery: the successor of the last delivery's client
    /// when that guess is right, else from the index. Remembers the successor for next time.
    #[inline]
    fn delivery_number(&mut self, client: &ClientId) -> usize {
        let cursor = self.cursor as usize;
        let guess = self.hot.get(cursor).map_or(NONE, |h| h.next) as usize;
        let right = self.trust > 0 && self.hot.get(guess).is_some_and(|h| h.id == *client);
        let number = if right {
            self.trust = self.trust.saturating_add(1).min(16);
            guess
        } else {
            let number = self.number(client);
            if number == guess {
                // Unchecked but right: trust it again.
                self.trust = self.trust.saturating_add(1).min(16);
            } else {
                self.trust = self.trust.saturating_sub(2).max(-16);
                if let Some(h) = self.hot.get_mut(cursor) {
                    h.next = number as u32;
                }
            }
            number
        };
        self.cursor = number as u32;
        number
    }

    fn record(&mut self, client: &ClientId) -> &mut Record {
        let number = self.number(client);
        &mut self.records[number]
    }

    #[inline]
    fn paid(&mut self, client: &ClientId, period: Period) {
        if period.is_empty() {
            return;
        }
        let number = self.delivery_number(client);
        let Some(hot) = self.hot.get_mut(number) else {
            return;
        };
        match &mut hot.paid_last {
            // The common case: the next day (or days) of an ongoing stay.
            Some(last) if last.until == period.from => last.until = period.until,
            Some(last) if last.until < period.from => {
                let previous = std::mem::replace(last, period);
                if let Some(record) = self.records.get_mut(number) {
                    push(&mut record.paid_before, previous);
                }
            }
            _ => self.repaint(number, |list| period::insert(list, period)),
        }
    }

    fn unpaid(&mut self, client: &ClientId, period: Period) {
        if let Some(number) = self.index.get(client) {
            let number = *number as usize;
            self.repaint(number, |list| period::remove(list, period));
        }
    }

    /// Applies `f` to the whole paid list of client `number`, then splits it again.
    fn repaint(&mut self, number: usize, f: impl FnOnce(&mut Vec<Period>)) {
        let (Some(hot), Some(record)) = (self.hot.get_mut(number), self.records.get_mut(number))
        else {
            return;
        };
        let mut list = record.paid_before.to_vec();
        list.extend(hot.paid_last);
        f(&mut list);
        hot.paid_last = list.pop();
        record.paid_before = list.into_boxed_slice();
    }

    fn entry(&self, number: usize) -> Option<ClientEntry> {
        let (hot, record) = (self.hot.get(number)?, self.records.get(number)?);
        let mut paid = record.paid_before.to_vec();
        paid.extend(hot.paid_last);
        Some(ClientEntry {
            client: hot.id.clone(),
            indications: record.indications.to_vec(),
            choices: record.choices.to_vec(),
            in_care: record.in_care,
            paid,
        })
    }

    /// Everything the register holds of `client`.
    pub fn client(&self, client: &ClientId) -> Option<ClientEntry> {
        self.entry(*self.index.get(client)? as usize)
    }

    /// Every client, sorted by id.
    pub fn entries(&self) -> Vec<ClientEntry> {
        let mut numbers: Vec<usize> = (0..self.hot.len()).collect();
        numbers.sort_unstable_by(|a, b| self.hot[*a].id.cmp(&self.hot[*b].id));
        numbers.into_iter().filter_map(|n| self.entry(n)).collect()
    }

    /// The number of clients.
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    /// True when the register holds no client.
    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    fn insert_entry(&mut self, entry: ClientEntry) {
        let mut paid = Vec::with_capacity(entry.paid.len());
        for period in entry.paid {
            period::insert(&mut paid, period);
        }
        let number = self.number(&entry.client);
        if let Some(hot) = self.hot.get_mut(number) {
            hot.paid_last = paid.pop();
        }
        let record = &mut self.records[number];
        record.indications = entry.indications.into_boxed_slice();
        record.choices = entry.choices.into_boxed_slice();
        record.in_care = entry.in_care;
        record.paid_before = paid.into_boxed_slice();
    }
}

impl Projection for ClientRegister {
    #[inline]
    fn apply(&mut self, _position: Position, event: &Event) {
        match event {
            Event::CareDelivered(e) => self.paid(&e.client, Period::new(e.from, e.until)),
            Event::DeliveryReversed(e) => self.unpaid(&e.client, Period::new(e.from, e.until)),
            Event::IndicationGranted(e) => {
                let entry = IndicationEntry {
                    id: e.indication.clone(),
                    profile: e.profile,
                    region: e.region,
                    from: e.from,
                    until: e.until,
                    withdrawn: None,
                };
                push(&mut self.record(&e.client).indications, entry);
            }
            Event::IndicationWithdrawn(e) => {
                let record = self.record(&e.client);
                if let Some(i) = record.indications.iter_mut().find(|i| i.id == e.indication) {
                    i.withdrawn = Some(e.on);
                }
                for choice in record.choices.iter_mut() {
                    choice.listed = false;
                }
            }
            Event::ProviderChosen(e) => {
                let record = self.record(&e.client);
                match record.choices.iter_mut().find(|c| c.provider == e.provider) {
                    Some(choice) => {
                        if !choice.listed {
                            choice.on = e.on;
                        }
                        choice.form = e.form;
                        choice.urgency = e.urgency;
                        choice.listed = true;
                    }
                    None => {
                        let choice = ChoiceEntry {
                            provider: e.provider,
                            form: e.form,
                            on: e.on,
                            urgency: e.urgency,
                            listed: true,
                        };
                        push(&mut record.choices, choice);
                    }
                }
            }
            Event::ChoiceWithdrawn(e) => {
                let record = self.record(&e.client);
                if record.choices.iter().any(|c| c.provider == e.provider) {
                    let kept: Vec<ChoiceEntry> = record
                        .choices
                        .iter()
                        .filter(|c| c.provider != e.provider)
                        .copied()
                        .collect();
                    record.choices = kept.into_boxed_slice();
                }
            }
            Event::CareStarted(e) => {
                let record = self.record(&e.client);
                record.in_care = Some(InCare {
                    provider: e.provider,
                    since: e.on,
                });
                for choice in record.choices.iter_mut() {
                    choice.listed = false;
                }
            }
            Event::CareEnded(e) => {
                let record = self.record(&e.client);
                if record.in_care.is_some_and(|c| c.provider == e.provider) {
                    record.in_care = None;
                }
            }
            Event::RegionBudgetSet(_)
            | Event::ProviderContracted(_)
            | Event::TariffSet(_)
            | Event::BudgetTransferred(_)
            | Event::BudgetReserved(_)
            | Event::BudgetReleased(_) => {}
        }
    }
}

impl Serialize for ClientRegister {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ClientRegister {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<ClientEntry>::deserialize(deserializer)?;
        let mut register = ClientRegister::new();
        for entry in entries {
            register.insert_entry(entry);
        }
        Ok(register)
    }
}

#[cfg(test)]
mod tests;
