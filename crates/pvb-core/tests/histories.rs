//! Property tests over random valid histories (DOMAIN.md section 6, the auditor invariants).
//!
//! A proptest strategy draws a setup and a list of abstract *intents* with small indices
//! (region 0..2, provider 0..3, client 0..6, a clock that advances a few days a step from
//! 2026-01-01 into 2027). A driver turns each intent into concrete commands using the current
//! state (a client that exists, the provider it chose, the first unpaid day of its care, ...),
//! asks `decide`, and applies what was accepted. Every history runs under both policies.
//!
//! After every accepted command an independent model, folded from the emitted events only,
//! checks:
//! - conservation (INV-09): the sum of all account balances equals the sum of `RegionBudgetSet`
//!   amounts, and every balance equals the model's;
//! - no client-day is paid twice (INV-04, INV-05), and every paid day lies inside a valid
//!   indication (INV-01) and a care interval at the declaring provider (INV-02);
//! - every amount is `days x floor(max tariff x bp / 10_000)`; every reservation covers
//!   `[from, 1 January)`; reserved equals the sum over care intervals of the reserved day tariff
//!   times the days in care in that year; under person-following financing the money that
//!   followed clients equals what is reserved, and the fixed policy moves no money by itself;
//! - INV-15, the Rosa Spier Huis invariant: under person-following financing, for every client
//!   listed at a provider with a valid indication, probing `StartCare` while the provider has a
//!   free place never fails for a budget reason unless the pool truly cannot cover the
//!   reservation (then only `PoolExhausted`, or `NoRegionBudget` when there is no pool);
//! - at the end, replaying the events into a fresh state gives the same state.
//!
//! A second property feeds arbitrary-ish commands (any year, amount, date, code) to `decide`
//! against random states: it never panics, and what it accepts keeps the books balanced.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use pvb_core::*;
use time::{Date, Duration};

// ---------------------------------------------------------------------------------------------
// The universe of a history
// ---------------------------------------------------------------------------------------------

const REGIONS: usize = 2;
const PROVIDERS: usize = 3;
const CLIENTS: usize = 6;
const YEARS: [i32; 2] = [2026, 2027];

fn region(i: u8) -> RegionId {
    [region_a(), region_b()][usize::from(i) % REGIONS]
}

fn provider_at(i: u8) -> ProviderId {
    provider(10_000_001 + u32::from(i) % PROVIDERS as u32)
}

fn profile_at(i: u8) -> Profile {
    [vv5(), vv6()][usize::from(i) % 2]
}

fn form_at(i: u8) -> DeliveryForm {
    [DeliveryForm::Verblijf, DeliveryForm::Vpt][usize::from(i) % 2]
}

fn urgency_at(i: u8) -> Urgency {
    Urgency::ALL[usize::from(i) % Urgency::ALL.len()]
}

fn client_name(i: u8) -> String {
    format!("c-{}", usize::from(i) % CLIENTS)
}

fn plus(date: Date, days: i64) -> Date {
    date.checked_add(Duration::days(days))
        .expect("date in range")
}

fn jan1(year: i32) -> Date {
    january_first(year)
}

// ---------------------------------------------------------------------------------------------
// Intents and their strategy
// ---------------------------------------------------------------------------------------------

/// The fixed part of a history: budgets, contracts, tariffs and production agreements for 2026.
#[derive(Clone, Debug)]
struct Setup {
    /// Budget of each region in units of 100,000.00 (`None`: no budget for 2026 yet).
    budgets: [Option<u8>; REGIONS],
    places: [u8; PROVIDERS],
    bps: [u16; PROVIDERS],
    /// Maximum day tariffs in cents for (5VV, 6VV) x (verblijf, vpt).
    tariffs: [u32; 4],
    /// Production agreements in units of 50,000.00, per funding region and provider.
    agreements: [[u8; PROVIDERS]; REGIONS],
    /// Clients granted an open indication on 2026-01-01: (region, profile).
    clients: [Option<(u8, u8)>; CLIENTS],
    /// Days after 2026-01-01 the clock starts at, so that many histories cross into 2027.
    start: u16,
}

#[derive(Clone, Debug)]
enum Intent {
    Budget {
        region: u8,
        year: u8,
        units: u8,
        /// Contract every provider and set every tariff for the year first, if missing.
        prepare: bool,
        /// Allow a 2027 budget before September 2026.
        early: bool,
    },
    NextYear {
        contracts: bool,
        tariffs: bool,
    },
    Contract {
        provider: u8,
        year: u8,
        places: u8,
        bp: u16,
    },
    Tariff {
        year: u8,
        combo: u8,
        cents: u32,
    },
    Grant {
        client: u8,
        region: u8,
        profile: u8,
        back: u8,
        length: Option<u16>,
        reuse: bool,
    },
    Choose {
        client: u8,
        provider: u8,
        form: u8,
        urgency: u8,
    },
    Start {
        client: u8,
        pick: u8,
        back: u8,
    },
    Deliver {
        client: u8,
        mode: u8,
        back: u8,
        length: u8,
        declare: u8,
    },
    Reverse {
        pick: u8,
        unknown: bool,
    },
    Agreement {
        region: u8,
        provider: u8,
        units: u8,
    },
    Reallocate {
        kind: u8,
        a: u8,
        b: u8,
        amount: u32,
    },
    End {
        client: u8,
        back: u8,
        reason: u8,
    },
    WithdrawIndication {
        client: u8,
        pick: u8,
        reason: u8,
        late: bool,
    },
    WithdrawChoice {
        client: u8,
        pick: u8,
    },
    Switch {
        client: u8,
        provider: u8,
    },
}

#[derive(Clone, Debug)]
struct Step {
    /// Days the clock moves before the intent.
    advance: u8,
    intent: Intent,
}

fn setup_strategy() -> impl Strategy<Value = Setup> {
    (
        prop::array::uniform2(prop::option::weighted(0.9, 0u8..12)),
        prop::array::uniform3(0u8..=3),
        prop::array::uniform3(prop_oneof![Just(10_000u16), 8_000u16..=10_000]),
        prop::array::uniform4(15_000u32..30_000),
        prop::array::uniform2(prop::array::uniform3(0u8..6)),
        prop::array::uniform6(prop::option::weighted(0.7, (0u8..2, 0u8..2))),
        prop_oneof![Just(0u16), 0u16..340],
    )
        .prop_map(
            |(budgets, places, bps, tariffs, agreements, clients, start)| Setup {
                budgets,
                places,
                bps,
                tariffs,
                agreements,
                clients,
                start,
            },
        )
}

