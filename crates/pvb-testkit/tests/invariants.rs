//! Every invariant function finds a violation planted by hand, with the position of the event
//! that shows it, and finds none in valid histories.
//!
//! A planted case starts from a short valid history (run through the real rules), then
//! appends events written by hand that the rules would never write.

use proptest::prelude::*;
use pvb_core::*;
use pvb_testkit::invariants::{self, Auditor, Violation};
use pvb_testkit::replay::run_history;
use pvb_testkit::strategies::{valid_history, valid_history_for};
use pvb_testkit::universe::{self, day};

type Events = Vec<(Position, Event)>;
type Check = fn(&[(Position, Event)]) -> Vec<Violation>;

const FUNCTIONS: &[(&str, Check)] = &[
    ("INV-01", invariants::inv01_paid_within_indication),
    ("INV-02", invariants::inv02_paid_within_care),
    ("INV-04", invariants::inv04_no_double_payment),
    ("INV-05", invariants::inv05_declaration_references),
    ("INV-06", invariants::inv06_tariffs),
    ("INV-07", invariants::inv07_one_year_per_delivery),
    ("INV-09", invariants::inv09_budget_conservation),
    ("INV-11", invariants::inv11_no_care_after_death),
    ("INV-14", invariants::inv14_waiting_list_consistency),
    ("INV-15", invariants::inv15_capacity_not_budget),
    ("INV-17", invariants::inv17_temporal_sanity),
    ("INV-19", invariants::inv19_replay_integrity),
];

// ----- a small valid world: client c-0 at provider P from d0, tariff 200.00, contract 100% ----

const TARIFF: i64 = 20_000;

fn region() -> RegionId {
    universe::region(0)
}
fn provider() -> ProviderId {
    universe::provider(0)
}
fn other() -> ProviderId {
    universe::provider(2)
}
fn client() -> ClientId {
    universe::client(0)
}
fn d0() -> Date {
    day(40) // 2026-02-10
}
fn at(days: i64) -> Date {
    universe::plus(d0(), days)
}
fn reference(n: usize) -> DeclarationRef {
    universe::reference(n)
}

fn setup(places: u32, until: Option<Date>) -> Vec<Command> {
    vec![
        Command::SetRegionBudget {
            region: region(),
            year: 2026,
            amount: Money::from_cents(1_000_000_000),
        },
        Command::ContractProvider {
            provider: provider(),
            region: region(),
            year: 2026,
            places,
            tariff_bp: 10_000,
        },
        Command::ContractProvider {
            provider: other(),
            region: region(),
            year: 2026,
            places: 5,
            tariff_bp: 10_000,
        },
        Command::SetTariff {
            year: 2026,
            profile: universe::profile(0),
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(TARIFF),
        },
        Command::GrantIndication {
            client: client(),
            indication: universe::indication(0, 0),
            profile: universe::profile(0),
            region: region(),
            from: day(0),
            until,
        },
    ]
}

fn choose(who: ClientId, provider: ProviderId, on: Date) -> Command {
    Command::ChooseProvider {
        client: who,
        provider,
        form: DeliveryForm::Verblijf,
        on,
        urgency: Urgency::Active,
    }
}

fn start(who: ClientId, provider: ProviderId, on: Date) -> Command {
    Command::StartCare {
        client: who,
        provider,
        on,
    }
}

fn deliver(from: Date, until: Date, n: usize) -> Command {
    Command::DeliverCare {
        client: client(),
        provider: provider(),
        from,
        until,
        reference: reference(n),
        amount: None,
    }
}

/// c-0 in care at P from d0, `[d0, d0 + 10)` paid as D-1.
fn in_care_and_paid(until: Option<Date>) -> Vec<Command> {
    let mut commands = setup(2, until);
    commands.push(choose(client(), provider(), d0()));
    commands.push(start(client(), provider(), d0()));
    commands.push(deliver(d0(), at(10), 1));
    commands
}

fn valid(commands: &[Command]) -> Events {
    let (events, rejections) = run_history(commands, Policy::PersonFollowing);
    assert!(
        rejections.is_empty(),
        "the base history is valid: {rejections:?}"
    );
    events
}

/// Appends hand-written events; returns the history and the position of the first.
fn plant(mut events: Events, planted: impl IntoIterator<Item = Event>) -> (Events, Position) {
    let first = Position(events.len() as u64 + 1);
    for event in planted {
        let position = Position(events.len() as u64 + 1);
        events.push((position, event));
    }
    (events, first)
}

