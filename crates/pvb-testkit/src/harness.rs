//! The fuzz harnesses (feature `harness`): the bodies of the targets in `fuzz/`, here so that
//! the checked-in corpora also run as ordinary tests on stable Rust.
//!
//! Each function takes arbitrary bytes, must never panic on them, and panics (so the fuzzer
//! reports a crash) only when a property breaks:
//! - [`fuzz_record_decode`]: record parsing and payload decoding return `Ok` or a typed error;
//!   what decodes encodes back to an event that decodes the same;
//! - [`fuzz_filelog_open`]: a `FileLog` opened read-only over arbitrary segment bytes reads a
//!   gapless run of positions up to its head (or refuses to open); opened for writing, it
//!   recovers, takes one more batch, and then verifies;
//! - [`fuzz_jsonl_line`]: a JSON line parses or is refused with a reason that repeats no BSN;
//!   a parsed command writes back to a line that parses to the same command, and the rules
//!   decide it without panicking;
//! - [`fuzz_ledger_vs_model`]: a command sequence through `pvb::Ledger` over a `MemoryLog`
//!   gives the same outcomes, events and state as `decide`/`apply` in memory (the model),
//!   idempotent retries included, and the events break no invariant (INV-15 aside: an
//!   arbitrary sequence need not admit anybody).

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::OnceLock;

use pvb::jsonl::{command_to_line, parse_line};
use pvb::{Ledger, Options as LedgerOptions, Outcome, Submission};
use pvb_core::{
    decide, decode_event, event_to_vec, Bsn, ChainVerifier, Command, Condition, Event, EventId,
    EventLog, NewRecord, Policy, Position, Pseudonymiser, RecordView, State, TransferReason,
    WithdrawalReason, CODEC_BINCODE_2, SCHEMA_VERSION,
};
use pvb_store::{
    segment_name, verify_in, CrashMode, FileLog, MemoryLog, Options, SimStorage, Storage,
    SEGMENT_MAGIC,
};

use crate::bytes::ByteCommands;
use crate::invariants::{Auditor, Violation, CHECKED, INV_15};
use crate::replay::run_history;

fn round_trip(event: &Event) {
    let bytes = event_to_vec(event);
    match decode_event(CODEC_BINCODE_2, &bytes) {
        Ok(again) => assert_eq!(&again, event, "an event does not survive encode and decode"),
        Err(e) => panic!("an encoded event does not decode: {e}: {event:?}"),
    }
}

/// Record decoding: `RecordView::parse` and `decode_event` over arbitrary bytes.
pub fn fuzz_record_decode(data: &[u8]) {
    if let Ok(view) = RecordView::parse(data) {
        assert_eq!(
            view.bytes.len(),
            data.len(),
            "a record view covers its input"
        );
        assert!(view.chained_bytes().len() <= data.len());
        let mut chain = ChainVerifier::from_start();
        let _ = chain.push(&view);
        if let Ok(event) = view.event() {
            round_trip(&event);
        }
    }
    if let Ok(event) = decode_event(CODEC_BINCODE_2, data) {
        round_trip(&event);
    }
}

/// The first position a segment's header names, if the bytes start like a segment.
fn header_first(bytes: &[u8]) -> Option<u64> {
    if bytes.get(..8)? != SEGMENT_MAGIC {
        return None;
    }
    let mut first = [0u8; 8];
    first.copy_from_slice(bytes.get(16..24)?);
    Some(u64::from_le_bytes(first))
}

/// The segment files fuzz input `data` stands for: byte 0 chooses one segment (even) or two
/// (odd, split at the little-endian `u16` of bytes 1..3); each is named after the first
/// position its header names, so the fuzzer gets past the name check.
pub fn segment_files(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    let parts: Vec<&[u8]> = if mode % 2 == 0 {
        vec![rest]
    } else {
        let split = rest
            .get(..2)
            .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
        let rest = rest.get(2..).unwrap_or(&[]);
        let at = if rest.is_empty() {
            0
        } else {
            split % rest.len()
        };
        vec![&rest[..at], &rest[at..]]
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let first = header_first(bytes).unwrap_or(i as u64 + 1);
            (segment_name(Position(first)), bytes.to_vec())
        })
        .collect()
}

