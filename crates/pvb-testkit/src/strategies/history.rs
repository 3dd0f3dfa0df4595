//! `valid_history`: random care-financing histories that the rules mostly accept.
//!
//! The strategy draws a *setup* (budgets, contracts, tariffs, production agreements, initial
//! indications, each optional) and a list of *intents* with small indices ("client 3 chooses
//! provider 1", "deliver the next unpaid days of client 2", "a correction", "a near miss").
//! A driver turns them into concrete commands against a `pvb_core::State` it keeps with the
//! real rules: it picks a client that exists, the first unpaid days of its care, a delivery
//! that can be reversed. After every intent, and on every day the clock passes, the office
//! *admits* waiting clients wherever a place is free (a switch is an end of care and a start
//! at the chosen provider, the same day), so valid histories keep INV-15.
//!
//! Shrinking works on the setup and the intents: a failing history shrinks to the few intents
//! (and so the few commands) that still fail, because every optional setup item shrinks to
//! `None` and every intent can be removed.
//!
//! Near misses (an office re-sending a paid period, a declaration outside the care interval
//! or the indication, a start at a full provider, a reused reference, a second reversal) are
//! refused by the real rules; they are kept in the history so that a broken rule accepts
//! them and the invariants can catch it. They are about one intent in fifteen.

use proptest::prelude::*;
use pvb_core::{
    decide, january_first, Account, ClientState, Command, DeclarationRef, EndReason, Event, Money,
    Policy, ProviderContracted, ProviderId, State, TransferReason, Urgency, WithdrawalReason,
};
use time::Date;

use crate::universe::{self, CLIENTS, PROVIDERS, REGIONS};

/// The last day the clock reaches.
fn last_day() -> Date {
    universe::day(729) // 2027-12-31
}

#[derive(Clone, Debug)]
struct Setup {
    /// 2026 budget per region, in units of 100,000.00.
    budgets: [Option<u8>; 2],
    /// 2026 contract per provider: places and basis points.
    contracts: [Option<(u8, u16)>; 3],
    /// 2026 maximum tariff per (profile, form), in cents.
    tariffs: [Option<u32>; 4],
    /// Fixed policy: production agreement per (region, provider), in units of 50,000.00.
    agreements: [[Option<u8>; 3]; 2],
    /// Clients with an indication from 2026-01-01: (region, profile, days it holds, if not
    /// open-ended).
    grants: [Option<(u8, u8, Option<u16>)>; 6],
    /// Days after 2026-01-01 the clock starts at.
    start: u16,
}

#[derive(Clone, Debug)]
enum Intent {
    Grant {
        client: u8,
        region: u8,
        profile: u8,
        back: u8,
        length: Option<u16>,
    },
    Choose {
        client: u8,
        provider: u8,
        form: u8,
        urgency: u8,
    },
    Deliver {
        client: u8,
        length: u8,
        declare: bool,
        /// The office declares the days in care after the indication ran out, too (a near
        /// miss), when there are such days.
        sloppy: bool,
    },
    Reverse {
        pick: u8,
    },
    Correct {
        pick: u8,
    },
    End {
        client: u8,
    },
    Withdraw {
        client: u8,
        pick: u8,
        reason: u8,
    },
    Die {
        client: u8,
    },
    WithdrawChoice {
        client: u8,
        pick: u8,
    },
    Transfer {
        kind: u8,
        a: u8,
        b: u8,
        amount: u32,
    },
    Budget {
        region: u8,
        units: u8,
    },
    Tariff {
        year: u8,
        combo: u8,
        cents: u32,
    },
    Contract {
        provider: u8,
        year: u8,
        places: u8,
        bp: u16,
    },
    NearMiss {
        kind: u8,
        client: u8,
        pick: u8,
    },
}

/// A part of a history: an item of the setup, or a step (days the clock moves, an intent).
#[derive(Clone, Debug)]
enum Item {
    Budget {
        region: u8,
        units: u8,
    },
    Contract {
        provider: u8,
        places: u8,
        bp: u16,
    },
    Tariff {
        combo: u8,
        cents: u32,
    },
    Agreement {
        region: u8,
        provider: u8,
        units: u8,
    },
    Grant {
        client: u8,
        region: u8,
        profile: u8,
        length: Option<u16>,
    },
    Start(u16),
    Step(u8, Intent),
}

