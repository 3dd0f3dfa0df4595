//! DESIGN.md section 6 (waiting-list rules) and the care lifecycle, as the write-side state
//! keeps them: choices and lists, one care at a time, ends, deaths, deliveries and reversals.

mod common;

use common::*;
use pvb_core::*;

const T: i64 = 23_000;

fn setup(ledger: &mut Ledger) {
    ledger.ok_all(&[
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, 10, 10_000),
        contract(provider_q(), region_a(), 2026, 10, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, T),
        tariff(2026, vv5(), DeliveryForm::Vpt, 20_000),
        grant("c-1", "I-1", vv5(), region_a(), day(2026, 1, 1), None),
    ]);
}

fn choice(ledger: &Ledger, provider: ProviderId) -> Option<ChoiceState> {
    ledger
        .state
        .client(&client("c-1"))
        .and_then(|c| c.choice(provider).cloned())
}

#[test]
fn a_repeated_choice_changes_the_status_and_keeps_the_place() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok(&choose("c-1", provider_p(), day(2026, 1, 10)));
    let first = choice(&ledger, provider_p()).expect("chosen");
    assert!(first.listed);
    assert_eq!(
        (first.on, first.urgency),
        (day(2026, 1, 10), Urgency::Active)
    );
    ledger.ok(&Command::ChooseProvider {
        client: client("c-1"),
        provider: provider_p(),
        form: DeliveryForm::Verblijf,
        on: day(2026, 2, 10),
        urgency: Urgency::Urgent,
    });
    let again = choice(&ledger, provider_p()).expect("chosen");
    assert_eq!(
        (again.on, again.urgency, again.listed),
        (day(2026, 1, 10), Urgency::Urgent, true),
        "the original choice date stays"
    );
}

#[test]
fn a_withdrawn_choice_leaves_the_list_and_no_assignment() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok(&choose("c-1", provider_p(), day(2026, 1, 10)));
    ledger.ok(&withdraw_choice("c-1", provider_p(), day(2026, 1, 20)));
    assert!(choice(&ledger, provider_p()).is_none());
    assert_eq!(
        ledger.probe(&start("c-1", provider_p(), day(2026, 2, 1))),
        Err(Rejection::NotChosen {
            client: client("c-1"),
            provider: provider_p(),
            on: day(2026, 2, 1),
        })
    );
}

#[test]
fn starting_care_anywhere_removes_the_client_from_every_list() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok(&choose("c-1", provider_p(), day(2026, 1, 10)));
    ledger.ok(&choose("c-1", provider_q(), day(2026, 1, 11)));
    let events = ledger.ok(&start("c-1", provider_q(), day(2026, 2, 1)));
    match &events[0] {
        Event::CareStarted(e) => {
            assert_eq!(
                (e.region, e.profile, e.form),
                (region_a(), vv5(), DeliveryForm::Verblijf)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!choice(&ledger, provider_p()).expect("kept").listed);
    assert!(!choice(&ledger, provider_q()).expect("kept").listed);
    assert_eq!(ledger.state.in_care(provider_q()), 1);
}

#[test]
fn the_delivery_form_of_the_choice_prices_the_care() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok(&Command::ChooseProvider {
        client: client("c-1"),
        provider: provider_p(),
        form: DeliveryForm::Vpt,
        on: day(2026, 1, 10),
        urgency: Urgency::Preference,
    });
    let events = ledger.ok(&start("c-1", provider_p(), day(2026, 12, 22)));
    assert!(events.contains(&Event::BudgetReserved(BudgetReserved {
        client: client("c-1"),
        provider: provider_p(),
        region: region_a(),
        year: 2026,
        from: day(2026, 12, 22),
        days: 10,
        amount: cents(200_000),
    })));
}

