//! Messages against the JSON Lines they map to: for random message sequences built from the
//! templates of IWLZ.md (a client's indication, assignment, waiting statuses, start, transfer,
//! end, herindicatie, death, and resends), importing the messages gives the same commands and
//! the same ledger as importing the JSON lines that IWLZ.md says they map to.
//!
//! The expected JSON lines come from a model of the client kept by the generator, not from the
//! importer, so the importer is checked against a second reading of IWLZ.md. Every generated
//! message is also checked by `xmllint` against the official XSD.

use std::path::PathBuf;

use proptest::prelude::*;
use pvb_core::{decide, Command, Policy, Pseudonymiser, State};
use pvb_iwlz::{read_message, Verdict};
use time::{Date, Duration};

use crate::build::*;
use crate::catalogue::{P1, P2, P3, ZK};
use crate::ledger::{command, preamble, KEY};
use crate::samples::{xmllint_available, xmllint_many};

/// SplitMix64: the generator's own randomness, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn days(&mut self, n: u64) -> Duration {
        Duration::days(self.below(n) as i64)
    }
}

/// One generated message: its type, its text, the JSON lines it must map to, and whether
/// sending it again must map to nothing.
#[derive(Clone, Debug)]
struct Message {
    kind: &'static str,
    xml: String,
    expect: Vec<String>,
    resendable: bool,
}

const PROFILES: [(&str, &str); 5] = [
    ("754", "5VV"),
    ("755", "6VV"),
    ("753", "4VV"),
    ("756", "7VV"),
    ("752", "3VV"),
];
const FORMS: [(&str, &str); 5] = [
    ("4", "verblijf"),
    ("5", "vpt"),
    ("7", "mpt"),
    ("2", "pgb"),
    ("8", "dtv"),
];
const PROVIDERS: [&str; 3] = [P1, P2, P3];

fn grant(bsn: &str, id: &str, profile: &str, from: Date) -> String {
    format!(
        r#"{{"type":"grant_indication","bsn":"{bsn}","indication":"{id}","profile":"{profile}","region":{ZK},"from":"{from}"}}"#
    )
}

fn choose(bsn: &str, provider: &str, form: &str, on: Date, urgency: &str) -> String {
    format!(
        r#"{{"type":"choose_provider","bsn":"{bsn}","provider":"{provider}","form":"{form}","on":"{on}","urgency":"{urgency}"}}"#
    )
}

