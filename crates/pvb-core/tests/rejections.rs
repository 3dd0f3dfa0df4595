//! Every rule of `Rejection::RULES` triggered by the smallest history that can: one test per
//! rule, named after it, asserting the rule name and every value the rejection carries; and a
//! meta-test that the table of cases names exactly `Rejection::RULES`.
//!
//! A case is `(rule, policy, history, command, expected)`: every command of the history must be
//! accepted, then `command` must be refused with exactly `expected`, and the state must be left
//! as it was (a rejection changes nothing).

mod common;

use common::*;
use pvb_core::*;

/// One rule, triggered.
struct Case {
    policy: Policy,
    history: Vec<Command>,
    command: Command,
    expected: Rejection,
}

fn case(history: Vec<Command>, command: Command, expected: Rejection) -> Case {
    Case {
        policy: Policy::PersonFollowing,
        history,
        command,
        expected,
    }
}

fn fixed(history: Vec<Command>, command: Command, expected: Rejection) -> Case {
    Case {
        policy: Policy::FixedAgreements,
        history,
        command,
        expected,
    }
}

/// Runs a case and checks it refuses with `rule` and exactly the expected values.
fn check(rule: &str, case: Case) {
    assert_eq!(case.expected.rule(), rule, "the case expects another rule");
    let mut ledger = Ledger::new(case.policy);
    ledger.ok_all(&case.history);
    let before = format!("{:?}", ledger.state);
    let got = ledger
        .probe(&case.command)
        .expect_err("the command must be refused");
    assert_eq!(got.rule(), rule, "refused by another rule: {got}");
    assert_eq!(got, case.expected, "the rule carries other values");
    // The message names the rule's values and is one line.
    assert!(!got.to_string().is_empty() && !got.to_string().contains('\n'));
    // `run` leaves the state as it was.
    assert!(ledger.run(&case.command).is_err());
    assert_eq!(
        format!("{:?}", ledger.state),
        before,
        "a rejection changed the state"
    );
}

/// The standard money: 230.00 a day at 100%.
const T: i64 = 23_000;

fn jan(d: u8) -> time::Date {
    day(2026, 1, d)
}

/// Client c-1 in care at P from 2026-01-05, with an open indication from 2026-01-01.
fn in_care() -> Vec<Command> {
    in_care_history("c-1", jan(5), 10)
}

/// ... and delivered 2026-01-05..2026-02-01 as D-1.
fn in_care_delivered() -> Vec<Command> {
    let mut h = in_care();
    h.push(deliver("c-1", provider_p(), jan(5), day(2026, 2, 1), "D-1"));
    h
}

mod cases {
    use super::*;

    pub fn invalid_year() -> Case {
        case(
            vec![],
            set_budget(region_a(), 1999, 100),
            Rejection::InvalidYear { year: 1999 },
        )
    }

    pub fn negative_amount() -> Case {
        case(
            vec![],
            set_budget(region_a(), 2026, -1),
            Rejection::NegativeAmount {
                field: "amount",
                amount: cents(-1),
            },
        )
    }

    pub fn amount_overflow() -> Case {
        case(
            vec![
                set_budget(region_a(), 2026, i64::MAX),
                set_budget(region_b(), 2026, 1),
            ],
            transfer(
                Account::pool(region_b()),
                Account::pool(region_a()),
                2026,
                1,
                TransferReason::Reallocation,
            ),
            Rejection::AmountOverflow { what: "transfer" },
        )
    }

    pub fn empty_period() -> Case {
        case(
            vec![],
            grant("c-1", "I-1", vv5(), region_a(), jan(10), Some(jan(10))),
            Rejection::EmptyPeriod {
                from: jan(10),
                until: jan(10),
            },
        )
    }

    pub fn unknown_client() -> Case {
        case(
            vec![],
            choose("c-1", provider_p(), jan(1)),
            Rejection::UnknownClient {
                client: client("c-1"),
            },
        )
    }