/// The setup slots: each present with its probability; shrinking can delete any of them.
fn setup_slots() -> Vec<(f64, BoxedStrategy<Item>)> {
    let mut slots: Vec<(f64, BoxedStrategy<Item>)> = Vec::new();
    for region in 0..REGIONS.len() as u8 {
        slots.push((
            0.95,
            (1u8..12)
                .prop_map(move |units| Item::Budget { region, units })
                .boxed(),
        ));
    }
    for provider in 0..PROVIDERS.len() as u8 {
        slots.push((
            0.9,
            (
                prop_oneof![1 => Just(0u8), 9 => 1u8..=3],
                prop_oneof![Just(10_000u16), 8_000u16..=10_000],
            )
                .prop_map(move |(places, bp)| Item::Contract {
                    provider,
                    places,
                    bp,
                })
                .boxed(),
        ));
    }
    for combo in 0..4u8 {
        slots.push((
            0.95,
            (15_000u32..30_000)
                .prop_map(move |cents| Item::Tariff { combo, cents })
                .boxed(),
        ));
    }
    for region in 0..REGIONS.len() as u8 {
        for provider in 0..PROVIDERS.len() as u8 {
            slots.push((
                0.7,
                (1u8..6)
                    .prop_map(move |units| Item::Agreement {
                        region,
                        provider,
                        units,
                    })
                    .boxed(),
            ));
        }
    }
    for client in 0..CLIENTS as u8 {
        slots.push((
            0.6,
            (0u8..2, 0u8..2, prop::option::weighted(0.5, 20u16..100))
                .prop_map(move |(region, profile, length)| Item::Grant {
                    client,
                    region,
                    profile,
                    length,
                })
                .boxed(),
        ));
    }
    slots.push((0.3, (0u16..330).prop_map(Item::Start).boxed()));
    slots
}

fn setup_of(items: &[Item]) -> (Setup, Vec<(u8, Intent)>) {
    let mut setup = Setup {
        budgets: [None; 2],
        contracts: [None; 3],
        tariffs: [None; 4],
        agreements: [[None; 3]; 2],
        grants: [None; 6],
        start: 0,
    };
    let mut steps = Vec::new();
    for item in items {
        match item.clone() {
            Item::Budget { region, units } => setup.budgets[usize::from(region) % 2] = Some(units),
            Item::Contract {
                provider,
                places,
                bp,
            } => {
                setup.contracts[usize::from(provider) % 3] = Some((places, bp));
            }
            Item::Tariff { combo, cents } => setup.tariffs[usize::from(combo) % 4] = Some(cents),
            Item::Agreement {
                region,
                provider,
                units,
            } => {
                setup.agreements[usize::from(region) % 2][usize::from(provider) % 3] = Some(units);
            }
            Item::Grant {
                client,
                region,
                profile,
                length,
            } => {
                setup.grants[usize::from(client) % CLIENTS] = Some((region, profile, length));
            }
            Item::Start(days) => setup.start = days,
            Item::Step(advance, intent) => steps.push((advance, intent)),
        }
    }
    (setup, steps)
}

fn intent_strategy() -> impl Strategy<Value = Intent> {
    let c = 0u8..CLIENTS as u8;
    let p = 0u8..PROVIDERS.len() as u8;
    let r = 0u8..REGIONS.len() as u8;
    prop_oneof![
        8 => (c.clone(), r.clone(), 0u8..2, 0u8..30, prop::option::weighted(0.5, 0u16..120))
            .prop_map(|(client, region, profile, back, length)| Intent::Grant {
                client, region, profile, back, length,
            }),
        10 => (c.clone(), p.clone(), 0u8..2, 0u8..4)
            .prop_map(|(client, provider, form, urgency)| Intent::Choose {
                client, provider, form, urgency,
            }),
        16 => (c.clone(), 1u8..40, any::<bool>(), prop::bool::weighted(0.25))
            .prop_map(|(client, length, declare, sloppy)| Intent::Deliver {
                client, length, declare, sloppy,
            }),
        2 => any::<u8>().prop_map(|pick| Intent::Reverse { pick }),
        2 => any::<u8>().prop_map(|pick| Intent::Correct { pick }),
        4 => c.clone().prop_map(|client| Intent::End { client }),
        2 => (c.clone(), any::<u8>(), 0u8..3)
            .prop_map(|(client, pick, reason)| Intent::Withdraw { client, pick, reason }),
        2 => c.clone().prop_map(|client| Intent::Die { client }),
        2 => (c.clone(), any::<u8>()).prop_map(|(client, pick)| Intent::WithdrawChoice { client, pick }),
        3 => (0u8..3, any::<u8>(), any::<u8>(), 1u32..3_000_000)
            .prop_map(|(kind, a, b, amount)| Intent::Transfer { kind, a, b, amount }),
        3 => (r, 1u8..12).prop_map(|(region, units)| Intent::Budget { region, units }),
        1 => (0u8..2, 0u8..4, 15_000u32..30_000)
            .prop_map(|(year, combo, cents)| Intent::Tariff { year, combo, cents }),
        1 => (p, 0u8..2, 0u8..=3, 8_000u16..=10_000)
            .prop_map(|(provider, year, places, bp)| Intent::Contract { provider, year, places, bp }),
        // The rarer occasions (a day in care without indication, a full provider) are drawn
        // more often; a kind without occasion falls through to the next one.
        5 => (
            prop_oneof![3 => Just(2u8), 2 => Just(3u8), 1 => Just(0u8), 1 => Just(1u8), 1 => Just(4u8), 1 => Just(5u8)],
            c,
            any::<u8>(),
        )
            .prop_map(|(kind, client, pick)| Intent::NearMiss { kind, client, pick }),
    ]
}

