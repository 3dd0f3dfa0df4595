//! Properties over random valid histories: every projection equals the naive recomputation of
//! `model.rs` for random as-of dates and known-at positions; replay is deterministic, also
//! through a snapshot taken halfway.
//!
//! Histories are made by driving `pvb_core::decide` with random commands whose ids, dates and
//! periods are picked against the current state, so most are accepted; only accepted events
//! enter the log. In "monotone" histories the dates of choices, starts, ends and withdrawals
//! never go back, which the waited client-days check needs; in the others dates jump around,
//! and budgets for 2027 are set while clients are in care (carried-over reservations dated
//! 1 January 2027 in the middle of the log).

use proptest::prelude::*;
use pvb_core::{
    next_january_first, Account, Command, DeliveryForm, EndReason, Event, Policy, Position,
    TransferReason, Urgency, WithdrawalReason,
};
use pvb_projection::{Filter, Projections};
use time::{Date, Duration};

use crate::common::*;
use crate::model;

const CLIENTS: u8 = 6;
const PROVIDERS: u32 = 4;
const REGIONS: [u16; 2] = [5501, 5502];
const PROFILES: [(&str, i64); 2] = [("5VV", 23_000), ("4VV", 16_500)];
const FORMS: [DeliveryForm; 2] = [DeliveryForm::Verblijf, DeliveryForm::Vpt];

#[derive(Clone, Debug)]
enum Op {
    Grant {
        client: u8,
        profile: u8,
        region: u8,
        day: u16,
        until: Option<u16>,
    },
    Choose {
        client: u8,
        provider: u8,
        form: u8,
        day: u16,
        urgency: u8,
    },
    Start {
        client: u8,
        pick: u8,
        day: u16,
    },
    Deliver {
        client: u8,
        gap: u8,
        len: u8,
    },
    Reverse {
        pick: u16,
    },
    WithdrawChoice {
        client: u8,
        pick: u8,
        day: u16,
    },
    EndCare {
        client: u8,
        day: u16,
        transfer: bool,
    },
    WithdrawIndication {
        client: u8,
        pick: u8,
        day: u16,
        reason: u8,
    },
    Transfer {
        kind: u8,
        provider: u8,
        region: u8,
        amount: u32,
        day: u16,
    },
    Budget2027 {
        region: u8,
    },
}

impl Op {
    /// The raw day of the op, if it has one.
    fn day(&self) -> Option<u16> {
        match *self {
            Op::Grant { day, .. }
            | Op::Choose { day, .. }
            | Op::Start { day, .. }
            | Op::WithdrawChoice { day, .. }
            | Op::EndCare { day, .. }
            | Op::WithdrawIndication { day, .. }
            | Op::Transfer { day, .. } => Some(day),
            Op::Deliver { .. } | Op::Reverse { .. } | Op::Budget2027 { .. } => None,
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        2 => (c.clone(), 0..2u8, 0..2u8, any::<u16>(), proptest::option::weighted(0.2, any::<u16>()))
            .prop_map(|(client, profile, region, day, until)| Op::Grant { client, profile, region, day, until }),
        4 => (c.clone(), 0..PROVIDERS as u8, 0..2u8, any::<u16>(), 0..4u8)
            .prop_map(|(client, provider, form, day, urgency)| Op::Choose { client, provider, form, day, urgency }),
        6 => (c.clone(), any::<u8>(), any::<u16>())
            .prop_map(|(client, pick, day)| Op::Start { client, pick, day }),
        8 => (c.clone(), any::<u8>(), any::<u8>())
            .prop_map(|(client, gap, len)| Op::Deliver { client, gap, len }),
        1 => any::<u16>().prop_map(|pick| Op::Reverse { pick }),
        1 => (c.clone(), any::<u8>(), any::<u16>())
            .prop_map(|(client, pick, day)| Op::WithdrawChoice { client, pick, day }),
        1 => (c.clone(), any::<u16>(), any::<bool>())
            .prop_map(|(client, day, transfer)| Op::EndCare { client, day, transfer }),
        1 => (c, any::<u8>(), any::<u16>(), 0..4u8)
            .prop_map(|(client, pick, day, reason)| Op::WithdrawIndication { client, pick, day, reason }),
        1 => (0..4u8, 0..PROVIDERS as u8, 0..2u8, 1..2_000_000u32, any::<u16>())
            .prop_map(|(kind, provider, region, amount, day)| Op::Transfer { kind, provider, region, amount, day }),
        1 => (0..2u8).prop_map(|region| Op::Budget2027 { region }),
    ]
}

#[derive(Clone, Debug)]
struct History {
    policy: Policy,
    monotone: bool,
    places: Vec<u32>,
    ops: Vec<Op>,
}

fn history() -> impl Strategy<Value = History> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(1..5u32, PROVIDERS as usize),
        proptest::collection::vec(op(), 1..120),
    )
        .prop_map(|(fixed, monotone, places, ops)| History {
            policy: if fixed {
                Policy::FixedAgreements
            } else {
                Policy::PersonFollowing
            },
            monotone,
            places,
            ops,
        })
}