#[test]
fn a_client_is_in_care_at_one_provider_at_a_time_and_can_switch() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok_all(&[
        choose("c-1", provider_p(), day(2026, 1, 10)),
        start("c-1", provider_p(), day(2026, 2, 1)),
        choose("c-1", provider_q(), day(2026, 3, 1)),
    ]);
    assert!(choice(&ledger, provider_q()).expect("chosen").listed);
    assert!(matches!(
        ledger.probe(&start("c-1", provider_q(), day(2026, 4, 1))),
        Err(Rejection::AlreadyInCare { .. })
    ));
    // The switch: end at P and start at Q on the same day.
    ledger.ok(&end(
        "c-1",
        provider_p(),
        day(2026, 4, 1),
        EndReason::Transfer,
    ));
    ledger.ok(&start("c-1", provider_q(), day(2026, 4, 1)));
    assert_eq!(ledger.state.in_care(provider_p()), 0);
    assert_eq!(ledger.state.in_care(provider_q()), 1);
    // P keeps February and March reserved; Q from April.
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(T * 59)
    );
    assert_eq!(
        ledger.state.reserved(provider_q(), region_a(), 2026),
        cents(T * 275)
    );
    // A delivery across the switch belongs to neither provider; each side alone is fine.
    assert!(matches!(
        ledger.probe(&deliver(
            "c-1",
            provider_p(),
            day(2026, 3, 20),
            day(2026, 4, 10),
            "D-1"
        )),
        Err(Rejection::OutsideCareInterval { .. })
    ));
    ledger.ok(&deliver(
        "c-1",
        provider_p(),
        day(2026, 3, 20),
        day(2026, 4, 1),
        "D-1",
    ));
    ledger.ok(&deliver(
        "c-1",
        provider_q(),
        day(2026, 4, 1),
        day(2026, 4, 10),
        "D-2",
    ));
}

#[test]
fn a_death_ends_care_releases_and_empties_every_list() {
    for (reason, end_reason) in [
        (WithdrawalReason::Deceased, EndReason::Deceased),
        (WithdrawalReason::Negative, EndReason::Ended),
        (WithdrawalReason::Reassessed, EndReason::Ended),
        (WithdrawalReason::Moved, EndReason::Ended),
    ] {
        let mut ledger = Ledger::new(Policy::PersonFollowing);
        setup(&mut ledger);
        ledger.ok_all(&[
            choose("c-1", provider_p(), day(2026, 1, 10)),
            choose("c-1", provider_q(), day(2026, 1, 10)),
            start("c-1", provider_p(), day(2026, 2, 1)),
            choose("c-1", provider_q(), day(2026, 2, 10)),
            deliver("c-1", provider_p(), day(2026, 2, 1), day(2026, 3, 1), "D-1"),
        ]);
        let events = ledger.ok(&withdraw("c-1", "I-1", day(2026, 3, 1), reason));
        assert_eq!(
            events.iter().map(Event::name).collect::<Vec<_>>(),
            vec![
                "IndicationWithdrawn",
                "CareEnded",
                "BudgetReleased",
                "BudgetTransferred"
            ]
        );
        assert_eq!(
            events[1],
            Event::CareEnded(CareEnded {
                client: client("c-1"),
                provider: provider_p(),
                on: day(2026, 3, 1),
                reason: end_reason,
            })
        );
        let c = ledger.state.client(&client("c-1")).expect("known");
        assert!(c.choices.iter().all(|x| !x.listed), "off every list");
        assert!(c.open_care().is_none());
        assert_eq!(ledger.state.in_care(provider_p()), 0);
        assert_eq!(
            ledger.state.reserved(provider_p(), region_a(), 2026),
            cents(T * 28)
        );
        // Nothing can be chosen, started or paid after it.
        assert!(matches!(
            ledger.probe(&choose("c-1", provider_q(), day(2026, 3, 2))),
            Err(Rejection::NoValidIndication { .. })
        ));
        assert!(matches!(
            ledger.probe(&deliver(
                "c-1",
                provider_p(),
                day(2026, 3, 1),
                day(2026, 3, 5),
                "D-2"
            )),
            Err(Rejection::OutsideCareInterval { .. })
        ));
    }
}

