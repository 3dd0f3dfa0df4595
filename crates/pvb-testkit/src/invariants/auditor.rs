//! The streaming [`Auditor`]: folds events into its own books and reports what breaks an
//! invariant, with the position of the event that shows it.
//!
//! It never consults `pvb_core::decide` or `pvb_core::State`. Memory: per client (its
//! indications, choices, care intervals and coalesced paid days), per provider (contracts, the
//! care intervals there, who is listed), per account and tariff, plus a 128-bit fingerprint of
//! every declaration reference.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use pvb_core::{
    january_first, Account, BudgetReleased, BudgetReserved, BudgetTransferred, CareDelivered,
    CareEnded, CareStarted, ClientId, DeclarationRef, DeliveryForm, DeliveryReversed, Event,
    IndicationGranted, IndicationId, IndicationWithdrawn, Money, Policy, Position, Profile,
    ProviderChosen, ProviderId, RecordView, RegionId, WithdrawalReason, Year,
};
use time::Date;

use super::paid::{Paid, Segment};
use super::{
    Report, Violation, CHECKED, INV_01, INV_02, INV_04, INV_05, INV_06, INV_07, INV_09, INV_11,
    INV_14, INV_15, INV_17, INV_19,
};

/// Violations kept by default (all are counted).
const VIOLATIONS_KEPT_DEFAULT: usize = 10_000;

#[derive(Clone, Debug)]
pub(super) struct Indication {
    pub id: IndicationId,
    pub profile: Profile,
    pub region: RegionId,
    pub from: Date,
    pub until: Option<Date>,
    pub withdrawn: Option<Date>,
}