fn delivered(from: Date, until: Date, n: usize, amount: i64) -> Event {
    Event::CareDelivered(CareDelivered {
        client: client(),
        provider: provider(),
        region: region(),
        from,
        until,
        days: (until - from).whole_days() as u32,
        amount: Money::from_cents(amount),
        reference: reference(n),
    })
}

fn priced(from: Date, until: Date, n: usize) -> Event {
    delivered(from, until, n, TARIFF * (until - from).whole_days())
}

/// `check` finds a violation of `invariant` at `position`; the whole audit finds only that
/// invariant broken.
#[track_caller]
fn finds(check: Check, invariant: &str, events: &Events, position: Position) {
    let found = check(events);
    assert!(
        found.iter().any(|v| v.invariant == invariant
            && v.position == position
            && !v.explanation.is_empty()),
        "{invariant} not found at {position}: {found:#?}"
    );
    assert!(found.iter().all(|v| v.invariant == invariant));
    let all = invariants::check_all(events);
    assert!(
        all.violations.iter().all(|v| v.invariant == invariant),
        "other invariants fire too:\n{all}"
    );
}

#[test]
fn the_base_histories_are_clean() {
    for (name, check) in FUNCTIONS {
        assert!(check(&valid(&in_care_and_paid(None))).is_empty(), "{name}");
    }
}

#[test]
fn inv01_finds_a_paid_day_without_indication() {
    // The indication ends at d0 + 20; care runs on; days after it are paid.
    let base = valid(&in_care_and_paid(Some(at(20))));
    let (events, at_position) = plant(base, [priced(at(10), at(25), 2)]);
    finds(
        invariants::inv01_paid_within_indication,
        "INV-01",
        &events,
        at_position,
    );
}

#[test]
fn inv01_finds_a_withdrawal_that_uncovers_paid_days() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(
        base,
        [Event::IndicationWithdrawn(IndicationWithdrawn {
            client: client(),
            indication: universe::indication(0, 0),
            on: at(5),
            reason: WithdrawalReason::Reassessed,
        })],
    );
    let found = invariants::inv01_paid_within_indication(&events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].position, at_position);
}

#[test]
fn inv02_finds_a_paid_day_outside_care() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(base, [priced(at(-3), d0(), 2)]);
    finds(
        invariants::inv02_paid_within_care,
        "INV-02",
        &events,
        at_position,
    );
}

#[test]
fn inv02_finds_care_ended_before_paid_days() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(
        base,
        [Event::CareEnded(CareEnded {
            client: client(),
            provider: provider(),
            on: at(4),
            reason: EndReason::Ended,
        })],
    );
    let found = invariants::inv02_paid_within_care(&events);
    assert!(
        found.iter().any(|v| v.position == at_position),
        "{found:#?}"
    );
}

#[test]
fn inv02_finds_care_started_without_a_choice() {
    let base = valid(&setup(2, None));
    let (events, at_position) = plant(
        base,
        [Event::CareStarted(CareStarted {
            client: client(),
            provider: provider(),
            on: d0(),
            region: region(),
            profile: universe::profile(0),
            form: DeliveryForm::Verblijf,
        })],
    );
    finds(
        invariants::inv02_paid_within_care,
        "INV-02",
        &events,
        at_position,
    );
}

#[test]
fn inv04_finds_a_day_paid_twice() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(base, [priced(at(8), at(12), 2)]);
    finds(
        invariants::inv04_no_double_payment,
        "INV-04",
        &events,
        at_position,
    );
}

#[test]
fn inv04_accepts_a_day_paid_again_after_its_reversal() {
    let mut commands = in_care_and_paid(None);
    commands.push(Command::ReverseDelivery {
        reference: reference(1),
        reason: universe::note("wrong period"),
    });
    commands.push(deliver(d0(), at(10), 2));
    assert!(invariants::check_all(&valid(&commands)).is_clean());
}

#[test]
fn inv05_finds_a_reference_used_twice() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(base, [priced(at(10), at(12), 1)]);
    finds(
        invariants::inv05_declaration_references,
        "INV-05",
        &events,
        at_position,
    );
}

#[test]
fn inv05_finds_reversals_of_unknown_and_reversed_references() {
    let mut commands = in_care_and_paid(None);
    commands.push(Command::ReverseDelivery {
        reference: reference(1),
        reason: universe::note("wrong period"),
    });
    let base = valid(&commands);
    let Some((_, Event::DeliveryReversed(reversal))) = base.last().cloned() else {
        panic!("the history ends with the reversal");
    };
    let unknown = DeliveryReversed {
        reference: reference(99),
        ..reversal.clone()
    };
    let (events, at_position) = plant(
        base,
        [
            Event::DeliveryReversed(reversal),
            Event::DeliveryReversed(unknown),
        ],
    );
    let found = invariants::inv05_declaration_references(&events);
    assert_eq!(
        found.iter().map(|v| v.position).collect::<Vec<_>>(),
        vec![at_position, Position(at_position.0 + 1)],
        "{found:#?}"
    );
}

