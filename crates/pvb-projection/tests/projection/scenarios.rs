//! Hand-written histories with exact expected numbers.

use pvb_core::{Command, EndReason, Event, Policy, Position, Urgency, WithdrawalReason};
use pvb_projection::{
    BudgetRow, Filter, Period, PoolRow, Projection, Projections, RegionWaiting, WaitingRow,
    SNAPSHOT_VERSION, TREEKNORM_DAYS,
};
use time::macros::date;
use time::Date;

use crate::common::*;

const BUDGET: i64 = 1_000_000_000;

/// Tariff 5VV verblijf 230.00 for 2026, region 5531 with a budget, providers 12345678 and
/// 12345679 contracted at 100% with 40 places.
fn office(policy: Policy) -> Ledger {
    let mut ledger = Ledger::new(policy);
    ledger.accept(Command::SetTariff {
        year: 2026,
        profile: profile("5VV"),
        form: VERBLIJF,
        day_tariff: cents(23_000),
    });
    ledger.accept(Command::SetRegionBudget {
        region: region(5531),
        year: 2026,
        amount: cents(BUDGET),
    });
    for code in [12_345_678, 12_345_679] {
        ledger.accept(Command::ContractProvider {
            provider: provider(code),
            region: region(5531),
            year: 2026,
            places: 40,
            tariff_bp: 10_000,
        });
    }
    ledger
}

fn grant(ledger: &mut Ledger, who: &str, from: Date) {
    ledger.accept(Command::GrantIndication {
        client: client(who),
        indication: indication(&format!("I-{who}")),
        profile: profile("5VV"),
        region: region(5531),
        from,
        until: None,
    });
}

fn choose(ledger: &mut Ledger, who: &str, code: u32, on: Date, urgency: Urgency) {
    ledger.accept(Command::ChooseProvider {
        client: client(who),
        provider: provider(code),
        form: VERBLIJF,
        on,
        urgency,
    });
}

fn start(ledger: &mut Ledger, who: &str, code: u32, on: Date) {
    ledger.accept(Command::StartCare {
        client: client(who),
        provider: provider(code),
        on,
    });
}

fn deliver(ledger: &mut Ledger, who: &str, code: u32, from: Date, until: Date, r: &str) {
    ledger.accept(Command::DeliverCare {
        client: client(who),
        provider: provider(code),
        from,
        until,
        reference: reference(r),
        amount: None,
    });
}

fn account(projections: &Projections, code: u32) -> BudgetRow {
    projections
        .budgets()
        .row(provider(code), region(5531), 2026)
        .expect("the provider has an account")
}

