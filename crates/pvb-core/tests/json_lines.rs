//! The JSON Lines form of every `Command` (DESIGN.md section 8): the twelve example lines
//! deserialize to the commands they describe, serialize back to the same JSON, and the
//! optional fields and alternative spellings work. Every event kind round-trips through its
//! JSON view too.

mod common;

use common::*;
use pvb_core::*;
use serde_json::Value;

/// DESIGN.md section 8, verbatim.
const DESIGN_LINES: [&str; 12] = [
    r#"{"type":"set_region_budget","region":5531,"year":2026,"amount":2500000000}"#,
    r#"{"type":"contract_provider","provider":"12345678","region":5531,"year":2026,"places":40,"tariff_bp":9700}"#,
    r#"{"type":"set_tariff","year":2026,"profile":"5VV","form":"verblijf","day_tariff":23000}"#,
    r#"{"type":"grant_indication","client":"c-17","indication":"B-2026-17","profile":"5VV","region":5531,"from":"2026-01-01"}"#,
    r#"{"type":"choose_provider","client":"c-17","provider":"12345678","form":"verblijf","on":"2026-01-01","urgency":"active"}"#,
    r#"{"type":"start_care","client":"c-17","provider":"12345678","on":"2026-01-05"}"#,
    r#"{"type":"deliver_care","client":"c-17","provider":"12345678","from":"2026-01-05","until":"2026-02-01","ref":"D-1"}"#,
    r#"{"type":"reverse_delivery","ref":"D-1","reason":"wrong period"}"#,
    r#"{"type":"withdraw_choice","client":"c-17","provider":"12345678","on":"2026-01-20","reason":"no longer wanted"}"#,
    r#"{"type":"end_care","client":"c-17","provider":"12345678","on":"2026-03-01","reason":"transfer"}"#,
    r#"{"type":"withdraw_indication","client":"c-17","indication":"B-2026-17","on":"2026-06-01","reason":"deceased"}"#,
    r#"{"type":"transfer_budget","from":{"pool":5531},"to":{"provider":"12345678","region":5531},"year":2026,"amount":100000,"reason":"reallocation"}"#,
];