fn provider_code(index: u32) -> u32 {
    10_000_000 + index % PROVIDERS
}

fn client_name(index: u8) -> String {
    format!("c-{}", index % CLIENTS)
}

struct Builder {
    ledger: Ledger,
    monotone: bool,
    clock: Date,
    references: Vec<String>,
}

impl Builder {
    /// The date of an op: in monotone histories never before the last one.
    fn date(&mut self, day: u16) -> Date {
        if self.monotone {
            self.clock += Duration::days(i64::from(day % 4));
            self.clock
        } else {
            crate::common::day(u32::from(day % 420))
        }
    }

    fn run(&mut self, op: &Op) {
        let command = match self.command(op) {
            Some(command) => command,
            None => return,
        };
        let accepted = self.ledger.submit(&command).is_ok();
        if let (true, Command::DeliverCare { reference, .. }) = (accepted, &command) {
            self.references.push(reference.to_string());
        }
    }

    fn command(&mut self, op: &Op) -> Option<Command> {
        // In monotone histories every dated op moves the clock, accepted or not.
        let date = self.date(op.day().unwrap_or(0));
        let state = &self.ledger.state;
        Some(match *op {
            Op::Grant {
                client: c,
                profile: p,
                region: r,
                until,
                ..
            } => {
                let from = date;
                let name = client_name(c);
                let count = state
                    .client(&client(&name))
                    .map_or(0, |s| s.indications.len());
                Command::GrantIndication {
                    client: client(&name),
                    indication: indication(&format!("I-{name}-{count}")),
                    profile: profile(PROFILES[usize::from(p % 2)].0),
                    region: region(REGIONS[usize::from(r % 2)]),
                    from,
                    until: until.map(|u| from + Duration::days(1 + i64::from(u % 200))),
                }
            }
            Op::Choose {
                client: c,
                provider: p,
                form,
                day,
                urgency,
            } => {
                let name = client_name(c);
                // Mostly within the client's latest indication.
                let granted = state
                    .client(&client(&name))
                    .and_then(|s| s.indications.last())
                    .map(|i| i.from);
                let on = match granted {
                    Some(from) if !self.monotone => from + Duration::days(i64::from(day % 90)),
                    _ => date,
                };
                Command::ChooseProvider {
                    client: client(&name),
                    provider: provider(provider_code(u32::from(p))),
                    form: FORMS[usize::from(form % 2)],
                    on,
                    urgency: Urgency::ALL[usize::from(urgency % 4)],
                }
            }
            Op::Start {
                client: c,
                pick,
                day,
            } => {
                let name = client_name(c);
                let choices = state.client(&client(&name)).map(|s| s.choices.clone())?;
                let choice = choices.get(usize::from(pick) % choices.len().max(1))?;
                let on = if self.monotone {
                    date
                } else {
                    choice.on + Duration::days(i64::from(day % 30))
                };
                Command::StartCare {
                    client: client(&name),
                    provider: choice.provider,
                    on,
                }
            }
            Op::Deliver {
                client: c,
                gap,
                len,
            } => {
                let name = client_name(c);
                let s = state.client(&client(&name))?;
                let care = s.care.get(usize::from(gap) % s.care.len().max(1))?;
                // The first unpaid day of the interval, then a small gap.
                let mut from = care.from;
                for (start, end) in &s.paid {
                    if *start <= from && from < *end {
                        from = *end;
                    }
                }
                from += Duration::days(i64::from(gap % 3));
                let mut until = from + Duration::days(1 + i64::from(len % 40));
                // Up to the next paid day, if any.
                for (start, _) in &s.paid {
                    if *start >= from {
                        until = until.min(*start);
                    }
                }
                until = until.min(next_january_first(from));
                if let Some(end) = care.until {
                    until = until.min(end);
                }
                if until <= from {
                    return None;
                }
                let reference = format!("D-{}", self.ledger.log.len());
                Command::DeliverCare {
                    client: client(&name),
                    provider: care.provider,
                    from,
                    until,
                    reference: crate::common::reference(&reference),
                    amount: None,
                }
            }
            Op::Reverse { pick } => {
                let r = self
                    .references
                    .get(usize::from(pick) % self.references.len().max(1))?;
                Command::ReverseDelivery {
                    reference: reference(r),
                    reason: note("correction"),
                }
            }
            Op::WithdrawChoice {
                client: c, pick, ..
            } => {
                let name = client_name(c);
                let s = state.client(&client(&name))?;
                let choice = s.choices.get(usize::from(pick) % s.choices.len().max(1))?;
                let provider = choice.provider;
                Command::WithdrawChoice {
                    client: client(&name),
                    provider,
                    on: date,
                    reason: note("changed mind"),
                }
            }
            Op::EndCare {
                client: c,
                day,
                transfer,
            } => {
                let name = client_name(c);
                let care = state.client(&client(&name))?.open_care()?.clone();
                let on = if self.monotone {
                    date
                } else {
                    care.from + Duration::days(i64::from(day % 120))
                };
                Command::EndCare {
                    client: client(&name),
                    provider: care.provider,
                    on,
                    reason: if transfer {
                        EndReason::Transfer
                    } else {
                        EndReason::Ended
                    },
                }
            }
            Op::WithdrawIndication {
                client: c,
                pick,
                day,
                reason,
            } => {
                let name = client_name(c);
                let s = state.client(&client(&name))?;
                let ind = s
                    .indications
                    .get(usize::from(pick) % s.indications.len().max(1))?
                    .clone();
                let on = if self.monotone {
                    date
                } else {
                    ind.from + Duration::days(i64::from(day % 200))
                };
                let reasons = [
                    WithdrawalReason::Deceased,
                    WithdrawalReason::Reassessed,
                    WithdrawalReason::Negative,
                    WithdrawalReason::Moved,
                ];
                Command::WithdrawIndication {
                    client: client(&name),
                    indication: ind.id,
                    on,
                    reason: reasons[usize::from(reason % 4)],
                }
            }
            Op::Transfer {
                kind,
                provider: p,
                region: r,
                amount,
                day,
            } => {
                let code = provider_code(u32::from(p));
                let pool = Account::pool(region(REGIONS[usize::from(r % 2)]));
                let other = Account::pool(region(REGIONS[usize::from((r + 1) % 2)]));
                let account =
                    Account::provider(provider(code), region(REGIONS[usize::from(r % 2)]));
                let (from, to, reason) = match kind % 4 {
                    0 => (pool, account, TransferReason::ProductionAgreement),
                    1 => (account, pool, TransferReason::Reallocation),
                    2 => (pool, other, TransferReason::Reallocation),
                    _ => (
                        account,
                        Account::provider(
                            provider(provider_code(u32::from(p) + 1)),
                            region(REGIONS[usize::from(r % 2)]),
                        ),
                        TransferReason::Reallocation,
                    ),
                };
                let on = if self.monotone {
                    date
                } else {
                    crate::common::day(u32::from(day % 365))
                };
                if on.year() != 2026 {
                    return None;
                }
                Command::TransferBudget {
                    from,
                    to,
                    year: 2026,
                    amount: cents(i64::from(amount)),
                    reason,
                    on: Some(on),
                }
            }
            Op::Budget2027 { region: r } => {
                if self.monotone {
                    return None;
                }
                Command::SetRegionBudget {
                    region: region(REGIONS[usize::from(r % 2)]),
                    year: 2027,
                    amount: cents(2_000_000_000),
                }
            }
        })
    }
}