    pub fn unknown_provider() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(1), None)],
            choose("c-1", provider_p(), jan(1)),
            Rejection::UnknownProvider {
                provider: provider_p(),
                year: 2026,
            },
        )
    }

    pub fn unknown_tariff() -> Case {
        case(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            start("c-1", provider_p(), jan(5)),
            Rejection::UnknownTariff {
                year: 2026,
                profile: vv5(),
                form: DeliveryForm::Verblijf,
            },
        )
    }

    pub fn no_region_budget() -> Case {
        case(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, T),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            start("c-1", provider_p(), jan(5)),
            Rejection::NoRegionBudget {
                region: region_a(),
                year: 2026,
            },
        )
    }

    pub fn region_budget_already_set() -> Case {
        case(
            vec![set_budget(region_a(), 2026, 100)],
            set_budget(region_a(), 2026, 200),
            Rejection::RegionBudgetAlreadySet {
                region: region_a(),
                year: 2026,
            },
        )
    }

    pub fn tariff_above_maximum() -> Case {
        case(
            vec![],
            contract(provider_p(), region_a(), 2026, 10, 10_001),
            Rejection::TariffAboveMaximum {
                provider: provider_p(),
                tariff_bp: 10_001,
            },
        )
    }

    pub fn carry_over_needs_tariff() -> Case {
        let mut history = in_care();
        history.push(contract(provider_p(), region_a(), 2027, 10, 10_000));
        case(
            history,
            set_budget(region_a(), 2027, 1_000_000_000),
            Rejection::CarryOverNeedsTariff {
                client: client("c-1"),
                year: 2027,
                profile: vv5(),
                form: DeliveryForm::Verblijf,
            },
        )
    }

    pub fn carry_over_needs_contract() -> Case {
        let mut history = in_care();
        history.push(tariff(2027, vv5(), DeliveryForm::Verblijf, T));
        case(
            history,
            set_budget(region_a(), 2027, 1_000_000_000),
            Rejection::CarryOverNeedsContract {
                client: client("c-1"),
                provider: provider_p(),
                year: 2027,
            },
        )
    }

    pub fn indication_exists() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(1), None)],
            grant("c-1", "I-1", vv6(), region_a(), jan(2), None),
            Rejection::IndicationExists {
                client: client("c-1"),
                indication: indication("I-1"),
            },
        )
    }

    pub fn unknown_indication() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(1), None)],
            withdraw("c-1", "I-2", jan(10), WithdrawalReason::Negative),
            Rejection::UnknownIndication {
                client: client("c-1"),
                indication: indication("I-2"),
            },
        )
    }

    pub fn indication_already_withdrawn() -> Case {
        case(
            vec![
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                withdraw("c-1", "I-1", jan(10), WithdrawalReason::Negative),
            ],
            withdraw("c-1", "I-1", jan(20), WithdrawalReason::Deceased),
            Rejection::IndicationAlreadyWithdrawn {
                client: client("c-1"),
                indication: indication("I-1"),
                on: jan(10),
            },
        )
    }

    pub fn withdrawal_before_indication() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(10), None)],
            withdraw("c-1", "I-1", jan(9), WithdrawalReason::Negative),
            Rejection::WithdrawalBeforeIndication {
                indication: indication("I-1"),
                from: jan(10),
                on: jan(9),
            },
        )
    }

    pub fn paid_days_after_withdrawal() -> Case {
        case(
            in_care_delivered(),
            withdraw("c-1", "I-c-1", jan(20), WithdrawalReason::Deceased),
            Rejection::PaidDaysAfterWithdrawal {
                client: client("c-1"),
                on: jan(20),
                day: jan(20),
            },
        )
    }

    pub fn no_valid_indication() -> Case {
        case(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                grant("c-1", "I-1", vv5(), region_a(), jan(10), None),
            ],
            choose("c-1", provider_p(), jan(9)),
            Rejection::NoValidIndication {
                client: client("c-1"),
                on: jan(9),
            },
        )
    }

    pub fn already_in_care_at_provider() -> Case {
        case(
            in_care(),
            choose("c-1", provider_p(), jan(20)),
            Rejection::AlreadyInCareAtProvider {
                client: client("c-1"),
                provider: provider_p(),
            },
        )
    }

    pub fn not_chosen() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(1), None)],
            withdraw_choice("c-1", provider_p(), jan(5)),
            Rejection::NotChosen {
                client: client("c-1"),
                provider: provider_p(),
                on: jan(5),
            },
        )
    }

    pub fn already_in_care() -> Case {
        // In care at P; the choice of P stays (off the list), so a second start reaches the rule.
        case(
            in_care(),
            start("c-1", provider_p(), jan(20)),
            Rejection::AlreadyInCare {
                client: client("c-1"),
                provider: provider_p(),
                since: jan(5),
            },
        )
    }

    pub fn care_overlaps() -> Case {
        let mut history = in_care();
        history.push(end("c-1", provider_p(), day(2026, 3, 1), EndReason::Ended));
        case(
            history,
            start("c-1", provider_p(), day(2026, 2, 1)),
            Rejection::CareOverlaps {
                client: client("c-1"),
                provider: provider_p(),
                until: day(2026, 3, 1),
                on: day(2026, 2, 1),
            },
        )
    }

    pub fn provider_full() -> Case {
        // A contract with no places: nobody can start. (With places taken, see below.)
        case(
            vec![
                contract(provider_p(), region_a(), 2026, 0, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, T),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            start("c-1", provider_p(), jan(5)),
            Rejection::ProviderFull {
                provider: provider_p(),
                places: 0,
                in_care: 0,
            },
        )
    }

    pub fn pool_exhausted() -> Case {
        case(
            vec![
                set_budget(region_a(), 2026, 7_681_999),
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, T),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            // 2026-02-01 reserves 334 days x 230.00 = 76,820.00: one cent short.
            start("c-1", provider_p(), day(2026, 2, 1)),
            Rejection::PoolExhausted {
                region: region_a(),
                year: 2026,
                balance: cents(7_681_999),
                needed: cents(7_682_000),
            },
        )
    }

    pub fn provider_budget_exhausted() -> Case {
        // Fixed policy, no production agreement: nothing is free at P.
        fixed(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, T),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            start("c-1", provider_p(), day(2026, 2, 1)),
            Rejection::ProviderBudgetExhausted {
                provider: provider_p(),
                region: region_a(),
                year: 2026,
                free: Money::ZERO,
                needed: cents(7_682_000),
            },
        )
    }

    pub fn not_in_care() -> Case {
        case(
            vec![grant("c-1", "I-1", vv5(), region_a(), jan(1), None)],
            end("c-1", provider_p(), jan(10), EndReason::Ended),
            Rejection::NotInCare {
                client: client("c-1"),
                provider: provider_p(),
            },
        )
    }

    pub fn end_before_start() -> Case {
        case(
            in_care(),
            end("c-1", provider_p(), jan(4), EndReason::Ended),
            Rejection::EndBeforeStart {
                client: client("c-1"),
                provider: provider_p(),
                started: jan(5),
                on: jan(4),
            },
        )
    }

    pub fn paid_days_after_end() -> Case {
        case(
            in_care_delivered(),
            end("c-1", provider_p(), jan(20), EndReason::Transfer),
            Rejection::PaidDaysAfterEnd {
                client: client("c-1"),
                on: jan(20),
                day: jan(20),
            },
        )
    }

    pub fn duplicate_reference() -> Case {
        case(
            in_care_delivered(),
            deliver("c-1", provider_p(), day(2026, 2, 1), day(2026, 3, 1), "D-1"),
            Rejection::DuplicateReference {
                reference: reference("D-1"),
            },
        )
    }

    pub fn delivery_crosses_year() -> Case {
        case(
            vec![],
            deliver(
                "c-1",
                provider_p(),
                day(2026, 12, 20),
                day(2027, 1, 5),
                "D-1",
            ),
            Rejection::DeliveryCrossesYear {
                from: day(2026, 12, 20),
                until: day(2027, 1, 5),
            },
        )
    }

    pub fn outside_care_interval() -> Case {
        case(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
            ],
            deliver("c-1", provider_p(), jan(5), jan(10), "D-1"),
            Rejection::OutsideCareInterval {
                client: client("c-1"),
                provider: provider_p(),
                from: jan(5),
                until: jan(10),
            },
        )
    }

    pub fn outside_indication() -> Case {
        // The indication runs out on 2026-02-01 (its `until`); care stays open.
        case(
            vec![
                set_budget(region_a(), 2026, 1_000_000_000),
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, T),
                grant(
                    "c-1",
                    "I-1",
                    vv5(),
                    region_a(),
                    jan(1),
                    Some(day(2026, 2, 1)),
                ),
                choose("c-1", provider_p(), jan(1)),
                start("c-1", provider_p(), jan(5)),
            ],
            deliver("c-1", provider_p(), jan(20), day(2026, 2, 10), "D-1"),
            Rejection::OutsideIndication {
                client: client("c-1"),
                day: day(2026, 2, 1),
            },
        )
    }

    pub fn already_paid() -> Case {
        case(
            in_care_delivered(),
            deliver("c-1", provider_p(), jan(20), day(2026, 2, 5), "D-2"),
            Rejection::AlreadyPaid {
                client: client("c-1"),
                day: jan(20),
            },
        )
    }

    pub fn amount_mismatch() -> Case {
        case(
            in_care(),
            Command::DeliverCare {
                client: client("c-1"),
                provider: provider_p(),
                from: jan(5),
                until: jan(15),
                reference: reference("D-1"),
                amount: Some(cents(229_999)),
            },
            Rejection::AmountMismatch {
                declared: cents(229_999),
                expected: cents(230_000),
                days: 10,
                day_tariff: cents(T),
            },
        )
    }

    pub fn unknown_delivery() -> Case {
        case(
            vec![],
            reverse("D-1"),
            Rejection::UnknownDelivery {
                reference: reference("D-1"),
            },
        )
    }

    pub fn already_reversed() -> Case {
        let mut history = in_care_delivered();
        history.push(reverse("D-1"));
        case(
            history,
            reverse("D-1"),
            Rejection::AlreadyReversed {
                reference: reference("D-1"),
            },
        )
    }

    pub fn ledger_only_transfer_reason() -> Case {
        case(
            vec![],
            transfer(
                Account::pool(region_a()),
                Account::provider(provider_p(), region_a()),
                2026,
                100,
                TransferReason::FollowsClient,
            ),
            Rejection::LedgerOnlyTransferReason {
                reason: TransferReason::FollowsClient,
            },
        )
    }

    pub fn non_positive_transfer() -> Case {
        case(
            vec![],
            transfer(
                Account::pool(region_a()),
                Account::pool(region_b()),
                2026,
                0,
                TransferReason::Reallocation,
            ),
            Rejection::NonPositiveTransfer {
                amount: Money::ZERO,
            },
        )
    }

    pub fn same_account() -> Case {
        case(
            vec![],
            transfer(
                Account::pool(region_a()),
                Account::pool(region_a()),
                2026,
                100,
                TransferReason::Reallocation,
            ),
            Rejection::SameAccount {
                account: Account::pool(region_a()),
            },
        )
    }

    pub fn transfer_date_outside_year() -> Case {
        case(
            vec![],
            Command::TransferBudget {
                from: Account::pool(region_a()),
                to: Account::pool(region_b()),
                year: 2026,
                amount: cents(100),
                reason: TransferReason::Reallocation,
                on: Some(day(2027, 1, 1)),
            },
            Rejection::TransferDateOutsideYear {
                on: day(2027, 1, 1),
                year: 2026,
            },
        )
    }

    pub fn unknown_account() -> Case {
        case(
            vec![],
            transfer(
                Account::pool(region_a()),
                Account::pool(region_b()),
                2026,
                100,
                TransferReason::Reallocation,
            ),
            Rejection::UnknownAccount {
                account: Account::pool(region_a()),
                year: 2026,
            },
        )
    }

    pub fn transfer_overdraws() -> Case {
        case(
            vec![
                set_budget(region_a(), 2026, 100),
                set_budget(region_b(), 2026, 0),
            ],
            transfer(
                Account::pool(region_a()),
                Account::pool(region_b()),
                2026,
                101,
                TransferReason::Reallocation,
            ),
            Rejection::TransferOverdraws {
                account: Account::pool(region_a()),
                year: 2026,
                balance: cents(100),
                amount: cents(101),
            },
        )
    }
}