/// DESIGN.md section 5: start on 2026-02-01 reserves 230.00 x 334 = 76,820.00; the end on
/// 2026-03-01 releases 230.00 x 306 = 70,380.00; 6,440.00 stays reserved, February's 28 days.
#[test]
fn design_example_reservation_and_release() {
    let mut ledger = office(Policy::PersonFollowing);
    grant(&mut ledger, "c-17", date!(2026 - 01 - 01));
    choose(
        &mut ledger,
        "c-17",
        12_345_678,
        date!(2026 - 01 - 01),
        Urgency::Active,
    );
    start(&mut ledger, "c-17", 12_345_678, date!(2026 - 02 - 01));
    let after_start = ledger.head();
    ledger.accept(Command::EndCare {
        client: client("c-17"),
        provider: provider(12_345_678),
        on: date!(2026 - 03 - 01),
        reason: EndReason::Ended,
    });

    let now = Projections::fold(Filter::ALL, ledger.events());
    assert_eq!(
        account(&now, 12_345_678),
        BudgetRow {
            provider: provider(12_345_678),
            region: region(5531),
            year: 2026,
            allocated: cents(644_000),
            reserved: cents(644_000),
            consumed: cents(0),
            remaining: cents(644_000),
        }
    );
    assert_eq!(
        now.budgets().pool_row(region(5531), 2026),
        Some(PoolRow {
            region: region(5531),
            year: 2026,
            contract_space: cents(BUDGET),
            allocated: cents(644_000),
            other_pools: cents(0),
            unallocated: cents(BUDGET - 644_000),
        })
    );

    // Before the end was recorded the whole reservation stood: 76,820.00.
    let known = Projections::fold(Filter::known_at(after_start), ledger.events());
    assert_eq!(account(&known, 12_345_678).reserved, cents(7_682_000));
    assert_eq!(account(&known, 12_345_678).allocated, cents(7_682_000));
    // As of 28 February too: the release is dated 1 March.
    let february = Projections::fold(Filter::as_of(date!(2026 - 02 - 28)), ledger.events());
    assert_eq!(account(&february, 12_345_678).reserved, cents(7_682_000));
    // As of 31 January nothing is reserved, and the other provider has an empty account.
    let january = Projections::fold(Filter::as_of(date!(2026 - 01 - 31)), ledger.events());
    assert_eq!(account(&january, 12_345_678).reserved, cents(0));
    assert_eq!(account(&january, 12_345_679).allocated, cents(0));
    // The release itself: 70,380.00.
    let released: Vec<i64> = ledger
        .log
        .iter()
        .filter_map(|(_, e)| match e {
            Event::BudgetReleased(r) => Some(r.amount.cents()),
            _ => None,
        })
        .collect();
    assert_eq!(released, vec![7_038_000]);
}

/// A February delivery of 28 days (6,440.00) seen as of 10 February counts 10 days (2,300.00),
/// in the budget and in the paid periods.
#[test]
fn a_delivery_crossing_the_as_of_date_counts_its_days_up_to_it() {
    let mut ledger = office(Policy::PersonFollowing);
    grant(&mut ledger, "c-1", date!(2026 - 01 - 01));
    choose(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 01 - 01),
        Urgency::Active,
    );
    start(&mut ledger, "c-1", 12_345_678, date!(2026 - 02 - 01));
    deliver(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 02 - 01),
        date!(2026 - 03 - 01),
        "D-1",
    );

    let cases = [
        (date!(2026 - 01 - 31), 0, None),
        (date!(2026 - 02 - 01), 23_000, Some(date!(2026 - 02 - 02))),
        (date!(2026 - 02 - 10), 230_000, Some(date!(2026 - 02 - 11))),
        (date!(2026 - 02 - 28), 644_000, Some(date!(2026 - 03 - 01))),
        (date!(2026 - 12 - 31), 644_000, Some(date!(2026 - 03 - 01))),
    ];
    for (as_of, consumed, paid_until) in cases {
        let view = Projections::fold(Filter::as_of(as_of), ledger.events());
        let row = account(&view, 12_345_678);
        assert_eq!(row.consumed, cents(consumed), "as of {as_of}");
        // The reservation's transfer to the provider is dated 1 February.
        let allocated = if as_of < date!(2026 - 02 - 01) {
            0
        } else {
            7_682_000
        };
        assert_eq!(row.allocated, cents(allocated), "as of {as_of}");
        assert_eq!(row.remaining, cents(allocated - consumed), "as of {as_of}");
        let paid = view.register().client(&client("c-1")).expect("known").paid;
        let expected: Vec<Period> = paid_until
            .map(|until| Period::new(date!(2026 - 02 - 01), until))
            .into_iter()
            .collect();
        assert_eq!(paid, expected, "as of {as_of}");
        assert_eq!(view.budgets().consumed_total(2026), cents(consumed));
    }
    // Without as-of the report is as of the last delivered day, and everything counts.
    let all = Projections::fold(Filter::ALL, ledger.events());
    assert_eq!(all.reference_date(), Some(date!(2026 - 02 - 28)));
    assert_eq!(account(&all, 12_345_678).consumed, cents(644_000));
}

