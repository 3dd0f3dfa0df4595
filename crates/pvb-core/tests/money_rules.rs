//! DESIGN.md section 5 by example: the worked example (reserve 76,820.00, release 70,380.00,
//! 6,440.00 left), the year carry-over, the Rosa Spier Huis case under both policies, and the
//! reservations of a client who changes region.

mod common;

use common::*;
use pvb_core::*;

const T: i64 = 23_000;

fn reserved_events(events: &[Event]) -> Vec<BudgetReserved> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::BudgetReserved(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn released_events(events: &[Event]) -> Vec<BudgetReleased> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::BudgetReleased(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn transfers(events: &[Event]) -> Vec<BudgetTransferred> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::BudgetTransferred(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn sum_of_balances(state: &State) -> i128 {
    state
        .balances()
        .map(|(_, money)| i128::from(money.cents()))
        .sum()
}

/// DESIGN.md section 5: tariff 230.00 a day, contract 100%. Start 2026-02-01 reserves
/// 230.00 x 334 = 76,820.00; end 2026-03-01 releases 230.00 x 306 = 70,380.00; 6,440.00 stays
/// reserved (the 28 days of February).
fn worked_example(policy: Policy) {
    let mut ledger = Ledger::new(policy);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 2_500_000_000),
        contract(provider_p(), region_a(), 2026, 40, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        grant(
            "c-17",
            "B-2026-17",
            vv5(),
            region_a(),
            day(2026, 1, 1),
            None,
        ),
        choose("c-17", provider_p(), day(2026, 1, 1)),
    ]);
    if policy == Policy::FixedAgreements {
        ledger.ok(&production_agreement(
            region_a(),
            provider_p(),
            2026,
            100_000_000,
        ));
    }
    let pool_before = ledger.state.balance(Account::pool(region_a()), 2026);
    let provider_before = ledger
        .state
        .balance(Account::provider(provider_p(), region_a()), 2026);

    let started = ledger.ok(&start("c-17", provider_p(), day(2026, 2, 1)));
    assert_eq!(started[0].name(), "CareStarted");
    assert_eq!(
        reserved_events(&started),
        vec![BudgetReserved {
            client: client("c-17"),
            provider: provider_p(),
            region: region_a(),
            year: 2026,
            from: day(2026, 2, 1),
            days: 334,
            amount: cents(7_682_000),
        }]
    );
    assert_eq!(
        cents(7_682_000).to_string(),
        "76,820.00",
        "the amount DESIGN.md prints"
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(7_682_000)
    );

    let ended = ledger.ok(&end(
        "c-17",
        provider_p(),
        day(2026, 3, 1),
        EndReason::Transfer,
    ));
    assert_eq!(ended[0].name(), "CareEnded");
    assert_eq!(
        released_events(&ended),
        vec![BudgetReleased {
            client: client("c-17"),
            provider: provider_p(),
            region: region_a(),
            year: 2026,
            from: day(2026, 3, 1),
            days: 306,
            amount: cents(7_038_000),
        }]
    );
    assert_eq!(cents(7_038_000).to_string(), "70,380.00");
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(644_000)
    );
    assert_eq!(cents(644_000), cents(T * 28), "the 28 days of February");

    let pool_after = ledger.state.balance(Account::pool(region_a()), 2026);
    let provider_after = ledger
        .state
        .balance(Account::provider(provider_p(), region_a()), 2026);
    match policy {
        Policy::PersonFollowing => {
            // The reservation followed the client from the pool and the release went back.
            assert_eq!(
                transfers(&started),
                vec![BudgetTransferred {
                    from: Account::pool(region_a()),
                    to: Account::provider(provider_p(), region_a()),
                    year: 2026,
                    on: day(2026, 2, 1),
                    amount: cents(7_682_000),
                    reason: TransferReason::FollowsClient,
                }]
            );
            assert_eq!(
                transfers(&ended),
                vec![BudgetTransferred {
                    from: Account::provider(provider_p(), region_a()),
                    to: Account::pool(region_a()),
                    year: 2026,
                    on: day(2026, 3, 1),
                    amount: cents(7_038_000),
                    reason: TransferReason::Release,
                }]
            );
            assert_eq!(pool_before.cents() - pool_after.cents(), 644_000);
            assert_eq!(provider_after.cents() - provider_before.cents(), 644_000);
        }
        Policy::FixedAgreements => {
            // Reservations are facts; no money moves.
            assert!(transfers(&started).is_empty());
            assert!(transfers(&ended).is_empty());
            assert_eq!(pool_before, pool_after);
            assert_eq!(provider_before, provider_after);
        }
    }
    assert_eq!(sum_of_balances(&ledger.state), 2_500_000_000);
    assert_eq!(ledger.state.budget_total(), 2_500_000_000);
}