impl Indication {
    /// First day not valid, if any.
    fn end(&self) -> Option<Date> {
        match (self.until, self.withdrawn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn valid_on(&self, day: Date) -> bool {
        self.from <= day && self.end().is_none_or(|end| day < end)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Choice {
    pub provider: ProviderId,
    pub form: DeliveryForm,
    /// The choice date (the original one while the client stays listed).
    pub on: Date,
    pub listed: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Care {
    pub provider: ProviderId,
    pub region: RegionId,
    pub profile: Profile,
    pub form: DeliveryForm,
    pub from: Date,
    pub until: Option<Date>,
    /// Reservations made for this interval: (year, day rate in cents).
    pub reservations: Vec<(Year, i128)>,
}

impl Care {
    fn contains(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|end| day < end)
    }

    fn covers(&self, from: Date, until: Date) -> bool {
        self.from <= from && self.until.is_none_or(|end| until <= end)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Client {
    pub id: ClientId,
    pub indications: Vec<Indication>,
    pub choices: Vec<Choice>,
    pub care: Vec<Care>,
    pub paid: Paid,
    /// The first day after death, and the position of the withdrawal that says so.
    pub death: Option<(Date, Position)>,
}

impl Client {
    fn new(id: ClientId) -> Client {
        Client {
            id,
            indications: Vec::new(),
            choices: Vec::new(),
            care: Vec::new(),
            paid: Paid::default(),
            death: None,
        }
    }

    /// The valid indication of `day` that starts last (the current decision).
    pub fn indication_on(&self, day: Date) -> Option<&Indication> {
        let mut best: Option<&Indication> = None;
        for indication in self.indications.iter().filter(|i| i.valid_on(day)) {
            if best.is_none_or(|b| indication.from >= b.from) {
                best = Some(indication);
            }
        }
        best
    }

    /// The first day of `[from, until)` that no valid indication covers.
    fn first_uncovered_day(&self, from: Date, until: Date) -> Option<Date> {
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

    fn open_care(&self) -> Option<&Care> {
        self.care.iter().rev().find(|c| c.until.is_none())
    }

    pub fn in_care_at(&self, provider: ProviderId, day: Date) -> bool {
        self.care
            .iter()
            .any(|c| c.provider == provider && c.contains(day))
    }
}

/// A care interval seen from its provider.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stay {
    pub client: u32,
    pub from: Date,
    pub until: Option<Date>,
}

impl Stay {
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|end| day < end)
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Contract {
    pub places: u32,
    pub bp: u32,
}

#[derive(Clone, Debug, Default)]
pub(super) struct ProviderBooks {
    pub contracts: BTreeMap<Year, Contract>,
    pub stays: Vec<Stay>,
    /// Clients listed here (their choice of this provider has `listed`).
    pub listed: BTreeSet<u32>,
}

impl ProviderBooks {
    pub fn occupancy(&self, day: Date) -> u32 {
        self.stays.iter().filter(|s| s.contains(day)).count() as u32
    }
}

/// The streaming auditor. Feed it every event in log order with [`Auditor::observe`] (or
/// every record with [`Auditor::observe_record`]), then call [`Auditor::finish`].
///
/// Under [`Policy::FixedAgreements`] INV-15 is not checked: there, a client waiting for
/// budget while a place is free is the regime itself (the Rosa Spier Huis case), not a fault.
#[derive(Clone, Debug)]
pub struct Auditor {
    pub(super) policy: Policy,
    enabled: [bool; CHECKED.len()],
    limit: usize,
    violations: Vec<Violation>,
    violated: [u64; CHECKED.len()],
    checked: [u64; CHECKED.len()],
    events: u64,
    next_position: u64,
    /// The position of the last event observed.
    pub(super) last: Position,
    /// The latest business day of the client events seen (INV-15's day).
    pub(super) clock: Option<Date>,
    /// The last day whose end INV-15 evaluated.
    pub(super) evaluated: Option<Date>,
    /// INV-15: who could have started at every judgement and every event since a day's end.
    pub(super) streaks: BTreeMap<(u32, ProviderId), super::waiting::Streak>,
    /// INV-15: an event whose recording day is unknown came since the last judgement.
    pub(super) uncertain: bool,
    pub(super) clients: Vec<Client>,
    index: HashMap<ClientId, u32>,
    pub(super) providers: BTreeMap<ProviderId, ProviderBooks>,
    pub(super) tariffs: HashMap<(Year, Profile, DeliveryForm), i64>,
    pub(super) budgets: BTreeSet<(RegionId, Year)>,
    pub(super) balances: BTreeMap<(Account, Year), i128>,
    budget_total: i128,
    delivered: HashSet<u128>,
    reversed: HashSet<u128>,
    consumed: BTreeMap<(ProviderId, RegionId, Year), i128>,
}

impl Default for Auditor {
    fn default() -> Auditor {
        Auditor::new()
    }
}

fn slot(invariant: &str) -> usize {
    CHECKED
        .iter()
        .position(|i| *i == invariant)
        .unwrap_or(CHECKED.len() - 1)
}

fn fingerprint(reference: &DeclarationRef) -> u128 {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        reference.as_str().hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

pub(super) fn days_between(from: Date, until: Date) -> i64 {
    (until - from).whole_days()
}

/// `floor(max x bp / 10_000)`, in cents.
pub(super) fn day_rate(max: i64, bp: u32) -> i128 {
    (i128::from(max) * i128::from(bp)).div_euclid(10_000)
}

fn cents(amount: Money) -> i128 {
    i128::from(amount.cents())
}

/// The business day an event moves INV-15's clock to: the client events of the waiting and
/// care lifecycle. Yearly facts (dated 1 January), transfers and deliveries (often paid in
/// arrears or in advance) do not move it.
fn clock_date(event: &Event) -> Option<Date> {
    match event {
        Event::IndicationGranted(e) => Some(e.from),
        Event::IndicationWithdrawn(e) => Some(e.on),
        Event::ProviderChosen(e) => Some(e.on),
        Event::ChoiceWithdrawn(e) => Some(e.on),
        Event::CareStarted(e) => Some(e.on),
        Event::CareEnded(e) => Some(e.on),
        _ => None,
    }
}

/// An office's own action without a client date (a budget, a contract, a tariff, a transfer it
/// orders; not the ledger's own transfers, which follow a care event): recorded on some day
/// the event does not say.
fn is_office_action(event: &Event) -> bool {
    match event {
        Event::RegionBudgetSet(_) | Event::ProviderContracted(_) | Event::TariffSet(_) => true,
        Event::BudgetTransferred(e) => !e.reason.is_ledger_only(),
        _ => false,
    }
}

impl Auditor {
    /// An auditor of every invariant, for a log written under the person-following policy.
    pub fn new() -> Auditor {
        Auditor::with_policy(Policy::PersonFollowing)
    }

    /// An auditor of every invariant for a log written under `policy`.
    pub fn with_policy(policy: Policy) -> Auditor {
        Auditor {
            policy,
            enabled: [true; CHECKED.len()],
            limit: VIOLATIONS_KEPT_DEFAULT,
            violations: Vec::new(),
            violated: [0; CHECKED.len()],
            checked: [0; CHECKED.len()],
            events: 0,
            next_position: 1,
            last: Position::EMPTY,
            clock: None,
            evaluated: None,
            streaks: BTreeMap::new(),
            uncertain: false,
            clients: Vec::new(),
            index: HashMap::new(),
            providers: BTreeMap::new(),
            tariffs: HashMap::new(),
            budgets: BTreeSet::new(),
            balances: BTreeMap::new(),
            budget_total: 0,
            delivered: HashSet::new(),
            reversed: HashSet::new(),
            consumed: BTreeMap::new(),
        }
    }

    /// Reports only these invariants (the books are kept in full either way). Unknown names
    /// are ignored.
    pub fn only(mut self, invariants: &[&str]) -> Auditor {
        for (i, name) in CHECKED.iter().enumerate() {
            self.enabled[i] = invariants.contains(name);
        }
        self
    }

    /// Keeps at most `limit` violations in the report (all are counted). Default 10,000.
    pub fn limit(mut self, limit: usize) -> Auditor {
        self.limit = limit;
        self
    }

    fn check(&mut self, invariant: &'static str) -> bool {
        let i = slot(invariant);
        self.checked[i] += 1;
        self.enabled[i]
    }

    fn violate(&mut self, invariant: &'static str, position: Position, explanation: String) {
        let i = slot(invariant);
        if !self.enabled[i] {
            return;
        }
        self.violated[i] += 1;
        if self.violations.len() < self.limit {
            self.violations.push(Violation {
                invariant,
                position,
                explanation,
            });
        }
    }

    pub(super) fn report_inv15(&mut self, explanation: String) {
        let position = self.last;
        self.violate(INV_15, position, explanation);
    }

    pub(super) fn inv15_enabled(&mut self) -> bool {
        self.policy == Policy::PersonFollowing && self.check(INV_15)
    }

    fn client_index(&mut self, id: &ClientId) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.clients.len() as u32;
        self.index.insert(id.clone(), i);
        self.clients.push(Client::new(id.clone()));
        i
    }

    fn client(&self, i: u32) -> &Client {
        &self.clients[i as usize]
    }

    fn client_mut(&mut self, i: u32) -> &mut Client {
        &mut self.clients[i as usize]
    }

    fn contract(&self, provider: ProviderId, year: Year) -> Option<Contract> {
        self.providers
            .get(&provider)
            .and_then(|p| p.contracts.get(&year))
            .copied()
    }

    /// The contracted day tariff, or what is missing to compute it.
    pub(super) fn day_tariff(
        &self,
        provider: ProviderId,
        year: Year,
        profile: Profile,
        form: DeliveryForm,
    ) -> Result<i128, String> {
        let contract = self
            .contract(provider, year)
            .ok_or_else(|| format!("provider {provider} has no contract for {year}"))?;
        let max = self
            .tariffs
            .get(&(year, profile, form))
            .ok_or_else(|| format!("there is no tariff for {year} {profile} {form}"))?;
        Ok(day_rate(*max, contract.bp))
    }

    pub(super) fn balance(&self, account: Account, year: Year) -> i128 {
        self.balances.get(&(account, year)).copied().unwrap_or(0)
    }

    /// Observes the record `record`: decodes its event (an undecodable record breaks INV-19)
    /// and observes it.
    pub fn observe_record(&mut self, record: &RecordView<'_>) {
        match record.event() {
            Ok(event) => self.observe(record.position, &event),
            Err(e) => self.observe_undecodable(record.position, &e.to_string()),
        }
    }

    /// Observes a record at `position` whose event did not decode (INV-19).
    pub fn observe_undecodable(&mut self, position: Position, reason: &str) {
        self.events += 1;
        self.check_position(position);
        self.last = position;
        if self.check(INV_19) {
            self.violate(
                INV_19,
                position,
                format!("the event does not decode: {reason}"),
            );
        }
    }

    fn check_position(&mut self, position: Position) {
        if self.check(INV_19) && position.0 != self.next_position {
            let expected = self.next_position;
            self.violate(
                INV_19,
                position,
                format!("position {position} follows position {}: positions must be gapless from 1 (expected {expected})", expected.saturating_sub(1)),
            );
        }
        self.next_position = position.0.saturating_add(1);
    }

    /// Observes the event at `position`. Events must come in log order.
    pub fn observe(&mut self, position: Position, event: &Event) {
        self.events += 1;
        self.check_position(position);
        match clock_date(event) {
            Some(day) => {
                if self.clock.is_some_and(|today| day < today) {
                    self.uncertain = true; // back-dated: recorded some day after its date
                }
                self.advance_clock(day);
            }
            None => self.uncertain |= is_office_action(event) && self.clock.is_some(),
        }
        self.last = position;
        match event {
            Event::RegionBudgetSet(e) => {
                if self.check(INV_09) {
                    if self.budgets.contains(&(e.region, e.year)) {
                        self.violate(
                            INV_09,
                            position,
                            format!("region {} gets a second budget for {}", e.region, e.year),
                        );
                    }
                    if e.amount.is_negative() {
                        self.violate(
                            INV_09,
                            position,
                            format!("region {} gets a negative budget {}", e.region, e.amount),
                        );
                    }
                }
                self.budgets.insert((e.region, e.year));
                *self
                    .balances
                    .entry((Account::pool(e.region), e.year))
                    .or_default() += cents(e.amount);
                self.budget_total += cents(e.amount);
            }
            Event::ProviderContracted(e) => {
                if self.check(INV_06) && e.tariff_bp > 10_000 {
                    self.violate(
                        INV_06,
                        position,
                        format!(
                            "provider {} is contracted for {} at {} basis points, above the maximum tariff",
                            e.provider, e.year, e.tariff_bp
                        ),
                    );
                }
                self.providers
                    .entry(e.provider)
                    .or_default()
                    .contracts
                    .insert(
                        e.year,
                        Contract {
                            places: e.places,
                            bp: e.tariff_bp,
                        },
                    );
            }
            Event::TariffSet(e) => {
                if self.check(INV_06) && e.day_tariff.is_negative() {
                    self.violate(
                        INV_06,
                        position,
                        format!(
                            "the maximum tariff of {} {} {} is negative",
                            e.year, e.profile, e.form
                        ),
                    );
                }
                self.tariffs
                    .insert((e.year, e.profile, e.form), e.day_tariff.cents());
            }
            Event::IndicationGranted(e) => self.indication_granted(position, e),
            Event::IndicationWithdrawn(e) => self.indication_withdrawn(position, e),
            Event::ProviderChosen(e) => self.provider_chosen(position, e),
            Event::ChoiceWithdrawn(e) => {
                let c = self.client_index(&e.client);
                let had = self
                    .client(c)
                    .choices
                    .iter()
                    .any(|x| x.provider == e.provider);
                if self.check(INV_14) && !had {
                    self.violate(
                        INV_14,
                        position,
                        format!(
                            "client {} withdraws a choice of provider {} it never made",
                            e.client, e.provider
                        ),
                    );
                }
                self.client_mut(c)
                    .choices
                    .retain(|x| x.provider != e.provider);
                if let Some(p) = self.providers.get_mut(&e.provider) {
                    p.listed.remove(&c);
                }
            }
            Event::CareStarted(e) => self.care_started(position, e),
            Event::CareEnded(e) => self.care_ended(position, e),
            Event::CareDelivered(e) => self.care_delivered(position, e),
            Event::DeliveryReversed(e) => self.delivery_reversed(position, e),
            Event::BudgetTransferred(e) => self.budget_transferred(position, e),
            Event::BudgetReserved(e) => self.budget_reserved(position, e),
            Event::BudgetReleased(e) => self.budget_released(position, e),
        }
        if !self.streaks.is_empty() {
            self.recheck_streaks();
        }
    }

    /// A client event dated after the clock ends the day before it: INV-15 judges the waiting
    /// lists as they stand before that event. Everything recorded since the last client event
    /// could have been recorded as late as that day, so this reading is the most lenient one.
    fn advance_clock(&mut self, day: Date) {
        match self.clock {
            None => self.clock = Some(day),
            Some(today) if day > today => {
                if let Some(eve) = day.previous_day() {
                    self.end_of_day(eve);
                }
                self.clock = Some(day);
            }
            Some(_) => {}
        }
    }

    fn indication_granted(&mut self, position: Position, e: &IndicationGranted) {
        let c = self.client_index(&e.client);
        if self.check(INV_17) {
            if e.until.is_some_and(|until| until <= e.from) {
                self.violate(
                    INV_17,
                    position,
                    format!(
                        "indication {} of client {} ends before it starts",
                        e.indication, e.client
                    ),
                );
            }
            if self
                .client(c)
                .indications
                .iter()
                .any(|i| i.id == e.indication)
            {
                self.violate(
                    INV_17,
                    position,
                    format!(
                        "indication {} of client {} is granted twice",
                        e.indication, e.client
                    ),
                );
            }
        }
        self.client_mut(c).indications.push(Indication {
            id: e.indication.clone(),
            profile: e.profile,
            region: e.region,
            from: e.from,
            until: e.until,
            withdrawn: None,
        });
    }

    fn delist_everywhere(&mut self, c: u32) {
        let providers: Vec<ProviderId> = self
            .client(c)
            .choices
            .iter()
            .filter(|x| x.listed)
            .map(|x| x.provider)
            .collect();
        for choice in &mut self.client_mut(c).choices {
            choice.listed = false;
        }
        for provider in providers {
            if let Some(p) = self.providers.get_mut(&provider) {
                p.listed.remove(&c);
            }
        }
    }

    fn indication_withdrawn(&mut self, position: Position, e: &IndicationWithdrawn) {
        let c = self.client_index(&e.client);
        let found = self
            .client(c)
            .indications
            .iter()
            .position(|i| i.id == e.indication);
        if self.check(INV_17) {
            match found.map(|i| &self.client(c).indications[i]) {
                None => self.violate(
                    INV_17,
                    position,
                    format!(
                        "client {} has no indication {} to withdraw",
                        e.client, e.indication
                    ),
                ),
                Some(i) if i.withdrawn.is_some() => self.violate(
                    INV_17,
                    position,
                    format!(
                        "indication {} of client {} is withdrawn a second time",
                        e.indication, e.client
                    ),
                ),
                Some(i) if e.on < i.from => {
                    let from = i.from;
                    self.violate(
                        INV_17,
                        position,
                        format!(
                            "indication {} of client {} starts on {from} but is withdrawn on {}",
                            e.indication, e.client, e.on
                        ),
                    )
                }
                Some(_) => {}
            }
        }
        if let Some(i) = found {
            let indication = &mut self.client_mut(c).indications[i];
            indication.withdrawn = Some(indication.withdrawn.map_or(e.on, |w| w.min(e.on)));
        }
        self.delist_everywhere(c);
        // INV-01: the days already paid on or after `on` must stay covered.
        if self.check(INV_01) {
            let client = self.client(c);
            let uncovered = client
                .paid
                .on_or_after(e.on)
                .find_map(|s| client.first_uncovered_day(s.from.max(e.on), s.until));
            if let Some(day) = uncovered {
                self.violate(
                    INV_01,
                    position,
                    format!(
                        "withdrawing indication {} of client {} on {} leaves paid day {day} without a valid indication",
                        e.indication, e.client, e.on
                    ),
                );
            }
        }
        if e.reason == WithdrawalReason::Deceased {
            let client = self.client_mut(c);
            if client.death.is_none_or(|(day, _)| e.on < day) {
                client.death = Some((e.on, position));
            }
            if self.check(INV_11) {
                let client = self.client(c);
                if let Some(day) = client.paid.first_paid_day(e.on, Date::MAX) {
                    self.violate(
                        INV_11,
                        position,
                        format!(
                            "client {} died (indication {} withdrawn on {}) but day {day} is paid",
                            e.client, e.indication, e.on
                        ),
                    );
                }
            }
        }
    }

    fn provider_chosen(&mut self, position: Position, e: &ProviderChosen) {
        let c = self.client_index(&e.client);
        if self.check(INV_14) {
            let client = self.client(c);
            if client.indication_on(e.on).is_none() {
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} chooses provider {} on {} without a valid indication that day",
                        e.client, e.provider, e.on
                    ),
                );
            }
            let client = self.client(c);
            let in_care_there = client.in_care_at(e.provider, e.on)
                || client
                    .open_care()
                    .is_some_and(|care| care.provider == e.provider && care.from <= e.on);
            if in_care_there {
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} is listed at provider {} on {} while in care there",
                        e.client, e.provider, e.on
                    ),
                );
            }
        }
        let client = self.client_mut(c);
        match client.choices.iter_mut().find(|x| x.provider == e.provider) {
            Some(choice) => {
                if !choice.listed {
                    choice.on = e.on;
                }
                choice.form = e.form;
                choice.listed = true;
            }
            None => client.choices.push(Choice {
                provider: e.provider,
                form: e.form,
                on: e.on,
                listed: true,
            }),
        }
        self.providers
            .entry(e.provider)
            .or_default()
            .listed
            .insert(c);
    }