/// A reversal appended at position P counts from P on: not known before it, and then the
/// delivery counts nowhere, also in an as-of view that clips it.
#[test]
fn a_reversal_counts_only_once_known() {
    let mut ledger = office(Policy::PersonFollowing);
    grant(&mut ledger, "c-1", date!(2026 - 01 - 01));
    choose(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 01 - 01),
        Urgency::Active,
    );
    start(&mut ledger, "c-1", 12_345_678, date!(2026 - 01 - 01));
    deliver(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 01 - 01),
        date!(2026 - 02 - 01),
        "D-1",
    );
    deliver(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 02 - 01),
        date!(2026 - 03 - 01),
        "D-2",
    );
    let before = ledger.head();
    ledger.accept(Command::ReverseDelivery {
        reference: reference("D-2"),
        reason: note("wrong period"),
    });
    let reversal = ledger.head();
    // The corrected declaration: February again, paid anew.
    deliver(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 02 - 01),
        date!(2026 - 02 - 15),
        "D-3",
    );

    let consumed = |filter: Filter| {
        let view = Projections::fold(filter, ledger.events());
        let paid = view.register().client(&client("c-1")).expect("known").paid;
        (account(&view, 12_345_678).consumed.cents(), paid)
    };
    let january = Period::new(date!(2026 - 01 - 01), date!(2026 - 02 - 01));
    let through = |until: Date| vec![Period::new(date!(2026 - 01 - 01), until)];

    assert_eq!(
        consumed(Filter::known_at(before)),
        (59 * 23_000, through(date!(2026 - 03 - 01)))
    );
    assert_eq!(
        consumed(Filter::known_at(reversal)),
        (31 * 23_000, vec![january])
    );
    assert_eq!(
        consumed(Filter::ALL),
        (45 * 23_000, through(date!(2026 - 02 - 15)))
    );
    // Bitemporal: February 10 as known before and after the reversal.
    let feb10 = date!(2026 - 02 - 10);
    assert_eq!(
        consumed(Filter::bitemporal(feb10, before)),
        (41 * 23_000, through(date!(2026 - 02 - 11)))
    );
    assert_eq!(
        consumed(Filter::bitemporal(feb10, reversal)),
        (31 * 23_000, vec![january])
    );
    assert_eq!(
        consumed(Filter::as_of(feb10)),
        (41 * 23_000, through(date!(2026 - 02 - 11)))
    );
}

fn row(code: u32, position: u32, who: &str, status: Urgency, since: Date, days: i64) -> WaitingRow {
    WaitingRow {
        provider: provider(code),
        position,
        client: client(who),
        status,
        since,
        days_waiting: days,
    }
}

