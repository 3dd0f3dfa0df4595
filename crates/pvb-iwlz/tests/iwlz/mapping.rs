//! IWLZ.md row by row: every sample message of [`crate::catalogue`] imported into a ledger in
//! the order of a client's life, with the exact commands (written as the JSON lines of
//! DESIGN.md section 8), skips and rejections it must give.
//!
//! Where each row of IWLZ.md is proven:
//!
//! | IWLZ.md | test |
//! | --- | --- |
//! | 1 bsn, 11-proef | `plain_life` (io31-a-bad-bsn) |
//! | 1 personal and health fields dropped | `privacy` module |
//! | 1 indication id, no leading zeros; same zzp twice | `io31_rows` |
//! | 1 profile COD163, 996..999 rejected, labels with a space | `io31_rows` |
//! | 1 form COD578 (4, 5, 7, 2, 8; 9 rejected) | `aw33_rows`, `end_and_new_wait`, `plain_life` |
//! | 1 provider (Instelling, or the header's Ontvanger); unknown AGB is the ledger's | `aw33_rows` |
//! | 1 region (IO31 Ontvanger); unknown region (AW33 Afzender, Zorgkantoor; AW35/AW39 Ontvanger) | `plain_life`, `aw33_rows` |
//! | 1 dates, inclusive end + 1 day | `io31_rows`, `death`, `aw33_rows` |
//! | 1 id for idempotent resend | `plain_life`, `resent_messages_append_nothing` |
//! | 2 IO31 grant, until from zzp / decision / none; period check; two zzp's; herindicatie; not following; repeat; changed; functions only; Financiering 3/4 skipped, 1/2 mapped | `io31_rows`, `herindicatie`, `death` |
//! | 3 AW33 choice (provider, form, on, urgency active / preference); no indication; TR016; VKB; percentage; Soort 1/3 mapped, 5 skipped; repeat; Einddatum without reden; functions | `aw33_rows`, `transfer`, `plain_life` |
//! | 3 reden 1 (death, all open indications; no Einddatum), 2, 8; 3, 4/7, 5, 6 skipped; withdraw_choice when waiting (Einddatum, or Dagtekening) | `death`, `herindicatie`, `transfer`, `aw33_rows`, `plain_life` |
//! | 4 AW35 start; no indication; status not 4; form differs; future; before assignment; no choice; repeat; 2/9 same skipped; changed rejected; 3 rejected; functions; MAZ op MAZ | `plain_life`, `transfer` |
//! | 5 AW39 17, 19, 20, 18 (6, 7, 2, 1), 12+3, 12+5 (in care / waiting / neither), 21 (waiting / neither / in care), status 4 (in care / not), other combinations | `transfer`, `plain_life`, `end_and_new_wait`, `waiting_list_statuses` |
//! | 5 checks: indication, chosen, TR018; ends already happened; never started; StatusAanlevering 3; functions and requests skipped; order matters | `plain_life`, `death`, `aw33_rows`, `herindicatie` |

use pvb_core::{ClientId, Command, EndReason, Event, ProviderId, Rejection, Urgency};

use crate::catalogue::{bsn, P1, P2, P3};
use crate::ledger::{sample, Ledger, Outcome};

/// Imports `name` and checks that it maps to exactly `lines` (JSON Lines with `"bsn"`);
/// gives the entries it skipped.
#[track_caller]
fn maps(ledger: &mut Ledger, name: &str, lines: &[String]) -> Vec<String> {
    let want: Vec<Command> = lines.iter().map(|l| ledger.line(l)).collect();
    match ledger.import_sample(name) {
        Outcome::Mapped { commands, skipped } => {
            assert_eq!(commands, want, "{name}");
            skipped
        }
        other => panic!("{name}: expected commands, got {other:?}"),
    }
}

/// Imports `name` and checks that it is skipped with a reason containing `why`.
#[track_caller]
fn skips(ledger: &mut Ledger, name: &str, why: &str) {
    let before = ledger.events.len();
    match ledger.import_sample(name) {
        Outcome::Skipped(reason) => assert!(reason.contains(why), "{name}: {reason}"),
        other => panic!("{name}: expected a skip, got {other:?}"),
    }
    assert_eq!(
        ledger.events.len(),
        before,
        "{name}: a skip appends nothing"
    );
}