fn intent_strategy() -> impl Strategy<Value = Intent> {
    let c = 0u8..CLIENTS as u8;
    let p = 0u8..PROVIDERS as u8;
    let r = 0u8..REGIONS as u8;
    prop_oneof![
        4 => (r.clone(), 0u8..2, 0u8..12, prop::bool::weighted(0.8), prop::bool::weighted(0.2))
            .prop_map(|(region, year, units, prepare, early)| Intent::Budget {
                region, year, units, prepare, early,
            }),
        2 => (any::<bool>(), any::<bool>())
            .prop_map(|(contracts, tariffs)| Intent::NextYear { contracts, tariffs }),
        2 => (p.clone(), 0u8..2, 0u8..=3, 7_000u16..=10_000)
            .prop_map(|(provider, year, places, bp)| Intent::Contract { provider, year, places, bp }),
        2 => (0u8..2, 0u8..4, 15_000u32..30_000)
            .prop_map(|(year, combo, cents)| Intent::Tariff { year, combo, cents }),
        8 => (c.clone(), r.clone(), 0u8..2, 0u8..20, prop::option::weighted(0.3, 0u16..400), prop::bool::weighted(0.05))
            .prop_map(|(client, region, profile, back, length, reuse)| Intent::Grant {
                client, region, profile, back, length, reuse,
            }),
        10 => (c.clone(), p.clone(), 0u8..2, 0u8..4)
            .prop_map(|(client, provider, form, urgency)| Intent::Choose { client, provider, form, urgency }),
        10 => (c.clone(), any::<u8>(), prop_oneof![4 => Just(0u8), 1 => 0u8..5])
            .prop_map(|(client, pick, back)| Intent::Start { client, pick, back }),
        14 => (c.clone(), 0u8..10, 0u8..40, 1u8..45, 0u8..12)
            .prop_map(|(client, mode, back, length, declare)| Intent::Deliver {
                client, mode, back, length, declare,
            }),
        3 => (any::<u8>(), prop::bool::weighted(0.1))
            .prop_map(|(pick, unknown)| Intent::Reverse { pick, unknown }),
        4 => (r.clone(), p.clone(), 1u8..5)
            .prop_map(|(region, provider, units)| Intent::Agreement { region, provider, units }),
        2 => (0u8..3, any::<u8>(), any::<u8>(), 1u32..3_000_000)
            .prop_map(|(kind, a, b, amount)| Intent::Reallocate { kind, a, b, amount }),
        5 => (c.clone(), prop_oneof![3 => Just(0u8), 1 => 0u8..60], 0u8..3)
            .prop_map(|(client, back, reason)| Intent::End { client, back, reason }),
        3 => (c.clone(), any::<u8>(), 0u8..4, prop::bool::weighted(0.2))
            .prop_map(|(client, pick, reason, late)| Intent::WithdrawIndication {
                client, pick, reason, late,
            }),
        2 => (c.clone(), any::<u8>())
            .prop_map(|(client, pick)| Intent::WithdrawChoice { client, pick }),
        4 => (c, p).prop_map(|(client, provider)| Intent::Switch { client, provider }),
    ]
}