/// What opening a log read-only gives: `Ok((head, records read))` or whether the error is
/// corruption. Also checks the records are gapless up to the head.
fn read_only_summary<S: Storage>(storage: S, dir: &Path) -> Result<(u64, u64), bool> {
    let mut log = FileLog::open_in(storage, dir, Options::new().read_only(true))
        .map_err(|e| e.is_corruption())?;
    let head = log.head().map_err(|e| e.is_corruption())?;
    let mut count = 0u64;
    let mut previous: Option<Position> = None;
    let read = log.read(Position(1), &mut |record| {
        if let Some(p) = previous {
            assert_eq!(record.position.0, p.0 + 1, "reads are gapless");
        }
        previous = Some(record.position);
        let _ = record.event();
        count += 1;
        ControlFlow::Continue(())
    });
    read.map_err(|e| e.is_corruption())?;
    if let Some(last) = previous {
        assert_eq!(last, head, "reads end at the head");
    }
    Ok((head.0, count))
}

/// Opening a `FileLog` over arbitrary segment bytes (in memory, `SimStorage`): read-only, then
/// for writing (recovery), one more batch, and a verifying reopen.
pub fn fuzz_filelog_open(data: &[u8]) {
    let storage = SimStorage::new();
    let dir = Path::new("/fuzz/log");
    for (name, bytes) in segment_files(data) {
        storage.write_file(&dir.join(name), &bytes);
    }
    let _ = read_only_summary(storage.clone(), dir);
    let _ = verify_in(&storage, dir);
    let copy = storage.crash(CrashMode::Keep);
    let Ok(mut log) = FileLog::open_in(copy.clone(), dir, Options::new()) else {
        return;
    };
    let Ok(head) = log.head() else {
        return;
    };
    let record = NewRecord {
        id: EventId([0xA5; 16]),
        recorded_at_us: 0,
        schema: SCHEMA_VERSION,
        codec: CODEC_BINCODE_2,
        payload: b"fuzz".to_vec(),
    };
    // The id may be in the fuzzed log already: then the append is an idempotent retry.
    let existing = log.find(&record.id).ok().flatten();
    let appended = log.append(&[record], Condition::Head(head));
    drop(log);
    let Ok(positions) = appended else {
        return;
    };
    let expected = existing.unwrap_or(Position(head.0 + 1));
    assert_eq!(
        positions,
        vec![expected],
        "an append after recovery returns the wrong position"
    );
    let new_head = if existing.is_some() { head } else { expected };
    match read_only_summary(copy.clone(), dir) {
        Ok((reopened, _)) => assert_eq!(
            reopened, new_head.0,
            "a recovered log that took a batch reopens at that batch"
        ),
        Err(corrupt) => {
            panic!("a recovered log that took a batch does not reopen (corruption: {corrupt})")
        }
    }
    match verify_in(&copy, dir) {
        Ok(report) => assert!(
            report.is_ok(),
            "a recovered log that took a batch does not verify: {:?}",
            report.problem
        ),
        Err(e) => panic!("verifying a recovered log failed: {e}"),
    }
}

/// The read-only summary of `data` as segment files in a real folder (`FsStorage`), to compare
/// with the in-memory storage the fuzz target uses.
pub fn filelog_summary_on_disk(
    data: &[u8],
    dir: &Path,
) -> std::io::Result<Result<(u64, u64), bool>> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in segment_files(data) {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(read_only_summary(pvb_store::FsStorage, dir))
}