/// Imports `name` and checks that it is rejected at `path` with a reason containing `why`.
#[track_caller]
fn rejects(ledger: &mut Ledger, name: &str, path: &str, why: &str) {
    let before = ledger.events.len();
    match ledger.import_sample(name) {
        Outcome::Rejected { path: p, reason } => {
            assert_eq!(p, path, "{name}: {reason}");
            assert!(reason.contains(why), "{name}: {reason}");
        }
        other => panic!("{name}: expected a rejection, got {other:?}"),
    }
    assert_eq!(
        ledger.events.len(),
        before,
        "{name}: a rejection appends nothing"
    );
}

/// Imports `name` and checks that the ledger refuses its first command by `check`.
#[track_caller]
fn refused(ledger: &mut Ledger, name: &str, check: impl Fn(&Rejection) -> bool) {
    let before = ledger.events.len();
    match ledger.import_sample(name) {
        Outcome::Refused { index, rejection } => {
            assert_eq!(index, 0, "{name}");
            assert!(check(&rejection), "{name}: {rejection}");
        }
        other => panic!("{name}: expected the ledger to refuse, got {other:?}"),
    }
    assert_eq!(
        ledger.events.len(),
        before,
        "{name}: a refused batch appends nothing"
    );
}

fn grant(client: char, indication: &str, profile: &str, from: &str, until: Option<&str>) -> String {
    let until = until
        .map(|u| format!(r#","until":"{u}""#))
        .unwrap_or_default();
    format!(
        r#"{{"type":"grant_indication","bsn":"{}","indication":"{indication}","profile":"{profile}","region":5531,"from":"{from}"{until}}}"#,
        bsn(client)
    )
}

fn choose(client: char, provider: &str, form: &str, on: &str, urgency: &str) -> String {
    format!(
        r#"{{"type":"choose_provider","bsn":"{}","provider":"{provider}","form":"{form}","on":"{on}","urgency":"{urgency}"}}"#,
        bsn(client)
    )
}

fn start_care(client: char, provider: &str, on: &str) -> String {
    format!(
        r#"{{"type":"start_care","bsn":"{}","provider":"{provider}","on":"{on}"}}"#,
        bsn(client)
    )
}

fn end_care(client: char, provider: &str, on: &str, reason: &str) -> String {
    format!(
        r#"{{"type":"end_care","bsn":"{}","provider":"{provider}","on":"{on}","reason":"{reason}"}}"#,
        bsn(client)
    )
}

fn withdraw(client: char, indication: &str, on: &str, reason: &str) -> String {
    format!(
        r#"{{"type":"withdraw_indication","bsn":"{}","indication":"{indication}","on":"{on}","reason":"{reason}"}}"#,
        bsn(client)
    )
}

fn withdraw_choice(client: char, provider: &str, on: &str, reason: &str) -> String {
    format!(
        r#"{{"type":"withdraw_choice","bsn":"{}","provider":"{provider}","on":"{on}","reason":"{reason}"}}"#,
        bsn(client)
    )
}

const FIRST_ZZP: &str = "/Bericht/Clienten/Client/Indicatie/GeindiceerdeZorgzwaartepakketten/GeindiceerdZorgzwaartepakket";
const ASSIGNED: &str =
    "/Bericht/Clienten/Client/Indicatie/ToegewezenZorgzwaartepakketten/ToegewezenZorgzwaartepakket";
const STARTED: &str =
    "/Bericht/Clienten/Client/GeleverdeZorgzwaartepakketten/GeleverdZorgzwaartepakket";
const MUTATED: &str =
    "/Bericht/Clienten/Client/MutatieZorgzwaartepakketten/MutatieZorgzwaartepakket";

fn provider(code: &str) -> ProviderId {
    ProviderId::parse(code).expect("a provider code")
}

/// The clients on `provider`'s list in DESIGN.md's order: urgent first, then by choice date,
/// then by client id.
fn waiting_list(ledger: &Ledger, provider: ProviderId) -> Vec<ClientId> {
    let mut listed: Vec<(bool, time::Date, ClientId)> = ledger
        .state
        .clients()
        .iter()
        .filter_map(|c| {
            c.choice(provider)
                .filter(|ch| ch.listed)
                .map(|ch| (ch.urgency != Urgency::Urgent, ch.on, c.id.clone()))
        })
        .collect();
    listed.sort();
    listed.into_iter().map(|(_, _, id)| id).collect()
}

#[test]
fn plain_life() {
    let mut l = Ledger::new();
    let verdict = l.read(sample("io31-a-grant").as_bytes());
    let pvb_iwlz::Verdict::Mapped(mapped) = verdict else {
        panic!("io31-a-grant maps: {verdict:?}");
    };
    assert_eq!(mapped.message_id, "IO31-CIZ-IO-A1-2026-01-02");
    assert_eq!(
        mapped.commands[0].0.as_deref(),
        Some("IO31-CIZ-IO-A1-2026-01-02-1")
    );
    maps(
        &mut l,
        "io31-a-grant",
        &[grant('a', "260000101-754", "5VV", "2026-01-01", None)],
    );
    maps(
        &mut l,
        "aw33-a-assign",
        &[choose('a', P1, "verblijf", "2026-01-05", "active")],
    );
    maps(&mut l, "aw35-a-start", &[start_care('a', P1, "2026-01-20")]);
    skips(
        &mut l,
        "aw35-a-start",
        "repeat: care at provider 12345678 already started on 2026-01-20",
    );
    skips(
        &mut l,
        "aw35-a-correction-same",
        "StatusAanlevering 2 changes nothing pvb holds",
    );
    skips(
        &mut l,
        "aw35-a-correction-unchanged",
        "StatusAanlevering 9 changes nothing pvb holds",
    );
    rejects(
        &mut l,
        "aw35-a-correction-changed",
        &format!("{STARTED}/Begindatum"),
        "a changed start cannot be expressed",
    );
    rejects(
        &mut l,
        "aw35-a-delete",
        &format!("{STARTED}/StatusAanlevering"),
        "deleting a start cannot be expressed",
    );
    rejects(
        &mut l,
        "aw35-a-no-indication",
        &format!("{STARTED}/Besluitnummer"),
        "no indication: the client holds no indication 260000199-754",
    );
    rejects(
        &mut l,
        "aw35-a-status-7",
        &format!("{STARTED}/Leveringsstatus"),
        "Leveringsstatus 4 (in zorg), not 7",
    );
    rejects(
        &mut l,
        "aw35-a-form-differs",
        &format!("{STARTED}/Leveringsvorm"),
        "form differs from the assignment: vpt here, verblijf in the choice",
    );
    rejects(
        &mut l,
        "aw35-a-vkb",
        &format!("{STARTED}/Leveringsvorm"),
        "leveringsvorm 9 (verkeerde bed, VKB)",
    );
    rejects(
        &mut l,
        "aw35-a-future",
        &format!("{STARTED}/Begindatum"),
        "may not be in the future",
    );
    rejects(
        &mut l,
        "aw35-a-before-assignment",
        &format!("{STARTED}/Begindatum"),
        "before the assignment starts on 2026-01-05",
    );
    rejects(
        &mut l,
        "aw35-a-not-chosen",
        &format!("{STARTED}/Instelling"),
        "no assignment (AW33) of provider 34567890",
    );
    rejects(
        &mut l,
        "aw35-a-unknown-region",
        "/Bericht/Header/Ontvanger",
        "unknown region: zorgkantoor 5530 has no budget",
    );
    skips(&mut l, "aw35-a-functions", "delivered functions (modules)");
    rejects(
        &mut l,
        "aw39-a-no-indication",
        &format!("{MUTATED}/Besluitnummer"),
        "holds no indication 260000199-754",
    );
    rejects(
        &mut l,
        "aw39-a-tr018",
        &format!("{MUTATED}/Mutatiedatum"),
        "(TR018)",
    );
    rejects(
        &mut l,
        "aw39-a-delete",
        &format!("{MUTATED}/StatusAanlevering"),
        "an end cannot be undone",
    );
    rejects(
        &mut l,
        "aw39-a-bad-combination",
        &format!("{MUTATED}/Leveringsstatus"),
        "status 6 is not allowed with mutation code 17",
    );
    rejects(
        &mut l,
        "aw39-a-21-in-care",
        &format!("{MUTATED}/Mutatiecode"),
        "code 21 says there is no MAZ",
    );
    rejects(
        &mut l,
        "aw39-a-not-chosen",
        &format!("{MUTATED}/Instelling"),
        "no assignment (AW33) of provider 34567890",
    );
    rejects(
        &mut l,
        "aw39-a-unknown-region",
        "/Bericht/Header/Ontvanger",
        "unknown region",
    );
    skips(
        &mut l,
        "aw39-a-functions-request",
        "request for a changed assignment",
    );
    maps(
        &mut l,
        "aw39-a-end-19",
        &[end_care('a', P1, "2026-03-01", "ended")],
    );
    skips(
        &mut l,
        "aw39-a-end-19",
        "care at provider 12345678 already ended on 2026-03-01",
    );
    maps(
        &mut l,
        "aw33-a-moved",
        &[withdraw('a', "260000101-754", "2026-09-01", "moved")],
    );
    skips(&mut l, "aw33-a-moved", "already withdrawn on 2026-09-01");
    rejects(
        &mut l,
        "io31-a-bad-bsn",
        "/Bericht/Clienten/Client/Bsn",
        "BSN fails the 11-proef",
    );
}

#[test]
fn herindicatie() {
    let mut l = Ledger::new();
    maps(
        &mut l,
        "io31-b-grant",
        &[grant('b', "260000201-754", "5VV", "2026-01-01", None)],
    );
    maps(
        &mut l,
        "aw33-b-assign",
        &[choose('b', P1, "verblijf", "2026-01-05", "active")],
    );
    maps(&mut l, "aw35-b-start", &[start_care('b', P1, "2026-01-10")]);
    rejects(
        &mut l,
        "io31-b-changed",
        "/Bericht/Clienten/Client/Indicatie/Besluitnummer",
        "a changed decision under the same Besluitnummer cannot be expressed",
    );
    maps(
        &mut l,
        "io31-b-herindicatie",
        &[
            withdraw('b', "260000201-754", "2026-04-01", "reassessed"),
            grant('b', "260000202-755", "6VV", "2026-04-01", None),
        ],
    );
    let b = l.client('b');
    let care = l
        .state
        .client(&b)
        .map(|c| c.care.clone())
        .unwrap_or_default();
    assert_eq!(care.len(), 1);
    assert_eq!(
        care[0].until,
        Some(time::macros::date!(2026 - 04 - 01)),
        "the withdrawal ended the care"
    );
    skips(
        &mut l,
        "aw33-b-reden-3",
        "herindicatie: the new decision's IO31 already withdrew the indication",
    );
    maps(
        &mut l,
        "aw33-b-reassign",
        &[choose('b', P1, "verblijf", "2026-04-01", "active")],
    );
    maps(
        &mut l,
        "aw35-b-restart",
        &[start_care('b', P1, "2026-04-01")],
    );
    skips(
        &mut l,
        "aw39-b-stale-status",
        "indication 260000201-754 was withdrawn on 2026-04-01: a waiting status for it is stale",
    );
    rejects(
        &mut l,
        "io31-b-not-following",
        &format!("{FIRST_ZZP}/Ingangsdatum"),
        "new decision does not follow the old one",
    );
    // Order matters: the provider's end arrives before the office's death withdrawal.
    maps(
        &mut l,
        "aw39-b-end-19",
        &[end_care('b', P1, "2026-06-01", "ended")],
    );
    maps(
        &mut l,
        "aw33-b-death",
        &[withdraw('b', "260000202-755", "2026-06-11", "deceased")],
    );
    let ends: Vec<EndReason> = l
        .events
        .iter()
        .filter_map(|e| match e {
            Event::CareEnded(end) if end.client == b => Some(end.reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        vec![EndReason::Ended, EndReason::Ended],
        "the later death does not change the reason"
    );
}

#[test]
fn death() {
    let mut l = Ledger::new();
    maps(
        &mut l,
        "io31-c-grant-two-zzp",
        &[
            grant(
                'c',
                "260000301-754",
                "5VV",
                "2026-01-01",
                Some("2026-07-01"),
            ),
            grant('c', "260000301-755", "6VV", "2026-07-01", None),
        ],
    );
    maps(
        &mut l,
        "aw33-c-assign",
        &[choose('c', P2, "verblijf", "2026-01-05", "active")],
    );
    maps(&mut l, "aw35-c-start", &[start_care('c', P2, "2026-01-12")]);
    maps(
        &mut l,
        "aw33-c-death",
        &[
            withdraw('c', "260000301-754", "2026-05-10", "deceased"),
            withdraw('c', "260000301-755", "2026-07-01", "deceased"),
        ],
    );
    let c = l.client('c');
    let died = l.events.iter().any(|e| {
        matches!(e, Event::CareEnded(end) if end.client == c && end.reason == EndReason::Deceased && end.on == time::macros::date!(2026 - 05 - 10))
    });
    assert!(
        died,
        "the death ends the care, reason deceased, the day after the date of death"
    );
    skips(
        &mut l,
        "aw39-c-end-after-death",
        "care at provider 23456789 already ended on 2026-05-10",
    );
    skips(&mut l, "aw33-c-death", "already withdrawn on 2026-05-10");
}

#[test]
fn transfer() {
    let mut l = Ledger::new();
    maps(
        &mut l,
        "io31-d-grant",
        &[grant('d', "260000401-754", "5VV", "2026-01-01", None)],
    );
    maps(
        &mut l,
        "aw33-d-assign-p1",
        &[choose('d', P1, "verblijf", "2026-01-05", "active")],
    );
    maps(
        &mut l,
        "aw35-d-start-p1",
        &[start_care('d', P1, "2026-01-15")],
    );
    maps(
        &mut l,
        "aw33-d-assign-p2",
        &[choose('d', P2, "verblijf", "2026-02-01", "preference")],
    );
    refused(&mut l, "aw35-d-maz-op-maz", |r| {
        matches!(r, Rejection::AlreadyInCare { .. })
    });
    maps(
        &mut l,
        "aw39-d-transfer",
        &[end_care('d', P1, "2026-03-01", "transfer")],
    );
    maps(
        &mut l,
        "aw35-d-start-p2",
        &[start_care('d', P2, "2026-03-01")],
    );
    skips(&mut l, "aw33-d-withdraw-p1", "reden intrekking 4");
    let d = l.client('d');
    let care = l
        .state
        .client(&d)
        .map(|c| c.care.clone())
        .unwrap_or_default();
    let spans: Vec<_> = care.iter().map(|c| (c.provider, c.from, c.until)).collect();
    assert_eq!(
        spans,
        vec![
            (
                provider(P1),
                time::macros::date!(2026 - 01 - 15),
                Some(time::macros::date!(2026 - 03 - 01))
            ),
            (provider(P2), time::macros::date!(2026 - 03 - 01), None),
        ]
    );
}

#[test]
fn waiting_list_statuses() {
    let mut l = Ledger::new();
    maps(
        &mut l,
        "io31-ef-grant",
        &[
            grant('e', "260000501-754", "5VV", "2026-01-01", None),
            grant('f', "260000601-754", "5VV", "2026-01-01", None),
        ],
    );
    maps(
        &mut l,
        "aw33-e-assign-p3",
        &[choose('e', P3, "verblijf", "2026-01-10", "active")],
    );
    maps(
        &mut l,
        "aw33-f-assign-p3",
        &[choose('f', P3, "verblijf", "2026-01-20", "active")],
    );
    let (e, f) = (l.client('e'), l.client('f'));
    assert_eq!(waiting_list(&l, provider(P3)), vec![e.clone(), f.clone()]);
    maps(
        &mut l,
        "aw39-f-urgent",
        &[choose('f', P3, "verblijf", "2026-01-20", "urgent")],
    );
    assert_eq!(
        waiting_list(&l, provider(P3)),
        vec![f.clone(), e.clone()],
        "the urgent report moves f up"
    );
    skips(
        &mut l,
        "aw39-f-urgent",
        "repeat: the client already waits at provider 34567890 with status urgent",
    );
    maps(
        &mut l,
        "aw39-e-precaution",
        &[choose('e', P3, "verblijf", "2026-01-10", "precaution")],
    );
    maps(
        &mut l,
        "aw39-e-active",
        &[choose('e', P3, "verblijf", "2026-01-10", "active")],
    );
    maps(
        &mut l,
        "aw39-f-preference",
        &[choose('f', P3, "verblijf", "2026-01-20", "preference")],
    );
    maps(
        &mut l,
        "aw39-f-legacy-1",
        &[choose('f', P3, "verblijf", "2026-01-20", "active")],
    );
    assert_eq!(
        waiting_list(&l, provider(P3)),
        vec![e.clone(), f.clone()],
        "places kept: e chose first"
    );
    let since = l
        .state
        .client(&f)
        .and_then(|c| c.choice(provider(P3)))
        .map(|ch| ch.on);
    assert_eq!(
        since,
        Some(time::macros::date!(2026 - 01 - 20)),
        "days waited count from the assignment"
    );
    maps(
        &mut l,
        "aw39-e-12-5",
        &[withdraw_choice(
            'e',
            P3,
            "2026-03-01",
            "client wil de zorg (nog) niet (mutatiecode 12)",
        )],
    );
    skips(
        &mut l,
        "aw39-e-12-5",
        "neither in care at nor waiting for provider 34567890",
    );
    maps(
        &mut l,
        "aw39-f-21",
        &[withdraw_choice('f', P3, "2026-03-01", "overdracht")],
    );
    skips(
        &mut l,
        "aw39-f-21",
        "neither in care at nor waiting for provider 34567890",
    );
    assert!(waiting_list(&l, provider(P3)).is_empty());
}

#[test]
fn end_and_new_wait() {
    let mut l = Ledger::new();
    let skipped = maps(
        &mut l,
        "io31-g-grant",
        &[grant('g', "260000701-754", "5VV", "2026-01-01", None)],
    );
    assert_eq!(
        skipped,
        vec!["/Bericht/Clienten/Client/Indicatie/GeindiceerdeZorgzwaartepakketten/GeindiceerdZorgzwaartepakket[2]: zzp 755 of decision 260000701 is financed by a subsidieregeling (Financiering 3): not Wlz money"]
    );
    maps(
        &mut l,
        "aw33-g-assign-vpt",
        &[choose('g', P1, "vpt", "2026-01-05", "active")],
    );
    maps(&mut l, "aw35-g-start", &[start_care('g', P1, "2026-01-10")]);
    skips(
        &mut l,
        "aw39-g-status-4",
        "Leveringsstatus 4 (in zorg) restates the start",
    );
    maps(
        &mut l,
        "aw39-g-20",
        &[
            end_care('g', P1, "2026-03-01", "ended"),
            choose('g', P1, "vpt", "2026-03-01", "active"),
        ],
    );
    maps(
        &mut l,
        "aw35-g-restart",
        &[start_care('g', P1, "2026-04-01")],
    );
    // The end of the first stay sent again while the client is in care again is about the
    // earlier stay.
    skips(
        &mut l,
        "aw39-g-20",
        "care at provider 12345678 already ended on 2026-03-01",
    );
    maps(
        &mut l,
        "aw39-g-12-5",
        &[end_care('g', P1, "2026-05-01", "ended")],
    );
    rejects(
        &mut l,
        "aw39-g-status-4-not-in-care",
        &format!("{MUTATED}/Leveringsstatus"),
        "an AW39 cannot start care; send an AW35",
    );
    rejects(
        &mut l,
        "aw39-g-vkb",
        &format!("{MUTATED}/Leveringsvorm"),
        "leveringsvorm 9 (verkeerde bed, VKB)",
    );
}

#[test]
fn io31_rows() {
    let mut l = Ledger::new();
    skips(
        &mut l,
        "io31-h-functions-only",
        "indicates no zzp (functions only)",
    );
    skips(
        &mut l,
        "io31-h-financiering-3-4",
        "subsidieregeling (Financiering 3): not Wlz money",
    );
    skips(
        &mut l,
        "io31-h-financiering-3-4",
        "another scheme (Financiering 4): not Wlz money",
    );
    maps(
        &mut l,
        "io31-h-grant-ends-and-labels",
        &[
            grant(
                'h',
                "260000802-753",
                "4VV",
                "2026-01-01",
                Some("2026-07-01"),
            ),
            grant(
                'h',
                "260000802-190",
                "9VV A",
                "2026-07-01",
                Some("2027-01-01"),
            ),
        ],
    );
    rejects(
        &mut l,
        "io31-h-zzp-before-decision",
        &format!("{FIRST_ZZP}/Ingangsdatum"),
        "before the decision's Ingangsdatum 2026-02-01",
    );
    let second = "/Bericht/Clienten/Client/Indicatie/GeindiceerdeZorgzwaartepakketten/GeindiceerdZorgzwaartepakket[2]/ZzpCode";
    rejects(
        &mut l,
        "io31-h-same-zzp-twice",
        second,
        "same zzp twice in one decision",
    );
    rejects(
        &mut l,
        "io31-h-zzp-999",
        &format!("{FIRST_ZZP}/ZzpCode"),
        "999 (ZZP0, partner stay",
    );
    rejects(
        &mut l,
        "io31-h-zzp-998",
        &format!("{FIRST_ZZP}/ZzpCode"),
        "998 (ZZPX, undetermined) is not a care profile",
    );
    let decision = "/Bericht/Clienten/Client/Indicatie";
    rejects(
        &mut l,
        "io31-h-decision-ends-before-start",
        &format!("{decision}/Einddatum"),
        "the decision ends on 2025-12-31, before it starts on 2026-01-01",
    );
    rejects(
        &mut l,
        "io31-h-zzp-after-decision",
        &format!("{FIRST_ZZP}/Ingangsdatum"),
        "after the decision's Einddatum 2026-06-30",
    );
    rejects(
        &mut l,
        "io31-h-zzp-ends-before-start",
        &format!("{FIRST_ZZP}/Einddatum"),
        "the zzp ends on 2026-02-01, before it starts on 2026-03-01",
    );
    rejects(
        &mut l,
        "io31-h-zzp-ends-after-decision",
        &format!("{FIRST_ZZP}/Einddatum"),
        "the zzp ends on 2026-12-31, after the decision's Einddatum 2026-06-30",
    );
    rejects(
        &mut l,
        "io31-h-zzp-ends-9999",
        &format!("{FIRST_ZZP}/Einddatum"),
        "the last day pvb can hold",
    );
}

#[test]
fn aw33_rows() {
    let mut l = Ledger::new();
    maps(
        &mut l,
        "io31-h-grant-ends-and-labels",
        &[
            grant(
                'h',
                "260000802-753",
                "4VV",
                "2026-01-01",
                Some("2026-07-01"),
            ),
            grant(
                'h',
                "260000802-190",
                "9VV A",
                "2026-07-01",
                Some("2027-01-01"),
            ),
        ],
    );
    maps(
        &mut l,
        "aw33-h-no-instelling-mpt",
        &[choose('h', P2, "mpt", "2026-01-10", "active")],
    );
    maps(
        &mut l,
        "aw33-h-bridging-dtv",
        &[choose('h', P3, "dtv", "2026-01-12", "active")],
    );
    maps(
        &mut l,
        "aw33-h-pgb-percentage-10000",
        &[choose('h', P1, "pgb", "2026-01-14", "active")],
    );
    skips(
        &mut l,
        "aw33-h-pgb-percentage-10000",
        "repeat: the choice of provider 12345678 (pgb, since 2026-01-14)",
    );
    skips(
        &mut l,
        "aw33-h-administratief",
        "an administrative assignment (Soort 5)",
    );
    rejects(
        &mut l,
        "aw33-h-percentage-5000",
        &format!("{ASSIGNED}/ToewijzingPercentage"),
        "a partial assignment cannot be expressed",
    );
    rejects(
        &mut l,
        "aw33-h-vkb",
        &format!("{ASSIGNED}/Leveringsvorm"),
        "leveringsvorm 9 (verkeerde bed, VKB)",
    );
    rejects(
        &mut l,
        "aw33-h-tr016-start",
        &format!("{ASSIGNED}/Ingangsdatum"),
        "before indication 260000802-753 starts on 2026-01-01 (TR016)",
    );
    rejects(
        &mut l,
        "aw33-h-tr016-open-end",
        ASSIGNED,
        "no Einddatum but indication 260000802-753 ends on 2026-06-30 (TR016)",
    );
    rejects(
        &mut l,
        "aw33-h-ends-before-start",
        &format!("{ASSIGNED}/Einddatum"),
        "the assignment ends on 2026-01-10, before it starts on 2026-01-15",
    );
    rejects(
        &mut l,
        "aw33-h-tr016-end",
        &format!("{ASSIGNED}/Einddatum"),
        "after indication 260000802-753 ends on 2026-06-30 (TR016)",
    );
    rejects(&mut l, "aw33-h-tr016-start-after", &format!("{ASSIGNED}/Ingangsdatum"), "the assignment starts on 2026-07-10, after indication 260000802-753 ends on 2026-06-30 (TR016)");
    rejects(
        &mut l,
        "aw33-h-no-indication",
        "/Bericht/Clienten/Client/Indicatie/Besluitnummer",
        "holds no indication 260000899-754",
    );
    rejects(
        &mut l,
        "aw33-h-unknown-region-header",
        "/Bericht/Header/Afzender",
        "unknown region: zorgkantoor 5530 has no budget (set_region_budget) for 2026",
    );
    rejects(
        &mut l,
        "aw33-h-unknown-region-entry",
        &format!("{ASSIGNED}/Zorgkantoor"),
        "unknown region",
    );
    skips(
        &mut l,
        "aw33-h-functions-only",
        "assigned functions (modules)",
    );
    refused(&mut l, "aw33-h-unknown-provider", |r| {
        matches!(r, Rejection::UnknownProvider { .. })
    });
    maps(
        &mut l,
        "aw33-h-reden-5-waiting",
        &[withdraw_choice(
            'h',
            P2,
            "2026-02-01",
            "wijziging leveringsvorm",
        )],
    );
    skips(
        &mut l,
        "aw33-h-reden-5-waiting",
        "reden intrekking 5, wijziging leveringsvorm",
    );
    skips(&mut l, "aw33-h-reden-6-not-waiting", "reden intrekking 6");
    maps(
        &mut l,
        "aw33-h-reden-7-no-end",
        &[withdraw_choice(
            'h',
            P3,
            "2026-02-03",
            "andere aanbieder heeft de client in zorg genomen",
        )],
    );
    rejects(
        &mut l,
        "aw39-h-never-started",
        &format!("{MUTATED}/Mutatiecode"),
        "end of care without a start",
    );
    rejects(
        &mut l,
        "aw33-h-death-no-end",
        &format!("{ASSIGNED}/RedenIntrekking"),
        "needs an Einddatum: the date of death",
    );
    maps(
        &mut l,
        "aw33-h-negative",
        &[withdraw('h', "260000802-753", "2026-02-28", "negative")],
    );
}

#[test]
fn resent_messages_append_nothing() {
    let mut l = Ledger::new();
    let life = [
        "io31-a-grant",
        "aw33-a-assign",
        "aw35-a-start",
        "io31-ef-grant",
        "aw33-f-assign-p3",
        "aw39-f-urgent",
        "aw39-a-end-19",
        "io31-c-grant-two-zzp",
        "aw33-c-assign",
        "aw35-c-start",
        "aw33-c-death",
    ];
    for name in life {
        assert!(
            matches!(l.import_sample(name), Outcome::Mapped { .. }),
            "{name}"
        );
        let events = l.events.len();
        let state = format!("{:?}", l.state.clients());
        assert!(
            matches!(l.import_sample(name), Outcome::Skipped(_)),
            "{name} resent is skipped"
        );
        assert_eq!(l.events.len(), events, "{name} resent appends nothing");
        assert_eq!(
            format!("{:?}", l.state.clients()),
            state,
            "{name} resent changes nothing"
        );
    }
    // The ids alone also make a resend a duplicate: the same message read twice against the
    // same state gives the same ids.
    let fresh = Ledger::new();
    let once = fresh.read(sample("io31-b-herindicatie").as_bytes());
    let twice = fresh.read(sample("io31-b-herindicatie").as_bytes());
    assert_eq!(once, twice);
}