/// The commands the twelve lines describe.
fn design_commands() -> Vec<Command> {
    let c17 = "c-17";
    vec![
        set_budget(region_a(), 2026, 2_500_000_000),
        contract(provider_p(), region_a(), 2026, 40, 9_700),
        tariff(2026, vv5(), DeliveryForm::Verblijf, 23_000),
        grant(c17, "B-2026-17", vv5(), region_a(), day(2026, 1, 1), None),
        choose(c17, provider_p(), day(2026, 1, 1)),
        start(c17, provider_p(), day(2026, 1, 5)),
        deliver(c17, provider_p(), day(2026, 1, 5), day(2026, 2, 1), "D-1"),
        reverse("D-1"),
        withdraw_choice(c17, provider_p(), day(2026, 1, 20)),
        end(c17, provider_p(), day(2026, 3, 1), EndReason::Transfer),
        withdraw(
            c17,
            "B-2026-17",
            day(2026, 6, 1),
            WithdrawalReason::Deceased,
        ),
        transfer(
            Account::pool(region_a()),
            Account::provider(provider_p(), region_a()),
            2026,
            100_000,
            TransferReason::Reallocation,
        ),
    ]
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn design_lines_deserialize_to_their_commands() {
    for (line, expected) in DESIGN_LINES.iter().zip(design_commands()) {
        let command: Command = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{line} does not deserialize: {e}"));
        assert_eq!(command, expected, "{line}");
        assert_eq!(
            value(line)["type"].as_str(),
            Some(command.kind()),
            "kind() is the line's type"
        );
    }
}

#[test]
fn design_lines_serialize_back_to_the_same_json() {
    for line in DESIGN_LINES {
        let command: Command = serde_json::from_str(line).expect("deserializes");
        let written = serde_json::to_string(&command).expect("serializes");
        assert_eq!(
            value(&written),
            value(line),
            "{line} came back as {written}"
        );
        // One line: JSON Lines.
        assert!(!written.contains('\n'));
        let again: Command = serde_json::from_str(&written).expect("deserializes again");
        assert_eq!(again, command);
    }
}

#[test]
fn every_command_variant_is_covered() {
    let kinds: std::collections::BTreeSet<&str> =
        design_commands().iter().map(Command::kind).collect();
    assert_eq!(kinds.len(), 12, "the twelve lines are the twelve commands");
}

#[test]
fn optional_fields() {
    let lines = [
        (
            r#"{"type":"grant_indication","client":"c-17","indication":"B-2026-17","profile":"5VV","region":5531,"from":"2026-01-01","until":"2026-07-01"}"#,
            grant(
                "c-17",
                "B-2026-17",
                vv5(),
                region_a(),
                day(2026, 1, 1),
                Some(day(2026, 7, 1)),
            ),
        ),
        (
            r#"{"type":"deliver_care","client":"c-17","provider":"12345678","from":"2026-01-05","until":"2026-02-01","ref":"D-1","amount":621000}"#,
            Command::DeliverCare {
                client: client("c-17"),
                provider: provider_p(),
                from: day(2026, 1, 5),
                until: day(2026, 2, 1),
                reference: reference("D-1"),
                amount: Some(cents(621_000)),
            },
        ),
        (
            r#"{"type":"transfer_budget","from":{"provider":"12345678","region":5531},"to":{"pool":5531},"year":2026,"amount":5,"reason":"production_agreement","on":"2026-03-01"}"#,
            Command::TransferBudget {
                from: Account::provider(provider_p(), region_a()),
                to: Account::pool(region_a()),
                year: 2026,
                amount: cents(5),
                reason: TransferReason::ProductionAgreement,
                on: Some(day(2026, 3, 1)),
            },
        ),
    ];
    for (line, expected) in lines {
        let command: Command = serde_json::from_str(line).expect("deserializes");
        assert_eq!(command, expected);
        let written = serde_json::to_string(&command).expect("serializes");
        assert_eq!(value(&written), value(line));
    }
}

#[test]
fn enumerations_are_snake_case() {
    for (name, urgency) in [
        ("urgent", Urgency::Urgent),
        ("active", Urgency::Active),
        ("preference", Urgency::Preference),
        ("precaution", Urgency::Precaution),
    ] {
        assert_eq!(
            serde_json::to_value(urgency).expect("serializes"),
            Value::from(name)
        );
        assert_eq!(urgency.name(), name);
    }
    for (name, reason) in [
        ("follows_client", TransferReason::FollowsClient),
        ("production_agreement", TransferReason::ProductionAgreement),
        ("reallocation", TransferReason::Reallocation),
        ("release", TransferReason::Release),
    ] {
        assert_eq!(
            serde_json::to_value(reason).expect("serializes"),
            Value::from(name)
        );
    }
    for (name, reason) in [
        ("transfer", EndReason::Transfer),
        ("deceased", EndReason::Deceased),
        ("ended", EndReason::Ended),
    ] {
        assert_eq!(
            serde_json::to_value(reason).expect("serializes"),
            Value::from(name)
        );
    }
    for (name, reason) in [
        ("deceased", WithdrawalReason::Deceased),
        ("reassessed", WithdrawalReason::Reassessed),
        ("negative", WithdrawalReason::Negative),
        ("moved", WithdrawalReason::Moved),
    ] {
        assert_eq!(
            serde_json::to_value(reason).expect("serializes"),
            Value::from(name)
        );
    }
    for form in DeliveryForm::ALL {
        assert_eq!(
            serde_json::to_value(form).expect("serializes"),
            Value::from(form.name())
        );
    }
}

#[test]
fn profiles_in_three_spellings() {
    let base =
        r#"{"type":"set_tariff","year":2026,"profile":"P","form":"verblijf","day_tariff":23000}"#;
    let expected = tariff(2026, vv5(), DeliveryForm::Verblijf, 23_000);
    for spelling in ["5VV", "VV-5", "754", "5vv"] {
        let line = base.replace("\"P\"", &format!("\"{spelling}\""));
        let command: Command = serde_json::from_str(&line).expect("a spelling of 5VV");
        assert_eq!(command, expected, "{spelling}");
    }
}

#[test]
fn malformed_lines_are_refused() {
    let bad = [
        // Region 5522 is not in COD001.
        r#"{"type":"set_region_budget","region":5522,"year":2026,"amount":1}"#,
        // A float amount.
        r#"{"type":"set_region_budget","region":5531,"year":2026,"amount":1.5}"#,
        // A provider of 7 digits.
        r#"{"type":"start_care","client":"c-17","provider":"1234567","on":"2026-01-05"}"#,
        // A date that is not YYYY-MM-DD.
        r#"{"type":"start_care","client":"c-17","provider":"12345678","on":"05-01-2026"}"#,
        r#"{"type":"start_care","client":"c-17","provider":"12345678","on":"2026-02-30"}"#,
        // A BSN as a client reference.
        r#"{"type":"start_care","client":"111222333","provider":"12345678","on":"2026-01-05"}"#,
        // Unknown type, unknown enumeration, missing field.
        r#"{"type":"delete_everything"}"#,
        r#"{"type":"end_care","client":"c-17","provider":"12345678","on":"2026-03-01","reason":"bored"}"#,
        r#"{"type":"start_care","client":"c-17","on":"2026-01-05"}"#,
        // An unknown profile and form.
        r#"{"type":"set_tariff","year":2026,"profile":"11VV","form":"verblijf","day_tariff":1}"#,
        r#"{"type":"set_tariff","year":2026,"profile":"5VV","form":"vkb","day_tariff":1}"#,
    ];
    for line in bad {
        assert!(
            serde_json::from_str::<Command>(line).is_err(),
            "{line} must be refused"
        );
    }
}

/// A history that produces all 14 kinds of event; each event's JSON view round-trips.
#[test]
fn every_event_kind_round_trips_through_json() {
    let mut ledger = Ledger::new(Policy::PersonFollowing);
    ledger.ok_all(&in_care_history("c-1", day(2026, 2, 1), 10));
    ledger.ok_all(&[
        deliver("c-1", provider_p(), day(2026, 2, 1), day(2026, 3, 1), "D-1"),
        reverse("D-1"),
        contract(provider_q(), region_a(), 2026, 5, 9_700),
        choose("c-1", provider_q(), day(2026, 3, 1)),
        withdraw_choice("c-1", provider_q(), day(2026, 3, 2)),
        end("c-1", provider_p(), day(2026, 4, 1), EndReason::Ended),
        withdraw("c-1", "I-c-1", day(2026, 5, 1), WithdrawalReason::Deceased),
    ]);
    let kinds: std::collections::BTreeSet<u8> = ledger.events.iter().map(Event::tag).collect();
    assert_eq!(kinds, (1..=14).collect(), "all 14 event kinds");
    for event in &ledger.events {
        let json = serde_json::to_string(event).expect("serializes");
        let back: Event = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(&back, event, "{json}");
        // The tag and name of the variant agree with the JSON type.
        let ty = value(&json)["type"]
            .as_str()
            .expect("tagged by type")
            .to_owned();
        assert_eq!(ty.replace('_', ""), event.name().to_lowercase());
    }
}