/// The same summary in memory.
pub fn filelog_summary_in_memory(data: &[u8]) -> Result<(u64, u64), bool> {
    let storage = SimStorage::new();
    let dir = Path::new("/fuzz/log");
    for (name, bytes) in segment_files(data) {
        storage.write_file(&dir.join(name), &bytes);
    }
    read_only_summary(storage, dir)
}

fn pseudonymiser() -> Pseudonymiser {
    Pseudonymiser::new([7; 32])
}

/// A state with clients in care and paid days (the world's ids), for deciding fuzzed lines.
fn prepared_state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let text = include_str!("harness_state.jsonl");
        let commands: Vec<Command> = text
            .lines()
            .filter_map(|line| parse_line(line, &pseudonymiser()).ok())
            .map(|line| line.command)
            .collect();
        let mut state = State::new();
        for command in &commands {
            if let Ok(events) = decide(&state, command, Policy::PersonFollowing) {
                for event in &events {
                    state.apply(event);
                }
            }
        }
        state
    })
}

/// Every maximal run of 9 digits in `text` that is a valid BSN (a longer run of digits is not
/// one, nor is a run inside a longer one). An 8-digit (legacy) BSN is one too, but `pvb::jsonl::redact_bsns` skips it: finding
/// `redaction-skips-8-digit-bsns` in docs/AUDITORS.md.
fn bsns_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 9)
        .filter(|run| Bsn::parse(run).is_ok())
        .map(str::to_owned)
        .collect()
}

/// One JSON line: parse, write back, parse again, decide.
pub fn fuzz_jsonl_line(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pseudonymiser = pseudonymiser();
    let line = match parse_line(text, &pseudonymiser) {
        Ok(line) => line,
        Err(e) => {
            // Neither the reason nor the field name holds a BSN, as a number of its own
            // (the field name is redacted since finding `bsn-in-field-name` was fixed).
            assert!(
                bsns_in(&e.to_string()).is_empty(),
                "a refusal repeats a BSN in clear: {e}"
            );
            return;
        }
    };
    let written = command_to_line(&line.command, line.id.as_deref());
    match parse_line(&written, &pseudonymiser) {
        Ok(again) => assert_eq!(
            again, line,
            "a written line parses to another command: {written}"
        ),
        Err(e) => panic!("a written line does not parse: {e}: {written}"),
    }
    for policy in [Policy::PersonFollowing, Policy::FixedAgreements] {
        for state in [&State::new(), prepared_state()] {
            if let Ok(events) = decide(state, &line.command, policy) {
                for event in &events {
                    round_trip(event);
                }
            }
        }
    }
}