/// A repeated choice changes the status and keeps the place and the date; urgent goes first;
/// equal dates go by client id as text; a withdrawn and renewed choice starts again.
#[test]
fn list_order_and_repeated_choices() {
    let mut ledger = office(Policy::PersonFollowing);
    for who in ["c-1", "c-2", "c-3", "c-9", "c-10"] {
        grant(&mut ledger, who, date!(2026 - 01 - 01));
    }
    let p = 12_345_678;
    choose(
        &mut ledger,
        "c-1",
        p,
        date!(2026 - 01 - 05),
        Urgency::Active,
    );
    choose(
        &mut ledger,
        "c-2",
        p,
        date!(2026 - 01 - 10),
        Urgency::Active,
    );
    choose(
        &mut ledger,
        "c-9",
        p,
        date!(2026 - 01 - 12),
        Urgency::Preference,
    );
    choose(
        &mut ledger,
        "c-10",
        p,
        date!(2026 - 01 - 12),
        Urgency::Precaution,
    );
    choose(
        &mut ledger,
        "c-1",
        p,
        date!(2026 - 01 - 20),
        Urgency::Precaution,
    );
    choose(
        &mut ledger,
        "c-3",
        p,
        date!(2026 - 01 - 25),
        Urgency::Urgent,
    );

    let on = date!(2026 - 01 - 31);
    let view = Projections::fold(Filter::as_of(on), ledger.events());
    assert_eq!(
        view.waiting_rows(),
        vec![
            row(p, 1, "c-3", Urgency::Urgent, date!(2026 - 01 - 25), 6),
            row(p, 2, "c-1", Urgency::Precaution, date!(2026 - 01 - 05), 26),
            row(p, 3, "c-2", Urgency::Active, date!(2026 - 01 - 10), 21),
            row(p, 4, "c-10", Urgency::Precaution, date!(2026 - 01 - 12), 19),
            row(p, 5, "c-9", Urgency::Preference, date!(2026 - 01 - 12), 19),
        ]
    );
    // As of 19 January the repeated choice had not happened: c-1 was still active.
    let earlier = Projections::fold(Filter::as_of(date!(2026 - 01 - 19)), ledger.events());
    assert_eq!(earlier.waiting_rows()[0].status, Urgency::Active);
    assert_eq!(earlier.waiting_rows().len(), 4);

    // Withdrawn, then chosen again: a new place at the end, dated by the new choice.
    ledger.accept(Command::WithdrawChoice {
        client: client("c-1"),
        provider: provider(p),
        on: date!(2026 - 02 - 01),
        reason: note("moved away"),
    });
    choose(
        &mut ledger,
        "c-1",
        p,
        date!(2026 - 02 - 02),
        Urgency::Active,
    );
    let view = Projections::fold(Filter::as_of(date!(2026 - 02 - 02)), ledger.events());
    let last = view.waiting_rows().pop().expect("rows");
    assert_eq!(
        last,
        row(p, 5, "c-1", Urgency::Active, date!(2026 - 02 - 02), 0)
    );
}

/// Care starting the day of the choice leaves the client off the list; starting care anywhere
/// and a withdrawn indication take the client off every list.
#[test]
fn care_and_withdrawal_empty_the_lists() {
    let mut ledger = office(Policy::PersonFollowing);
    for who in ["c-1", "c-2", "c-3"] {
        grant(&mut ledger, who, date!(2026 - 01 - 01));
    }
    choose(
        &mut ledger,
        "c-1",
        12_345_678,
        date!(2026 - 01 - 02),
        Urgency::Active,
    );
    start(&mut ledger, "c-1", 12_345_678, date!(2026 - 01 - 02));
    choose(
        &mut ledger,
        "c-2",
        12_345_678,
        date!(2026 - 01 - 02),
        Urgency::Active,
    );
    choose(
        &mut ledger,
        "c-2",
        12_345_679,
        date!(2026 - 01 - 03),
        Urgency::Active,
    );
    choose(
        &mut ledger,
        "c-3",
        12_345_678,
        date!(2026 - 01 - 03),
        Urgency::Active,
    );
    choose(
        &mut ledger,
        "c-3",
        12_345_679,
        date!(2026 - 01 - 03),
        Urgency::Preference,
    );
    start(&mut ledger, "c-2", 12_345_679, date!(2026 - 01 - 10));
    ledger.accept(Command::WithdrawIndication {
        client: client("c-3"),
        indication: indication("I-c-3"),
        on: date!(2026 - 01 - 12),
        reason: WithdrawalReason::Deceased,
    });

    let at = |on: Date| Projections::fold(Filter::as_of(on), ledger.events());
    let clients = |view: &Projections| -> Vec<(u32, String)> {
        view.waiting_rows()
            .into_iter()
            .map(|r| (r.provider.get(), r.client.to_string()))
            .collect()
    };
    assert_eq!(
        clients(&at(date!(2026 - 01 - 02))),
        vec![(12_345_678, "c-2".to_owned())]
    );
    assert_eq!(
        clients(&at(date!(2026 - 01 - 09))),
        vec![
            (12_345_678, "c-2".to_owned()),
            (12_345_678, "c-3".to_owned()),
            (12_345_679, "c-2".to_owned()),
            (12_345_679, "c-3".to_owned()),
        ]
    );
    assert_eq!(
        clients(&at(date!(2026 - 01 - 10))),
        vec![
            (12_345_678, "c-3".to_owned()),
            (12_345_679, "c-3".to_owned())
        ]
    );
    assert!(at(date!(2026 - 01 - 12)).waiting_rows().is_empty());
    // The register keeps the choices, no longer listed, and the care.
    let c2 = at(date!(2026 - 01 - 12))
        .register()
        .client(&client("c-2"))
        .expect("known");
    assert_eq!(c2.choices.len(), 2);
    assert!(c2.choices.iter().all(|c| !c.listed));
    assert_eq!(
        c2.in_care.map(|c| (c.provider.get(), c.since)),
        Some((12_345_679, date!(2026 - 01 - 10)))
    );

    // Waited client-days, active: c-2 at ...678 from 01-02 to 01-10 (8) and at ...679 from
    // 01-03 to 01-10 (7); c-3 at ...678 from 01-03 to 01-12 (9). Preference: c-3, 9 days.
    let view = at(date!(2026 - 12 - 31));
    assert_eq!(view.waited_client_days(Urgency::Active), 8 + 7 + 9);
    assert_eq!(view.waited_client_days(Urgency::Preference), 9);
    assert_eq!(view.waited_client_days(Urgency::Urgent), 0);
    // Open places count through the report date: as of 01-05, 4 + 3 + 3 active days.
    assert_eq!(
        at(date!(2026 - 01 - 05)).waited_client_days(Urgency::Active),
        4 + 3 + 3
    );
}

