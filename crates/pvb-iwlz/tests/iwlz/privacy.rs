//! No output carries personal data: every verdict of every sample (valid and invalid, imported
//! in order so that each is read against a realistic ledger) and every schema error is
//! searched for the BSNs and the made-up names, streets and the invalid BSN values of the
//! samples.

use pvb_iwlz::validate;

use crate::build::{BAD_BSN, PEOPLE};
use crate::catalogue;
use crate::ledger::Ledger;

/// Every personal value the samples hold.
fn forbidden() -> Vec<String> {
    let mut values: Vec<String> = vec![BAD_BSN.into(), "62819482".into()];
    for p in PEOPLE {
        values.push(p.bsn.into());
        values.push(p.surname.into());
        values.push(p.street.into());
        values.extend(p.given.split(' ').map(str::to_owned));
    }
    values
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for value in forbidden() {
        assert!(!text.contains(&value), "{what} leaks '{value}': {text}");
    }
}

#[test]
fn no_output_carries_a_bsn_or_a_name() {
    let mut ledger = Ledger::new();
    for (name, xml) in catalogue::valid() {
        let verdict = ledger.read(xml.as_bytes());
        assert_clean(name, &format!("{verdict:?}"));
        let outcome = ledger.import(xml.as_bytes());
        assert_clean(name, &format!("{outcome:?}"));
    }
    for (name, xml) in catalogue::invalid() {
        if let Err((path, reason)) = validate(xml.as_bytes()) {
            assert_clean(name, &path);
            assert_clean(name, &reason);
        }
        assert_clean(name, &format!("{:?}", ledger.read(xml.as_bytes())));
    }
    let events = format!("{:?}", ledger.events);
    assert_clean("the ledger's events", &events);
}

#[test]
fn a_mapped_message_holds_no_personal_field() {
    let ledger = Ledger::new();
    let xml = crate::ledger::sample("io31-a-grant");
    assert!(
        xml.contains("Zuidbroekhuis") && xml.contains("F03"),
        "the sample has a name and a diagnosis"
    );
    let text = format!("{:?}", ledger.read(xml.as_bytes()));
    assert_clean("io31-a-grant", &text);
    for health in [
        "F03",
        "Verzonnen toelichting",
        "Grondslag",
        "Stoornis",
        "1938-04-12",
    ] {
        assert!(
            !text.contains(health),
            "the mapping repeats '{health}': {text}"
        );
    }
}