#[test]
fn worked_example_person_following() {
    worked_example(Policy::PersonFollowing);
}

#[test]
fn worked_example_fixed_agreements() {
    worked_example(Policy::FixedAgreements);
}

#[test]
fn tariff_percentage_rounds_down() {
    // 230.01 at 97%: 22,310.97 cents a day -> 22,310; ten days 223,100.
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 40, 9_700),
        tariff(2026, vv5(), DeliveryForm::Verblijf, 23_001),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
        start("c-1", provider_p(), day(2026, 1, 1)),
    ]);
    let delivered = ledger.ok(&Command::DeliverCare {
        client: client("c-1"),
        provider: provider_p(),
        from: day(2026, 1, 1),
        until: day(2026, 1, 11),
        reference: reference("D-1"),
        amount: Some(cents(223_100)),
    });
    match &delivered[..] {
        [Event::CareDelivered(d)] => {
            assert_eq!(d.days, 10);
            assert_eq!(d.amount, cents(223_100));
        }
        other => panic!("unexpected events {other:?}"),
    }
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(22_310 * 365)
    );
}

// ----- year carry-over -----

/// Client c-1 in care at P since 2026-06-01; region A has a 2026 budget; a contract and tariff
/// for 2027 exist.
fn carried(policy: Policy) -> Ledger {
    let mut ledger = Ledger::new(policy);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 5, 1)),
    ]);
    if policy == Policy::FixedAgreements {
        ledger.ok(&production_agreement(
            region_a(),
            provider_p(),
            2026,
            50_000_000,
        ));
    }
    ledger.ok(&start("c-1", provider_p(), day(2026, 6, 1)));
    ledger.ok_all(&[
        contract(provider_p(), region_a(), 2027, 10, 10_000),
        tariff(2027, vv5(), DeliveryForm::Verblijf, 24_000),
    ]);
    ledger
}

fn carry_over(policy: Policy) {
    let mut ledger = carried(policy);
    let events = ledger.ok(&set_budget(region_a(), 2027, 1_000_000_000));
    assert_eq!(events[0].name(), "RegionBudgetSet");
    let expected = BudgetReserved {
        client: client("c-1"),
        provider: provider_p(),
        region: region_a(),
        year: 2027,
        from: day(2027, 1, 1),
        days: 365,
        amount: cents(24_000 * 365),
    };
    assert_eq!(reserved_events(&events), vec![expected.clone()]);
    assert_eq!(
        Event::BudgetReserved(expected).business_date(),
        day(2027, 1, 1),
        "dated 1 January"
    );
    match policy {
        Policy::PersonFollowing => {
            assert_eq!(
                transfers(&events),
                vec![BudgetTransferred {
                    from: Account::pool(region_a()),
                    to: Account::provider(provider_p(), region_a()),
                    year: 2027,
                    on: day(2027, 1, 1),
                    amount: cents(24_000 * 365),
                    reason: TransferReason::FollowsClient,
                }]
            );
            assert_eq!(
                ledger.state.balance(Account::pool(region_a()), 2027),
                cents(1_000_000_000 - 24_000 * 365)
            );
        }
        Policy::FixedAgreements => assert!(transfers(&events).is_empty()),
    }
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        cents(24_000 * 365)
    );
    // 2026 is untouched: 214 days from 2026-06-01.
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(T * 214)
    );

    // Ending on 2027-03-01 releases only 2027's part: [2027-03-01, 2028-01-01) = 306 days.
    let ended = ledger.ok(&end("c-1", provider_p(), day(2027, 3, 1), EndReason::Ended));
    assert_eq!(
        released_events(&ended),
        vec![BudgetReleased {
            client: client("c-1"),
            provider: provider_p(),
            region: region_a(),
            year: 2027,
            from: day(2027, 3, 1),
            days: 306,
            amount: cents(24_000 * 306),
        }]
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        cents(24_000 * 59)
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(T * 214)
    );
    assert_eq!(sum_of_balances(&ledger.state), 2_000_000_000);
}

#[test]
fn carry_over_person_following() {
    carry_over(Policy::PersonFollowing);
}

#[test]
fn carry_over_fixed_agreements() {
    carry_over(Policy::FixedAgreements);
}