/// The lower median of an even count, and the Treeknorm boundary: 91 days is within it,
/// 92 beyond.
#[test]
fn region_summary_median_and_treeknorm() {
    let mut ledger = office(Policy::PersonFollowing);
    for who in ["c-1", "c-2", "c-3", "c-4"] {
        grant(&mut ledger, who, day(0));
    }
    // Waits on day 92 (2026-04-03): 91 (urgent, first), 92, 10 and 4 days.
    choose(&mut ledger, "c-2", 12_345_678, day(0), Urgency::Active);
    choose(&mut ledger, "c-1", 12_345_678, day(1), Urgency::Urgent);
    choose(&mut ledger, "c-3", 12_345_679, day(82), Urgency::Preference);
    choose(&mut ledger, "c-4", 12_345_679, day(88), Urgency::Precaution);
    let on = day(92);
    let view = Projections::fold(Filter::as_of(on), ledger.events());
    let waits: Vec<i64> = view.waiting_rows().iter().map(|r| r.days_waiting).collect();
    assert_eq!(waits, vec![91, 92, 10, 4]);
    assert_eq!(TREEKNORM_DAYS, 91);
    assert_eq!(
        view.region_waiting(),
        vec![RegionWaiting {
            region: region(5531),
            urgent: 1,
            active: 1,
            preference: 1,
            precaution: 1,
            total: 4,
            clients: 4,
            // Sorted 4, 10, 91, 92: the lower median is 10.
            median_days: 10,
            beyond_treeknorm: 1,
        }]
    );
    // Odd count: c-2 chooses a second provider; waits 0, 4, 10, 91, 92: the median is 10, the
    // places are 5 and the clients still 4.
    choose(&mut ledger, "c-2", 12_345_679, on, Urgency::Active);
    let view = Projections::fold(Filter::as_of(on), ledger.events());
    let summary = view.region_waiting()[0];
    assert_eq!(
        (summary.total, summary.clients, summary.median_days),
        (5, 4, 10)
    );
}

