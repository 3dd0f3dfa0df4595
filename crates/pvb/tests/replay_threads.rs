//! `replay_log` decodes on the reading thread and folds on a second one when the machine has
//! two cores. This test holds that path to the plain one-thread fold: for the first 60,000
//! lines of the pvb-year (many chunks of 4,096 events), under no filter, an as-of date and a
//! known-at position, the serialized projections are byte for byte those of folding every
//! record on one thread.
//!
//! It does not test the projections themselves (pvb-projection's property tests do).

#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;

use pvb::jsonl::parse_line;
use pvb::projection::{Filter, Projections};
use pvb::{Ledger, Options, Submission};
use pvb_core::{EventLog, Policy, Position, Pseudonymiser};
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

#[test]
fn replay_on_two_threads_equals_the_one_thread_fold() {
    let key = [9u8; 32];
    let pseudonymiser = Pseudonymiser::new(key);
    let mut generator = Generator::new(42, Scale::new(0.01).unwrap());
    let mut submissions = Vec::new();
    let mut line = Vec::new();
    while submissions.len() < 60_000 && generator.next_line(&mut line).is_some() {
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
    let mut log = ledger.into_log();
    for filter in filters {
        let threaded = pvb::replay_log(&mut log, filter, ()).unwrap();
        let reference = one_thread(&mut log, filter);
        assert_eq!(threaded.head(), reference.head(), "{filter:?}");
        assert_eq!(bytes(&threaded), bytes(&reference), "{filter:?}");
    }
}