/// Builds the accepted log of a history.
fn build(history: &History) -> Vec<(Position, Event)> {
    let mut builder = Builder {
        ledger: Ledger::new(history.policy),
        monotone: history.monotone,
        clock: day(0),
        references: Vec::new(),
    };
    for year in [2026, 2027] {
        for (name, tariff) in PROFILES {
            for (i, form) in FORMS.into_iter().enumerate() {
                builder.ledger.accept(Command::SetTariff {
                    year,
                    profile: profile(name),
                    form,
                    day_tariff: cents(tariff - 500 * i as i64),
                });
            }
        }
        for (i, places) in history.places.iter().enumerate() {
            builder.ledger.accept(Command::ContractProvider {
                provider: provider(provider_code(i as u32)),
                region: region(REGIONS[i % 2]),
                year,
                places: *places,
                tariff_bp: 9_500 + 100 * i as u32,
            });
        }
    }
    for code in REGIONS {
        builder.ledger.accept(Command::SetRegionBudget {
            region: region(code),
            year: 2026,
            amount: cents(2_000_000_000),
        });
    }
    if history.policy == Policy::FixedAgreements {
        for (i, code) in (0..PROVIDERS).flat_map(|i| REGIONS.map(|r| (i, r))) {
            let funding = region(code);
            builder.ledger.accept(Command::TransferBudget {
                from: Account::pool(funding),
                to: Account::provider(provider(provider_code(i)), funding),
                year: 2026,
                amount: cents(60_000_000),
                reason: TransferReason::ProductionAgreement,
                on: None,
            });
        }
    }
    // Every client starts with one indication, so that most choices are of a known client.
    for c in 0..CLIENTS {
        let from = if history.monotone {
            day(0)
        } else {
            day(u32::from(c) * 20)
        };
        let name = client_name(c);
        builder.ledger.accept(Command::GrantIndication {
            client: client(&name),
            indication: indication(&format!("I-{name}")),
            profile: profile(PROFILES[usize::from(c % 2)].0),
            region: region(REGIONS[usize::from(c / 3 % 2)]),
            from,
            until: None,
        });
    }
    for op in &history.ops {
        builder.run(op);
    }
    builder.ledger.log
}