fn start_care(bsn: &str, provider: &str, on: Date) -> String {
    format!(r#"{{"type":"start_care","bsn":"{bsn}","provider":"{provider}","on":"{on}"}}"#)
}

fn end_care(bsn: &str, provider: &str, on: Date, reason: &str) -> String {
    format!(
        r#"{{"type":"end_care","bsn":"{bsn}","provider":"{provider}","on":"{on}","reason":"{reason}"}}"#
    )
}

fn withdraw(bsn: &str, id: &str, on: Date, reason: &str) -> String {
    format!(
        r#"{{"type":"withdraw_indication","bsn":"{bsn}","indication":"{id}","on":"{on}","reason":"{reason}"}}"#
    )
}

fn head(tag: &str, n: &mut u32, dagtekening: Date, afzender: &str, ontvanger: &str) -> Head {
    *n += 1;
    Head {
        identificatie: format!("{tag}-{n}"),
        dagtekening: dagtekening.to_string(),
        afzender: afzender.into(),
        ontvanger: ontvanger.into(),
    }
}

/// The life of one client: the first decision (sent alone or in a shared IO31) and the
/// messages after it, each with the JSON lines it maps to.
fn life(
    rng: &mut Rng,
    tag: &str,
    bsn: &'static str,
    base: u32,
) -> (Decision, Vec<String>, Vec<Message>) {
    let mut n = 0u32;
    let mut t = time::macros::date!(2026 - 01 - 01) + rng.days(45);
    let (c0, label0) = rng.pick(&PROFILES);
    let b0 = base.to_string();
    let first = decision(bsn, &b0, &t.to_string(), vec![zzp(c0, &t.to_string())]);
    let first_expect = vec![grant(bsn, &format!("{b0}-{c0}"), label0, t)];
    let mut out: Vec<Message> = Vec::new();
    // The current indication (Besluitnummer, zzp, from) and the provider and form of the last
    // assignment the client acted on.
    let mut current = (b0.clone(), c0, t);
    let pa = rng.pick(&PROVIDERS);
    let (form_code, form) = rng.pick(&FORMS);
    let (mut provider, mut f_code, mut f_name) = (pa, form_code, form);
    t += rng.days(10);
    let a0 = t;
    out.push(Message {
        kind: "aw33",
        xml: aw33(
            &head(tag, &mut n, a0, ZK, pa),
            &[assigned(
                bsn,
                &b0,
                &current.2.to_string(),
                vec![assignment(c0, pa, &a0.to_string(), form_code)],
            )],
        ),
        expect: vec![choose(bsn, pa, form, a0, "active")],
        resendable: true,
    });
    let mut urgency = "active";
    for _ in 0..rng.below(3) {
        t += Duration::days(1) + rng.days(10);
        let (code, status, now) = rng.pick(&[
            ("18", "6", "urgent"),
            ("18", "7", "active"),
            ("18", "2", "preference"),
            ("18", "1", "active"),
            ("12", "3", "precaution"),
        ]);
        let expect = if now == urgency {
            vec![]
        } else {
            vec![choose(bsn, pa, form, a0, now)]
        };
        urgency = now;
        out.push(Message {
            kind: "aw39",
            xml: aw39(
                &head(tag, &mut n, t + Duration::days(1), pa, ZK),
                &[reported(
                    bsn,
                    vec![mutation(
                        &b0,
                        c0,
                        pa,
                        &a0.to_string(),
                        code,
                        status,
                        &t.to_string(),
                        form_code,
                    )],
                )],
            ),
            expect,
            resendable: false,
        });
    }
    if rng.chance(70) {
        t += rng.days(20);
        let begin = t;
        let dag = begin + rng.days(3);
        out.push(Message {
            kind: "aw35",
            xml: aw35(
                &head(tag, &mut n, dag, pa, ZK),
                &[reported(
                    bsn,
                    vec![start(
                        &b0,
                        c0,
                        pa,
                        &a0.to_string(),
                        &begin.to_string(),
                        form_code,
                    )],
                )],
            ),
            expect: vec![start_care(bsn, pa, begin)],
            resendable: true,
        });
        match rng.below(4) {
            0 => {
                let pb = PROVIDERS.iter().copied().find(|p| *p != pa).unwrap_or(P2);
                let (code2, form2) = rng.pick(&FORMS);
                t += Duration::days(1) + rng.days(20);
                let t0 = t;
                out.push(Message {
                    kind: "aw33",
                    xml: aw33(
                        &head(tag, &mut n, t0, ZK, pb),
                        &[assigned(
                            bsn,
                            &b0,
                            &current.2.to_string(),
                            vec![assignment(c0, pb, &t0.to_string(), code2)],
                        )],
                    ),
                    expect: vec![choose(bsn, pb, form2, t0, "preference")],
                    resendable: true,
                });
                t += rng.days(15);
                let m = t;
                let mut transfer = mutation(
                    &b0,
                    c0,
                    pa,
                    &a0.to_string(),
                    "17",
                    "5",
                    &m.to_string(),
                    form_code,
                );
                transfer.begin = Some(begin.to_string());
                transfer.destination = Some(pb.into());
                out.push(Message {
                    kind: "aw39",
                    xml: aw39(
                        &head(tag, &mut n, m, pa, ZK),
                        &[reported(bsn, vec![transfer])],
                    ),
                    expect: vec![end_care(bsn, pa, m, "transfer")],
                    resendable: true,
                });
                out.push(Message {
                    kind: "aw35",
                    xml: aw35(
                        &head(tag, &mut n, m, pb, ZK),
                        &[reported(
                            bsn,
                            vec![start(&b0, c0, pb, &t0.to_string(), &m.to_string(), code2)],
                        )],
                    ),
                    expect: vec![start_care(bsn, pb, m)],
                    resendable: true,
                });
                if rng.chance(50) {
                    let mut old = assignment(c0, pa, &a0.to_string(), form_code);
                    old.end = Some((m - Duration::days(1)).to_string());
                    old.reden = Some("4".into());
                    out.push(Message {
                        kind: "aw33",
                        xml: aw33(
                            &head(tag, &mut n, m, ZK, pa),
                            &[assigned(bsn, &b0, &current.2.to_string(), vec![old])],
                        ),
                        expect: vec![],
                        resendable: true,
                    });
                }
                (provider, f_code, f_name) = (pb, code2, form2);
            }
            1 => {
                t += Duration::days(1) + rng.days(20);
                let mut end = mutation(
                    &b0,
                    c0,
                    pa,
                    &a0.to_string(),
                    "19",
                    "5",
                    &t.to_string(),
                    form_code,
                );
                end.begin = Some(begin.to_string());
                out.push(Message {
                    kind: "aw39",
                    xml: aw39(&head(tag, &mut n, t, pa, ZK), &[reported(bsn, vec![end])]),
                    expect: vec![end_care(bsn, pa, t, "ended")],
                    resendable: true,
                });
            }
            2 => {
                t += Duration::days(1) + rng.days(20);
                let (status, now) = rng.pick(&[
                    ("6", "urgent"),
                    ("7", "active"),
                    ("2", "preference"),
                    ("3", "precaution"),
                    ("1", "active"),
                ]);
                out.push(Message {
                    kind: "aw39",
                    xml: aw39(
                        &head(tag, &mut n, t, pa, ZK),
                        &[reported(
                            bsn,
                            vec![mutation(
                                &b0,
                                c0,
                                pa,
                                &a0.to_string(),
                                "20",
                                status,
                                &t.to_string(),
                                form_code,
                            )],
                        )],
                    ),
                    expect: vec![end_care(bsn, pa, t, "ended"), choose(bsn, pa, form, t, now)],
                    resendable: true,
                });
            }
            _ => {}
        }
    }
    if rng.chance(40) {
        t += Duration::days(1) + rng.days(20);
        let h = t;
        let b1 = (base + 1).to_string();
        let (c1, label1) = rng.pick(&PROFILES);
        out.push(Message {
            kind: "io31",
            xml: io31(
                &head(tag, &mut n, h, "", ZK),
                &[decision(
                    bsn,
                    &b1,
                    &h.to_string(),
                    vec![zzp(c1, &h.to_string())],
                )],
            ),
            expect: vec![
                withdraw(
                    bsn,
                    &format!("{}-{}", current.0, current.1),
                    h,
                    "reassessed",
                ),
                grant(bsn, &format!("{b1}-{c1}"), label1, h),
            ],
            resendable: true,
        });
        current = (b1.clone(), c1, h);
        if rng.chance(50) {
            out.push(Message {
                kind: "aw33",
                xml: aw33(
                    &head(tag, &mut n, h, ZK, provider),
                    &[assigned(
                        bsn,
                        &b1,
                        &h.to_string(),
                        vec![assignment(c1, provider, &h.to_string(), f_code)],
                    )],
                ),
                expect: vec![choose(bsn, provider, f_name, h, "active")],
                resendable: true,
            });
            if rng.chance(50) {
                t += rng.days(10);
                out.push(Message {
                    kind: "aw35",
                    xml: aw35(
                        &head(tag, &mut n, t, provider, ZK),
                        &[reported(
                            bsn,
                            vec![start(
                                &b1,
                                c1,
                                provider,
                                &h.to_string(),
                                &t.to_string(),
                                f_code,
                            )],
                        )],
                    ),
                    expect: vec![start_care(bsn, provider, t)],
                    resendable: true,
                });
            }
        }
    }
    if rng.chance(30) {
        t += Duration::days(1) + rng.days(20);
        let mut death = assignment(current.1, provider, &current.2.to_string(), f_code);
        death.end = Some(t.to_string());
        death.reden = Some("1".into());
        out.push(Message {
            kind: "aw33",
            xml: aw33(
                &head(tag, &mut n, t + Duration::days(1), ZK, provider),
                &[assigned(
                    bsn,
                    &current.0,
                    &current.2.to_string(),
                    vec![death],
                )],
            ),
            expect: vec![withdraw(
                bsn,
                &format!("{}-{}", current.0, current.1),
                t + Duration::days(1),
                "deceased",
            )],
            resendable: true,
        });
    }
    let resendable: Vec<Message> = out.iter().filter(|m| m.resendable).cloned().collect();
    if !resendable.is_empty() && rng.chance(60) {
        let again = rng.pick(&(0..resendable.len()).collect::<Vec<_>>());
        out.push(Message {
            expect: vec![],
            ..resendable[again].clone()
        });
    }
    (first, first_expect, out)
}

/// A whole case: every client's life, interleaved at random (each client's order kept),
/// the first decisions sent in one IO31 or one each.
fn case(seed: u64, clients: usize) -> Vec<Message> {
    let mut rng = Rng(seed);
    let mut firsts = Vec::new();
    let mut lives: Vec<std::collections::VecDeque<Message>> = Vec::new();
    for (i, person) in PEOPLE.iter().take(clients).enumerate() {
        let base = 270_000_000 + 100 * i as u32;
        let (first, expect, rest) = life(&mut rng, &format!("C{i}"), person.bsn, base);
        firsts.push((first, expect));
        lives.push(rest.into());
    }
    let mut messages = Vec::new();
    let date = time::macros::date!(2026 - 01 - 01);
    if rng.chance(50) {
        let decisions: Vec<Decision> = firsts.iter().map(|(d, _)| d.clone()).collect();
        let expect = firsts.iter().flat_map(|(_, e)| e.clone()).collect();
        messages.push(Message {
            kind: "io31",
            xml: io31(
                &Head {
                    identificatie: "ALL".into(),
                    dagtekening: date.to_string(),
                    afzender: String::new(),
                    ontvanger: ZK.into(),
                },
                &decisions,
            ),
            expect,
            resendable: true,
        });
    } else {
        for (i, (d, e)) in firsts.into_iter().enumerate() {
            messages.push(Message {
                kind: "io31",
                xml: io31(
                    &Head {
                        identificatie: format!("F{i}"),
                        dagtekening: date.to_string(),
                        afzender: String::new(),
                        ontvanger: ZK.into(),
                    },
                    &[d],
                ),
                expect: e,
                resendable: true,
            });
        }
    }
    while lives.iter().any(|l| !l.is_empty()) {
        let open: Vec<usize> = (0..lives.len()).filter(|i| !lives[*i].is_empty()).collect();
        let i = rng.pick(&open);
        if let Some(m) = lives[i].pop_front() {
            messages.push(m);
        }
    }
    messages
}

/// Decides commands as one batch on a copy of `state`; the copy when all are accepted.
fn decide_batch(state: &State, commands: &[Command]) -> Result<State, String> {
    let mut next = state.clone();
    for c in commands {
        let events = decide(&next, c, Policy::PersonFollowing)
            .map_err(|r| format!("{} refused: {r}", c.kind()))?;
        for e in &events {
            next.apply(e);
        }
    }
    Ok(next)
}

/// Checks every message of a case with xmllint (when installed).
fn xmllint_check(messages: &[Message]) {
    if !xmllint_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    for kind in ["io31", "aw33", "aw35", "aw39"] {
        let files: Vec<PathBuf> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.kind == kind)
            .map(|(i, m)| {
                let path = dir.path().join(format!("{kind}-{i}.xml"));
                std::fs::write(&path, &m.xml).expect("write a message");
                path
            })
            .collect();
        let xsd = pvb_iwlz::schema_dir().join(format!("{}.xsd", kind.to_ascii_uppercase()));
        for (file, valid) in files.iter().zip(xmllint_many(&xsd, &files)) {
            assert!(valid, "xmllint refuses the generated {}", file.display());
        }
    }
}