#[test]
fn inv06_finds_a_wrong_amount_and_a_contract_above_the_maximum() {
    let base = valid(&in_care_and_paid(None));
    let (events, at_position) = plant(base, [delivered(at(10), at(12), 2, 2 * TARIFF + 1)]);
    finds(invariants::inv06_tariffs, "INV-06", &events, at_position);
    let (events, at_position) = plant(
        valid(&setup(1, None)),
        [Event::ProviderContracted(ProviderContracted {
            provider: provider(),
            region: region(),
            year: 2027,
            places: 1,
            tariff_bp: 10_001,
        })],
    );
    finds(invariants::inv06_tariffs, "INV-06", &events, at_position);
}

#[test]
fn inv06_finds_a_reservation_at_the_wrong_tariff() {
    let mut commands = setup(2, None);
    commands.push(choose(client(), provider(), d0()));
    let base = valid(&commands);
    let days = (january_first(2027) - d0()).whole_days();
    let (events, _) = plant(
        base,
        [
            Event::CareStarted(CareStarted {
                client: client(),
                provider: provider(),
                on: d0(),
                region: region(),
                profile: universe::profile(0),
                form: DeliveryForm::Verblijf,
            }),
            Event::BudgetReserved(BudgetReserved {
                client: client(),
                provider: provider(),
                region: region(),
                year: 2026,
                from: d0(),
                days: days as u32,
                amount: Money::from_cents(TARIFF * days - 1),
            }),
        ],
    );
    let found = invariants::inv06_tariffs(&events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].position, Position(events.len() as u64));
}

#[test]
fn inv07_finds_a_delivery_across_the_year() {
    let mut commands = setup(2, None);
    commands.push(choose(client(), provider(), day(300)));
    commands.push(start(client(), provider(), day(300)));
    let base = valid(&commands);
    let (events, at_position) = plant(base, [priced(day(360), day(370), 2)]);
    let found = invariants::inv07_one_year_per_delivery(&events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].position, at_position);
}

#[test]
fn inv07_finds_a_delivery_that_miscounts_its_days() {
    let base = valid(&in_care_and_paid(None));
    let mut event = priced(at(10), at(12), 2);
    if let Event::CareDelivered(e) = &mut event {
        e.days = 3;
    }
    let (events, at_position) = plant(base, [event]);
    finds(
        invariants::inv07_one_year_per_delivery,
        "INV-07",
        &events,
        at_position,
    );
}

#[test]
fn inv09_finds_broken_transfers() {
    let base = valid(&setup(1, None));
    let pool = Account::pool(region());
    let transfer = |from, to, amount, on| {
        Event::BudgetTransferred(BudgetTransferred {
            from,
            to,
            year: 2026,
            on,
            amount: Money::from_cents(amount),
            reason: TransferReason::Reallocation,
        })
    };
    let cases = [
        // Overdraws the pool.
        transfer(
            pool,
            Account::provider(provider(), region()),
            1_000_000_001,
            day(0),
        ),
        // To itself.
        transfer(pool, pool, 100, day(0)),
        // Not positive.
        transfer(pool, Account::provider(provider(), region()), 0, day(0)),
        // A provider account that does not exist (no contract).
        transfer(
            pool,
            Account::provider(universe::provider(1), region()),
            100,
            day(0),
        ),
        // Dated in another year.
        transfer(pool, Account::provider(provider(), region()), 100, day(400)),
        // A second budget for the region and year.
        Event::RegionBudgetSet(RegionBudgetSet {
            region: region(),
            year: 2026,
            amount: Money::from_cents(5),
        }),
    ];
    for case in cases {
        let (events, at_position) = plant(base.clone(), [case.clone()]);
        let found = invariants::inv09_budget_conservation(&events);
        assert!(
            found.iter().any(|v| v.position == at_position),
            "{case:?}: {found:#?}"
        );
    }
}

