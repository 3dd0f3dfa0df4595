//! The sample messages, by name: the files in `tests/messages/valid/` (XSD-valid, whatever
//! the importer makes of them) and `tests/messages/invalid/` (refused by the XSD). The files
//! are written from this catalogue (`PVB_IWLZ_WRITE_SAMPLES=1 cargo test -p pvb-iwlz`) and a
//! test fails when they differ from it; `xmllint` judges which folder a file belongs in.
//!
//! A name starts with the message type (the XSD it is checked against), then the client
//! (`a`..`h`, see [`crate::build::PEOPLE`]) and what it says.

use crate::build::*;

pub const P1: &str = "12345678";
pub const P2: &str = "23456789";
pub const P3: &str = "34567890";
/// An iWlz-AGB code the ledger has no contract for.
pub const P_UNKNOWN: &str = "99999999";
/// The region of the tests (Zuid-Limburg), with a budget for 2026.
pub const ZK: &str = "5531";
/// A region without a budget.
pub const ZK_NO_BUDGET: &str = "5530";

pub fn bsn(client: char) -> &'static str {
    let index = (client as usize).saturating_sub('a' as usize);
    PEOPLE.get(index).map_or(BAD_BSN, |p| p.bsn)
}

fn head(identificatie: &str, dagtekening: &str, afzender: &str, ontvanger: &str) -> Head {
    Head {
        identificatie: identificatie.into(),
        dagtekening: dagtekening.into(),
        afzender: afzender.into(),
        ontvanger: ontvanger.into(),
    }
}

/// An IO31 to the test region.
fn io(identificatie: &str, dagtekening: &str, clients: Vec<Decision>) -> String {
    io31(&head(identificatie, dagtekening, "", ZK), &clients)
}

/// An AW33 from the test region to `provider`.
fn assign(
    identificatie: &str,
    dagtekening: &str,
    provider: &str,
    clients: Vec<Assigned>,
) -> String {
    aw33(&head(identificatie, dagtekening, ZK, provider), &clients)
}

/// An AW35 from `provider` to the test region.
fn maz(
    identificatie: &str,
    dagtekening: &str,
    provider: &str,
    clients: Vec<Reported<Start>>,
) -> String {
    aw35(&head(identificatie, dagtekening, provider, ZK), &clients)
}

/// An AW39 from `provider` to the test region.
fn mut39(
    identificatie: &str,
    dagtekening: &str,
    provider: &str,
    clients: Vec<Reported<Mutation>>,
) -> String {
    aw39(&head(identificatie, dagtekening, provider, ZK), &clients)
}

fn one<T>(client: char, entry: T) -> Vec<Reported<T>> {
    vec![reported(bsn(client), vec![entry])]
}

fn ends(mut a: Assignment, end: &str, reden: Option<&str>) -> Assignment {
    a.end = Some(end.into());
    a.reden = reden.map(Into::into);
    a
}