    fn care_started(&mut self, position: Position, e: &CareStarted) {
        let c = self.client_index(&e.client);
        if self.check(INV_14) {
            let client = self.client(c);
            if let Some(open) = client.open_care() {
                let (provider, from) = (open.provider, open.from);
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} starts care at provider {} on {} while in care at provider {provider} since {from}",
                        e.client, e.provider, e.on
                    ),
                );
            } else if let Some(care) = client.care.iter().find(|care| care.contains(e.on)) {
                let provider = care.provider;
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} starts care at provider {} on {} inside an earlier care interval at provider {provider}",
                        e.client, e.provider, e.on
                    ),
                );
            }
            let client = self.client(c);
            let indicated = client
                .indications
                .iter()
                .any(|i| i.valid_on(e.on) && i.profile == e.profile && i.region == e.region);
            if !indicated {
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} starts care on {} without a valid indication for {} in region {}",
                        e.client, e.on, e.profile, e.region
                    ),
                );
            }
        }
        if self.check(INV_02) {
            let chosen = self
                .client(c)
                .choices
                .iter()
                .any(|x| x.provider == e.provider && x.on <= e.on);
            if !chosen {
                self.violate(
                    INV_02,
                    position,
                    format!(
                        "client {} starts care at provider {} on {} without choosing it first (no assignment)",
                        e.client, e.provider, e.on
                    ),
                );
            }
        }
        if self.check(INV_11) {
            if let Some((day, _)) = self.client(c).death.filter(|(day, _)| *day <= e.on) {
                self.violate(
                    INV_11,
                    position,
                    format!(
                        "client {} starts care at provider {} on {} after death (withdrawn on {day})",
                        e.client, e.provider, e.on
                    ),
                );
            }
        }
        self.client_mut(c).care.push(Care {
            provider: e.provider,
            region: e.region,
            profile: e.profile,
            form: e.form,
            from: e.on,
            until: None,
            reservations: Vec::new(),
        });
        self.delist_everywhere(c);
        self.providers
            .entry(e.provider)
            .or_default()
            .stays
            .push(Stay {
                client: c,
                from: e.on,
                until: None,
            });
        if self.check(INV_14) {
            self.check_capacity(position, e);
        }
    }

    /// INV-14: on every day where a care interval at the provider starts, from this start on,
    /// the clients in care that day fit the places of that year's contract.
    fn check_capacity(&mut self, position: Position, e: &CareStarted) {
        let Some(books) = self.providers.get(&e.provider) else {
            return;
        };
        let mut points: Vec<Date> = books
            .stays
            .iter()
            .map(|s| s.from)
            .filter(|from| *from >= e.on)
            .collect();
        points.sort_unstable();
        points.dedup();
        for day in points {
            let Some(contract) = books.contracts.get(&day.year()) else {
                continue;
            };
            let in_care = books.occupancy(day);
            if in_care > contract.places {
                let places = contract.places;
                self.violate(
                    INV_14,
                    position,
                    format!(
                        "client {} starts care at provider {} on {}: on {day} {in_care} clients are in care there, its contract has {places} places",
                        e.client, e.provider, e.on
                    ),
                );
                return;
            }
        }
    }

    fn care_ended(&mut self, position: Position, e: &CareEnded) {
        let c = self.client_index(&e.client);
        let open = self
            .client(c)
            .care
            .iter()
            .rposition(|care| care.provider == e.provider && care.until.is_none());
        let Some(i) = open else {
            if self.check(INV_17) {
                self.violate(
                    INV_17,
                    position,
                    format!(
                        "care of client {} at provider {} ends on {} but it is not open",
                        e.client, e.provider, e.on
                    ),
                );
            }
            return;
        };
        let from = self.client(c).care[i].from;
        if self.check(INV_17) && e.on < from {
            self.violate(
                INV_17,
                position,
                format!(
                    "care of client {} at provider {} started on {from} but ends on {}",
                    e.client, e.provider, e.on
                ),
            );
        }
        self.client_mut(c).care[i].until = Some(e.on);
        if let Some(books) = self.providers.get_mut(&e.provider) {
            if let Some(stay) = books
                .stays
                .iter_mut()
                .rev()
                .find(|s| s.client == c && s.until.is_none())
            {
                stay.until = Some(e.on);
            }
        }
        // INV-02: days paid there on or after the end are now outside the interval.
        if self.check(INV_02) {
            let client = self.client(c);
            let outside = client
                .paid
                .on_or_after(e.on)
                .filter(|s| s.provider == e.provider && s.until > from)
                .map(|s| s.from.max(e.on))
                .min();
            if let Some(day) = outside {
                self.violate(
                    INV_02,
                    position,
                    format!(
                        "care of client {} at provider {} ends on {} but day {day} is paid there",
                        e.client, e.provider, e.on
                    ),
                );
            }
        }
    }

    fn care_delivered(&mut self, position: Position, e: &CareDelivered) {
        let c = self.client_index(&e.client);
        let days = days_between(e.from, e.until);
        if self.check(INV_07) {
            if days <= 0 {
                self.violate(
                    INV_07,
                    position,
                    format!(
                        "delivery {} covers the empty period [{}, {})",
                        e.reference, e.from, e.until
                    ),
                );
            } else if e.from.year() != e.until.previous_day().map_or(e.from.year(), |d| d.year()) {
                self.violate(
                    INV_07,
                    position,
                    format!(
                        "delivery {} [{}, {}) crosses a year boundary",
                        e.reference, e.from, e.until
                    ),
                );
            }
            if i64::from(e.days) != days {
                self.violate(
                    INV_07,
                    position,
                    format!(
                        "delivery {} says {} days for [{}, {}), which has {days}",
                        e.reference, e.days, e.from, e.until
                    ),
                );
            }
        }
        if self.check(INV_05) && !self.delivered.insert(fingerprint(&e.reference)) {
            self.violate(
                INV_05,
                position,
                format!(
                    "declaration reference {} is used a second time",
                    e.reference
                ),
            );
        }
        if self.check(INV_01) {
            if let Some(day) = self.client(c).first_uncovered_day(e.from, e.until) {
                self.violate(
                    INV_01,
                    position,
                    format!(
                        "delivery {} pays day {day} of client {}, which no valid indication covers",
                        e.reference, e.client
                    ),
                );
            }
        }
        let care = self
            .client(c)
            .care
            .iter()
            .rev()
            .find(|care| care.provider == e.provider && care.covers(e.from, e.until))
            .cloned();
        if self.check(INV_02) {
            match &care {
                None => self.violate(
                    INV_02,
                    position,
                    format!(
                        "delivery {} pays [{}, {}) of client {} at provider {}, outside every care interval there",
                        e.reference, e.from, e.until, e.client, e.provider
                    ),
                ),
                Some(care) if care.region != e.region => {
                    let region = care.region;
                    self.violate(
                        INV_02,
                        position,
                        format!(
                            "delivery {} is funded by region {} but the care is funded by region {region}",
                            e.reference, e.region
                        ),
                    )
                }
                Some(_) => {}
            }
        }
        if self.check(INV_04) {
            if let Some(day) = self.client(c).paid.first_paid_day(e.from, e.until) {
                self.violate(
                    INV_04,
                    position,
                    format!(
                        "delivery {} pays day {day} of client {} a second time",
                        e.reference, e.client
                    ),
                );
            }
        }
        if self.check(INV_06) {
            if let Some(care) = &care {
                match self.day_tariff(e.provider, e.from.year(), care.profile, care.form) {
                    Ok(rate) => {
                        let expected = rate * i128::from(days.max(0));
                        if cents(e.amount) != expected {
                            self.violate(
                                INV_06,
                                position,
                                format!(
                                    "delivery {} pays {} for {days} days; the contracted day tariff {} makes {}",
                                    e.reference,
                                    e.amount,
                                    Money::from_cents(i64::try_from(rate).unwrap_or(i64::MAX)),
                                    Money::from_cents(i64::try_from(expected).unwrap_or(i64::MAX))
                                ),
                            );
                        }
                    }
                    Err(missing) => self.violate(
                        INV_06,
                        position,
                        format!("delivery {} cannot be priced: {missing}", e.reference),
                    ),
                }
            }
        }
        if self.check(INV_11) {
            if let Some((day, _)) = self.client(c).death.filter(|(day, _)| *day < e.until) {
                self.violate(
                    INV_11,
                    position,
                    format!(
                        "delivery {} pays [{}, {}) of client {}, who died (withdrawn on {day})",
                        e.reference, e.from, e.until, e.client
                    ),
                );
            }
        }
        self.client_mut(c).paid.insert(Segment {
            from: e.from,
            until: e.until,
            provider: e.provider,
            region: e.region,
            amount: cents(e.amount),
        });
        *self
            .consumed
            .entry((e.provider, e.region, e.from.year()))
            .or_default() += cents(e.amount);
    }

    fn delivery_reversed(&mut self, position: Position, e: &DeliveryReversed) {
        let c = self.client_index(&e.client);
        let key = fingerprint(&e.reference);
        if self.check(INV_05) {
            if !self.delivered.contains(&key) {
                self.violate(
                    INV_05,
                    position,
                    format!(
                        "reversal of declaration {}, which was never delivered",
                        e.reference
                    ),
                );
            } else if self.reversed.contains(&key) {
                self.violate(
                    INV_05,
                    position,
                    format!("declaration {} is reversed a second time", e.reference),
                );
            }
        }
        self.reversed.insert(key);
        let days = days_between(e.from, e.until);
        if self.check(INV_07) && i64::from(e.days) != days {
            self.violate(
                INV_07,
                position,
                format!(
                    "reversal of {} says {} days for [{}, {}), which has {days}",
                    e.reference, e.days, e.from, e.until
                ),
            );
        }
        let removed = self
            .client_mut(c)
            .paid
            .remove(e.from, e.until, e.provider, e.region);
        if self.check(INV_19) {
            if removed.days != days.max(0) {
                self.violate(
                    INV_19,
                    position,
                    format!(
                        "reversal of {} takes back [{}, {}) of client {} at provider {}, but only {} of those {days} days are paid there",
                        e.reference, e.from, e.until, e.client, e.provider, removed.days
                    ),
                );
            } else if removed.amount != cents(e.amount) || removed.uneven {
                self.violate(
                    INV_19,
                    position,
                    format!(
                        "reversal of {} takes back {} but its days were paid with {}",
                        e.reference,
                        e.amount,
                        Money::from_cents(i64::try_from(removed.amount).unwrap_or(i64::MAX))
                    ),
                );
            }
        }
        *self
            .consumed
            .entry((e.provider, e.region, e.from.year()))
            .or_default() -= cents(e.amount);
    }

    fn account_exists(&self, account: Account, year: Year) -> bool {
        match account {
            Account::Pool { pool } => self.budgets.contains(&(pool, year)),
            Account::Provider { provider, region } => {
                self.budgets.contains(&(region, year)) && self.contract(provider, year).is_some()
            }
        }
    }

    fn budget_transferred(&mut self, position: Position, e: &BudgetTransferred) {
        if self.check(INV_09) {
            if e.amount <= Money::ZERO {
                self.violate(
                    INV_09,
                    position,
                    format!(
                        "transfer from {} to {} of {} is not positive",
                        e.from, e.to, e.amount
                    ),
                );
            }
            if e.from == e.to {
                self.violate(
                    INV_09,
                    position,
                    format!("transfer of {} from {} to itself", e.amount, e.from),
                );
            }
            if e.on.year() != e.year {
                self.violate(
                    INV_09,
                    position,
                    format!("transfer dated {} for budget year {}", e.on, e.year),
                );
            }
            for account in [e.from, e.to] {
                if !self.account_exists(account, e.year) {
                    self.violate(
                        INV_09,
                        position,
                        format!(
                            "transfer touches {account}, which does not exist for {}",
                            e.year
                        ),
                    );
                }
            }
        }
        let from = self.balances.entry((e.from, e.year)).or_default();
        *from -= cents(e.amount);
        let left = *from;
        *self.balances.entry((e.to, e.year)).or_default() += cents(e.amount);
        if self.check(INV_09) && left < 0 {
            self.violate(
                INV_09,
                position,
                format!(
                    "transfer of {} ({:?}) overdraws {} for {}: its balance becomes {}",
                    e.amount,
                    e.reason,
                    e.from,
                    e.year,
                    Money::from_cents(i64::try_from(left).unwrap_or(i64::MIN))
                ),
            );
        }
    }

    /// The care interval a reservation of `(client, provider, region)` from `from` is for.
    fn reserved_care(
        &self,
        c: u32,
        provider: ProviderId,
        region: RegionId,
        from: Date,
    ) -> Option<usize> {
        self.client(c).care.iter().rposition(|care| {
            care.provider == provider && care.region == region && care.from <= from
        })
    }

    fn budget_reserved(&mut self, position: Position, e: &BudgetReserved) {
        let c = self.client_index(&e.client);
        let care = self.reserved_care(c, e.provider, e.region, e.from);
        if self.check(INV_06) {
            let to_year_end = days_between(e.from, january_first(e.year.saturating_add(1)));
            if e.from.year() != e.year || i64::from(e.days) > to_year_end || e.days == 0 {
                self.violate(
                    INV_06,
                    position,
                    format!(
                        "reservation of client {} at provider {} for {} covers {} days from {}, outside its year",
                        e.client, e.provider, e.year, e.days, e.from
                    ),
                );
            }
            match care.map(|i| &self.client(c).care[i]) {
                None => self.violate(
                    INV_06,
                    position,
                    format!(
                        "reservation of client {} at provider {} has no care interval there",
                        e.client, e.provider
                    ),
                ),
                Some(care) => match self.day_tariff(e.provider, e.year, care.profile, care.form) {
                    Ok(rate) => {
                        let expected = rate * i128::from(e.days);
                        if cents(e.amount) != expected {
                            self.violate(
                                    INV_06,
                                    position,
                                    format!(
                                        "reservation of client {} at provider {} for {} is {}; {} days at the contracted day tariff make {}",
                                        e.client,
                                        e.provider,
                                        e.year,
                                        e.amount,
                                        e.days,
                                        Money::from_cents(i64::try_from(expected).unwrap_or(i64::MAX))
                                    ),
                                );
                        }
                    }
                    Err(missing) => self.violate(
                        INV_06,
                        position,
                        format!(
                            "reservation of client {} cannot be priced: {missing}",
                            e.client
                        ),
                    ),
                },
            }
        }
        if let Some(i) = care {
            let rate = if e.days == 0 {
                0
            } else {
                cents(e.amount) / i128::from(e.days)
            };
            self.client_mut(c).care[i].reservations.push((e.year, rate));
        }
    }

    fn budget_released(&mut self, position: Position, e: &BudgetReleased) {
        let c = self.client_index(&e.client);
        if !self.check(INV_06) {
            return;
        }
        let rate = self
            .client(c)
            .care
            .iter()
            .rev()
            .filter(|care| care.provider == e.provider && care.region == e.region)
            .find_map(|care| {
                care.reservations
                    .iter()
                    .rev()
                    .find(|(year, _)| *year == e.year)
                    .map(|(_, rate)| *rate)
            });
        let Some(rate) = rate else {
            self.violate(
                INV_06,
                position,
                format!(
                    "release of client {} at provider {} for {} has no reservation to release",
                    e.client, e.provider, e.year
                ),
            );
            return;
        };
        let to_year_end = days_between(e.from, january_first(e.year.saturating_add(1)));
        let expected = rate * i128::from(e.days);
        if i64::from(e.days) != to_year_end || cents(e.amount) != expected {
            self.violate(
                INV_06,
                position,
                format!(
                    "release of client {} at provider {} for {} is {} for {} days from {}; the reservation's day tariff makes {} for the {to_year_end} days to the year's end",
                    e.client,
                    e.provider,
                    e.year,
                    e.amount,
                    e.days,
                    e.from,
                    Money::from_cents(i64::try_from(rate * i128::from(to_year_end.max(0))).unwrap_or(i64::MAX))
                ),
            );
        }
    }

    /// Ends the audit: the last day's waiting lists, deaths, and the totals.
    pub fn finish(mut self) -> Report {
        let last = self.last;
        if self.check(INV_11) {
            let mut found = Vec::new();
            for client in &self.clients {
                let Some((day, at)) = client.death else {
                    continue;
                };
                for care in client
                    .care
                    .iter()
                    .filter(|c| c.until.is_none_or(|u| u > day))
                {
                    found.push((
                        at,
                        format!(
                            "client {} died (withdrawn on {day}) but its care at provider {} from {} runs {}",
                            client.id,
                            care.provider,
                            care.from,
                            care.until.map_or("on (still open)".to_owned(), |u| format!("until {u}"))
                        ),
                    ));
                }
            }
            for (at, text) in found {
                self.violate(INV_11, at, text);
            }
        }
        if self.check(INV_09) {
            let sum: i128 = self.balances.values().sum();
            if sum != self.budget_total {
                let total = self.budget_total;
                self.violate(
                    INV_09,
                    last,
                    format!("the accounts hold {sum} cents in all but the regions' budgets sum to {total}"),
                );
            }
        }
        if self.check(INV_19) {
            let mut paid: BTreeMap<(ProviderId, RegionId, Year), i128> = BTreeMap::new();
            for client in &self.clients {
                for s in client.paid.segments() {
                    *paid
                        .entry((s.provider, s.region, s.from.year()))
                        .or_default() += s.amount;
                }
            }
            let mut found = Vec::new();
            for (key, consumed) in &self.consumed {
                let still_paid = paid.get(key).copied().unwrap_or(0);
                if *consumed != still_paid {
                    found.push(format!(
                        "provider {} region {} {}: delivered minus reversed is {consumed} cents, the days still paid hold {still_paid}",
                        key.0, key.1, key.2
                    ));
                }
            }
            for text in found {
                self.violate(INV_19, last, text);
            }
        }
        let mut violations = std::mem::take(&mut self.violations);
        violations.sort_by(|a, b| (a.position, a.invariant).cmp(&(b.position, b.invariant)));
        let mut report = Report {
            violations,
            events: self.events,
            ..Report::default()
        };
        for (i, name) in CHECKED.iter().enumerate() {
            if self.enabled[i] {
                report.checked.insert(name, self.checked[i]);
                report.violated.insert(name, self.violated[i]);
            }
        }
        report
    }
}