#[test]
fn inv11_finds_care_after_death() {
    let mut commands = in_care_and_paid(None);
    commands.push(Command::WithdrawIndication {
        client: client(),
        indication: universe::indication(0, 0),
        on: at(10),
        reason: WithdrawalReason::Deceased,
    });
    let base = valid(&commands);
    // A delivery after the death, and a new start.
    let restart = Event::CareStarted(CareStarted {
        client: client(),
        provider: other(),
        on: at(12),
        region: region(),
        profile: universe::profile(0),
        form: DeliveryForm::Verblijf,
    });
    let (events, at_position) = plant(base.clone(), [priced(at(10), at(11), 2)]);
    let found = invariants::inv11_no_care_after_death(&events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].position, at_position);
    let (events, at_position) = plant(base, [restart]);
    let found = invariants::inv11_no_care_after_death(&events);
    assert!(
        found.iter().any(|v| v.position == at_position),
        "{found:#?}"
    );
}

#[test]
fn inv11_finds_care_left_open_after_death() {
    let mut commands = setup(2, None);
    commands.push(choose(client(), provider(), d0()));
    commands.push(start(client(), provider(), d0()));
    let base = valid(&commands);
    let (events, at_position) = plant(
        base,
        [Event::IndicationWithdrawn(IndicationWithdrawn {
            client: client(),
            indication: universe::indication(0, 0),
            on: at(3),
            reason: WithdrawalReason::Deceased,
        })],
    );
    finds(
        invariants::inv11_no_care_after_death,
        "INV-11",
        &events,
        at_position,
    );
}

#[test]
fn inv14_finds_a_choice_without_indication_and_a_listing_in_care() {
    let base = valid(&in_care_and_paid(None));
    let chosen = |who: ClientId| {
        Event::ProviderChosen(ProviderChosen {
            client: who,
            provider: provider(),
            form: DeliveryForm::Verblijf,
            on: at(11),
            urgency: Urgency::Active,
        })
    };
    let (events, at_position) = plant(base, [chosen(universe::client(3)), chosen(client())]);
    let found = invariants::inv14_waiting_list_consistency(&events);
    assert_eq!(
        found.iter().map(|v| v.position).collect::<Vec<_>>(),
        vec![at_position, Position(at_position.0 + 1)],
        "{found:#?}"
    );
}

#[test]
fn inv14_finds_a_provider_over_capacity() {
    let mut commands = setup(1, None);
    commands.push(choose(client(), provider(), d0()));
    commands.push(start(client(), provider(), d0()));
    commands.push(Command::GrantIndication {
        client: universe::client(1),
        indication: universe::indication(1, 0),
        profile: universe::profile(0),
        region: region(),
        from: day(0),
        until: None,
    });
    commands.push(choose(universe::client(1), provider(), d0()));
    let base = valid(&commands);
    let (events, at_position) = plant(
        base,
        [Event::CareStarted(CareStarted {
            client: universe::client(1),
            provider: provider(),
            on: at(1),
            region: region(),
            profile: universe::profile(0),
            form: DeliveryForm::Verblijf,
        })],
    );
    finds(
        invariants::inv14_waiting_list_consistency,
        "INV-14",
        &events,
        at_position,
    );
}

#[test]
fn inv14_finds_care_at_two_providers() {
    let mut commands = in_care_and_paid(None);
    commands.push(choose(client(), other(), at(11)));
    let base = valid(&commands);
    let (events, at_position) = plant(
        base,
        [Event::CareStarted(CareStarted {
            client: client(),
            provider: other(),
            on: at(12),
            region: region(),
            profile: universe::profile(0),
            form: DeliveryForm::Verblijf,
        })],
    );
    let found = invariants::inv14_waiting_list_consistency(&events);
    assert!(
        found.iter().any(|v| v.position == at_position),
        "{found:#?}"
    );
}

/// c-0 chooses P (a free place, money in the pool) on d0 and is not admitted; client c-1's
/// indications keep the days going.
fn left_waiting() -> Events {
    let mut commands = setup(1, None);
    commands.push(choose(client(), provider(), d0()));
    for k in 1..=3 {
        commands.push(Command::GrantIndication {
            client: universe::client(1),
            indication: universe::indication(1, k),
            profile: universe::profile(0),
            region: region(),
            from: at(k as i64),
            until: None,
        });
    }
    valid(&commands)
}

#[test]
fn inv15_finds_a_client_left_waiting_with_a_free_place_and_money() {
    let events = left_waiting();
    let found = invariants::inv15_capacity_not_budget(&events);
    assert_eq!(found.len(), 1, "reported once per streak: {found:#?}");
    // Judged at the end of d0 (before the event dated d0 + 1) and of d0 + 1 (before the event
    // dated d0 + 2): reported at the last event before that one.
    assert_eq!(found[0].position, Position(events.len() as u64 - 2));
    assert!(
        found[0].explanation.contains("c-0"),
        "{}",
        found[0].explanation
    );
    // Under the fixed policy, waiting for budget is the regime, not a fault.
    let mut fixed = Auditor::with_policy(Policy::FixedAgreements);
    for (position, event) in &events {
        fixed.observe(*position, event);
    }
    assert!(fixed.finish().is_clean());
}