/// Declares one `#[test]` per rule and the table the meta-test checks.
macro_rules! rules {
    ($($rule:ident => $case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                check(stringify!($rule), cases::$case());
            }
        )*

        /// Every (rule, case) pair declared above.
        const CASES: &[(&str, fn() -> Case)] = &[$((stringify!($rule), cases::$case)),*];
    };
}

rules! {
    InvalidYear => invalid_year,
    NegativeAmount => negative_amount,
    AmountOverflow => amount_overflow,
    EmptyPeriod => empty_period,
    UnknownClient => unknown_client,
    UnknownProvider => unknown_provider,
    UnknownTariff => unknown_tariff,
    NoRegionBudget => no_region_budget,
    RegionBudgetAlreadySet => region_budget_already_set,
    TariffAboveMaximum => tariff_above_maximum,
    CarryOverNeedsTariff => carry_over_needs_tariff,
    CarryOverNeedsContract => carry_over_needs_contract,
    IndicationExists => indication_exists,
    UnknownIndication => unknown_indication,
    IndicationAlreadyWithdrawn => indication_already_withdrawn,
    WithdrawalBeforeIndication => withdrawal_before_indication,
    PaidDaysAfterWithdrawal => paid_days_after_withdrawal,
    NoValidIndication => no_valid_indication,
    AlreadyInCareAtProvider => already_in_care_at_provider,
    NotChosen => not_chosen,
    AlreadyInCare => already_in_care,
    CareOverlaps => care_overlaps,
    ProviderFull => provider_full,
    PoolExhausted => pool_exhausted,
    ProviderBudgetExhausted => provider_budget_exhausted,
    NotInCare => not_in_care,
    EndBeforeStart => end_before_start,
    PaidDaysAfterEnd => paid_days_after_end,
    DuplicateReference => duplicate_reference,
    DeliveryCrossesYear => delivery_crosses_year,
    OutsideCareInterval => outside_care_interval,
    OutsideIndication => outside_indication,
    AlreadyPaid => already_paid,
    AmountMismatch => amount_mismatch,
    UnknownDelivery => unknown_delivery,
    AlreadyReversed => already_reversed,
    LedgerOnlyTransferReason => ledger_only_transfer_reason,
    NonPositiveTransfer => non_positive_transfer,
    SameAccount => same_account,
    TransferDateOutsideYear => transfer_date_outside_year,
    UnknownAccount => unknown_account,
    TransferOverdraws => transfer_overdraws,
}

