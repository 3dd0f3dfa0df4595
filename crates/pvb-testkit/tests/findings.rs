//! What the kit found (docs/AUDITORS.md, "Findings"): command sequences that
//! `pvb_core::decide` accepts although the events they write break an auditor invariant, and
//! two leaks of a BSN in `pvb::jsonl` refusals. They were reported, not fixed here: the rule
//! fixes are more than one line in `rules.rs`, and `pvb::jsonl` is not this work's crate.
//!
//! Each test pins today's behaviour: the rules accept every command, the kit reports the
//! invariant, and the fuzz harness recognises the finding (so fuzzing goes on looking for new
//! ones). When a rule is fixed, its test fails: turn it into a regression test that expects
//! the command to be refused, and remove the finding from `harness::known_finding`.

use pvb_core::*;
use pvb_testkit::harness::known_finding;
use pvb_testkit::invariants;
use pvb_testkit::replay::run_history;
use pvb_testkit::universe::{client, day, indication, profile, provider, reference, region};

fn base(places: u32) -> Vec<Command> {
    let mut commands = vec![
        Command::SetRegionBudget {
            region: region(0),
            year: 2026,
            amount: Money::from_cents(1_000_000_000),
        },
        Command::SetTariff {
            year: 2026,
            profile: profile(0),
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(20_000),
        },
    ];
    for p in 0..2 {
        commands.push(Command::ContractProvider {
            provider: provider(p),
            region: region(0),
            year: 2026,
            places,
            tariff_bp: 10_000,
        });
    }
    for c in 0..2 {
        commands.push(Command::GrantIndication {
            client: client(c),
            indication: indication(c, 0),
            profile: profile(0),
            region: region(0),
            from: day(0),
            until: None,
        });
        commands.push(choose(c, 0, 1));
    }
    commands
}

fn choose(c: usize, p: usize, on: i64) -> Command {
    Command::ChooseProvider {
        client: client(c),
        provider: provider(p),
        form: DeliveryForm::Verblijf,
        on: day(on),
        urgency: Urgency::Active,
    }
}

fn start(c: usize, p: usize, on: i64) -> Command {
    Command::StartCare {
        client: client(c),
        provider: provider(p),
        on: day(on),
    }
}

fn end(c: usize, p: usize, on: i64) -> Command {
    Command::EndCare {
        client: client(c),
        provider: provider(p),
        on: day(on),
        reason: EndReason::Ended,
    }
}

/// Every command is accepted; `invariant` is reported and recognised as `finding`.
#[track_caller]
fn pinned(commands: &[Command], invariant: &str, finding: &str) {
    let (events, rejections) = run_history(commands, Policy::PersonFollowing);
    assert!(rejections.is_empty(), "{rejections:?}");
    let report = invariants::check_all(&events);
    let found: Vec<_> = report.of(invariant).collect();
    assert!(!found.is_empty(), "{report}");
    for violation in found {
        assert_eq!(
            known_finding(violation, &events),
            Some(finding),
            "{violation}"
        );
    }
}

/// `ProviderFull` counts the clients in care in log order, not on the start's date: with one
/// place, a start dated before a recorded end fills the place twice on those days.
#[test]
fn a_back_dated_start_fills_a_place_twice() {
    let mut commands = base(1);
    commands.extend([start(0, 0, 10), end(0, 0, 20), start(1, 0, 15)]);
    pinned(&commands, "INV-14", "capacity-by-date");
}

/// The same after an end dated in the future: the place counts as free at once.
#[test]
fn a_start_after_an_end_dated_in_the_future_fills_a_place_twice() {
    let mut commands = base(1);
    commands.extend([start(0, 0, 10), end(0, 0, 40), start(1, 0, 12)]);
    pinned(&commands, "INV-14", "capacity-by-date");
}

/// Under person-following financing the office may reallocate the money that followed a
/// client away from the provider (`TransferOverdraws` looks at the balance only); the release
/// when care ends then overdraws the provider's account.
#[test]
fn a_release_overdraws_a_provider_account_drained_by_a_reallocation() {
    let mut commands = base(2);
    commands.extend([
        start(0, 0, 10),
        Command::TransferBudget {
            from: Account::provider(provider(0), region(0)),
            to: Account::pool(region(0)),
            year: 2026,
            amount: Money::from_cents(20_000 * 355),
            reason: TransferReason::Reallocation,
            on: None,
        },
        end(0, 0, 20),
    ]);
    pinned(&commands, "INV-09", "release-overdraws");
}