fn filter_of(log: &[(Position, Event)], pick: (Option<u16>, Option<u16>)) -> Filter {
    Filter {
        as_of: pick.0.map(|d| day(u32::from(d % 430))),
        known_at: pick
            .1
            .map(|p| Position(u64::from(p) % (log.len() as u64 + 2))),
    }
}

fn events(log: &[(Position, Event)]) -> impl Iterator<Item = (Position, &Event)> + Clone {
    log.iter().map(|(p, e)| (*p, e))
}

fn json(projections: &Projections) -> String {
    serde_json::to_string(projections).expect("projections serialize")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every projection equals the naive recomputation, for random views.
    #[test]
    fn projections_match_the_naive_model(
        history in history(),
        picks in proptest::collection::vec((proptest::option::of(any::<u16>()), proptest::option::of(any::<u16>())), 1..4),
    ) {
        let log = build(&history);
        let mut filters: Vec<Filter> = picks.into_iter().map(|p| filter_of(&log, p)).collect();
        filters.push(Filter::ALL);
        for filter in filters {
            let folded = Projections::fold(filter, events(&log));
            prop_assert_eq!(folded.reference_date(), model::reference_date(&log, filter), "{:?}", filter);
            prop_assert_eq!(folded.budget_rows(), model::budget_rows(&log, filter), "{:?}", filter);
            prop_assert_eq!(folded.pool_rows(), model::pool_rows(&log, filter), "{:?}", filter);
            prop_assert_eq!(folded.waiting_rows(), model::waiting_rows(&log, filter), "{:?}", filter);
            prop_assert_eq!(folded.region_waiting(), model::region_waiting(&log, filter), "{:?}", filter);
            prop_assert_eq!(folded.register().entries(), model::register(&log, filter), "{:?}", filter);
            if history.monotone {
                for status in Urgency::ALL {
                    prop_assert_eq!(
                        folded.waited_client_days(status),
                        model::waited_client_days(&log, filter, status),
                        "{:?} {:?}", filter, status
                    );
                }
            }
        }
    }

    /// Without as-of, a view is the view as of its reference date (the latest day in it).
    #[test]
    fn no_as_of_is_as_of_the_latest_day(history in history(), known in proptest::option::of(any::<u16>())) {
        let log = build(&history);
        let filter = filter_of(&log, (None, known));
        let all = Projections::fold(filter, events(&log));
        if let Some(day) = all.reference_date() {
            let dated = Projections::fold(Filter { as_of: Some(day), ..filter }, events(&log));
            prop_assert_eq!(all.budget_rows(), dated.budget_rows());
            prop_assert_eq!(all.waiting_rows(), dated.waiting_rows());
            prop_assert_eq!(all.register().entries(), dated.register().entries());
        }
    }

    /// The same log folded twice gives the same bytes; so does a snapshot loaded back, and a
    /// fold that stops halfway, is saved, loaded and continued.
    #[test]
    fn replay_is_deterministic(history in history(), pick in (proptest::option::of(any::<u16>()), proptest::option::of(any::<u16>())), split in any::<u16>()) {
        let log = build(&history);
        let filter = filter_of(&log, pick);
        let first = json(&Projections::fold(filter, events(&log)));
        let second = json(&Projections::fold(filter, events(&log)));
        prop_assert_eq!(&first, &second);

        let loaded: Projections = serde_json::from_str(&first).expect("a snapshot loads");
        prop_assert_eq!(&json(&loaded), &first);

        let half = usize::from(split) % (log.len() + 1);
        let prefix = Projections::fold(filter, events(&log[..half]));
        let mut resumed: Projections = serde_json::from_str(&json(&prefix)).expect("a snapshot loads");
        for (position, event) in events(&log[half..]) {
            resumed.apply(position, event);
        }
        prop_assert_eq!(&json(&resumed), &first);
    }
}

/// The generator is worth its salt: over 200 histories every kind of event occurs, deliveries
/// and starts often, and some deliveries run longer than a day (so as-of dates cut them).
#[test]
fn generated_histories_hold_every_kind_of_event() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    let mut long_deliveries = 0;
    for _ in 0..200 {
        let history = history()
            .new_tree(&mut runner)
            .expect("a history")
            .current();
        for (_, event) in build(&history) {
            *counts.entry(event.name()).or_insert(0u32) += 1;
            if matches!(&event, Event::CareDelivered(e) if e.days > 1) {
                long_deliveries += 1;
            }
        }
    }
    assert_eq!(counts.len(), 14, "{counts:?}");
    assert!(counts["CareDelivered"] >= 400, "{counts:?}");
    assert!(counts["CareStarted"] >= 300, "{counts:?}");
    assert!(counts["DeliveryReversed"] >= 50, "{counts:?}");
    assert!(long_deliveries >= 300, "{long_deliveries}");
}