/// Every XSD-valid sample, in the order the scenario tests use them. One line per message
/// (a table, kept out of rustfmt's hands).
#[rustfmt::skip]
pub fn valid() -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = Vec::new();
    let (a, b, c, d) = (bsn('a'), bsn('b'), bsn('c'), bsn('d'));
    let (e, f, g, h) = (bsn('e'), bsn('f'), bsn('g'), bsn('h'));

    // ----- a: the plain life, and the checks of AW35 and AW39 -----
    v.push(("io31-a-grant", io("IO-A1", "2026-01-02", vec![decision(a, "260000101", "2026-01-01", vec![zzp("754", "2026-01-01")])])));
    v.push(("aw33-a-assign", assign("TW-A1", "2026-01-03", P1, vec![assigned(a, "260000101", "2026-01-01", vec![assignment("754", P1, "2026-01-05", "4")])])));
    v.push(("aw35-a-start", maz("MAZ-A1", "2026-01-21", P1, one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4")))));
    v.push(("aw35-a-correction-same", maz("MAZ-A2", "2026-01-25", P1, one('a', Start { aanlevering: "2".into(), ..start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4") }))));
    v.push(("aw35-a-correction-unchanged", maz("MAZ-A3", "2026-01-25", P1, one('a', Start { aanlevering: "9".into(), ..start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4") }))));
    v.push(("aw35-a-correction-changed", maz("MAZ-A4", "2026-01-25", P1, one('a', Start { aanlevering: "2".into(), ..start("260000101", "754", P1, "2026-01-05", "2026-01-19", "4") }))));
    v.push(("aw35-a-delete", maz("MAZ-A5", "2026-01-25", P1, one('a', Start { aanlevering: "3".into(), ..start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4") }))));
    v.push(("aw35-a-no-indication", maz("MAZ-A6", "2026-01-25", P1, one('a', start("260000199", "754", P1, "2026-01-05", "2026-01-20", "4")))));
    v.push(("aw35-a-status-7", maz("MAZ-A7", "2026-01-25", P1, one('a', Start { status: "7".into(), ..start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4") }))));
    v.push(("aw35-a-form-differs", maz("MAZ-A8", "2026-01-25", P1, one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-22", "5")))));
    v.push(("aw35-a-vkb", maz("MAZ-A9", "2026-01-25", P1, one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-22", "9")))));
    v.push(("aw35-a-future", maz("MAZ-A10", "2026-01-25", P1, one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-26", "4")))));
    v.push(("aw35-a-before-assignment", maz("MAZ-A11", "2026-01-25", P1, one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-04", "4")))));
    v.push(("aw35-a-not-chosen", maz("MAZ-A12", "2026-01-25", P3, one('a', start("260000101", "754", P3, "2026-01-05", "2026-01-22", "4")))));
    v.push(("aw35-a-unknown-region", aw35(&head("MAZ-A13", "2026-01-25", P1, ZK_NO_BUDGET), &one('a', start("260000101", "754", P1, "2026-01-05", "2026-01-20", "4")))));
    v.push(("aw35-a-functions", maz("MAZ-A14", "2026-01-25", P1, vec![Reported { functions: true, ..reported::<Start>(a, vec![]) }])));
    v.push(("aw39-a-no-indication", mut39("MUT-A1", "2026-02-02", P1, one('a', mutation("260000199", "754", P1, "2026-01-05", "19", "5", "2026-02-01", "4")))));
    v.push(("aw39-a-tr018", mut39("MUT-A2", "2026-02-02", P1, one('a', Mutation { begin: Some("2026-01-20".into()), ..mutation("260000101", "754", P1, "2026-01-05", "19", "5", "2026-01-10", "4") }))));
    v.push(("aw39-a-delete", mut39("MUT-A3", "2026-02-02", P1, one('a', Mutation { aanlevering: "3".into(), ..mutation("260000101", "754", P1, "2026-01-05", "19", "5", "2026-02-01", "4") }))));
    v.push(("aw39-a-bad-combination", mut39("MUT-A4", "2026-02-02", P1, one('a', mutation("260000101", "754", P1, "2026-01-05", "17", "6", "2026-02-01", "4")))));
    v.push(("aw39-a-21-in-care", mut39("MUT-A5", "2026-02-02", P1, one('a', mutation("260000101", "754", P1, "2026-01-05", "21", "5", "2026-02-01", "4")))));
    v.push(("aw39-a-not-chosen", mut39("MUT-A6", "2026-02-02", P3, one('a', mutation("260000101", "754", P3, "2026-01-05", "19", "5", "2026-02-01", "4")))));
    v.push(("aw39-a-unknown-region", aw39(&head("MUT-A7", "2026-02-02", P1, ZK_NO_BUDGET), &one('a', mutation("260000101", "754", P1, "2026-01-05", "19", "5", "2026-02-01", "4")))));
    v.push(("aw39-a-functions-request", mut39("MUT-A8", "2026-02-02", P1, vec![Reported { functions: true, request: true, ..reported::<Mutation>(a, vec![]) }])));
    v.push(("aw39-a-end-19", mut39("MUT-A9", "2026-03-02", P1, one('a', Mutation { begin: Some("2026-01-20".into()), ..mutation("260000101", "754", P1, "2026-01-05", "19", "5", "2026-03-01", "4") }))));
    v.push(("aw33-a-moved", assign("TW-A2", "2026-09-01", P1, vec![assigned(a, "260000101", "2026-01-01", vec![ends(assignment("754", P1, "2026-01-05", "4"), "2026-08-31", Some("8"))])])));
    v.push(("io31-a-bad-bsn", io("IO-A2", "2026-01-02", vec![decision(BAD_BSN, "260000109", "2026-01-01", vec![zzp("754", "2026-01-01")])])));

    // ----- b: herindicatie; a changed decision; the provider's end before the death -----
    v.push(("io31-b-grant", io("IO-B1", "2026-01-02", vec![decision(b, "260000201", "2026-01-01", vec![zzp("754", "2026-01-01")])])));
    v.push(("aw33-b-assign", assign("TW-B1", "2026-01-03", P1, vec![assigned(b, "260000201", "2026-01-01", vec![assignment("754", P1, "2026-01-05", "4")])])));
    v.push(("aw35-b-start", maz("MAZ-B1", "2026-01-11", P1, one('b', start("260000201", "754", P1, "2026-01-05", "2026-01-10", "4")))));
    v.push(("io31-b-changed", io("IO-B2", "2026-01-15", vec![decision(b, "260000201", "2026-01-01", vec![zzp("754", "2026-01-02")])])));
    v.push(("io31-b-herindicatie", io("IO-B3", "2026-03-20", vec![decision(b, "260000202", "2026-04-01", vec![zzp("755", "2026-04-01")])])));
    v.push(("aw33-b-reden-3", assign("TW-B2", "2026-03-21", P1, vec![assigned(b, "260000201", "2026-01-01", vec![ends(assignment("754", P1, "2026-01-05", "4"), "2026-03-31", Some("3"))])])));
    v.push(("aw33-b-reassign", assign("TW-B3", "2026-03-21", P1, vec![assigned(b, "260000202", "2026-04-01", vec![assignment("755", P1, "2026-04-01", "4")])])));
    v.push(("aw35-b-restart", maz("MAZ-B2", "2026-04-02", P1, one('b', start("260000202", "755", P1, "2026-04-01", "2026-04-01", "4")))));
    v.push(("io31-b-not-following", io("IO-B4", "2026-04-10", vec![decision(b, "260000203", "2026-03-01", vec![zzp("754", "2026-03-01")])])));
    v.push(("aw39-b-stale-status", mut39("MUT-B2", "2026-04-06", P1, one('b', mutation("260000201", "754", P1, "2026-01-05", "18", "6", "2026-04-05", "4")))));
    v.push(("aw39-b-end-19", mut39("MUT-B1", "2026-06-02", P1, one('b', mutation("260000202", "755", P1, "2026-04-01", "19", "5", "2026-06-01", "4")))));
    v.push(("aw33-b-death", assign("TW-B4", "2026-06-11", P1, vec![assigned(b, "260000202", "2026-04-01", vec![ends(assignment("755", P1, "2026-04-01", "4"), "2026-06-10", Some("1"))])])));

    // ----- c: a decision of two zzp's in sequence, and a death -----
    let mut first = zzp("754", "2026-01-01");
    first.end = Some("2026-06-30".into());
    v.push(("io31-c-grant-two-zzp", io("IO-C1", "2026-01-02", vec![decision(c, "260000301", "2026-01-01", vec![first, zzp("755", "2026-07-01")])])));
    v.push(("aw33-c-assign", assign("TW-C1", "2026-01-03", P2, vec![assigned(c, "260000301", "2026-01-01", vec![ends(assignment("754", P2, "2026-01-05", "4"), "2026-06-30", None)])])));
    v.push(("aw35-c-start", maz("MAZ-C1", "2026-01-13", P2, one('c', start("260000301", "754", P2, "2026-01-05", "2026-01-12", "4")))));
    v.push(("aw33-c-death", assign("TW-C2", "2026-05-11", P2, vec![assigned(c, "260000301", "2026-01-01", vec![ends(assignment("754", P2, "2026-01-05", "4"), "2026-05-09", Some("1"))])])));
    v.push(("aw39-c-end-after-death", mut39("MUT-C1", "2026-05-16", P2, one('c', mutation("260000301", "754", P2, "2026-01-05", "19", "5", "2026-05-15", "4")))));

    // ----- d: a transfer, AW39 17 at the old provider and AW35 at the new one -----
    v.push(("io31-d-grant", io("IO-D1", "2026-01-02", vec![decision(d, "260000401", "2026-01-01", vec![zzp("754", "2026-01-01")])])));
    v.push(("aw33-d-assign-p1", assign("TW-D1", "2026-01-03", P1, vec![assigned(d, "260000401", "2026-01-01", vec![assignment("754", P1, "2026-01-05", "4")])])));
    v.push(("aw35-d-start-p1", maz("MAZ-D1", "2026-01-16", P1, one('d', start("260000401", "754", P1, "2026-01-05", "2026-01-15", "4")))));
    v.push(("aw33-d-assign-p2", assign("TW-D2", "2026-01-25", P2, vec![assigned(d, "260000401", "2026-01-01", vec![assignment("754", P2, "2026-02-01", "4")])])));
    v.push(("aw35-d-maz-op-maz", maz("MAZ-D2", "2026-02-11", P2, one('d', start("260000401", "754", P2, "2026-02-01", "2026-02-10", "4")))));
    v.push(("aw39-d-transfer", mut39("MUT-D1", "2026-03-02", P1, one('d', Mutation { begin: Some("2026-01-15".into()), destination: Some(P2.into()), ..mutation("260000401", "754", P1, "2026-01-05", "17", "5", "2026-03-01", "4") }))));
    v.push(("aw35-d-start-p2", maz("MAZ-D3", "2026-03-02", P2, one('d', start("260000401", "754", P2, "2026-02-01", "2026-03-01", "4")))));
    v.push(("aw33-d-withdraw-p1", assign("TW-D3", "2026-03-03", P1, vec![assigned(d, "260000401", "2026-01-01", vec![ends(assignment("754", P1, "2026-01-05", "4"), "2026-02-28", Some("4"))])])));

    // ----- e and f: a waiting list at P3, and its statuses -----
    v.push(("io31-ef-grant", io("IO-EF1", "2026-01-02", vec![decision(e, "260000501", "2026-01-01", vec![zzp("754", "2026-01-01")]), decision(f, "260000601", "2026-01-01", vec![zzp("754", "2026-01-01")])])));
    v.push(("aw33-e-assign-p3", assign("TW-E1", "2026-01-10", P3, vec![assigned(e, "260000501", "2026-01-01", vec![assignment("754", P3, "2026-01-10", "4")])])));
    v.push(("aw33-f-assign-p3", assign("TW-F1", "2026-01-20", P3, vec![assigned(f, "260000601", "2026-01-01", vec![assignment("754", P3, "2026-01-20", "4")])])));
    v.push(("aw39-f-urgent", mut39("MUT-F1", "2026-02-02", P3, one('f', mutation("260000601", "754", P3, "2026-01-20", "18", "6", "2026-02-01", "4")))));
    v.push(("aw39-e-precaution", mut39("MUT-E1", "2026-02-03", P3, one('e', mutation("260000501", "754", P3, "2026-01-10", "12", "3", "2026-02-02", "4")))));
    v.push(("aw39-e-active", mut39("MUT-E2", "2026-02-04", P3, one('e', mutation("260000501", "754", P3, "2026-01-10", "18", "7", "2026-02-03", "4")))));
    v.push(("aw39-f-preference", mut39("MUT-F2", "2026-02-05", P3, one('f', mutation("260000601", "754", P3, "2026-01-20", "18", "2", "2026-02-04", "4")))));
    v.push(("aw39-f-legacy-1", mut39("MUT-F3", "2026-02-06", P3, one('f', mutation("260000601", "754", P3, "2026-01-20", "18", "1", "2026-02-05", "4")))));
    v.push(("aw39-e-12-5", mut39("MUT-E4", "2026-03-02", P3, one('e', mutation("260000501", "754", P3, "2026-01-10", "12", "5", "2026-03-01", "4")))));
    v.push(("aw39-f-21", mut39("MUT-F4", "2026-03-02", P3, one('f', mutation("260000601", "754", P3, "2026-01-20", "21", "5", "2026-03-01", "4")))));

    // ----- g: code 20 (end, keep the assignment), status 4, 12 with status 5 in care -----
    let mut subsidy_g = zzp("755", "2026-01-01");
    subsidy_g.financiering = "3".into();
    v.push(("io31-g-grant", io("IO-G1", "2026-01-02", vec![decision(g, "260000701", "2026-01-01", vec![zzp("754", "2026-01-01"), subsidy_g])])));
    v.push(("aw33-g-assign-vpt", assign("TW-G1", "2026-01-03", P1, vec![assigned(g, "260000701", "2026-01-01", vec![assignment("754", P1, "2026-01-05", "5")])])));
    v.push(("aw35-g-start", maz("MAZ-G1", "2026-01-11", P1, one('g', start("260000701", "754", P1, "2026-01-05", "2026-01-10", "5")))));
    v.push(("aw39-g-status-4", mut39("MUT-G1", "2026-02-02", P1, one('g', mutation("260000701", "754", P1, "2026-01-05", "19", "4", "2026-02-01", "5")))));
    v.push(("aw39-g-20", mut39("MUT-G2", "2026-03-02", P1, one('g', mutation("260000701", "754", P1, "2026-01-05", "20", "7", "2026-03-01", "5")))));
    v.push(("aw35-g-restart", maz("MAZ-G2", "2026-04-02", P1, one('g', start("260000701", "754", P1, "2026-03-01", "2026-04-01", "5")))));
    v.push(("aw39-g-12-5", mut39("MUT-G3", "2026-05-02", P1, one('g', mutation("260000701", "754", P1, "2026-03-01", "12", "5", "2026-05-01", "5")))));
    v.push(("aw39-g-status-4-not-in-care", mut39("MUT-G4", "2026-06-02", P1, one('g', mutation("260000701", "754", P1, "2026-03-01", "18", "4", "2026-06-01", "5")))));

    v.push(("aw39-g-vkb", mut39("MUT-G5", "2026-06-03", P1, one('g', mutation("260000701", "754", P1, "2026-03-01", "18", "6", "2026-06-02", "9")))));

    // ----- h: the rows of IO31 and AW33 one by one -----
    v.push(("io31-h-functions-only", io("IO-H1", "2026-01-02", vec![Decision { functions: true, zzps: None, ..decision(h, "260000800", "2026-01-01", vec![]) }])));
    let mut subsidy = zzp("754", "2026-01-01");
    subsidy.financiering = "3".into();
    let mut other = zzp("755", "2026-01-01");
    other.financiering = "4".into();
    v.push(("io31-h-financiering-3-4", io("IO-H2", "2026-01-02", vec![decision(h, "260000801", "2026-01-01", vec![subsidy, other])])));
    let mut four = zzp("753", "2026-01-01");
    four.end = Some("2026-06-30".into());
    four.financiering = "2".into();
    v.push(("io31-h-grant-ends-and-labels", io("IO-H3", "2026-01-02", vec![Decision { end: Some("2026-12-31".into()), ..decision(h, "0260000802", "2026-01-01", vec![four, zzp("190", "2026-07-01")]) }])));
    v.push(("io31-h-zzp-before-decision", io("IO-H4", "2026-01-02", vec![decision(h, "260000803", "2026-02-01", vec![zzp("754", "2026-01-01")])])));
    v.push(("io31-h-same-zzp-twice", io("IO-H5", "2026-01-02", vec![decision(h, "260000804", "2026-01-01", vec![zzp("754", "2026-01-01"), zzp("754", "2026-03-01")])])));
    v.push(("io31-h-zzp-999", io("IO-H6", "2026-01-02", vec![decision(h, "260000805", "2026-01-01", vec![zzp("999", "2026-01-01")])])));
    v.push(("io31-h-zzp-998", io("IO-H7", "2026-01-02", vec![decision(h, "260000806", "2026-01-01", vec![zzp("998", "2026-01-01")])])));
    v.push(("io31-h-decision-ends-before-start", io("IO-H8", "2026-01-02", vec![Decision { end: Some("2025-12-31".into()), ..decision(h, "260000807", "2026-01-01", vec![zzp("754", "2026-01-01")]) }])));
    v.push(("io31-h-zzp-after-decision", io("IO-H9", "2026-01-02", vec![Decision { end: Some("2026-06-30".into()), ..decision(h, "260000808", "2026-01-01", vec![zzp("754", "2026-07-01")]) }])));
    let mut backwards = zzp("754", "2026-03-01");
    backwards.end = Some("2026-02-01".into());
    v.push(("io31-h-zzp-ends-before-start", io("IO-H10", "2026-01-02", vec![decision(h, "260000809", "2026-01-01", vec![backwards])])));
    let mut beyond = zzp("754", "2026-01-01");
    beyond.end = Some("2026-12-31".into());
    v.push(("io31-h-zzp-ends-after-decision", io("IO-H11", "2026-01-02", vec![Decision { end: Some("2026-06-30".into()), ..decision(h, "260000810", "2026-01-01", vec![beyond]) }])));
    let mut last_day = zzp("754", "2026-01-01");
    last_day.end = Some("9999-12-31".into());
    v.push(("io31-h-zzp-ends-9999", io("IO-H12", "2026-01-02", vec![decision(h, "260000811", "2026-01-01", vec![last_day])])));
    v.push(("aw33-h-no-instelling-mpt", assign("TW-H1", "2026-01-10", P2, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { instelling: None, end: Some("2026-06-30".into()), ..assignment("753", P2, "2026-01-10", "7") }])])));
    v.push(("aw33-h-bridging-dtv", assign("TW-H2", "2026-01-12", P3, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { soort: "3".into(), end: Some("2026-03-31".into()), ..assignment("753", P3, "2026-01-12", "8") }])])));
    v.push(("aw33-h-pgb-percentage-10000", assign("TW-H3", "2026-01-14", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { percentage: Some("10000".into()), end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-14", "2") }])])));
    v.push(("aw33-h-administratief", assign("TW-H4", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { soort: "5".into(), end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-percentage-5000", assign("TW-H5", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { percentage: Some("5000".into()), end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-vkb", assign("TW-H6", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-15", "9") }])])));
    v.push(("aw33-h-tr016-start", assign("TW-H7", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-06-30".into()), ..assignment("753", P1, "2025-12-15", "4") }])])));
    v.push(("aw33-h-tr016-open-end", assign("TW-H8", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![assignment("753", P1, "2026-01-15", "4")])])));
    v.push(("aw33-h-ends-before-start", assign("TW-H19", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-01-10".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-tr016-end", assign("TW-H20", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-07-15".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-tr016-start-after", assign("TW-H21", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-07-20".into()), ..assignment("753", P1, "2026-07-10", "4") }])])));
    v.push(("aw33-h-no-indication", assign("TW-H9", "2026-01-15", P1, vec![assigned(h, "260000899", "2026-01-01", vec![assignment("754", P1, "2026-01-15", "4")])])));
    v.push(("aw33-h-unknown-region-header", aw33(&head("TW-H10", "2026-01-15", ZK_NO_BUDGET, P1), &[assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-unknown-region-entry", assign("TW-H11", "2026-01-15", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { zorgkantoor: ZK_NO_BUDGET.into(), end: Some("2026-06-30".into()), ..assignment("753", P1, "2026-01-15", "4") }])])));
    v.push(("aw33-h-functions-only", assign("TW-H12", "2026-01-15", P1, vec![Assigned { functions: true, ..assigned(h, "260000802", "2026-01-01", vec![]) }])));
    v.push(("aw33-h-unknown-provider", assign("TW-H13", "2026-01-15", P_UNKNOWN, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { end: Some("2026-06-30".into()), ..assignment("753", P_UNKNOWN, "2026-01-15", "4") }])])));
    v.push(("aw33-h-reden-5-waiting", assign("TW-H14", "2026-02-01", P2, vec![assigned(h, "260000802", "2026-01-01", vec![ends(assignment("753", P2, "2026-01-10", "7"), "2026-01-31", Some("5"))])])));
    v.push(("aw33-h-reden-6-not-waiting", assign("TW-H15", "2026-02-02", P2, vec![assigned(h, "260000802", "2026-01-01", vec![ends(assignment("753", P2, "2026-01-10", "7"), "2026-01-31", Some("6"))])])));
    v.push(("aw33-h-reden-7-no-end", assign("TW-H16", "2026-02-03", P3, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { reden: Some("7".into()), soort: "3".into(), ..assignment("753", P3, "2026-01-12", "8") }])])));
    v.push(("aw39-h-never-started", mut39("MUT-H1", "2026-02-05", P1, one('h', mutation("260000802", "753", P1, "2026-01-14", "19", "5", "2026-02-04", "2")))));
    v.push(("aw33-h-death-no-end", assign("TW-H17", "2026-03-01", P1, vec![assigned(h, "260000802", "2026-01-01", vec![Assignment { reden: Some("1".into()), ..assignment("753", P1, "2026-01-14", "2") }])])));
    v.push(("aw33-h-negative", assign("TW-H18", "2026-03-01", P1, vec![assigned(h, "260000802", "2026-01-01", vec![ends(assignment("753", P1, "2026-01-14", "2"), "2026-02-27", Some("2"))])])));
    v
}

/// Every sample the XSD refuses, each a small change to a valid one.
#[rustfmt::skip]
pub fn invalid() -> Vec<(&'static str, String)> {
    let valid = valid();
    let base = |name: &str| -> String {
        valid.iter().find(|(n, _)| *n == name).map(|(_, xml)| xml.clone()).unwrap_or_default()
    };
    let long_name = "Zuidbroekhuis".repeat(16);
    vec![
        ("io31-zzpcode-761", base("io31-a-grant").replace("<ZzpCode>754</ZzpCode>", "<ZzpCode>761</ZzpCode>")),
        ("io31-bsn-eight-digits", base("io31-a-grant").replace("<Bsn>628194821</Bsn>", "<Bsn>62819482</Bsn>")),
        ("io31-bsn-with-letter", base("io31-a-grant").replace("<Bsn>628194821</Bsn>", "<Bsn>62819482X</Bsn>")),
        ("io31-surname-too-long", base("io31-a-grant").replace("<iwlz:Achternaam>Zuidbroekhuis</iwlz:Achternaam>", &format!("<iwlz:Achternaam>{long_name}</iwlz:Achternaam>"))),
        ("io31-not-well-formed", base("io31-a-grant").replace("</Indicatie>", "")),
        ("io31-invalid-date", base("io31-a-grant").replace("<Ingangsdatum>2026-01-01</Ingangsdatum>", "<Ingangsdatum>2026-02-30</Ingangsdatum>")),
        ("io31-empty", String::new()),
        ("aw33-missing-zorgkantoor", base("aw33-a-assign").replace("            <Zorgkantoor>5531</Zorgkantoor>\n", "")),
        ("aw33-date-with-time-zone", base("aw33-a-assign").replace("<Ingangsdatum>2026-01-05</Ingangsdatum>", "<Ingangsdatum>2026-01-05Z</Ingangsdatum>")),
        ("aw33-bericht-code-353", base("aw33-a-assign").replace("<BerichtCode>352</BerichtCode>", "<BerichtCode>353</BerichtCode>")),
        ("aw35-wrong-order", base("aw35-a-start").replace("          <Begindatum>2026-01-20</Begindatum>\n          <Instelling>12345678</Instelling>\n", "          <Instelling>12345678</Instelling>\n          <Begindatum>2026-01-20</Begindatum>\n")),
        ("aw35-other-namespace", base("aw35-a-start").replace("iwlz/2_2/aw35/schema", "iwlz/2_2/aw36/schema")),
        ("aw35-text-in-client", base("aw35-a-start").replace("    <Client>\n", "    <Client>verzonnen tekst\n")),
        ("aw39-leveringsvorm-3", base("aw39-a-end-19").replace("<Leveringsvorm>4</Leveringsvorm>", "<Leveringsvorm>3</Leveringsvorm>")),
        ("aw39-unknown-element", base("aw39-a-end-19").replace("          <StatusAanlevering>", "          <Opmerking>los</Opmerking>\n          <StatusAanlevering>")),
        ("aw39-no-namespace", base("aw39-a-end-19").replace(" xmlns=\"http://www.istandaarden.nl/iwlz/2_2/aw39/schema\"", "")),
    ]
}