#[test]
fn inv15_gives_one_day_of_grace() {
    // Admitted on d0 + 1, the day after the choice: within the grace.
    let mut commands = setup(1, None);
    commands.push(choose(client(), provider(), d0()));
    commands.push(Command::GrantIndication {
        client: universe::client(1),
        indication: universe::indication(1, 1),
        profile: universe::profile(0),
        region: region(),
        from: at(1),
        until: None,
    });
    commands.push(start(client(), provider(), at(1)));
    commands.push(Command::GrantIndication {
        client: universe::client(1),
        indication: universe::indication(1, 2),
        profile: universe::profile(0),
        region: region(),
        from: at(5),
        until: None,
    });
    assert!(invariants::inv15_capacity_not_budget(&valid(&commands)).is_empty());
}

#[test]
fn inv17_finds_impossible_dates() {
    let base = valid(&in_care_and_paid(None));
    let cases = [
        Event::IndicationGranted(IndicationGranted {
            client: universe::client(4),
            indication: universe::indication(4, 0),
            profile: universe::profile(0),
            region: region(),
            from: d0(),
            until: Some(d0()),
        }),
        Event::IndicationWithdrawn(IndicationWithdrawn {
            client: client(),
            indication: universe::indication(0, 9),
            on: d0(),
            reason: WithdrawalReason::Negative,
        }),
        Event::CareEnded(CareEnded {
            client: universe::client(4),
            provider: provider(),
            on: d0(),
            reason: EndReason::Ended,
        }),
    ];
    for case in cases {
        let (events, at_position) = plant(base.clone(), [case.clone()]);
        finds(
            invariants::inv17_temporal_sanity,
            "INV-17",
            &events,
            at_position,
        );
    }
}

#[test]
fn inv19_finds_gaps_bad_reversals_and_undecodable_records() {
    let base = valid(&in_care_and_paid(None));
    // A gap: the last event moves to a later position.
    let mut gapped = base.clone();
    if let Some(last) = gapped.last_mut() {
        last.0 = Position(last.0 .0 + 1);
    }
    let found = invariants::inv19_replay_integrity(&gapped);
    assert_eq!(found.len(), 1, "{found:#?}");
    // A reversal that takes back less than its days were paid with.
    let reversal = Event::DeliveryReversed(DeliveryReversed {
        reference: reference(1),
        reason: universe::note("wrong amount"),
        client: client(),
        provider: provider(),
        region: region(),
        from: d0(),
        until: at(10),
        days: 10,
        amount: Money::from_cents(10 * TARIFF - 1),
    });
    let (events, at_position) = plant(base, [reversal]);
    let found = invariants::inv19_replay_integrity(&events);
    assert!(
        found.iter().any(|v| v.position == at_position),
        "{found:#?}"
    );
    // A record that does not decode.
    let mut auditor = Auditor::new();
    auditor.observe_undecodable(Position(1), "truncated payload");
    let report = auditor.finish();
    assert_eq!(report.of("INV-19").count(), 1);
}

#[test]
fn report_sorts_counts_and_limits() {
    let events = left_waiting();
    let report = invariants::check_all(&events);
    assert_eq!(report.first().map(|v| v.invariant), Some("INV-15"));
    assert_eq!(report.events, events.len() as u64);
    let mut limited = Auditor::new().limit(0);
    for (position, event) in &events {
        limited.observe(*position, event);
    }
    let limited = limited.finish();
    assert!(limited.violations.is_empty() && limited.truncated() && !limited.is_clean());
}

proptest! {
    #[test]
    fn no_invariant_function_fires_on_a_valid_person_following_history(commands in valid_history(50)) {
        let (events, _) = run_history(&commands, Policy::PersonFollowing);
        for (name, check) in FUNCTIONS {
            let found = check(&events);
            prop_assert!(found.is_empty(), "{name}: {found:#?}");
        }
    }

    #[test]
    fn no_invariant_function_but_inv15_fires_on_a_valid_fixed_history(
        commands in valid_history_for(Policy::FixedAgreements, 50),
    ) {
        let (events, _) = run_history(&commands, Policy::FixedAgreements);
        for (name, check) in FUNCTIONS.iter().filter(|(name, _)| *name != "INV-15") {
            let found = check(&events);
            prop_assert!(found.is_empty(), "{name}: {found:#?}");
        }
    }
}