/// A user's projection is folded in the same pass and sees the view: a delivery crossing the
/// as-of date arrives cut at it.
#[test]
fn a_users_projection_sees_the_same_view() {
    #[derive(Default)]
    struct DeliveredDays(u64);
    impl Projection for DeliveredDays {
        fn apply(&mut self, _position: Position, event: &Event) {
            if let Event::CareDelivered(e) = event {
                self.0 += u64::from(e.days);
            }
        }
    }
    let mut ledger = office(Policy::PersonFollowing);
    grant(&mut ledger, "c-1", day(0));
    choose(&mut ledger, "c-1", 12_345_678, day(0), Urgency::Active);
    start(&mut ledger, "c-1", 12_345_678, day(0));
    deliver(&mut ledger, "c-1", 12_345_678, day(0), day(31), "D-1");

    let view = Projections::fold_with(
        Filter::as_of(day(9)),
        DeliveredDays::default(),
        ledger.events(),
    );
    assert_eq!(view.extra().0, 10);
    let dynamic: Vec<Box<dyn Projection + Send>> = vec![Box::new(DeliveredDays::default())];
    let all = Projections::fold_with(Filter::ALL, dynamic, ledger.events());
    assert_eq!(all.extra().len(), 1);
    assert_eq!(
        account(&all.with_extra(()), 12_345_678).consumed,
        cents(31 * 23_000)
    );
}

/// A snapshot of another version is refused.
#[test]
fn a_snapshot_of_another_version_is_refused() {
    let ledger = office(Policy::PersonFollowing);
    let view = Projections::fold(Filter::ALL, ledger.events());
    let json = serde_json::to_string(&view).expect("serializes");
    let current = format!("\"snapshot_version\":{SNAPSHOT_VERSION}");
    assert!(json.contains(&current));
    let other = json.replace(&current, "\"snapshot_version\":0");
    let loaded: Result<Projections, _> = serde_json::from_str(&other);
    assert!(matches!(loaded, Err(ref e) if e.to_string().contains("rebuild")));
    let loaded: Projections = serde_json::from_str(&json).expect("loads");
    assert_eq!(loaded, view);
}

/// Transfers: a production agreement and a reallocation back, and a transfer between pools.
#[test]
fn transfers_move_allocations_between_accounts() {
    let mut ledger = office(Policy::FixedAgreements);
    ledger.accept(Command::SetRegionBudget {
        region: region(5501),
        year: 2026,
        amount: cents(5_000),
    });
    let pool = pvb_core::Account::pool(region(5531));
    let account_of = pvb_core::Account::provider(provider(12_345_678), region(5531));
    let transfers = [
        (
            pool,
            account_of,
            100_000,
            pvb_core::TransferReason::ProductionAgreement,
        ),
        (
            account_of,
            pool,
            30_000,
            pvb_core::TransferReason::Reallocation,
        ),
        (
            pvb_core::Account::pool(region(5501)),
            pool,
            2_000,
            pvb_core::TransferReason::Reallocation,
        ),
    ];
    for (from, to, amount, reason) in transfers {
        ledger.accept(Command::TransferBudget {
            from,
            to,
            year: 2026,
            amount: cents(amount),
            reason,
            on: Some(day(40)),
        });
    }
    let view = Projections::fold(Filter::ALL, ledger.events());
    assert_eq!(account(&view, 12_345_678).allocated, cents(70_000));
    let pools = view.pool_rows();
    assert_eq!(
        pools
            .iter()
            .map(|p| (
                p.region.get(),
                p.allocated.cents(),
                p.other_pools.cents(),
                p.unallocated.cents()
            ))
            .collect::<Vec<_>>(),
        vec![
            (5501, 0, -2_000, 3_000),
            (5531, 70_000, 2_000, BUDGET - 70_000 + 2_000)
        ]
    );
    // As of the day before the transfers nothing moved.
    let before = Projections::fold(Filter::as_of(day(39)), ledger.events());
    assert_eq!(account(&before, 12_345_678).allocated, cents(0));
}
