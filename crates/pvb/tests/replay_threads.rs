//! `replay_log` decodes on the reading thread and folds on a second one when the machine has
//! two cores. This test holds that path to the plain one-thread fold: for the first 60,000
//! lines of the pvb-year (many chunks of 4,096 events), under no filter, an as-of date and a
//! known-at position, the serialized projections are byte for byte those of folding every
//! record on one thread.
//!
//! A record that does not decode, in a chunk this thread decodes or in one the second thread
//! decodes, is the error, with its position, as on one thread.
//!
//! It does not test the projections themselves (pvb-projection's property tests do).

#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;

use pvb::jsonl::parse_line;
use pvb::projection::{Filter, Projections};
use pvb::LedgerError;
use pvb::{Ledger, Options, Submission};
use pvb_core::{Condition, EventId, EventLog, NewRecord, Policy, Position, Pseudonymiser};
use pvb_store::MemoryLog;
use pvb_workload::{Generator, Scale};
use time::macros::date;

fn one_thread(log: &mut MemoryLog, filter: Filter) -> Projections {
    let mut projections = Projections::with_filter(filter);
    log.read(Position(1), &mut |record| {
        if filter.known_at.is_some_and(|last| record.position > last) {
            return ControlFlow::Break(());
        }
        projections.apply_record(record).unwrap();
        ControlFlow::Continue(())
    })
    .unwrap();
    projections
}

fn bytes(projections: &Projections) -> Vec<u8> {
    bincode::serde::encode_to_vec(projections, bincode::config::standard()).unwrap()
}

fn year_log(lines: usize) -> (MemoryLog, Position) {
    let key = [9u8; 32];
    let pseudonymiser = Pseudonymiser::new(key);
    let mut generator = Generator::new(42, Scale::new(0.01).unwrap());
    let mut submissions = Vec::new();
    let mut line = Vec::new();
    while submissions.len() < lines && generator.next_line(&mut line).is_some() {
        let parsed = parse_line(
            std::str::from_utf8(&line).unwrap().trim_end(),
            &pseudonymiser,
        )
        .unwrap();
        submissions.push(Submission {
            id: parsed.id,
            command: parsed.command,
        });
        line.clear();
    }
    let mut ledger =
        Ledger::open(MemoryLog::new(), Options::new(Policy::PersonFollowing, key)).unwrap();
    for batch in submissions.chunks(1_000) {
        ledger.execute_batch(batch.to_vec()).unwrap();
    }
    let head = ledger.head();
    (ledger.into_log(), head)
}

#[test]
fn an_undecodable_record_is_the_error_whichever_thread_decodes_it() {
    let (mut base, head) = year_log(16_000);
    let mut records = Vec::new();
    base.read(Position(1), &mut |r| {
        records.push(NewRecord::from_view(r));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(records.len() as u64, head.0);
    // Chunks are 4,096 records: the junk record falls in chunk 1 (decoded by the second
    // thread), then in chunk 2 (decoded by this one), with good records before and after it.
    for junk_at in [4_096 + 100, 2 * 4_096 + 100] {
        let mut log = MemoryLog::new();
        for batch in records[..junk_at - 1].chunks(1_000) {
            log.append(batch, Condition::Any).unwrap();
        }
        let junk = NewRecord {
            id: EventId::derived(&[3; 32], 0),
            recorded_at_us: 0,
            schema: pvb_core::SCHEMA_VERSION,
            codec: pvb_core::CODEC_BINCODE_2,
            payload: vec![0xee; 7],
        };
        let position = log.append(&[junk], Condition::Any).unwrap()[0];
        assert_eq!(position.0, junk_at as u64);
        for batch in records[junk_at - 1..].chunks(1_000) {
            log.append(batch, Condition::Any).unwrap();
        }
        match pvb::replay_log(&mut log, Filter::ALL, ()) {
            Err(LedgerError::Undecodable { position: at, .. }) => {
                assert_eq!(at, position, "junk at {junk_at}")
            }
            Err(other) => panic!("junk at {junk_at}: {other}"),
            Ok(_) => panic!("junk at {junk_at}: the replay succeeded"),
        }
    }
}

#[test]
fn replay_on_two_threads_equals_the_one_thread_fold() {
    let (mut log, head) = year_log(60_000);
    assert!(head.0 > 5 * 4_096, "only {} events", head.0);
    let filters = [
        Filter::ALL,
        Filter {
            as_of: Some(date!(2026 - 01 - 20)),
            ..Filter::ALL
        },
        Filter {
            known_at: Some(Position(head.0 / 2 + 17)),
            ..Filter::ALL
        },
    ];
    for filter in filters {
        let threaded = pvb::replay_log(&mut log, filter, ()).unwrap();
        let reference = one_thread(&mut log, filter);
        assert_eq!(threaded.head(), reference.head(), "{filter:?}");
        assert_eq!(bytes(&threaded), bytes(&reference), "{filter:?}");
    }
}