fn history_strategy(max_steps: usize) -> impl Strategy<Value = (Setup, Vec<Step>)> {
    (
        setup_strategy(),
        prop::collection::vec(
            (0u8..20, intent_strategy()).prop_map(|(advance, intent)| Step { advance, intent }),
            1..max_steps,
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// The independent model, folded from events only
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct MIndication {
    id: IndicationId,
    profile: Profile,
    region: RegionId,
    from: Date,
    until: Option<Date>,
    withdrawn: Option<Date>,
}

impl MIndication {
    fn valid_on(&self, day: Date) -> bool {
        self.from <= day
            && self.until.is_none_or(|u| day < u)
            && self.withdrawn.is_none_or(|w| day < w)
    }
}

#[derive(Clone, Debug)]
struct MReservation {
    year: i32,
    from: Date,
    day_tariff: i64,
}

#[derive(Clone, Debug)]
struct MCare {
    provider: ProviderId,
    region: RegionId,
    profile: Profile,
    form: DeliveryForm,
    from: Date,
    until: Option<Date>,
    reservations: Vec<MReservation>,
}

impl MCare {
    fn contains(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|u| day < u)
    }
}

#[derive(Clone, Debug)]
struct MDelivery {
    client: ClientId,
    provider: ProviderId,
    from: Date,
    until: Date,
    amount: Money,
    reversed: bool,
}

type Key = (ProviderId, RegionId, i32);

#[derive(Default)]
struct Model {
    budget_sum: i128,
    budgets: BTreeSet<(RegionId, i32)>,
    balances: BTreeMap<(Account, i32), i128>,
    tariffs: HashMap<(i32, Profile, DeliveryForm), i64>,
    contracts: HashMap<(ProviderId, i32), (u32, u32)>,
    indications: HashMap<ClientId, Vec<MIndication>>,
    care: HashMap<ClientId, Vec<MCare>>,
    deliveries: HashMap<DeclarationRef, MDelivery>,
    /// Net paid days: client -> day -> provider.
    paid: HashMap<ClientId, BTreeMap<Date, ProviderId>>,
    /// Net money that followed clients (follows_client minus release), per provider account.
    followed: BTreeMap<Key, i128>,
    /// Sum of BudgetReserved minus BudgetReleased amounts.
    reserved_events: BTreeMap<Key, i128>,
}

fn days(from: Date, until: Date) -> i64 {
    (until - from).whole_days()
}

impl Model {
    fn day_tariff(
        &self,
        provider: ProviderId,
        year: i32,
        profile: Profile,
        form: DeliveryForm,
    ) -> Option<i64> {
        let (_, bp) = self.contracts.get(&(provider, year))?;
        let max = self.tariffs.get(&(year, profile, form))?;
        // floor(max * bp / 10_000), computed in i128 without the library's helper.
        i64::try_from(i128::from(*max) * i128::from(*bp) / 10_000).ok()
    }

    /// The indication valid on `day` that starts last.
    fn indication_on(&self, client: &ClientId, day: Date) -> Option<&MIndication> {
        self.indications
            .get(client)?
            .iter()
            .filter(|i| i.valid_on(day))
            .max_by_key(|i| i.from)
    }

    fn open_care(&self, client: &ClientId) -> Option<&MCare> {
        self.care
            .get(client)
            .and_then(|c| c.last())
            .filter(|c| c.until.is_none())
    }

    fn in_care(&self, provider: ProviderId) -> u32 {
        self.care
            .values()
            .flat_map(|cs| cs.iter())
            .filter(|c| c.until.is_none() && c.provider == provider)
            .count() as u32
    }

    fn balance(&self, account: Account, year: i32) -> i128 {
        self.balances.get(&(account, year)).copied().unwrap_or(0)
    }

    /// Folds one accepted batch, checking each event against the rules as it goes.
    fn apply_batch(&mut self, events: &[Event], policy: Policy) -> Result<(), String> {
        let starts_care = events.iter().any(|e| matches!(e, Event::CareStarted(_)));
        let ended: Option<(ClientId, usize)> = events.iter().find_map(|e| match e {
            Event::CareEnded(x) => self
                .care
                .get(&x.client)
                .map(|cs| (x.client.clone(), cs.len().saturating_sub(1))),
            _ => None,
        });
        for event in events {
            self.apply(event, policy, starts_care, ended.as_ref())?;
        }
        Ok(())
    }

    fn apply(
        &mut self,
        event: &Event,
        policy: Policy,
        starts_care: bool,
        ended: Option<&(ClientId, usize)>,
    ) -> Result<(), String> {
        match event {
            Event::RegionBudgetSet(e) => {
                if !self.budgets.insert((e.region, e.year)) {
                    return Err(format!("budget {} {} set twice", e.region, e.year));
                }
                *self
                    .balances
                    .entry((Account::pool(e.region), e.year))
                    .or_default() += i128::from(e.amount.cents());
                self.budget_sum += i128::from(e.amount.cents());
            }
            Event::ProviderContracted(e) => {
                self.contracts
                    .insert((e.provider, e.year), (e.places, e.tariff_bp));
            }
            Event::TariffSet(e) => {
                self.tariffs
                    .insert((e.year, e.profile, e.form), e.day_tariff.cents());
            }
            Event::IndicationGranted(e) => {
                let list = self.indications.entry(e.client.clone()).or_default();
                if list.iter().any(|i| i.id == e.indication) {
                    return Err(format!("indication {} granted twice", e.indication));
                }
                list.push(MIndication {
                    id: e.indication.clone(),
                    profile: e.profile,
                    region: e.region,
                    from: e.from,
                    until: e.until,
                    withdrawn: None,
                });
            }
            Event::IndicationWithdrawn(e) => {
                let i = self
                    .indications
                    .get_mut(&e.client)
                    .and_then(|l| l.iter_mut().find(|i| i.id == e.indication))
                    .ok_or("withdrawn indication unknown")?;
                if i.withdrawn.is_some() || e.on < i.from {
                    return Err(format!("bad withdrawal {e:?}"));
                }
                i.withdrawn = Some(e.on);
            }
            Event::ProviderChosen(_) | Event::ChoiceWithdrawn(_) => {}
            Event::CareStarted(e) => {
                if self.open_care(&e.client).is_some() {
                    return Err(format!("{} started care while in care", e.client));
                }
                let places = self
                    .contracts
                    .get(&(e.provider, e.on.year()))
                    .map(|(p, _)| *p)
                    .ok_or("care started at an uncontracted provider")?;
                if self.in_care(e.provider) >= places {
                    return Err(format!("care started at full provider {}", e.provider));
                }
                let ind = self
                    .indication_on(&e.client, e.on)
                    .ok_or("care started without a valid indication")?;
                if (ind.profile, ind.region) != (e.profile, e.region) {
                    return Err("care started with another profile or region".into());
                }
                let list = self.care.entry(e.client.clone()).or_default();
                if list.iter().any(|c| c.until.is_some_and(|u| u > e.on)) {
                    return Err("care started inside an earlier care interval".into());
                }
                list.push(MCare {
                    provider: e.provider,
                    region: e.region,
                    profile: e.profile,
                    form: e.form,
                    from: e.on,
                    until: None,
                    reservations: Vec::new(),
                });
            }
            Event::CareEnded(e) => {
                let care = self
                    .care
                    .get_mut(&e.client)
                    .and_then(|l| l.last_mut())
                    .filter(|c| c.until.is_none() && c.provider == e.provider)
                    .ok_or("care ended that was not open")?;
                if e.on < care.from {
                    return Err("care ended before it started".into());
                }
                care.until = Some(e.on);
            }
            Event::CareDelivered(e) => {
                if e.days as i64 != days(e.from, e.until) || e.from >= e.until {
                    return Err(format!("delivery days wrong: {e:?}"));
                }
                if e.from.year() != plus(e.until, -1).year() {
                    return Err("delivery crosses a year".into());
                }
                let care = self
                    .care
                    .get(&e.client)
                    .and_then(|l| {
                        l.iter().find(|c| {
                            c.provider == e.provider
                                && c.from <= e.from
                                && c.until.is_none_or(|u| e.until <= u)
                        })
                    })
                    .ok_or_else(|| format!("delivery outside care: {e:?}"))?;
                if care.region != e.region {
                    return Err("delivery funded by another region than its care".into());
                }
                let tariff = self
                    .day_tariff(e.provider, e.from.year(), care.profile, care.form)
                    .ok_or("delivery without a tariff")?;
                if e.amount.cents() != tariff * i64::from(e.days) {
                    return Err(format!("delivery amount {e:?} is not days x {tariff}"));
                }
                if self.deliveries.contains_key(&e.reference) {
                    return Err("declaration reference reused".into());
                }
                let paid = self.paid.entry(e.client.clone()).or_default();
                let mut d = e.from;
                while d < e.until {
                    if paid.insert(d, e.provider).is_some() {
                        return Err(format!("INV-04: {} paid twice for {d}", e.client));
                    }
                    d = plus(d, 1);
                }
                self.deliveries.insert(
                    e.reference.clone(),
                    MDelivery {
                        client: e.client.clone(),
                        provider: e.provider,
                        from: e.from,
                        until: e.until,
                        amount: e.amount,
                        reversed: false,
                    },
                );
            }
            Event::DeliveryReversed(e) => {
                let d = self
                    .deliveries
                    .get_mut(&e.reference)
                    .ok_or("reversal of an unknown delivery")?;
                if d.reversed
                    || d.client != e.client
                    || d.provider != e.provider
                    || d.from != e.from
                    || d.until != e.until
                    || d.amount != e.amount
                    || i64::from(e.days) != days(e.from, e.until)
                {
                    return Err(format!("reversal does not repeat its delivery: {e:?}"));
                }
                d.reversed = true;
                let paid = self.paid.entry(e.client.clone()).or_default();
                let mut day = e.from;
                while day < e.until {
                    if paid.remove(&day) != Some(e.provider) {
                        return Err("reversal of a day not paid".into());
                    }
                    day = plus(day, 1);
                }
            }
            Event::BudgetTransferred(e) => {
                if e.amount <= Money::ZERO || e.from == e.to || e.on.year() != e.year {
                    return Err(format!("bad transfer {e:?}"));
                }
                *self.balances.entry((e.from, e.year)).or_default() -= i128::from(e.amount.cents());
                *self.balances.entry((e.to, e.year)).or_default() += i128::from(e.amount.cents());
                let amount = i128::from(e.amount.cents());
                match e.reason {
                    TransferReason::FollowsClient | TransferReason::Release => {
                        if policy != Policy::PersonFollowing {
                            return Err("the fixed policy moved money by itself".into());
                        }
                        let (provider_account, sign) = match e.reason {
                            TransferReason::FollowsClient => (e.to, 1),
                            _ => (e.from, -1),
                        };
                        let Account::Provider { provider, region } = provider_account else {
                            return Err(format!("{:?} transfer not to a provider", e.reason));
                        };
                        let pool = if sign == 1 { e.from } else { e.to };
                        if pool != Account::pool(region) {
                            return Err("money followed a client across regions".into());
                        }
                        *self.followed.entry((provider, region, e.year)).or_default() +=
                            sign * amount;
                    }
                    TransferReason::ProductionAgreement | TransferReason::Reallocation => {}
                }
            }
            Event::BudgetReserved(e) => {
                let care = {
                    let list = self
                        .care
                        .get_mut(&e.client)
                        .ok_or("reservation of a client never in care")?;
                    if starts_care {
                        list.last_mut()
                    } else {
                        // A carry-over: the care interval running into 1 January.
                        if e.from != jan1(e.year) {
                            return Err("carry-over not dated 1 January".into());
                        }
                        list.iter_mut().find(|c| {
                            c.provider == e.provider
                                && c.region == e.region
                                && c.from < e.from
                                && c.until.is_none_or(|u| u > e.from)
                        })
                    }
                    .ok_or_else(|| format!("reservation without its care: {e:?}"))?
                    .clone()
                };
                if care.provider != e.provider || care.region != e.region {
                    return Err("reservation for another provider or region".into());
                }
                // To the end of the year, or for a carried-over care interval that has already
                // ended, to its end.
                let stop = care
                    .until
                    .map_or(jan1(e.year + 1), |u| u.min(jan1(e.year + 1)));
                if i64::from(e.days) != days(e.from, stop) || e.from.year() != e.year || e.days == 0
                {
                    return Err(format!("reservation period wrong: {e:?}"));
                }
                let tariff = self
                    .day_tariff(e.provider, e.year, care.profile, care.form)
                    .ok_or("reservation without a tariff")?;
                if e.amount.cents() != tariff * i64::from(e.days) {
                    return Err(format!("reservation {e:?} is not days x {tariff}"));
                }
                let list = self.care.get_mut(&e.client).ok_or("no care")?;
                let target = if starts_care {
                    list.last_mut()
                } else {
                    list.iter_mut().find(|c| {
                        c.provider == e.provider
                            && c.region == e.region
                            && c.from < e.from
                            && c.until.is_none_or(|u| u > e.from)
                    })
                }
                .ok_or("no care")?;
                target.reservations.push(MReservation {
                    year: e.year,
                    from: e.from,
                    day_tariff: tariff,
                });
                *self
                    .reserved_events
                    .entry((e.provider, e.region, e.year))
                    .or_default() += i128::from(e.amount.cents());
            }
            Event::BudgetReleased(e) => {
                let (who, index) = ended.ok_or("a release without a care end")?;
                let care = self
                    .care
                    .get(who)
                    .and_then(|l| l.get(*index))
                    .ok_or("a release without its care")?;
                let end = care.until.ok_or("a release of care still open")?;
                let r = care
                    .reservations
                    .iter()
                    .find(|r| r.year == e.year)
                    .ok_or("a release without its reservation")?;
                let from = end.max(r.from);
                if (e.from, i64::from(e.days), e.amount.cents())
                    != (
                        from,
                        days(from, jan1(e.year + 1)),
                        r.day_tariff * days(from, jan1(e.year + 1)),
                    )
                    || e.provider != care.provider
                    || e.region != care.region
                {
                    return Err(format!("release {e:?} does not match {r:?} ended on {end}"));
                }
                *self
                    .reserved_events
                    .entry((e.provider, e.region, e.year))
                    .or_default() -= i128::from(e.amount.cents());
            }
        }
        Ok(())
    }

    /// Reserved at a provider per funding region and year: every reservation's day tariff times
    /// the days its care interval holds in that year.
    fn expected_reserved(&self) -> BTreeMap<Key, i128> {
        let mut out = BTreeMap::new();
        for care in self.care.values().flatten() {
            for r in &care.reservations {
                let start = r.from.max(care.from);
                let stop = care
                    .until
                    .map_or(jan1(r.year + 1), |u| u.min(jan1(r.year + 1)));
                let n = days(start, stop).max(0);
                *out.entry((care.provider, care.region, r.year)).or_default() +=
                    i128::from(r.day_tariff) * i128::from(n);
            }
        }
        out
    }

    /// Every invariant, against the library's state.
    fn check(&self, state: &State, policy: Policy) -> Result<(), String> {
        // Conservation (INV-09).
        let sum: i128 = state.balances().map(|(_, m)| i128::from(m.cents())).sum();
        if sum != self.budget_sum || state.budget_total() != self.budget_sum {
            return Err(format!(
                "conservation: balances sum to {sum}, budgets to {} (state says {})",
                self.budget_sum,
                state.budget_total()
            ));
        }
        for (&(account, year), &balance) in &self.balances {
            if i128::from(state.balance(account, year).cents()) != balance {
                return Err(format!(
                    "balance of {account} {year}: state {} model {balance}",
                    state.balance(account, year)
                ));
            }
        }
        // Paid days: inside a valid indication and a care interval at the provider.
        for (client, paid_days) in &self.paid {
            let indications = self.indications.get(client).map_or(&[][..], |v| &v[..]);
            let care = self.care.get(client).map_or(&[][..], |v| &v[..]);
            for (&day, &provider) in paid_days {
                if !indications.iter().any(|i| i.valid_on(day)) {
                    return Err(format!("INV-01: {client} paid on {day} without indication"));
                }
                if !care
                    .iter()
                    .any(|c| c.provider == provider && c.contains(day))
                {
                    return Err(format!("INV-02: {client} paid on {day} outside care"));
                }
            }
            // The library's paid intervals are the same days.
            let lib: usize = state
                .client(client)
                .map(|c| c.paid.iter().map(|(f, u)| days(*f, *u) as usize).sum())
                .unwrap_or(0);
            if lib != paid_days.len() {
                return Err(format!(
                    "{client}: state has {lib} paid days, model {}",
                    paid_days.len()
                ));
            }
        }
        // Reserved.
        let expected = self.expected_reserved();
        let keys: BTreeSet<Key> = expected
            .keys()
            .chain(self.reserved_events.keys())
            .chain(self.followed.keys())
            .copied()
            .collect();
        for key @ (p, r, y) in keys {
            let lib = i128::from(state.reserved(p, r, y).cents());
            let want = expected.get(&key).copied().unwrap_or(0);
            let by_events = self.reserved_events.get(&key).copied().unwrap_or(0);
            if lib != want || by_events != want {
                return Err(format!(
                    "reserved {p} {r} {y}: state {lib}, events {by_events}, care x tariff {want}"
                ));
            }
            let followed = self.followed.get(&key).copied().unwrap_or(0);
            match policy {
                Policy::PersonFollowing if followed != want => {
                    return Err(format!(
                        "person-following: {followed} followed clients to {p} {r} {y}, {want} reserved"
                    ));
                }
                Policy::FixedAgreements if followed != 0 => {
                    return Err("fixed policy: money followed clients".into());
                }
                _ => {}
            }
        }
        // Clients in care.
        for i in 0..PROVIDERS as u8 {
            let p = provider_at(i);
            if state.in_care(p) != self.in_care(p) {
                return Err(format!(
                    "in care at {p}: state {}, model {}",
                    state.in_care(p),
                    self.in_care(p)
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    issued: BTreeMap<&'static str, u64>,
    accepted: BTreeMap<&'static str, u64>,
    rules: BTreeMap<&'static str, u64>,
    setup_issued: u64,
    setup_accepted: u64,
    probes: u64,
    probe_started: u64,
    probe_pool_exhausted: u64,
    fixed_waiting_for_budget: u64,
    cases: u64,
    events: u64,
    /// Reservations carried over to a new year by `set_region_budget`.
    carried_over: u64,
    /// Care started in 2027.
    started_2027: u64,
    /// Care started at a provider the client was at before, funded by another region.
    region_changes: u64,
}

struct Driver<'s> {
    ledger: Ledger,
    model: Model,
    clock: Date,
    refs: Vec<DeclarationRef>,
    next_ref: u32,
    setup: Setup,
    stats: &'s RefCell<Stats>,
    in_setup: bool,
}

impl<'s> Driver<'s> {
    fn new(policy: Policy, setup: Setup, stats: &'s RefCell<Stats>) -> Driver<'s> {
        Driver {
            ledger: Ledger::new(policy),
            model: Model::default(),
            clock: day(2026, 1, 1),
            refs: Vec::new(),
            next_ref: 0,
            setup,
            stats,
            in_setup: true,
        }
    }

    fn policy(&self) -> Policy {
        self.ledger.policy
    }

    fn state(&self) -> &State {
        &self.ledger.state
    }

    /// Decides and applies one command, then checks every invariant.
    fn submit(&mut self, command: Command) -> Result<bool, TestCaseError> {
        let kind = command.kind();
        {
            let mut stats = self.stats.borrow_mut();
            *stats.issued.entry(kind).or_default() += 1;
            if self.in_setup {
                stats.setup_issued += 1;
            }
        }
        match decide(self.state(), &command, self.policy()) {
            Ok(events) => {
                for event in &events {
                    self.ledger.state.apply(event);
                }
                self.model
                    .apply_batch(&events, self.policy())
                    .map_err(|e| fail(&command, &events, &e))?;
                self.model
                    .check(self.state(), self.policy())
                    .map_err(|e| fail(&command, &events, &e))?;
                if let Event::CareDelivered(d) = &events[0] {
                    self.refs.push(d.reference.clone());
                }
                let mut stats = self.stats.borrow_mut();
                for event in &events {
                    match event {
                        Event::BudgetReserved(_) if kind == "set_region_budget" => {
                            stats.carried_over += 1;
                        }
                        Event::CareStarted(e) => {
                            stats.started_2027 += u64::from(e.on.year() == 2027);
                            let care = self.model.care.get(&e.client).map_or(&[][..], |c| &c[..]);
                            stats.region_changes += u64::from(
                                care.iter()
                                    .any(|c| c.provider == e.provider && c.region != e.region),
                            );
                        }
                        _ => {}
                    }
                }
                *stats.accepted.entry(kind).or_default() += 1;
                stats.events += events.len() as u64;
                if self.in_setup {
                    stats.setup_accepted += 1;
                }
                self.ledger.events.extend(events);
                Ok(true)
            }
            Err(rejection) => {
                *self
                    .stats
                    .borrow_mut()
                    .rules
                    .entry(rejection.rule())
                    .or_default() += 1;
                Ok(false)
            }
        }
    }

    fn run_setup(&mut self) -> Result<(), TestCaseError> {
        let s = self.setup.clone();
        for (i, units) in s.budgets.iter().enumerate() {
            if let Some(units) = units {
                self.submit(set_budget(
                    region(i as u8),
                    2026,
                    i64::from(*units) * 10_000_000,
                ))?;
            }
        }
        for i in 0..PROVIDERS {
            self.submit(contract(
                provider_at(i as u8),
                region(i as u8),
                2026,
                u32::from(s.places[i]),
                u32::from(s.bps[i]),
            ))?;
        }
        for (combo, cents) in s.tariffs.iter().enumerate() {
            self.submit(tariff(
                2026,
                profile_at(combo as u8 / 2),
                form_at(combo as u8 % 2),
                i64::from(*cents),
            ))?;
        }
        for (r, row) in s.agreements.iter().enumerate() {
            for (i, units) in row.iter().enumerate() {
                if *units > 0 && s.budgets[r].is_some() {
                    self.submit(production_agreement(
                        region(r as u8),
                        provider_at(i as u8),
                        2026,
                        i64::from(*units) * 5_000_000,
                    ))?;
                }
            }
        }
        for (i, granted) in s.clients.iter().enumerate() {
            if let Some((r, profile)) = granted {
                self.submit(grant(
                    &client_name(i as u8),
                    &format!("I-{i}-0"),
                    profile_at(*profile),
                    region(*r),
                    day(2026, 1, 1),
                    None,
                ))?;
            }
        }
        self.in_setup = false;
        self.clock = plus(self.clock, i64::from(s.start));
        Ok(())
    }

    /// The client `i` if it exists, else an existing client, else `i` (unknown).
    fn pick_client(&self, i: u8) -> ClientId {
        let own = client(&client_name(i));
        if self.state().client(&own).is_some() {
            return own;
        }
        let known = self.state().clients();
        if known.is_empty() {
            own
        } else {
            known[usize::from(i) % known.len()].id.clone()
        }
    }

    /// A client matching `filter`, preferring `i`.
    fn pick_client_where(&self, i: u8, filter: impl Fn(&ClientState) -> bool) -> ClientId {
        let own = client(&client_name(i));
        if self.state().client(&own).is_some_and(&filter) {
            return own;
        }
        let matching: Vec<&ClientState> = self
            .state()
            .clients()
            .iter()
            .filter(|c| filter(c))
            .collect();
        if matching.is_empty() {
            self.pick_client(i)
        } else {
            matching[usize::from(i) % matching.len()].id.clone()
        }
    }

    fn year_index(&self) -> u8 {
        u8::from(self.clock.year() >= 2027)
    }

    fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        self.clock = plus(self.clock, i64::from(step.advance));
        let clock = self.clock;
        match step.intent.clone() {
            Intent::Budget {
                region: r,
                year,
                units,
                prepare,
                early,
            } => {
                // The first (region, year) without a budget, starting from the drawn one; a
                // 2027 budget mostly once 2026 is well under way, so that clients in care are
                // carried over.
                let ripe = early || clock >= day(2026, 9, 1);
                let start = usize::from(r) * 2 + usize::from(year);
                let (region_id, y) = (0..4)
                    .map(|k| (start + k) % 4)
                    .map(|k| (region(k as u8 / 2), YEARS[k % 2]))
                    .find(|(reg, y)| !self.state().has_budget(*reg, *y) && (*y == 2026 || ripe))
                    .unwrap_or((region(r), YEARS[usize::from(year)]));
                if prepare && y == 2027 {
                    let contracts = (0..PROVIDERS as u8)
                        .any(|i| self.state().contract(provider_at(i), 2027).is_none());
                    let tariffs = (0..4u8).any(|combo| {
                        self.state()
                            .max_tariff(2027, profile_at(combo / 2), form_at(combo % 2))
                            .is_none()
                    });
                    self.next_year(contracts, tariffs)?;
                }
                self.submit(set_budget(region_id, y, i64::from(units) * 10_000_000))?;
            }
            Intent::NextYear {
                contracts,
                tariffs: with_tariffs,
            } => self.next_year(contracts || !with_tariffs, with_tariffs)?,
            Intent::Contract {
                provider: p,
                year,
                places,
                bp,
            } => {
                self.submit(contract(
                    provider_at(p),
                    region(p),
                    YEARS[usize::from(year)],
                    u32::from(places),
                    u32::from(bp),
                ))?;
            }
            Intent::Tariff { year, combo, cents } => {
                self.submit(tariff(
                    YEARS[usize::from(year)],
                    profile_at(combo / 2),
                    form_at(combo % 2),
                    i64::from(cents),
                ))?;
            }
            Intent::Grant {
                client: i,
                region: r,
                profile,
                back,
                length,
                reuse,
            } => {
                let who = client(&client_name(i));
                let existing: Vec<IndicationId> = self
                    .state()
                    .client(&who)
                    .map(|c| c.indications.iter().map(|x| x.id.clone()).collect())
                    .unwrap_or_default();
                let id = match existing.first() {
                    Some(first) if reuse => first.clone(),
                    _ => indication(&format!("I-{}-{}", i, existing.len())),
                };
                let from = plus(clock, -i64::from(back));
                self.submit(Command::GrantIndication {
                    client: who,
                    indication: id,
                    profile: profile_at(profile),
                    region: region(r),
                    from,
                    until: length.map(|l| plus(from, 30 + i64::from(l))),
                })?;
            }
            Intent::Choose {
                client: i,
                provider: p,
                form,
                urgency,
            } => {
                let who = self.pick_client(i);
                let mut p = provider_at(p);
                if let Some(open) = self.state().client(&who).and_then(|c| c.open_care()) {
                    if open.provider == p {
                        p = provider_at((p.get() % 10) as u8);
                    }
                }
                self.submit(Command::ChooseProvider {
                    client: who,
                    provider: p,
                    form: form_at(form),
                    on: clock,
                    urgency: urgency_at(urgency),
                })?;
            }
            Intent::Start {
                client: i,
                pick,
                back,
            } => {
                let who = self.pick_client_where(i, |c| {
                    c.open_care().is_none()
                        && c.indication_on(clock).is_some()
                        && c.choices.iter().any(|x| x.listed)
                });
                let who =
                    if self.state().client(&who).is_some_and(|c| {
                        c.open_care().is_none() && c.choices.iter().any(|x| x.listed)
                    }) {
                        who
                    } else {
                        self.pick_client_where(i, |c| {
                            c.open_care().is_none() && c.indication_on(clock).is_some()
                        })
                    };
                let listed: Vec<ProviderId> = self
                    .state()
                    .client(&who)
                    .map(|c| {
                        c.choices
                            .iter()
                            .filter(|x| x.listed)
                            .map(|x| x.provider)
                            .collect()
                    })
                    .unwrap_or_default();
                let p = if listed.is_empty() {
                    // Nobody waits: the client chooses first (the assignment), then starts.
                    let p = provider_at(pick);
                    self.submit(Command::ChooseProvider {
                        client: who.clone(),
                        provider: p,
                        form: form_at(pick / 3),
                        on: plus(clock, -i64::from(back)),
                        urgency: urgency_at(pick / 6),
                    })?;
                    p
                } else {
                    listed[usize::from(pick) % listed.len()]
                };
                self.submit(start_care(who, p, plus(clock, -i64::from(back))))?;
            }
            Intent::Deliver {
                client: i,
                mode,
                back,
                length,
                declare,
            } => self.deliver(i, mode, back, length, declare)?,
            Intent::Reverse { pick, unknown } => {
                if self.refs.is_empty() && !unknown {
                    return self.probe_waiting_clients(); // Nothing to reverse yet.
                }
                let r = if unknown || self.refs.is_empty() {
                    reference(&format!("X-{pick}"))
                } else {
                    self.refs[usize::from(pick) % self.refs.len()].clone()
                };
                self.submit(Command::ReverseDelivery {
                    reference: r,
                    reason: note("correction"),
                })?;
            }
            Intent::Agreement {
                region: r,
                provider: p,
                units,
            } => {
                let y = YEARS[usize::from(self.year_index())];
                self.submit(production_agreement(
                    region(r),
                    provider_at(p),
                    y,
                    i64::from(units) * 5_000_000,
                ))?;
            }
            Intent::Reallocate { kind, a, b, amount } => {
                let y = YEARS[usize::from(self.year_index())];
                let (from, to): (Account, Account) = match kind {
                    0 => (
                        Account::provider(provider_at(a), region(b)),
                        Account::pool(region(b)),
                    ),
                    1 => (
                        Account::pool(region(a)),
                        Account::pool(region(a.wrapping_add(1))),
                    ),
                    _ => (
                        Account::provider(provider_at(a), region(b)),
                        Account::provider(provider_at(a.wrapping_add(1)), region(b)),
                    ),
                };
                // Mostly within what the source holds.
                let balance = self.state().balance(from, y).cents();
                let amount = if balance > 0 && a % 4 != 0 {
                    i64::from(amount) % balance + 1
                } else {
                    i64::from(amount)
                };
                self.submit(Command::TransferBudget {
                    from,
                    to,
                    year: y,
                    amount: cents(amount),
                    reason: TransferReason::Reallocation,
                    on: (a % 2 == 0).then_some(clock).filter(|d| d.year() == y),
                })?;
            }
            Intent::End {
                client: i,
                back,
                reason,
            } => {
                let who = self.pick_client_where(i, |c| c.open_care().is_some());
                let care = self
                    .state()
                    .client(&who)
                    .and_then(|c| c.open_care())
                    .cloned();
                if care.is_none() && back < 50 {
                    return self.probe_waiting_clients(); // Nobody is in care.
                }
                let (p, on) = match care {
                    Some(care) => {
                        let on = if back == 0 {
                            // Not before what is paid, so the end is accepted.
                            clock.max(care.from).max(self.paid_until(&who))
                        } else {
                            plus(clock, -i64::from(back))
                        };
                        (care.provider, on)
                    }
                    None => (provider_at(i), clock),
                };
                let reason = [EndReason::Transfer, EndReason::Deceased, EndReason::Ended]
                    [usize::from(reason) % 3];
                self.submit(Command::EndCare {
                    client: who,
                    provider: p,
                    on,
                    reason,
                })?;
            }
            Intent::WithdrawIndication {
                client: i,
                pick,
                reason,
                late,
            } => {
                let who = self
                    .pick_client_where(i, |c| c.indications.iter().any(|x| x.withdrawn.is_none()));
                let Some(c) = self.state().client(&who) else {
                    self.submit(withdraw(
                        who.as_str(),
                        "I-none",
                        clock,
                        WithdrawalReason::Negative,
                    ))?;
                    return Ok(());
                };
                let open: Vec<&IndicationState> = c
                    .indications
                    .iter()
                    .filter(|x| x.withdrawn.is_none())
                    .collect();
                let ind = if open.is_empty() {
                    &c.indications[usize::from(pick) % c.indications.len()]
                } else {
                    open[usize::from(pick) % open.len()]
                };
                let on = if late {
                    clock
                } else {
                    clock.max(ind.from).max(self.paid_until(&who))
                };
                let reason = [
                    WithdrawalReason::Deceased,
                    WithdrawalReason::Reassessed,
                    WithdrawalReason::Negative,
                    WithdrawalReason::Moved,
                ][usize::from(reason) % 4];
                let id = ind.id.clone();
                self.submit(Command::WithdrawIndication {
                    client: who,
                    indication: id,
                    on,
                    reason,
                })?;
            }
            Intent::WithdrawChoice { client: i, pick } => {
                let who = self.pick_client_where(i, |c| !c.choices.is_empty());
                let p = self
                    .state()
                    .client(&who)
                    .filter(|c| !c.choices.is_empty())
                    .map_or(provider_at(pick), |c| {
                        c.choices[usize::from(pick) % c.choices.len()].provider
                    });
                self.submit(withdraw_choice(who.as_str(), p, clock))?;
            }
            Intent::Switch {
                client: i,
                provider: q,
            } => {
                let who = self.pick_client_where(i, |c| c.open_care().is_some());
                let Some(care) = self
                    .state()
                    .client(&who)
                    .and_then(|c| c.open_care())
                    .cloned()
                else {
                    return Ok(());
                };
                let mut q = provider_at(q);
                if q == care.provider {
                    q = provider_at((q.get() % 10) as u8);
                }
                let on = clock.max(care.from).max(self.paid_until(&who));
                self.submit(Command::ChooseProvider {
                    client: who.clone(),
                    provider: q,
                    form: care.form,
                    on,
                    urgency: Urgency::Active,
                })?;
                self.submit(Command::EndCare {
                    client: who.clone(),
                    provider: care.provider,
                    on,
                    reason: EndReason::Transfer,
                })?;
                self.submit(start_care(who, q, on))?;
            }
        }
        self.probe_waiting_clients()
    }

    /// Contracts every provider and sets every tariff for 2027.
    fn next_year(&mut self, contracts: bool, tariffs: bool) -> Result<(), TestCaseError> {
        if contracts {
            for i in 0..PROVIDERS {
                let (places, bp) = (self.setup.places[i], self.setup.bps[i]);
                self.submit(contract(
                    provider_at(i as u8),
                    region(i as u8),
                    2027,
                    u32::from(places.max(1)),
                    u32::from(bp),
                ))?;
            }
        }
        if tariffs {
            for (combo, cents) in self.setup.tariffs.into_iter().enumerate() {
                self.submit(tariff(
                    2027,
                    profile_at(combo as u8 / 2),
                    form_at(combo as u8 % 2),
                    i64::from(cents) + 500,
                ))?;
            }
        }
        Ok(())
    }

    /// The first day after every paid day of `who` (2000-01-01 if none).
    fn paid_until(&self, who: &ClientId) -> Date {
        self.state()
            .client(who)
            .and_then(|c| c.paid.last().map(|(_, u)| *u))
            .unwrap_or(day(2000, 1, 1))
    }

    fn deliver(
        &mut self,
        i: u8,
        mode: u8,
        back: u8,
        length: u8,
        declare: u8,
    ) -> Result<(), TestCaseError> {
        let clock = self.clock;
        let who = self.pick_client_where(i, |c| !c.care.is_empty());
        let care = self
            .state()
            .client(&who)
            .and_then(|c| c.care.last())
            .cloned();
        let (p, from, until) = match care {
            None if mode != 0 => return Ok(()), // Nobody was ever in care.
            None => (provider_at(i), clock, plus(clock, i64::from(length))),
            Some(care) => {
                let care_end = care.until.unwrap_or(Date::MAX);
                match mode {
                    // Back-dated before the care started.
                    0 => {
                        let from = plus(care.from, -1 - i64::from(back));
                        (care.provider, from, plus(from, i64::from(length)))
                    }
                    // Overlapping what may be paid already.
                    1 | 2 => {
                        let from = plus(care.from, i64::from(back));
                        (care.provider, from, plus(from, i64::from(length)))
                    }
                    // The next unpaid days, up to the clock.
                    _ => {
                        let from = care.from.max(self.paid_until(&who));
                        if from > clock || from >= care_end {
                            return Ok(()); // Nothing to declare yet.
                        }
                        let mut until = plus(from, i64::from(length))
                            .min(care_end)
                            .min(january_first(from.year() + 1));
                        let tomorrow = plus(clock, 1);
                        if from < tomorrow {
                            until = until.min(tomorrow);
                        }
                        (care.provider, from, until)
                    }
                }
            }
        };
        let amount = match declare {
            0..=7 => None,
            _ => {
                let (profile, form) = self
                    .state()
                    .client(&who)
                    .and_then(|c| c.care.last())
                    .map_or((vv5(), DeliveryForm::Verblijf), |c| (c.profile, c.form));
                let tariff = self
                    .state()
                    .day_tariff(p, from.year(), profile, form)
                    .unwrap_or(Money::ZERO);
                let n = i64::from(days_between(from, until));
                let right = tariff.cents().saturating_mul(n);
                Some(cents(if declare == 11 { right + 1 } else { right }))
            }
        };
        let r = if declare == 10 && !self.refs.is_empty() {
            self.refs[usize::from(back) % self.refs.len()].clone()
        } else {
            self.next_ref += 1;
            reference(&format!("D-{}", self.next_ref))
        };
        self.submit(Command::DeliverCare {
            client: who,
            provider: p,
            from,
            until,
            reference: r,
            amount,
        })?;
        Ok(())
    }

    /// INV-15. For every client listed at a provider with a valid indication, and not in care,
    /// probe `StartCare` on the clock's day. When the provider has a free place:
    /// - person-following: a budget rejection is only `PoolExhausted` when the pool truly
    ///   cannot cover the reservation (or `NoRegionBudget` when there is no pool); never
    ///   `ProviderBudgetExhausted`;
    /// - fixed: count the clients left waiting for budget although the pool could cover them.
    fn probe_waiting_clients(&mut self) -> Result<(), TestCaseError> {
        let on = self.clock;
        let policy = self.policy();
        let mut probes = Vec::new();
        for c in self.state().clients() {
            if c.open_care().is_some() {
                continue;
            }
            for choice in c.choices.iter().filter(|x| x.listed && x.on <= on) {
                probes.push((c.id.clone(), choice.provider, choice.form));
            }
        }
        for (who, p, form) in probes {
            let Some(ind) = self.model.indication_on(&who, on).cloned() else {
                continue;
            };
            let Some((places, _)) = self.model.contracts.get(&(p, on.year())).copied() else {
                continue;
            };
            if self.state().in_care(p) >= places {
                continue; // No free place: not INV-15's case.
            }
            // The reservation, computed independently: this year, and every later year the
            // region already has a budget for.
            let region_id = ind.region;
            let mut needed = Vec::new();
            let last = self
                .model
                .budgets
                .iter()
                .filter(|(r, _)| *r == region_id)
                .map(|(_, y)| *y)
                .max()
                .unwrap_or(on.year())
                .max(on.year());
            let mut priced = true;
            for y in on.year()..=last {
                if y != on.year() && !self.model.budgets.contains(&(region_id, y)) {
                    continue;
                }
                match self.model.day_tariff(p, y, ind.profile, form) {
                    Some(t) => {
                        let start = on.max(jan1(y));
                        needed.push((y, t * days(start, jan1(y + 1))));
                    }
                    None => priced = false,
                }
            }
            if !priced {
                continue; // A missing tariff or contract refuses first; not a budget reason.
            }
            let covered = needed.iter().all(|(y, amount)| {
                self.model.budgets.contains(&(region_id, *y))
                    && self.model.balance(Account::pool(region_id), *y) >= i128::from(*amount)
            });
            let result = decide(self.state(), &start_care(who.clone(), p, on), policy);
            let mut stats = self.stats.borrow_mut();
            stats.probes += 1;
            match (policy, result) {
                (_, Ok(_)) => stats.probe_started += 1,
                (Policy::PersonFollowing, Err(Rejection::ProviderBudgetExhausted { .. })) => {
                    return Err(TestCaseError::fail(
                        "INV-15: ProviderBudgetExhausted under person-following financing",
                    ));
                }
                (
                    Policy::PersonFollowing,
                    Err(Rejection::PoolExhausted {
                        region: r,
                        year,
                        balance,
                        needed: n,
                    }),
                ) => {
                    stats.probe_pool_exhausted += 1;
                    let want = needed.iter().find(|(y, _)| *y == year).map(|(_, a)| *a);
                    if covered
                        || r != region_id
                        || want != Some(n.cents())
                        || balance != self.ledger.state.balance(Account::pool(r), year)
                        || balance >= n
                    {
                        return Err(TestCaseError::fail(format!(
                            "INV-15: {who} waits at {p} on {on} with PoolExhausted({r}, {year}, \
                             {balance}, {n}) although the pool covers {needed:?}: {covered}"
                        )));
                    }
                }
                (Policy::PersonFollowing, Err(Rejection::NoRegionBudget { region: r, year }))
                    if covered || self.model.budgets.contains(&(r, year)) =>
                {
                    return Err(TestCaseError::fail(format!(
                        "INV-15: {who} waits at {p} for NoRegionBudget({r}, {year})"
                    )));
                }
                (Policy::FixedAgreements, Err(Rejection::ProviderBudgetExhausted { .. }))
                    if covered =>
                {
                    stats.fixed_waiting_for_budget += 1;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Replays every event into a fresh state: the same state comes out.
    fn check_replay(&self) -> Result<(), TestCaseError> {
        let mut fresh = State::new();
        for event in &self.ledger.events {
            fresh.apply(event);
        }
        let state = self.state();
        let same = fresh.clients() == state.clients()
            && fresh.balances().collect::<Vec<_>>() == state.balances().collect::<Vec<_>>()
            && fresh.budget_total() == state.budget_total()
            && (0..PROVIDERS as u8).all(|i| {
                let p = provider_at(i);
                fresh.in_care(p) == state.in_care(p)
                    && (0..REGIONS as u8).all(|r| {
                        YEARS.iter().all(|y| {
                            fresh.reserved(p, region(r), *y) == state.reserved(p, region(r), *y)
                        })
                    })
            })
            && self
                .refs
                .iter()
                .all(|r| fresh.delivery(r) == state.delivery(r));
        if same {
            Ok(())
        } else {
            Err(TestCaseError::fail(
                "replaying the events gives another state",
            ))
        }
    }
}

fn start_care(who: ClientId, provider: ProviderId, on: Date) -> Command {
    Command::StartCare {
        client: who,
        provider,
        on,
    }
}

fn fail(command: &Command, events: &[Event], why: &str) -> TestCaseError {
    TestCaseError::fail(format!(
        "{why}\n  after accepting {command:?}\n  which produced {events:#?}"
    ))
}

fn run_history(
    policy: Policy,
    setup: &Setup,
    steps: &[Step],
    stats: &RefCell<Stats>,
) -> Result<(), TestCaseError> {
    let mut driver = Driver::new(policy, setup.clone(), stats);
    driver.run_setup()?;
    for step in steps {
        driver.step(step)?;
    }
    driver.check_replay()
}

#[test]
fn random_histories_keep_the_invariants() {
    // Config::default() honours PROPTEST_CASES (256 when unset).
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let stats = RefCell::new(Stats::default());
    let result = runner.run(&history_strategy(60), |(setup, steps)| {
        stats.borrow_mut().cases += 1;
        run_history(Policy::PersonFollowing, &setup, &steps, &stats)?;
        run_history(Policy::FixedAgreements, &setup, &steps, &stats)?;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let stats = stats.into_inner();
    let issued: u64 = stats.issued.values().sum();
    let accepted: u64 = stats.accepted.values().sum();
    let body_issued = issued - stats.setup_issued;
    let body_accepted = accepted - stats.setup_accepted;
    let ratio = accepted as f64 / issued.max(1) as f64;
    let body_ratio = body_accepted as f64 / body_issued.max(1) as f64;
    println!(
        "random histories: {} cases x 2 policies, {issued} commands, {accepted} accepted \
         ({:.1}%; {:.1}% after the setup), {} events",
        stats.cases,
        100.0 * ratio,
        100.0 * body_ratio,
        stats.events
    );
    for (kind, n) in &stats.issued {
        let a = stats.accepted.get(kind).copied().unwrap_or(0);
        println!("  {kind:<20} {a:>7} / {n:<7} accepted");
    }
    println!("  rejections by rule: {:?}", stats.rules);
    println!(
        "  INV-15 probes: {} (would start: {}, person-following PoolExhausted with the pool \
         truly short: {}); fixed policy left waiting with a free place and pool money: {}",
        stats.probes,
        stats.probe_started,
        stats.probe_pool_exhausted,
        stats.fixed_waiting_for_budget
    );
    println!(
        "  carried over: {} reservations; care started in 2027: {}; back at a provider funded by \
         another region: {}",
        stats.carried_over, stats.started_2027, stats.region_changes
    );
    assert!(
        ratio > 0.5 && body_ratio > 0.5,
        "histories must be meaningful: most commands accepted"
    );
}

// ---------------------------------------------------------------------------------------------
// Arbitrary commands never make decide panic
// ---------------------------------------------------------------------------------------------

fn any_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        3 => (0i64..1_100).prop_map(|d| plus(day(2025, 7, 1), d)),
        1 => (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day())
            .prop_map(|j| Date::from_julian_day(j).expect("in range")),
        1 => prop_oneof![Just(Date::MIN), Just(Date::MAX)],
    ]
}

fn any_year() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 2025i32..=2028, 1 => any::<i32>(), 1 => 1999i32..=3001]
}

fn any_money() -> impl Strategy<Value = Money> {
    prop_oneof![
        4 => (0i64..200_000_000).prop_map(Money::from_cents),
        1 => any::<i64>().prop_map(Money::from_cents),
        1 => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0), Just(-1)].prop_map(Money::from_cents),
    ]
}

fn any_region() -> impl Strategy<Value = RegionId> {
    let all: Vec<RegionId> = RegionId::all().collect();
    prop_oneof![3 => (0u8..2).prop_map(region), 1 => prop::sample::select(all)]
}

fn any_provider() -> impl Strategy<Value = ProviderId> {
    prop_oneof![
        3 => (0u8..3).prop_map(provider_at),
        1 => (0u32..=ProviderId::MAX).prop_map(provider),
    ]
}

fn any_client() -> impl Strategy<Value = ClientId> {
    (0u8..8).prop_map(|i| client(&format!("c-{i}")))
}

fn any_account() -> impl Strategy<Value = Account> {
    prop_oneof![
        any_region().prop_map(Account::pool),
        (any_provider(), any_region()).prop_map(|(p, r)| Account::provider(p, r)),
    ]
}

fn any_profile() -> impl Strategy<Value = Profile> {
    let all: Vec<Profile> = Profile::all().collect();
    prop_oneof![3 => (0u8..2).prop_map(profile_at), 1 => prop::sample::select(all)]
}

fn any_form() -> impl Strategy<Value = DeliveryForm> {
    prop::sample::select(DeliveryForm::ALL.to_vec())
}

fn any_command() -> impl Strategy<Value = Command> {
    let ind = (0u8..4).prop_map(|i| indication(&format!("I-{i}")));
    let dref = (0u8..6).prop_map(|i| reference(&format!("D-{i}")));
    prop_oneof![
        (any_region(), any_year(), any_money()).prop_map(|(region, year, amount)| {
            Command::SetRegionBudget {
                region,
                year,
                amount,
            }
        }),
        (
            any_provider(),
            any_region(),
            any_year(),
            prop_oneof![0u32..4, any::<u32>()],
            prop_oneof![0u32..=12_000, any::<u32>()]
        )
            .prop_map(|(provider, region, year, places, tariff_bp)| {
                Command::ContractProvider {
                    provider,
                    region,
                    year,
                    places,
                    tariff_bp,
                }
            }),
        (any_year(), any_profile(), any_form(), any_money()).prop_map(
            |(year, profile, form, day_tariff)| Command::SetTariff {
                year,
                profile,
                form,
                day_tariff
            }
        ),
        (
            any_client(),
            ind.clone(),
            any_profile(),
            any_region(),
            any_date(),
            prop::option::of(any_date())
        )
            .prop_map(|(client, indication, profile, region, from, until)| {
                Command::GrantIndication {
                    client,
                    indication,
                    profile,
                    region,
                    from,
                    until,
                }
            }),
        (
            any_client(),
            any_provider(),
            any_form(),
            any_date(),
            (0u8..4).prop_map(urgency_at)
        )
            .prop_map(
                |(client, provider, form, on, urgency)| Command::ChooseProvider {
                    client,
                    provider,
                    form,
                    on,
                    urgency,
                }
            ),
        (any_client(), any_provider(), any_date()).prop_map(|(client, provider, on)| {
            Command::StartCare {
                client,
                provider,
                on,
            }
        }),
        (
            any_client(),
            any_provider(),
            any_date(),
            any_date(),
            dref.clone(),
            prop::option::of(any_money())
        )
            .prop_map(|(client, provider, from, until, reference, amount)| {
                Command::DeliverCare {
                    client,
                    provider,
                    from,
                    until,
                    reference,
                    amount,
                }
            }),
        dref.prop_map(|reference| Command::ReverseDelivery {
            reference,
            reason: note("r")
        }),
        (any_client(), any_provider(), any_date()).prop_map(|(client, provider, on)| {
            Command::WithdrawChoice {
                client,
                provider,
                on,
                reason: note("r"),
            }
        }),
        (any_client(), any_provider(), any_date(), 0u8..3).prop_map(|(client, provider, on, r)| {
            Command::EndCare {
                client,
                provider,
                on,
                reason: [EndReason::Transfer, EndReason::Deceased, EndReason::Ended]
                    [usize::from(r)],
            }
        }),
        (any_client(), ind, any_date(), 0u8..4).prop_map(|(client, indication, on, r)| {
            Command::WithdrawIndication {
                client,
                indication,
                on,
                reason: [
                    WithdrawalReason::Deceased,
                    WithdrawalReason::Reassessed,
                    WithdrawalReason::Negative,
                    WithdrawalReason::Moved,
                ][usize::from(r)],
            }
        }),
        (
            any_account(),
            any_account(),
            any_year(),
            any_money(),
            0u8..4,
            prop::option::of(any_date())
        )
            .prop_map(|(from, to, year, amount, r, on)| Command::TransferBudget {
                from,
                to,
                year,
                amount,
                reason: [
                    TransferReason::FollowsClient,
                    TransferReason::ProductionAgreement,
                    TransferReason::Reallocation,
                    TransferReason::Release,
                ][usize::from(r)],
                on,
            }),
    ]
}

proptest! {
    #![proptest_config(Config { failure_persistence: None, ..Config::default() })]

    /// `decide` never panics on arbitrary commands against random states (built by a random
    /// valid history); `apply` never panics on what it accepts; the books stay balanced.
    #[test]
    fn decide_never_panics_on_arbitrary_commands(
        (setup, steps) in history_strategy(25),
        commands in prop::collection::vec(any_command(), 1..40),
        fixed_policy in any::<bool>(),
    ) {
        let policy = if fixed_policy { Policy::FixedAgreements } else { Policy::PersonFollowing };
        let stats = RefCell::new(Stats::default());
        let mut driver = Driver::new(policy, setup, &stats);
        driver.run_setup()?;
        for step in &steps {
            driver.step(step)?;
        }
        let mut state = driver.ledger.state.clone();
        for command in &commands {
            if let Ok(events) = decide(&state, command, policy) {
                prop_assert!(!events.is_empty());
                for event in &events {
                    state.apply(event);
                }
                let sum: i128 = state.balances().map(|(_, m)| i128::from(m.cents())).sum();
                prop_assert_eq!(sum, state.budget_total(), "books unbalanced after {:?}", command);
            }
        }
    }
}