#[test]
fn carry_over_needs_the_new_years_tariff_and_contract() {
    for policy in [Policy::PersonFollowing, Policy::FixedAgreements] {
        let mut ledger = Ledger::new(policy);
        ledger.ok_all(&in_care_history_for(policy, "c-1", day(2026, 6, 1), 10));
        assert_eq!(
            ledger.probe(&set_budget(region_a(), 2027, 1_000_000_000)),
            Err(Rejection::CarryOverNeedsContract {
                client: client("c-1"),
                provider: provider_p(),
                year: 2027,
            })
        );
        ledger.ok(&contract(provider_p(), region_a(), 2027, 10, 10_000));
        assert_eq!(
            ledger.probe(&set_budget(region_a(), 2027, 1_000_000_000)),
            Err(Rejection::CarryOverNeedsTariff {
                client: client("c-1"),
                year: 2027,
                profile: vv5(),
                form: DeliveryForm::Verblijf,
            })
        );
        ledger.ok(&tariff(2027, vv5(), DeliveryForm::Verblijf, T));
        let events = ledger.ok(&set_budget(region_a(), 2027, 1_000_000_000));
        assert_eq!(reserved_events(&events).len(), 1);
    }
}

#[test]
fn carry_over_with_nobody_to_carry_needs_nothing_else() {
    for policy in [Policy::PersonFollowing, Policy::FixedAgreements] {
        let mut ledger = Ledger::new(policy);
        assert_eq!(
            ledger.ok(&set_budget(region_a(), 2027, 5)),
            vec![Event::RegionBudgetSet(RegionBudgetSet {
                region: region_a(),
                year: 2027,
                amount: cents(5),
            })]
        );
    }

    // A client whose care ended before 1 January, and one in care in another region: neither
    // is carried over, so no 2027 contract or tariff is needed.
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&in_care_history("c-1", day(2026, 6, 1), 10));
    ledger.ok(&end(
        "c-1",
        provider_p(),
        day(2026, 12, 31),
        EndReason::Ended,
    ));
    ledger.ok_all(&[
        set_budget(region_b(), 2026, 1_000_000_000),
        grant("c-2", "I-2", vv5(), region_b(), day(2026, 1, 1), None),
        choose("c-2", provider_p(), day(2026, 1, 1)),
        start("c-2", provider_p(), day(2026, 7, 1)),
    ]);
    let events = ledger.ok(&set_budget(region_a(), 2027, 100));
    assert_eq!(events.len(), 1, "nothing carried: {events:?}");
    // Region B's new year does carry c-2, and needs the contract.
    assert_eq!(
        ledger.probe(&set_budget(region_b(), 2027, 1_000_000_000)),
        Err(Rejection::CarryOverNeedsContract {
            client: client("c-2"),
            provider: provider_p(),
            year: 2027,
        })
    );
}

#[test]
fn carry_over_of_care_that_ended_after_new_year() {
    // Care ended on 2027-02-01 before the 2027 budget was set: 31 days of 2027 are reserved.
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&in_care_history("c-1", day(2026, 6, 1), 10));
    ledger.ok(&end("c-1", provider_p(), day(2027, 2, 1), EndReason::Ended));
    ledger.ok_all(&[
        contract(provider_p(), region_a(), 2027, 10, 10_000),
        tariff(2027, vv5(), DeliveryForm::Verblijf, T),
    ]);
    let events = ledger.ok(&set_budget(region_a(), 2027, 1_000_000_000));
    assert_eq!(
        reserved_events(&events),
        vec![BudgetReserved {
            client: client("c-1"),
            provider: provider_p(),
            region: region_a(),
            year: 2027,
            from: day(2027, 1, 1),
            days: 31,
            amount: cents(T * 31),
        }]
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        cents(T * 31)
    );
}

#[test]
fn a_start_reserves_every_year_already_budgeted() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 1_000_000_000),
        set_budget(region_a(), 2027, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        contract(provider_p(), region_a(), 2027, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        tariff(2027, vv5(), DeliveryForm::Verblijf, 24_000),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
    ]);
    let events = ledger.ok(&start("c-1", provider_p(), day(2026, 12, 1)));
    assert_eq!(
        reserved_events(&events)
            .iter()
            .map(|r| (r.year, r.from, r.days, r.amount))
            .collect::<Vec<_>>(),
        vec![
            (2026, day(2026, 12, 1), 31, cents(T * 31)),
            (2027, day(2027, 1, 1), 365, cents(24_000 * 365)),
        ]
    );
    let ended = ledger.ok(&end(
        "c-1",
        provider_p(),
        day(2026, 12, 11),
        EndReason::Ended,
    ));
    assert_eq!(
        released_events(&ended)
            .iter()
            .map(|r| (r.year, r.from, r.days, r.amount))
            .collect::<Vec<_>>(),
        vec![
            (2026, day(2026, 12, 11), 21, cents(T * 21)),
            (2027, day(2027, 1, 1), 365, cents(24_000 * 365)),
        ]
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(T * 10)
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        Money::ZERO
    );
    assert_eq!(
        ledger.state.balance(Account::pool(region_a()), 2027),
        cents(1_000_000_000)
    );
}