fn check_case(seed: u64, clients: usize) -> Result<(), TestCaseError> {
    let messages = case(seed, clients);
    xmllint_check(&messages);
    let pseudonymiser = Pseudonymiser::new(KEY);
    let preamble: Vec<Command> = preamble()
        .iter()
        .map(|l| command(l, &pseudonymiser))
        .collect();
    let base = decide_batch(&State::new(), &preamble).map_err(TestCaseError::fail)?;
    let (mut from_messages, mut from_lines) = (base.clone(), base);
    for (i, message) in messages.iter().enumerate() {
        let want: Vec<Command> = message
            .expect
            .iter()
            .map(|l| command(l, &pseudonymiser))
            .collect();
        let got: Vec<Command> =
            match read_message(message.xml.as_bytes(), &from_messages, &pseudonymiser) {
                Verdict::Mapped(mapped) => mapped.commands.into_iter().map(|(_, c)| c).collect(),
                Verdict::Skipped { .. } => Vec::new(),
                Verdict::Rejected { path, reason } => {
                    return Err(TestCaseError::fail(format!(
                        "message {i} ({}) rejected at {path}: {reason}\n{}",
                        message.kind, message.xml
                    )));
                }
            };
        prop_assert_eq!(
            &got,
            &want,
            "message {} ({}):\n{}",
            i,
            message.kind,
            message.xml
        );
        from_messages = decide_batch(&from_messages, &got)
            .map_err(|e| TestCaseError::fail(format!("message {i}: {e}")))?;
        from_lines = decide_batch(&from_lines, &want)
            .map_err(|e| TestCaseError::fail(format!("lines of message {i}: {e}")))?;
    }
    prop_assert_eq!(from_messages.clients(), from_lines.clients());
    let balances = |s: &State| s.balances().map(|(k, v)| (*k, *v)).collect::<Vec<_>>();
    prop_assert_eq!(balances(&from_messages), balances(&from_lines));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn messages_import_as_the_json_lines_they_map_to(seed in any::<u64>(), clients in 1usize..=4) {
        check_case(seed, clients)?;
    }
}