/// A command sequence through `pvb::Ledger` over a `MemoryLog` against the model.
pub fn fuzz_ledger_vs_model(data: &[u8]) {
    let mut input = ByteCommands::new(data);
    let policy = input.policy();
    let options = LedgerOptions {
        policy,
        key: [0; 32],
        clock: Box::new(|| 0),
    };
    let mut ledger = match Ledger::open(MemoryLog::new(), options) {
        Ok(ledger) => ledger,
        Err(e) => panic!("opening an empty memory log failed: {e}"),
    };
    let mut state = State::new();
    let mut events: Vec<Event> = Vec::new();
    let mut commands: Vec<Command> = Vec::new();
    let mut ids: HashMap<String, Position> = HashMap::new();
    while !input.is_empty() {
        let size = 1 + usize::from(input.byte() % 3);
        let mut batch = Vec::with_capacity(size);
        for _ in 0..size {
            let Some(command) = input.next_command() else {
                break;
            };
            let tag = input.byte();
            let id = (tag % 4 == 0).then(|| format!("k-{}", tag / 4 % 8));
            batch.push(Submission { id, command });
        }
        if batch.is_empty() {
            break;
        }
        let mut expected = Vec::with_capacity(batch.len());
        for submission in &batch {
            if let Some(position) = submission.id.as_ref().and_then(|id| ids.get(id)) {
                expected.push(Outcome::Duplicate {
                    position: *position,
                });
                continue;
            }
            commands.push(submission.command.clone());
            match decide(&state, &submission.command, policy) {
                Ok(new) => {
                    let first = Position(events.len() as u64 + 1);
                    if let Some(id) = &submission.id {
                        ids.insert(id.clone(), first);
                    }
                    expected.push(Outcome::Accepted {
                        first,
                        events: new.len(),
                    });
                    for event in new {
                        state.apply(&event);
                        events.push(event);
                    }
                }
                Err(rejection) => expected.push(Outcome::Rejected(rejection)),
            }
        }
        let got = match ledger.execute_batch(batch) {
            Ok(got) => got,
            Err(e) => panic!("a memory log failed: {e}"),
        };
        assert_eq!(got, expected, "the ledger and the model disagree");
    }
    // The log holds exactly the model's events, in order, from position 1.
    let mut stored: Vec<(Position, Event)> = Vec::new();
    let read = ledger.log_mut().read(Position(1), &mut |record| {
        match record.event() {
            Ok(event) => stored.push((record.position, event)),
            Err(e) => panic!(
                "the ledger wrote an undecodable event at {}: {e}",
                record.position
            ),
        }
        ControlFlow::Continue(())
    });
    if let Err(e) = read {
        panic!("reading a memory log failed: {e}");
    }
    let numbered: Vec<(Position, Event)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (Position(i as u64 + 1), e.clone()))
        .collect();
    assert_eq!(stored, numbered, "the log does not hold the model's events");
    // Replaying the log gives the model's state.
    let reopened = match Ledger::open(
        ledger.into_log(),
        LedgerOptions {
            policy,
            key: [0; 32],
            clock: Box::new(|| 0),
        },
    ) {
        Ok(ledger) => ledger,
        Err(e) => panic!("reopening a memory log failed: {e}"),
    };
    assert_eq!(
        reopened.state().clients(),
        state.clients(),
        "replayed clients differ"
    );
    assert!(
        reopened.state().balances().eq(state.balances()),
        "replayed balances differ"
    );
    // The decided events keep every invariant the rules promise.
    let (again, _) = run_history(&commands, policy);
    assert_eq!(again, numbered, "deciding the same commands twice differs");
    let others: Vec<&str> = CHECKED.iter().copied().filter(|i| *i != INV_15).collect();
    let mut auditor = Auditor::with_policy(policy).only(&others).limit(usize::MAX);
    for (position, event) in &numbered {
        auditor.observe(*position, event);
    }
    let report = auditor.finish();
    let new: Vec<&Violation> = report
        .violations
        .iter()
        .filter(|v| known_finding(v, &numbered).is_none())
        .collect();
    assert!(
        new.is_empty(),
        "the rules accepted events that break an invariant:\n{new:#?}\ncommands: {commands:#?}"
    );
}