/// Random histories that the rules mostly accept, for the person-following policy: the setup
/// and then intents until about `max_commands` commands are written (the last intent still
/// completes, with the admissions it makes possible, so a history can run a few commands
/// over). See the module documentation.
pub fn valid_history(max_commands: usize) -> impl Strategy<Value = Vec<Command>> {
    valid_history_for(Policy::PersonFollowing, max_commands)
}

/// [`valid_history`] for a given funding policy (under the fixed policy the setup includes
/// production agreements).
pub fn valid_history_for(
    policy: Policy,
    max_commands: usize,
) -> impl Strategy<Value = Vec<Command>> {
    let step = (0u8..8, intent_strategy())
        .prop_map(|(advance, intent)| Item::Step(advance, intent))
        .boxed();
    super::steps::steps(setup_slots(), step, 1..=max_commands.max(1)).prop_map(move |items| {
        let (setup, steps) = setup_of(&items);
        let mut driver = Driver::new(policy, max_commands);
        driver.run(&setup, &steps);
        driver.commands
    })
}

/// Builds histories by deciding every command against the real rules.
struct Driver {
    policy: Policy,
    max: usize,
    state: State,
    commands: Vec<Command>,
    clock: Date,
    refs: usize,
    indications: [usize; CLIENTS],
    dead: [bool; CLIENTS],
}

impl Driver {
    fn new(policy: Policy, max: usize) -> Driver {
        Driver {
            policy,
            max,
            state: State::new(),
            commands: Vec::new(),
            clock: january_first(2026),
            refs: 0,
            indications: [0; CLIENTS],
            dead: [false; CLIENTS],
        }
    }

    fn full(&self) -> bool {
        self.commands.len() >= self.max
    }

    fn decide(&self, command: &Command) -> Option<Vec<Event>> {
        decide(&self.state, command, self.policy).ok()
    }

    /// Submits `command` if the rules accept it; returns whether they did.
    fn accept(&mut self, command: Command) -> bool {
        match self.decide(&command) {
            Some(events) => {
                for event in &events {
                    self.state.apply(event);
                }
                self.commands.push(command);
                true
            }
            None => false,
        }
    }

    /// Submits a near miss: kept in the history whether or not the rules accept it.
    fn near_miss(&mut self, command: Command) {
        if let Some(events) = self.decide(&command) {
            for event in &events {
                self.state.apply(event);
            }
        }
        self.commands.push(command);
    }

    fn fresh_ref(&mut self) -> DeclarationRef {
        self.refs += 1;
        universe::reference(self.refs)
    }

    fn client_state(&self, i: usize) -> Option<&ClientState> {
        self.state.client(&universe::client(i))
    }

    /// Client `i` if it matches, else the next one that does.
    fn pick(&self, i: u8, matches: impl Fn(&Driver, usize, &ClientState) -> bool) -> Option<usize> {
        (0..CLIENTS)
            .map(|k| (usize::from(i) + k) % CLIENTS)
            .find(|&k| !self.dead[k] && self.client_state(k).is_some_and(|c| matches(self, k, c)))
    }

    fn run(&mut self, setup: &Setup, steps: &[(u8, Intent)]) {
        self.run_setup(setup);
        for (advance, intent) in steps {
            if self.full() {
                break;
            }
            self.advance(i64::from(*advance));
            self.step(intent);
            let today = self.clock;
            self.admit(today);
        }
    }

    fn run_setup(&mut self, setup: &Setup) {
        for (r, units) in setup.budgets.iter().enumerate() {
            if let Some(units) = units {
                self.accept(Command::SetRegionBudget {
                    region: universe::region(r),
                    year: 2026,
                    amount: Money::from_cents(i64::from(*units) * 10_000_000),
                });
            }
        }
        for (p, contract) in setup.contracts.iter().enumerate() {
            if let Some((places, bp)) = contract {
                self.accept(Command::ContractProvider {
                    provider: universe::provider(p),
                    region: universe::provider_region(p),
                    year: 2026,
                    places: u32::from(*places),
                    tariff_bp: u32::from(*bp),
                });
            }
        }
        for (combo, cents) in setup.tariffs.iter().enumerate() {
            if let Some(cents) = cents {
                self.accept(Command::SetTariff {
                    year: 2026,
                    profile: universe::profile(combo / 2),
                    form: universe::form(combo % 2),
                    day_tariff: Money::from_cents(i64::from(*cents)),
                });
            }
        }
        if self.policy == Policy::FixedAgreements {
            for (r, row) in setup.agreements.iter().enumerate() {
                for (p, units) in row.iter().enumerate() {
                    if let Some(units) = units {
                        self.accept(Command::TransferBudget {
                            from: Account::pool(universe::region(r)),
                            to: Account::provider(universe::provider(p), universe::region(r)),
                            year: 2026,
                            amount: Money::from_cents(i64::from(*units) * 5_000_000),
                            reason: TransferReason::ProductionAgreement,
                            on: None,
                        });
                    }
                }
            }
        }
        for (c, grant) in setup.grants.iter().enumerate() {
            if let Some((r, profile, length)) = grant {
                let id = self.next_indication(c);
                self.accept(Command::GrantIndication {
                    client: universe::client(c),
                    indication: id,
                    profile: universe::profile(usize::from(*profile)),
                    region: universe::region(usize::from(*r)),
                    from: january_first(2026),
                    until: length.map(|l| universe::day(i64::from(l))),
                });
            }
        }
        self.clock = universe::day(i64::from(setup.start));
    }