/// A withdrawal for death withdraws one indication; with a second one still valid the client
/// chooses, starts care and is paid after its death.
#[test]
fn care_after_death_with_a_second_indication() {
    let mut commands = base(2);
    commands.extend([
        Command::GrantIndication {
            client: client(0),
            indication: indication(0, 1),
            profile: profile(0),
            region: region(0),
            from: day(5),
            until: None,
        },
        start(0, 0, 10),
        Command::WithdrawIndication {
            client: client(0),
            indication: indication(0, 0),
            on: day(20),
            reason: WithdrawalReason::Deceased,
        },
        choose(0, 1, 21),
        start(0, 1, 21),
        Command::DeliverCare {
            client: client(0),
            provider: provider(1),
            from: day(21),
            until: day(25),
            reference: reference(1),
            amount: None,
        },
    ]);
    pinned(&commands, "INV-11", "death-not-final");
}

/// Not an invariant the kit checks (INV-08 is not expressed by the events alone), but worth
/// knowing: care running into a year whose region budget is not set yet is paid without any
/// reservation for that year.
#[test]
fn deliveries_in_a_year_without_a_region_budget_are_accepted() {
    let mut commands = base(2);
    commands.extend([
        start(0, 0, 300),
        Command::ContractProvider {
            provider: provider(0),
            region: region(0),
            year: 2027,
            places: 2,
            tariff_bp: 10_000,
        },
        Command::SetTariff {
            year: 2027,
            profile: profile(0),
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(20_000),
        },
        Command::DeliverCare {
            client: client(0),
            provider: provider(0),
            from: day(370),
            until: day(380),
            reference: reference(1),
            amount: None,
        },
    ]);
    let (events, rejections) = run_history(&commands, Policy::PersonFollowing);
    assert!(rejections.is_empty(), "{rejections:?}");
    assert!(events
        .iter()
        .any(|(_, e)| matches!(e, Event::CareDelivered(d) if d.from.year() == 2027)));
    assert!(!events
        .iter()
        .any(|(_, e)| matches!(e, Event::BudgetReserved(r) if r.year == 2027)));
}

/// Regression (fixed): a JSON line refused for an unknown field named the field as written, so a
/// BSN used as a key reached the rejections report in clear. `LineError::field` now passes the
/// name through `redact_bsns`. Found by the `jsonl_line` fuzz target.
#[test]
fn a_bsn_as_a_field_name_is_not_repeated_in_the_refusal() {
    let line = r#"{"type":"deliver_care","999999990t":"c-0"}"#;
    let refusal = pvb::jsonl::parse_line(line, &Pseudonymiser::new([7; 32]))
        .expect_err("an unknown field is refused");
    assert!(!refusal.to_string().contains("999999990"), "{refusal}");
}

/// A choice dated inside an ended care interval at the same provider is accepted
/// (`AlreadyInCareAtProvider` looks at the care open now): on those days the client is both in
/// care at the provider and on its list. Found by the `ledger_vs_model` fuzz target.
#[test]
fn a_back_dated_choice_lists_a_client_where_it_was_in_care() {
    let mut commands = base(2);
    commands.extend([start(0, 0, 10), end(0, 0, 40), choose(0, 0, 20)]);
    pinned(&commands, "INV-14", "listing-by-date");
}

/// By design `redact_bsns` hides only 9-digit runs that pass the 11-proef: 8-digit runs are
/// provider (AGB) codes far more often than legacy BSNs, and hiding one code in eleven would
/// make messages unreadable. A legacy 8-digit BSN given where it belongs (`"bsn"`) is never
/// echoed, and one given as a `"client"` reference is refused. Found by the `jsonl_line` fuzz
/// target; kept as a pinned decision.
#[test]
fn an_eight_digit_bsn_is_not_redacted() {
    assert!(Bsn::parse("00620026").is_ok());
    assert_eq!(pvb::jsonl::redact_bsns("x 00620026 y"), "x 00620026 y");
    assert_eq!(pvb::jsonl::redact_bsns("x 999999990 y"), "x ********* y");
}

/// A withdrawal for death dated before an end of care that is already recorded ends nothing
/// (only open care is ended): the care interval and its reservation run past the death. Found by
/// the `ledger_vs_model` fuzz target.
#[test]
fn a_back_dated_death_leaves_a_later_end_of_care_in_place() {
    let mut commands = base(2);
    commands.extend([
        start(0, 0, 10),
        end(0, 0, 40),
        Command::WithdrawIndication {
            client: client(0),
            indication: indication(0, 0),
            on: day(30),
            reason: WithdrawalReason::Deceased,
        },
    ]);
    pinned(&commands, "INV-11", "death-back-dated");
}