// ----- the Rosa Spier Huis case -----

/// Provider P has 10 places and a production agreement worth one client-year; client c-1 uses
/// it up; client c-2 chose P and waits. The region's pool still holds plenty.
fn rosa_spier_history() -> Vec<Command> {
    vec![
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        production_agreement(region_a(), provider_p(), 2026, T * 365),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
        start("c-1", provider_p(), day(2026, 1, 1)),
        grant("c-2", "I-2", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-2", provider_p(), day(2026, 2, 1)),
    ]
}

#[test]
fn fixed_policy_leaves_client_waiting_with_free_place_and_pool_money() {
    let mut ledger = Ledger::new(Policy::FixedAgreements);
    ledger.ok_all(&rosa_spier_history());
    let state = &ledger.state;
    // A free room ...
    let places = state
        .contract(provider_p(), 2026)
        .expect("contracted")
        .places;
    assert!(state.in_care(provider_p()) < places);
    // ... money in the regional pool ...
    let needed = cents(T * 306);
    assert!(state.balance(Account::pool(region_a()), 2026) >= needed);
    // ... c-2 is listed at P with a valid indication ...
    let c2 = state.client(&client("c-2")).expect("known");
    assert!(c2.choice(provider_p()).is_some_and(|c| c.listed));
    assert!(c2.indication_on(day(2026, 3, 1)).is_some());
    // ... but the production agreement is used up: c-2 waits.
    assert_eq!(
        ledger.probe(&start("c-2", provider_p(), day(2026, 3, 1))),
        Err(Rejection::ProviderBudgetExhausted {
            provider: provider_p(),
            region: region_a(),
            year: 2026,
            free: Money::ZERO,
            needed,
        })
    );

    // The same history under person-following financing: care starts.
    let mut pvb = Ledger::new(Policy::PersonFollowing);
    pvb.ok_all(&rosa_spier_history());
    let events = pvb.ok(&start("c-2", provider_p(), day(2026, 3, 1)));
    assert_eq!(
        events.iter().map(Event::name).collect::<Vec<_>>(),
        vec!["CareStarted", "BudgetReserved", "BudgetTransferred"]
    );
    assert_eq!(pvb.state.in_care(provider_p()), 2);
}

#[test]
fn fixed_policy_starts_when_the_agreement_has_room() {
    let mut ledger = Ledger::new(Policy::FixedAgreements);
    ledger.ok_all(&rosa_spier_history());
    // A reallocation tops the agreement up: now c-2 fits exactly.
    ledger.ok(&transfer(
        Account::pool(region_a()),
        Account::provider(provider_p(), region_a()),
        2026,
        T * 306,
        TransferReason::Reallocation,
    ));
    let events = ledger.ok(&start("c-2", provider_p(), day(2026, 3, 1)));
    assert_eq!(
        events.iter().map(Event::name).collect::<Vec<_>>(),
        vec!["CareStarted", "BudgetReserved"]
    );
}

// ----- a client who changes region -----

/// A client in care at P funded by region A until 2027-02-01 moves to region B and returns to
/// P on 2027-03-01 (funded by B, whose 2027 budget exists). When region A's 2027 budget is set
/// later, A's carried-over reservation of January belongs to the closed care, not to the open
/// care funded by B: ending the B care must release only B's reservation.
#[test]
fn a_carried_over_reservation_belongs_to_its_own_care_interval() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 1_000_000_000),
        set_budget(region_b(), 2026, 1_000_000_000),
        set_budget(region_b(), 2027, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        contract(provider_p(), region_a(), 2027, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        tariff(2027, vv5(), DeliveryForm::Verblijf, T),
        grant("c-1", "I-A", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
        start("c-1", provider_p(), day(2026, 6, 1)),
        end("c-1", provider_p(), day(2027, 2, 1), EndReason::Ended),
        withdraw("c-1", "I-A", day(2027, 2, 1), WithdrawalReason::Moved),
        grant("c-1", "I-B", vv5(), region_b(), day(2027, 2, 1), None),
        choose("c-1", provider_p(), day(2027, 2, 15)),
        start("c-1", provider_p(), day(2027, 3, 1)),
    ]);
    assert_eq!(
        ledger.state.reserved(provider_p(), region_b(), 2027),
        cents(T * 306)
    );
    let carried = ledger.ok(&set_budget(region_a(), 2027, 1_000_000_000));
    assert_eq!(
        reserved_events(&carried)
            .iter()
            .map(|r| (r.region, r.year, r.from, r.days))
            .collect::<Vec<_>>(),
        vec![(region_a(), 2027, day(2027, 1, 1), 31)]
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        cents(T * 31)
    );

    let ended = ledger.ok(&end("c-1", provider_p(), day(2027, 6, 1), EndReason::Ended));
    assert_eq!(
        released_events(&ended)
            .iter()
            .map(|r| (r.region, r.year, r.from, r.days, r.amount))
            .collect::<Vec<_>>(),
        vec![(region_b(), 2027, day(2027, 6, 1), 214, cents(T * 214))],
        "only B's reservation is released"
    );
    // B keeps March to May (92 days); A keeps January (31 days).
    assert_eq!(
        ledger.state.reserved(provider_p(), region_b(), 2027),
        cents(T * 92)
    );
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2027),
        cents(T * 31)
    );
    assert_eq!(
        ledger
            .state
            .balance(Account::provider(provider_p(), region_b()), 2027),
        cents(T * 92)
    );
    assert_eq!(sum_of_balances(&ledger.state), 4_000_000_000);
}