    fn next_indication(&mut self, c: usize) -> pvb_core::IndicationId {
        let n = self.indications[c];
        self.indications[c] += 1;
        universe::indication(c, n)
    }

    /// Moves the clock `days` forward. The office admits on every day it passes: a client the
    /// pool could not cover yesterday may fit today (the reservation runs to the year's end).
    fn advance(&mut self, days: i64) {
        if days <= 0 || self.clock >= last_day() {
            return;
        }
        let target = universe::plus(self.clock, days).min(last_day());
        while self.clock < target {
            self.clock = universe::plus(self.clock, 1);
            let today = self.clock;
            self.admit(today);
        }
    }

    /// The office admits waiting clients, provider by provider, in list order, wherever a
    /// place is free and the rules accept the start (ending care elsewhere first for a switch).
    fn admit(&mut self, day: Date) {
        for p in 0..PROVIDERS.len() {
            let provider = universe::provider(p);
            while let Some(contract) = self.state.contract(provider, day.year()) {
                if self.state.in_care(provider) >= contract.places || !self.admit_one(provider, day)
                {
                    break;
                }
            }
        }
    }

    fn admit_one(&mut self, provider: ProviderId, day: Date) -> bool {
        let mut waiting: Vec<(bool, Date, String, usize)> = Vec::new();
        for k in 0..CLIENTS {
            if self.dead[k] {
                continue;
            }
            let Some(c) = self.client_state(k) else {
                continue;
            };
            if let Some(choice) = c
                .choices
                .iter()
                .find(|x| x.provider == provider && x.listed && x.on <= day)
            {
                waiting.push((
                    choice.urgency != Urgency::Urgent,
                    choice.on,
                    c.id.to_string(),
                    k,
                ));
            }
        }
        waiting.sort();
        for (_, _, _, k) in waiting {
            let client = universe::client(k);
            let start = Command::StartCare {
                client: client.clone(),
                provider,
                on: day,
            };
            let open = self
                .client_state(k)
                .and_then(|c| c.open_care())
                .map(|care| care.provider);
            match open {
                None => {
                    if self.accept(start) {
                        return true;
                    }
                }
                Some(current) => {
                    let end = Command::EndCare {
                        client,
                        provider: current,
                        on: day,
                        reason: EndReason::Transfer,
                    };
                    let Some(ended) = self.decide(&end) else {
                        continue;
                    };
                    let mut trial = self.state.clone();
                    for event in &ended {
                        trial.apply(event);
                    }
                    if decide(&trial, &start, self.policy).is_ok()
                        && self.accept(end)
                        && self.accept(start)
                    {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn step(&mut self, intent: &Intent) {
        let clock = self.clock;
        match *intent {
            Intent::Grant {
                client,
                region,
                profile,
                back,
                length,
            } => {
                // CIZ decides for a client without an open-ended indication (a first one, or a
                // renewal of a time-limited one).
                let open = |d: &Driver, k: usize| {
                    d.client_state(k).is_some_and(|c| {
                        c.indications
                            .iter()
                            .any(|i| i.valid_on(clock) && i.until.is_none())
                    })
                };
                let Some(c) = (0..CLIENTS)
                    .map(|k| (usize::from(client) + k) % CLIENTS)
                    .find(|&k| !self.dead[k] && !open(self, k))
                else {
                    return;
                };
                let from = universe::plus(clock, -i64::from(back)).max(january_first(2026));
                let id = self.next_indication(c);
                self.accept(Command::GrantIndication {
                    client: universe::client(c),
                    indication: id,
                    profile: universe::profile(usize::from(profile)),
                    region: universe::region(usize::from(region)),
                    from,
                    until: length.map(|l| universe::plus(from, 30 + i64::from(l))),
                });
            }
            Intent::Choose {
                client,
                provider,
                form,
                urgency,
            } => {
                // A client with a valid indication, preferably one whose profile has a
                // tariff; a contracted provider with places where it is not in care; a form
                // with a tariff. (Choosing by what works keeps shrunk histories small: a
                // removed command does not redirect the choice to a client that cannot start.)
                let year = clock.year();
                let priced = |d: &Driver, c: &ClientState| {
                    c.indication_on(clock).is_some_and(|i| {
                        (0..2).any(|f| {
                            d.state
                                .max_tariff(year, i.profile, universe::form(f))
                                .is_some()
                        })
                    })
                };
                let Some(k) = self
                    .pick(client, |d, _, c| priced(d, c))
                    .or_else(|| self.pick(client, |_, _, c| c.indication_on(clock).is_some()))
                else {
                    return;
                };
                let (open, profile) = match self.client_state(k) {
                    Some(c) => (
                        c.open_care().map(|care| care.provider),
                        c.indication_on(clock).map(|i| i.profile),
                    ),
                    None => return,
                };
                let p = (0..PROVIDERS.len())
                    .map(|i| universe::provider(usize::from(provider) + i))
                    .find(|p| {
                        Some(*p) != open
                            && self.state.contract(*p, year).is_some_and(|c| c.places > 0)
                    })
                    .unwrap_or_else(|| {
                        let p = universe::provider(usize::from(provider));
                        if Some(p) == open {
                            universe::provider(usize::from(provider) + 1)
                        } else {
                            p
                        }
                    });
                let form = (0..2)
                    .map(|i| universe::form(usize::from(form) + i))
                    .find(|f| {
                        profile.is_some_and(|profile| {
                            self.state.max_tariff(year, profile, *f).is_some()
                        })
                    })
                    .unwrap_or(universe::form(usize::from(form)));
                self.accept(Command::ChooseProvider {
                    client: universe::client(k),
                    provider: p,
                    form,
                    on: clock,
                    urgency: Urgency::ALL[usize::from(urgency) % Urgency::ALL.len()],
                });
            }
            Intent::Deliver {
                client,
                length,
                declare,
                sloppy,
            } => {
                if sloppy
                    && self
                        .pick(client, |d, _, c| d.outside_indication(c).is_some())
                        .is_some()
                {
                    self.near_kind(2, client, 0);
                    return;
                }
                // The office declares in arrears: it waits until `length` days have passed.
                let Some(k) = self.pick(client, |d, _, c| d.first_payable(c).is_some()) else {
                    return;
                };
                if let Some(first) = self.client_state(k).and_then(|c| self.first_payable(c)) {
                    let wait = (universe::plus(first, i64::from(length)) - self.clock).whole_days();
                    self.advance(wait);
                }
                let Some((provider, from, until)) = self
                    .client_state(k)
                    .and_then(|c| self.next_delivery(c, i64::from(length)))
                else {
                    return;
                };
                self.deliver(k, provider, from, until, declare);
            }
            Intent::Reverse { pick } => {
                if let Some(reference) = self.delivered(pick, false) {
                    self.accept(Command::ReverseDelivery {
                        reference,
                        reason: universe::note("wrong period"),
                    });
                }
            }
            Intent::Correct { pick } => {
                let Some(reference) = self.delivered(pick, false) else {
                    return;
                };
                let Some(d) = self.state.delivery(&reference).cloned() else {
                    return;
                };
                let Some(k) = self
                    .state
                    .clients()
                    .get(d.client as usize)
                    .and_then(|c| c.id.as_str().strip_prefix("c-"))
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    return;
                };
                if self.accept(Command::ReverseDelivery {
                    reference,
                    reason: universe::note("correction"),
                }) {
                    self.deliver(k, d.provider, d.from, d.until, true);
                }
            }
            Intent::End { client } => {
                let Some(k) = self.pick(client, |_, _, c| c.open_care().is_some()) else {
                    return;
                };
                if let Some(provider) = self
                    .client_state(k)
                    .and_then(|c| c.open_care())
                    .map(|c| c.provider)
                {
                    self.accept(Command::EndCare {
                        client: universe::client(k),
                        provider,
                        on: clock,
                        reason: EndReason::Ended,
                    });
                }
            }
            Intent::Withdraw {
                client,
                pick,
                reason,
            } => {
                let live = |c: &ClientState| -> Vec<pvb_core::IndicationId> {
                    c.indications
                        .iter()
                        .filter(|i| i.withdrawn.is_none() && i.from <= clock)
                        .map(|i| i.id.clone())
                        .collect()
                };
                let Some(k) = self.pick(client, |_, _, c| !live(c).is_empty()) else {
                    return;
                };
                let ids = self.client_state(k).map(live).unwrap_or_default();
                if let Some(id) = ids.get(usize::from(pick) % ids.len().max(1)) {
                    let reason = [
                        WithdrawalReason::Reassessed,
                        WithdrawalReason::Negative,
                        WithdrawalReason::Moved,
                    ][usize::from(reason) % 3];
                    self.accept(Command::WithdrawIndication {
                        client: universe::client(k),
                        indication: id.clone(),
                        on: clock,
                        reason,
                    });
                }
            }
            Intent::Die { client } => {
                let Some(k) = self.pick(client, |_, _, c| {
                    c.indications.iter().any(|i| i.withdrawn.is_none())
                }) else {
                    return;
                };
                let ids: Vec<_> = self
                    .client_state(k)
                    .map(|c| {
                        c.indications
                            .iter()
                            .filter(|i| i.withdrawn.is_none() && i.from <= clock)
                            .map(|i| i.id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if ids.is_empty() {
                    return;
                }
                for id in ids {
                    self.accept(Command::WithdrawIndication {
                        client: universe::client(k),
                        indication: id,
                        on: clock,
                        reason: WithdrawalReason::Deceased,
                    });
                }
                self.dead[k] = true;
            }
            Intent::WithdrawChoice { client, pick } => {
                let Some(k) = self.pick(client, |_, _, c| c.choices.iter().any(|x| x.listed))
                else {
                    return;
                };
                let listed: Vec<ProviderId> = self
                    .client_state(k)
                    .map(|c| {
                        c.choices
                            .iter()
                            .filter(|x| x.listed)
                            .map(|x| x.provider)
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(provider) = listed.get(usize::from(pick) % listed.len().max(1)) {
                    self.accept(Command::WithdrawChoice {
                        client: universe::client(k),
                        provider: *provider,
                        on: clock,
                        reason: universe::note("no longer wanted"),
                    });
                }
            }
            Intent::Transfer { kind, a, b, amount } => self.transfer(kind, a, b, amount),
            Intent::Budget { region, units } => self.budget(region, units),
            Intent::Tariff { year, combo, cents } => {
                self.accept(Command::SetTariff {
                    year: 2026 + i32::from(year % 2),
                    profile: universe::profile(usize::from(combo) / 2),
                    form: universe::form(usize::from(combo)),
                    day_tariff: Money::from_cents(i64::from(cents)),
                });
            }
            Intent::Contract {
                provider,
                year,
                places,
                bp,
            } => {
                let p = usize::from(provider);
                self.accept(Command::ContractProvider {
                    provider: universe::provider(p),
                    region: universe::provider_region(p),
                    year: 2026 + i32::from(year % 2),
                    places: u32::from(places),
                    tariff_bp: u32::from(bp),
                });
            }
            Intent::NearMiss { kind, client, pick } => self.near(kind, client, pick),
        }
    }

    fn deliver(&mut self, k: usize, provider: ProviderId, from: Date, until: Date, declare: bool) {
        let amount = self
            .client_state(k)
            .and_then(|c| {
                c.care
                    .iter()
                    .rev()
                    .find(|care| care.provider == provider && care.covers(from, until))
            })
            .and_then(|care| {
                self.state
                    .day_tariff(provider, from.year(), care.profile, care.form)
            })
            .and_then(|tariff| tariff.checked_mul((until - from).whole_days()));
        let reference = self.fresh_ref();
        self.accept(Command::DeliverCare {
            client: universe::client(k),
            provider,
            from,
            until,
            reference,
            amount: if declare { amount } else { None },
        });
    }

    /// A delivered reference (reversed or not), chosen by `pick`.
    fn delivered(&self, pick: u8, reversed: bool) -> Option<DeclarationRef> {
        let refs: Vec<DeclarationRef> = (1..=self.refs)
            .map(universe::reference)
            .filter(|r| {
                self.state
                    .delivery(r)
                    .is_some_and(|d| d.reversed == reversed)
            })
            .collect();
        refs.get(usize::from(pick) % refs.len().max(1)).cloned()
    }

    /// The first day of a care interval of the client that is not paid and has a valid
    /// indication, before the clock's limit.
    fn first_payable(&self, c: &ClientState) -> Option<Date> {
        for care in &c.care {
            let end = care.until.unwrap_or(Date::MAX).min(last_day());
            let mut day = care.from;
            while day < end {
                if c.first_paid_day(day, universe::plus(day, 1)).is_none()
                    && c.indications.iter().any(|i| i.valid_on(day))
                {
                    return Some(day);
                }
                day = universe::plus(day, 1);
            }
        }
        None
    }

    /// The next payable period of a client, in arrears (before the clock): the first day of a
    /// care interval that is not paid and has a valid indication, up to `length` days, within
    /// one year.
    fn next_delivery(&self, c: &ClientState, length: i64) -> Option<(ProviderId, Date, Date)> {
        let payable = |day: Date| {
            c.first_paid_day(day, universe::plus(day, 1)).is_none()
                && c.indications.iter().any(|i| i.valid_on(day))
        };
        for care in &c.care {
            let end = care.until.unwrap_or(Date::MAX).min(self.clock);
            let mut day = care.from;
            while day < end && !payable(day) {
                day = universe::plus(day, 1);
            }
            if day >= end {
                continue;
            }
            let from = day;
            let limit = end
                .min(universe::plus(from, length.max(1)))
                .min(january_first(from.year() + 1));
            while day < limit && payable(day) {
                day = universe::plus(day, 1);
            }
            return Some((care.provider, from, day));
        }
        None
    }

    fn transfer(&mut self, kind: u8, a: u8, b: u8, amount: u32) {
        let year = self.clock.year();
        let region = universe::region(usize::from(a));
        let (from, to, reason) = match kind % 3 {
            0 => (
                Account::pool(region),
                Account::provider(universe::provider(usize::from(b)), region),
                TransferReason::ProductionAgreement,
            ),
            1 => (
                Account::pool(region),
                Account::pool(universe::region(usize::from(a) + 1)),
                TransferReason::Reallocation,
            ),
            _ => {
                let provider = universe::provider(usize::from(b));
                (
                    Account::provider(provider, region),
                    Account::pool(region),
                    TransferReason::Reallocation,
                )
            }
        };
        // A provider gives back only what no reservation needs (under the person-following
        // policy the reserved money must stay to be released).
        let available = match from {
            Account::Provider { provider, region } => self
                .state
                .balance(from, year)
                .cents()
                .saturating_sub(self.state.reserved(provider, region, year).cents()),
            Account::Pool { .. } => self.state.balance(from, year).cents(),
        };
        let amount = i64::from(amount).min(available);
        if amount <= 0 {
            return;
        }
        self.accept(Command::TransferBudget {
            from,
            to,
            year,
            amount: Money::from_cents(amount),
            reason,
            on: Some(self.clock),
        });
    }

    /// Sets a missing budget for the clock's year; from July 2026 on, prepares 2027
    /// (contracts and tariffs as in 2026) and sets the region's 2027 budget.
    fn budget(&mut self, region: u8, units: u8) {
        let r = universe::region(usize::from(region));
        let amount = Money::from_cents(i64::from(units) * 10_000_000);
        let year = self.clock.year();
        if !self.state.has_budget(r, year) {
            self.accept(Command::SetRegionBudget {
                region: r,
                year,
                amount,
            });
            return;
        }
        if year != 2026 || self.clock < universe::day(181) || self.state.has_budget(r, 2027) {
            return;
        }
        for p in 0..PROVIDERS.len() {
            let provider = universe::provider(p);
            if let (Some(now), None) = (
                self.state.contract(provider, 2026),
                self.state.contract(provider, 2027),
            ) {
                self.accept(Command::ContractProvider {
                    provider,
                    region: now.region,
                    year: 2027,
                    places: now.places,
                    tariff_bp: now.tariff_bp,
                });
            }
        }
        for combo in 0..4 {
            let (profile, form) = (universe::profile(combo / 2), universe::form(combo));
            if let (Some(now), None) = (
                self.state.max_tariff(2026, profile, form),
                self.state.max_tariff(2027, profile, form),
            ) {
                self.accept(Command::SetTariff {
                    year: 2027,
                    profile,
                    form,
                    day_tariff: Money::from_cents(now.cents() / 100 * 102),
                });
            }
        }
        self.accept(Command::SetRegionBudget {
            region: r,
            year: 2027,
            amount,
        });
    }

    /// Near misses: commands the rules refuse, kept so that a broken rule shows. When the
    /// drawn kind has no occasion, the next kind that has one is taken.
    fn near(&mut self, kind: u8, client: u8, pick: u8) {
        let before = self.commands.len();
        for k in 0..6 {
            self.near_kind(kind.wrapping_add(k) % 6, client, pick);
            if self.commands.len() > before {
                return;
            }
        }
    }

    fn near_kind(&mut self, kind: u8, client: u8, pick: u8) {
        let clock = self.clock;
        match kind {
            // The office sends a paid period again under a new reference (AlreadyPaid).
            0 => {
                let Some(reference) = self.delivered(pick, false) else {
                    return;
                };
                let Some(d) = self.state.delivery(&reference).cloned() else {
                    return;
                };
                let Some(who) = self
                    .state
                    .clients()
                    .get(d.client as usize)
                    .map(|c| c.id.clone())
                else {
                    return;
                };
                let fresh = self.fresh_ref();
                self.near_miss(Command::DeliverCare {
                    client: who,
                    provider: d.provider,
                    from: d.from,
                    until: d.until,
                    reference: fresh,
                    amount: None,
                });
            }
            // Days with an indication but outside the care interval (OutsideCareInterval).
            1 => {
                let Some(k) = self.pick(client, |d, _, c| d.outside_care(c, pick).is_some()) else {
                    return;
                };
                let Some((provider, from, until)) = self
                    .client_state(k)
                    .and_then(|c| self.outside_care(c, pick))
                else {
                    return;
                };
                let fresh = self.fresh_ref();
                self.near_miss(Command::DeliverCare {
                    client: universe::client(k),
                    provider,
                    from,
                    until,
                    reference: fresh,
                    amount: None,
                });
            }
            // Days in care that no indication covers (OutsideIndication).
            2 => {
                let Some(k) = self.pick(client, |d, _, c| d.outside_indication(c).is_some()) else {
                    return;
                };
                let Some((provider, from, until)) = self
                    .client_state(k)
                    .and_then(|c| self.outside_indication(c))
                else {
                    return;
                };
                let fresh = self.fresh_ref();
                self.near_miss(Command::DeliverCare {
                    client: universe::client(k),
                    provider,
                    from,
                    until,
                    reference: fresh,
                    amount: None,
                });
            }
            // A start at a full provider that would otherwise be accepted (ProviderFull).
            3 => {
                let mut candidates = Vec::new();
                for k in 0..CLIENTS {
                    if self.dead[k] {
                        continue;
                    }
                    let Some(c) = self.client_state(k) else {
                        continue;
                    };
                    if c.open_care().is_some() {
                        continue;
                    }
                    for choice in c.choices.iter().filter(|x| x.listed && x.on <= clock) {
                        if let Some(start) = self.full_start(k, choice.provider) {
                            candidates.push(start);
                        }
                    }
                }
                if let Some(start) = candidates.get(usize::from(pick) % candidates.len().max(1)) {
                    self.near_miss(start.clone());
                }
            }
            // A new period under a reference used before (DuplicateReference).
            4 => {
                let Some(k) = self.pick(client, |d, _, c| d.next_delivery(c, 1).is_some()) else {
                    return;
                };
                let Some(reference) = self
                    .delivered(pick, false)
                    .or_else(|| self.delivered(pick, true))
                else {
                    return;
                };
                if let Some((provider, from, until)) =
                    self.client_state(k).and_then(|c| self.next_delivery(c, 5))
                {
                    self.near_miss(Command::DeliverCare {
                        client: universe::client(k),
                        provider,
                        from,
                        until,
                        reference,
                        amount: None,
                    });
                }
            }
            // A second reversal (AlreadyReversed).
            _ => {
                if let Some(reference) = self.delivered(pick, true) {
                    self.near_miss(Command::ReverseDelivery {
                        reference,
                        reason: universe::note("sent twice"),
                    });
                }
            }
        }
    }

    /// A start of client `k` at `provider` that the rules refuse only because the provider is
    /// full: with one place more it would be accepted.
    fn full_start(&self, k: usize, provider: ProviderId) -> Option<Command> {
        let year = self.clock.year();
        let contract = self.state.contract(provider, year)?;
        if self.state.in_care(provider) < contract.places {
            return None;
        }
        let start = Command::StartCare {
            client: universe::client(k),
            provider,
            on: self.clock,
        };
        let mut roomier = self.state.clone();
        roomier.apply(&Event::ProviderContracted(ProviderContracted {
            provider,
            region: contract.region,
            year,
            places: contract.places.saturating_add(1),
            tariff_bp: contract.tariff_bp,
        }));
        decide(&roomier, &start, self.policy)
            .is_ok()
            .then_some(start)
    }

    /// Up to 10 days before the clock with a valid indication, not paid, outside every care
    /// interval of the client at a provider it was in care at.
    fn outside_care(&self, c: &ClientState, pick: u8) -> Option<(ProviderId, Date, Date)> {
        let care = c.care.get(usize::from(pick) % c.care.len().max(1))?;
        let provider = care.provider;
        let good = |day: Date| {
            c.indications.iter().any(|i| i.valid_on(day))
                && c.first_paid_day(day, universe::plus(day, 1)).is_none()
                && !c
                    .care
                    .iter()
                    .any(|x| x.provider == provider && x.covers(day, universe::plus(day, 1)))
                && self.state.contract(provider, day.year()).is_some()
        };
        // After the interval ended, else before it started.
        let candidates = [care.until, Some(universe::plus(care.from, -10))];
        for start in candidates.into_iter().flatten() {
            let mut day = start;
            let end = universe::plus(start, 10).min(self.clock);
            while day < end && !good(day) {
                day = universe::plus(day, 1);
            }
            if day >= end {
                continue;
            }
            let from = day;
            let limit = end.min(january_first(from.year() + 1));
            while day < limit && good(day) {
                day = universe::plus(day, 1);
            }
            return Some((provider, from, day));
        }
        None
    }

    /// Days before the clock inside a care interval, not paid, that no indication covers.
    fn outside_indication(&self, c: &ClientState) -> Option<(ProviderId, Date, Date)> {
        let good = |day: Date| {
            !c.indications.iter().any(|i| i.valid_on(day))
                && c.first_paid_day(day, universe::plus(day, 1)).is_none()
        };
        for care in &c.care {
            let end = care.until.unwrap_or(Date::MAX).min(self.clock);
            let mut day = care.from;
            while day < end && !good(day) {
                day = universe::plus(day, 1);
            }
            if day >= end {
                continue;
            }
            let from = day;
            let limit = end
                .min(universe::plus(from, 10))
                .min(january_first(from.year() + 1));
            while day < limit && good(day) {
                day = universe::plus(day, 1);
            }
            return Some((care.provider, from, day));
        }
        None
    }
}

/// How many of `commands` the rules accept under `policy` (for tests of the generator).
pub fn accepted_share(commands: &[Command], policy: Policy) -> (usize, usize) {
    let run = crate::replay::run_history_with(commands, policy, decide);
    (run.accepted(), commands.len())
}