#[test]
fn every_rule_has_a_case_and_every_case_holds() {
    let names: Vec<&str> = CASES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        Rejection::RULES,
        "the cases must name Rejection::RULES, in its order"
    );
    let mut seen = std::collections::BTreeSet::new();
    for (rule, make) in CASES {
        assert!(seen.insert(*rule), "{rule} has two cases");
        check(rule, make());
    }
}

#[test]
fn rule_names_match_variants() {
    // `rule()` of every case's expectation is its table name (checked in `check`), and the
    // names in RULES are distinct.
    let distinct: std::collections::BTreeSet<&str> = Rejection::RULES.iter().copied().collect();
    assert_eq!(distinct.len(), Rejection::RULES.len());
    assert_eq!(Rejection::RULES.len(), 42);
}

// ----- further cases of the same rules, beyond the smallest -----

#[test]
fn provider_full_when_every_place_is_taken() {
    // One place, taken by c-1; c-2 chose P too.
    let mut history = in_care_history("c-1", jan(5), 1);
    history.push(grant("c-2", "I-2", vv5(), region_a(), jan(1), None));
    history.push(choose("c-2", provider_p(), jan(2)));
    check(
        "ProviderFull",
        case(
            history,
            start("c-2", provider_p(), jan(10)),
            Rejection::ProviderFull {
                provider: provider_p(),
                places: 1,
                in_care: 1,
            },
        ),
    );
}