// ----- balances that would overflow -----

/// Money of another region can sit in a provider's account (a reallocation), so a reservation
/// that follows a client can overflow it although the pool covers the reservation. `apply`
/// cannot fail, so `decide` must refuse: a saturated balance would break conservation.
#[test]
fn ledger_transfers_never_overflow_a_balance() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, i64::MAX),
        set_budget(region_b(), 2026, i64::MAX),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        transfer(
            Account::pool(region_b()),
            Account::provider(provider_p(), region_a()),
            2026,
            i64::MAX,
            TransferReason::Reallocation,
        ),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
    ]);
    assert_eq!(
        ledger.probe(&start("c-1", provider_p(), day(2026, 2, 1))),
        Err(Rejection::AmountOverflow { what: "transfer" })
    );

    // A release into a full pool.
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&[
        set_budget(region_a(), 2026, i64::MAX),
        set_budget(region_b(), 2026, i64::MAX),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
        choose("c-1", provider_p(), day(2026, 1, 1)),
        start("c-1", provider_p(), day(2026, 2, 1)),
        // Refill pool A to the brim from pool B.
        transfer(
            Account::pool(region_b()),
            Account::pool(region_a()),
            2026,
            T * 334,
            TransferReason::Reallocation,
        ),
    ]);
    assert_eq!(
        ledger.probe(&end("c-1", provider_p(), day(2026, 3, 1), EndReason::Ended)),
        Err(Rejection::AmountOverflow { what: "transfer" })
    );
    let sum: i128 = ledger
        .state
        .balances()
        .map(|(_, m)| i128::from(m.cents()))
        .sum();
    assert_eq!(sum, ledger.state.budget_total());
}

/// Under the fixed policy nothing bounds carried-over reservations by money; their total at a
/// provider must still fit in 64-bit cents.
#[test]
fn carried_over_reservations_never_overflow_reserved() {
    let huge = i64::MAX / 400; // A year of it fits; two clients' years do not.
    let mut ledger = Ledger::new(Policy::FixedAgreements);
    ledger.ok_all(&[
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        contract(provider_p(), region_a(), 2027, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, 0),
        tariff(2027, vv5(), DeliveryForm::Verblijf, huge),
    ]);
    for who in ["c-1", "c-2"] {
        ledger.ok_all(&[
            grant(
                who,
                &format!("I-{who}"),
                vv5(),
                region_a(),
                day(2026, 1, 1),
                None,
            ),
            choose(who, provider_p(), day(2026, 1, 1)),
            start(who, provider_p(), day(2026, 6, 1)),
        ]);
    }
    assert_eq!(
        ledger.probe(&set_budget(region_a(), 2027, 0)),
        Err(Rejection::AmountOverflow { what: "reserved" })
    );
}