/// The rules gaps this kit found and reported (docs/AUDITORS.md, "Findings"), recognised
/// precisely so that the fuzzer keeps looking for new ones. Each returns its finding's name.
///
/// - `capacity-by-date`: `decide` weighs `ProviderFull` by the clients in care *now* (in log
///   order), not on the start's date, so a start dated before a recorded end, or after an end
///   dated in the future, fills a place twice on those days (INV-14). Recognised when the
///   clients in care at the provider in log order were fewer than its places.
/// - `listing-by-date`: likewise `AlreadyInCareAtProvider` looks at the care open now, so a
///   choice dated inside an ended care interval at the same provider lists the client there
///   while in care there on that date (INV-14). Recognised when, in log order, the client was
///   not in care at that provider.
/// - `release-overdraws`: under person-following financing an office may reallocate the
///   money that followed a client away from the provider; the release when care ends then
///   overdraws the provider's account (INV-09). Recognised on a `release` transfer from an
///   account that an office transfer debited before.
/// - `death-back-dated`: a withdrawal for death dated before an end of care already recorded
///   leaves that care interval (and its reservation) running past the death (INV-11): the
///   withdrawal ends only care that is still open. Recognised on the withdrawal, when a
///   `CareEnded` of the client dated after the death was recorded before it.
/// - `death-not-final`: a withdrawal for death withdraws one indication; with another valid
///   one the client can choose, start and be paid after death (INV-11). Recognised when another
///   indication of the client outlived the death: not withdrawn by then, or granted after it.
pub fn known_finding(violation: &Violation, events: &[(Position, Event)]) -> Option<&'static str> {
    let at = usize::try_from(violation.position.0).ok()?.checked_sub(1)?;
    let (_, event) = events.get(at)?;
    match (violation.invariant, event) {
        ("INV-14", Event::ProviderChosen(choice))
            if violation.explanation.contains("while in care there") =>
        {
            // In log order the client was not in care there any more (the choice is dated
            // inside an ended care interval).
            let mut open = false;
            for (_, e) in &events[..at] {
                match e {
                    Event::CareStarted(s) if s.client == choice.client => {
                        open = s.provider == choice.provider;
                    }
                    Event::CareEnded(e) if e.client == choice.client => open = false,
                    _ => {}
                }
            }
            (!open).then_some("listing-by-date")
        }
        ("INV-14", Event::CareStarted(start))
            if violation.explanation.contains("clients are in care there") =>
        {
            let mut open: HashMap<&pvb_core::ClientId, ()> = HashMap::new();
            for (_, e) in &events[..at] {
                match e {
                    Event::CareStarted(s) if s.provider == start.provider => {
                        open.insert(&s.client, ());
                    }
                    Event::CareEnded(e) if e.provider == start.provider => {
                        open.remove(&e.client);
                    }
                    _ => {}
                }
            }
            let places = events[..at].iter().rev().find_map(|(_, e)| match e {
                Event::ProviderContracted(c)
                    if c.provider == start.provider && c.year == start.on.year() =>
                {
                    Some(c.places)
                }
                _ => None,
            })?;
            (open.len() < places as usize).then_some("capacity-by-date")
        }
        ("INV-09", Event::BudgetTransferred(release))
            if release.reason == TransferReason::Release =>
        {
            let drained = events[..at].iter().any(|(_, e)| {
                matches!(e, Event::BudgetTransferred(t)
                    if t.from == release.from && t.year == release.year && !t.reason.is_ledger_only())
            });
            drained.then_some("release-overdraws")
        }
        ("INV-11", Event::IndicationWithdrawn(death))
            if death.reason == WithdrawalReason::Deceased
                && violation.explanation.contains("runs until")
                && events[..at].iter().any(|(_, e)| {
                    matches!(e, Event::CareEnded(end) if end.client == death.client && end.on > death.on)
                }) =>
        {
            Some("death-back-dated")
        }
        ("INV-11", _) => {
            let client = event.client()?;
            let death = events.iter().find_map(|(p, e)| match e {
                Event::IndicationWithdrawn(w)
                    if &w.client == client && w.reason == WithdrawalReason::Deceased =>
                {
                    Some((*p, w.on))
                }
                _ => None,
            })?;
            // Another indication outlived the death: granted after it, or granted before and
            // not withdrawn by then.
            let withdrawn_by = |indication: &pvb_core::IndicationId, at: Position| {
                events.iter().any(|(p, w)| {
                    *p <= at
                        && matches!(w, Event::IndicationWithdrawn(w)
                            if &w.client == client && &w.indication == indication)
                })
            };
            let alive_indication = events.iter().any(|(p, e)| match e {
                Event::IndicationGranted(g) if &g.client == client => {
                    *p > death.0 || !withdrawn_by(&g.indication, death.0)
                }
                _ => false,
            });
            alive_indication.then_some("death-not-final")
        }
        _ => None,
    }
}
