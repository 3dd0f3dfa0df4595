//! The scratch copy against the ledger: the client facts after a command sequence, as
//! `decide` and `State::apply` give them, equal the scratch copy's.

use pvb_core::{
    decide, Bsn, ClientId, Command, DeliveryForm, EndReason, IndicationId, Money, Note, Policy,
    Profile, ProviderId, Pseudonymiser, RegionId, State, Urgency, WithdrawalReason,
};
use time::macros::date;

use super::Scratch;

fn ledger_with(commands: &[Command]) -> State {
    let mut state = State::new();
    for command in commands {
        let events = decide(&state, command, Policy::PersonFollowing).expect("accepted");
        for event in &events {
            state.apply(event);
        }
    }
    state
}

#[test]
fn scratch_follows_the_ledger() {
    let region = RegionId::new(5531).expect("region");
    let p1 = ProviderId::new(12_345_678).expect("provider");
    let p2 = ProviderId::new(23_456_789).expect("provider");
    let five = Profile::parse("5VV").expect("profile");
    let six = Profile::parse("6VV").expect("profile");
    let client: ClientId =
        Pseudonymiser::new([3; 32]).client_id(&Bsn::parse("628194821").expect("bsn"));
    let preamble = vec![
        Command::SetRegionBudget {
            region,
            year: 2026,
            amount: Money::from_cents(10_000_000_000),
        },
        Command::ContractProvider {
            provider: p1,
            region,
            year: 2026,
            places: 10,
            tariff_bp: 10_000,
        },
        Command::ContractProvider {
            provider: p2,
            region,
            year: 2026,
            places: 10,
            tariff_bp: 10_000,
        },
        Command::SetTariff {
            year: 2026,
            profile: five,
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(23_000),
        },
        Command::SetTariff {
            year: 2026,
            profile: six,
            form: DeliveryForm::Verblijf,
            day_tariff: Money::from_cents(25_000),
        },
    ];
    let b1 = IndicationId::parse("1-754").expect("id");
    let b2 = IndicationId::parse("2-755").expect("id");
    let script = vec![
        Command::GrantIndication {
            client: client.clone(),
            indication: b1.clone(),
            profile: five,
            region,
            from: date!(2026 - 01 - 01),
            until: None,
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider: p1,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 01 - 02),
            urgency: Urgency::Active,
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider: p2,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 01 - 03),
            urgency: Urgency::Preference,
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider: p1,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 01 - 09),
            urgency: Urgency::Urgent,
        },
        Command::StartCare {
            client: client.clone(),
            provider: p1,
            on: date!(2026 - 01 - 10),
        },
        Command::EndCare {
            client: client.clone(),
            provider: p1,
            on: date!(2026 - 02 - 01),
            reason: EndReason::Transfer,
        },
        Command::StartCare {
            client: client.clone(),
            provider: p2,
            on: date!(2026 - 02 - 01),
        },
        Command::WithdrawIndication {
            client: client.clone(),
            indication: b1,
            on: date!(2026 - 03 - 01),
            reason: WithdrawalReason::Reassessed,
        },
        Command::GrantIndication {
            client: client.clone(),
            indication: b2,
            profile: six,
            region,
            from: date!(2026 - 03 - 01),
            until: Some(date!(2026 - 09 - 01)),
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider: p1,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 03 - 02),
            urgency: Urgency::Active,
        },
        Command::WithdrawChoice {
            client: client.clone(),
            provider: p1,
            on: date!(2026 - 03 - 05),
            reason: Note::new("overdracht").expect("note"),
        },
        Command::ChooseProvider {
            client: client.clone(),
            provider: p2,
            form: DeliveryForm::Verblijf,
            on: date!(2026 - 03 - 06),
            urgency: Urgency::Precaution,
        },
    ];
    let base = ledger_with(&preamble);
    for cut in 0..=script.len() {
        let mut all = preamble.clone();
        all.extend_from_slice(&script[..cut]);
        let ledger = ledger_with(&all);
        let mut scratch = Scratch::new(&base);
        for command in &script[..cut] {
            scratch.apply(command);
        }
        let want = ledger.client(&client);
        let got = scratch.client(&client);
        match (want, got) {
            (None, None) => {}
            (Some(want), Some(got)) => {
                assert_eq!(want.indications, got.indications, "after {cut} commands");
                assert_eq!(want.choices, got.choices, "after {cut} commands");
                let strip = |c: &pvb_core::ClientState| {
                    c.care
                        .iter()
                        .map(|i| (i.provider, i.from, i.until, i.region, i.profile, i.form))
                        .collect::<Vec<_>>()
                };
                assert_eq!(strip(want), strip(got), "after {cut} commands");
            }
            other => panic!("after {cut} commands: {other:?}"),
        }
    }
}