#[test]
fn already_in_care_elsewhere() {
    let mut history = in_care();
    history.push(contract(provider_q(), region_a(), 2026, 10, 10_000));
    history.push(choose("c-1", provider_q(), jan(10)));
    check(
        "AlreadyInCare",
        case(
            history,
            start("c-1", provider_q(), jan(20)),
            Rejection::AlreadyInCare {
                client: client("c-1"),
                provider: provider_p(),
                since: jan(5),
            },
        ),
    );
}

#[test]
fn not_chosen_when_the_choice_is_later_than_the_start() {
    let mut history = vec![
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
    ];
    history.push(choose("c-1", provider_p(), jan(10)));
    check(
        "NotChosen",
        case(
            history,
            start("c-1", provider_p(), jan(9)),
            Rejection::NotChosen {
                client: client("c-1"),
                provider: provider_p(),
                on: jan(9),
            },
        ),
    );
}

#[test]
fn amount_overflow_of_a_reservation() {
    check(
        "AmountOverflow",
        fixed(
            vec![
                contract(provider_p(), region_a(), 2026, 10, 10_000),
                tariff(2026, vv5(), DeliveryForm::Verblijf, i64::MAX / 2),
                grant("c-1", "I-1", vv5(), region_a(), jan(1), None),
                choose("c-1", provider_p(), jan(1)),
            ],
            start("c-1", provider_p(), jan(5)),
            Rejection::AmountOverflow {
                what: "reservation",
            },
        ),
    );
}

#[test]
fn delivery_in_a_withdrawn_indication_is_outside_it() {
    // Withdrawn on 2026-02-01 for another reason than death: care ends that day too, so the
    // care interval refuses first.
    let mut history = in_care();
    history.push(withdraw(
        "c-1",
        "I-c-1",
        day(2026, 2, 1),
        WithdrawalReason::Negative,
    ));
    check(
        "OutsideCareInterval",
        case(
            history,
            deliver("c-1", provider_p(), jan(20), day(2026, 2, 10), "D-1"),
            Rejection::OutsideCareInterval {
                client: client("c-1"),
                provider: provider_p(),
                from: jan(20),
                until: day(2026, 2, 10),
            },
        ),
    );
}