#[test]
fn a_withdrawal_keeps_paid_days_another_indication_covers() {
    // Care at P ended; days paid after the withdrawal date stay valid under a second
    // indication, so the withdrawal is accepted.
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    setup(&mut ledger);
    ledger.ok_all(&[
        grant("c-1", "I-2", vv5(), region_a(), day(2026, 2, 15), None),
        choose("c-1", provider_p(), day(2026, 1, 10)),
        start("c-1", provider_p(), day(2026, 2, 1)),
        deliver("c-1", provider_p(), day(2026, 2, 1), day(2026, 3, 1), "D-1"),
        end("c-1", provider_p(), day(2026, 3, 1), EndReason::Ended),
    ]);
    assert_eq!(
        ledger.probe(&withdraw(
            "c-1",
            "I-1",
            day(2026, 2, 10),
            WithdrawalReason::Reassessed
        )),
        Err(Rejection::PaidDaysAfterWithdrawal {
            client: client("c-1"),
            on: day(2026, 2, 10),
            day: day(2026, 2, 10),
        })
    );
    ledger.ok(&withdraw(
        "c-1",
        "I-1",
        day(2026, 2, 15),
        WithdrawalReason::Reassessed,
    ));
}

#[test]
fn reversal_frees_the_days_for_a_new_declaration() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&in_care_history("c-1", day(2026, 1, 5), 10));
    ledger.ok(&deliver(
        "c-1",
        provider_p(),
        day(2026, 1, 5),
        day(2026, 2, 1),
        "D-1",
    ));
    let reversed = ledger.ok(&reverse("D-1"));
    assert_eq!(
        reversed,
        vec![Event::DeliveryReversed(DeliveryReversed {
            reference: reference("D-1"),
            reason: note("wrong period"),
            client: client("c-1"),
            provider: provider_p(),
            region: region_a(),
            from: day(2026, 1, 5),
            until: day(2026, 2, 1),
            days: 27,
            amount: cents(T * 27),
        })]
    );
    // The correction is a new delivery with a new reference; the old one stays used.
    assert!(matches!(
        ledger.probe(&deliver(
            "c-1",
            provider_p(),
            day(2026, 1, 5),
            day(2026, 1, 20),
            "D-1"
        )),
        Err(Rejection::DuplicateReference { .. })
    ));
    ledger.ok(&deliver(
        "c-1",
        provider_p(),
        day(2026, 1, 5),
        day(2026, 1, 20),
        "D-2",
    ));
    // Reversing only frees its own days: D-2's remain paid.
    assert!(matches!(
        ledger.probe(&deliver(
            "c-1",
            provider_p(),
            day(2026, 1, 10),
            day(2026, 1, 12),
            "D-3"
        )),
        Err(Rejection::AlreadyPaid { .. })
    ));
    // Deliveries do not change the reservation.
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        cents(T * 361)
    );
}

#[test]
fn an_empty_care_interval_releases_everything() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&in_care_history("c-1", day(2026, 1, 5), 10));
    let events = ledger.ok(&end("c-1", provider_p(), day(2026, 1, 5), EndReason::Ended));
    assert!(events.contains(&Event::BudgetReleased(BudgetReleased {
        client: client("c-1"),
        provider: provider_p(),
        region: region_a(),
        year: 2026,
        from: day(2026, 1, 5),
        days: 361,
        amount: cents(T * 361),
    })));
    assert_eq!(
        ledger.state.reserved(provider_p(), region_a(), 2026),
        Money::ZERO
    );
    assert_eq!(
        ledger.state.balance(Account::pool(region_a()), 2026),
        cents(1_000_000_000)
    );
    // Care may start again that same day.
    ledger.ok(&start("c-1", provider_p(), day(2026, 1, 5)));
}
