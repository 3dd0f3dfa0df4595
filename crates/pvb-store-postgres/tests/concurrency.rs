//! Concurrent writers on one PostgreSQL ledger (RELIABILITY.md T11, conflicting appends; T12,
//! the tailing reader), each writer and reader on its own connection, as separate application
//! servers would be.
//!
//! - Exactly one winner: 8 writers append under the same `Head(p)` in every round; exactly one
//!   gets `Ok`, the others `Conflict` with the new head. 200 rounds (`PVB_PG_ROUNDS`).
//! - T12: 4 writers (two with `Any`, two with `Head(p)` that catch up and retry on a conflict)
//!   append 100,000 events (`PVB_T12_EVENTS`) in batches of 1 to 19 while a reader tails the
//!   log; the reader must see every position once, in order, with the event acknowledged for
//!   it: 0 skipped, 0 repeated, positions gapless.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::{record, server, Scratch};
use pvb_core::{AppendError, Condition, EventId, EventLog, Position};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn t11_of_writers_appending_under_the_same_head_exactly_one_wins() {
    let Some(url) = server() else { return };
    let scratch = Scratch::new(&url, "win");
    let writers = 8usize;
    let rounds = env_u64("PVB_PG_ROUNDS", 200);
    let _create = scratch.open();
    let barrier = Arc::new(Barrier::new(writers));
    let outcomes: Arc<Mutex<Vec<(u64, bool)>>> = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let threads: Vec<_> = (0..writers as u64)
        .map(|w| {
            let barrier = barrier.clone();
            let outcomes = outcomes.clone();
            let mut log = scratch.open();
            std::thread::spawn(move || {
                for round in 0..rounds {
                    // Every writer reads the head after the previous round has ended.
                    barrier.wait();
                    let head = log.head().unwrap();
                    assert_eq!(head, Position(round), "writer {w}, round {round}");
                    barrier.wait();
                    let batch = [record(100 + w, round)];
                    let won = match log.append(&batch, Condition::Head(head)) {
                        Ok(positions) => {
                            assert_eq!(positions, vec![head.next()]);
                            true
                        }
                        Err(AppendError::Conflict { expected, actual }) => {
                            assert_eq!((expected, actual), (head, head.next()));
                            false
                        }
                        Err(e) => panic!("writer {w}, round {round}: {e}"),
                    };
                    outcomes.lock().unwrap().push((round, won));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let outcomes = outcomes.lock().unwrap();
    let mut winners = vec![0u64; rounds as usize];
    for &(round, won) in outcomes.iter() {
        winners[round as usize] += u64::from(won);
    }
    assert!(
        winners.iter().all(|&w| w == 1),
        "winners per round: {winners:?}"
    );
    let mut log = scratch.open();
    assert_eq!(log.head().unwrap(), Position(rounds));
    println!(
        "T11 conflicting appends on PostgresLog: {rounds} rounds x {writers} writers under the \
         same Head(p) in {:.1} s: exactly 1 winner in each round, {} conflicts, 0 duplicates",
        started.elapsed().as_secs_f64(),
        outcomes.len() as u64 - rounds
    );
}

/// What one T12 writer acknowledged.
struct Acked {
    events: Vec<(Position, EventId)>,
    transactions: u64,
    conflicts: u64,
}

#[test]
fn t12_a_tailing_reader_sees_every_event_once_in_order_under_4_writers() {
    let Some(url) = server() else { return };
    let scratch = Scratch::new(&url, "tail");
    let total = env_u64("PVB_T12_EVENTS", 100_000);
    let _create = scratch.open();
    let reserved = Arc::new(AtomicU64::new(0));
    let writers_done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let writers: Vec<_> = (0..4u64)
        .map(|w| {
            let reserved = reserved.clone();
            let mut log = scratch.open();
            std::thread::spawn(move || {
                let conditional = w >= 2;
                let mut known_head = Position::EMPTY;
                let mut acked = Acked {
                    events: Vec::new(),
                    transactions: 0,
                    conflicts: 0,
                };
                let mut n = 0u64;
                let mut size = 1 + w;
                loop {
                    size = 1 + (size * 7 + w) % 19;
                    let start = reserved.fetch_add(size, Ordering::SeqCst);
                    if start >= total {
                        break;
                    }
                    let size = size.min(total - start);
                    let batch: Vec<_> = (0..size).map(|i| record(w, n + i)).collect();
                    n += size;
                    loop {
                        let condition = if conditional {
                            Condition::Head(known_head)
                        } else {
                            Condition::Any
                        };
                        match log.append(&batch, condition) {
                            Ok(positions) => {
                                acked.transactions += 1;
                                for (r, p) in batch.iter().zip(&positions) {
                                    acked.events.push((*p, r.id));
                                }
                                known_head = *positions.iter().max().unwrap();
                                break;
                            }
                            Err(AppendError::Conflict { actual, .. }) => {
                                // Catch up as an application server would: read what the
                                // others appended, then try again on the new head.
                                acked.conflicts += 1;
                                let mut seen = known_head;
                                log.read(known_head.next(), &mut |r| {
                                    assert_eq!(r.position, seen.next());
                                    seen = r.position;
                                    ControlFlow::Continue(())
                                })
                                .unwrap();
                                assert!(seen >= actual, "caught up to {seen}, head was {actual}");
                                known_head = seen;
                            }
                            Err(e) => panic!("writer {w}: {e}"),
                        }
                    }
                }
                acked
            })
        })
        .collect();
    let reader = {
        let mut log = scratch.open();
        let writers_done = writers_done.clone();
        std::thread::spawn(move || {
            let mut seen: Vec<EventId> = Vec::new();
            let mut reads = 0u64;
            let mut empty_reads = 0u64;
            loop {
                let before = seen.len();
                let done = writers_done.load(Ordering::SeqCst);
                log.read(Position(seen.len() as u64 + 1), &mut |r| {
                    // A skip or a repeat shows here as a position out of order.
                    assert_eq!(
                        r.position.0,
                        seen.len() as u64 + 1,
                        "the tailing reader skipped or repeated"
                    );
                    seen.push(r.id);
                    ControlFlow::Continue(())
                })
                .unwrap();
                reads += 1;
                if seen.len() == before {
                    if done {
                        break;
                    }
                    empty_reads += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            (seen, reads, empty_reads)
        })
    };
    let acked: Vec<Acked> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    writers_done.store(true, Ordering::SeqCst);
    let (seen, reads, empty_reads) = reader.join().unwrap();

    let appended: usize = acked.iter().map(|a| a.events.len()).sum();
    assert_eq!(appended as u64, total);
    assert_eq!(
        seen.len() as u64,
        total,
        "the reader saw {} events",
        seen.len()
    );
    let distinct: HashSet<EventId> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "an event was read twice");
    let mut positions = HashSet::new();
    for a in &acked {
        for &(position, id) in &a.events {
            assert!(
                positions.insert(position),
                "position {position} acked twice"
            );
            assert_eq!(
                seen[position.0 as usize - 1],
                id,
                "position {position} holds another event than the one acknowledged"
            );
        }
    }
    let mut log = scratch.open();
    assert_eq!(log.head().unwrap(), Position(total));
    println!(
        "T12 on PostgresLog: 4 writers appended {total} events in {} transactions ({} conflicts \
         caught up and retried) in {:.1} s; the tailing reader made {reads} reads ({empty_reads} \
         found nothing new) and saw {} events: 0 skipped, 0 repeated, positions 1..={total} \
         gapless, each with the event acknowledged for it",
        acked.iter().map(|a| a.transactions).sum::<u64>(),
        acked.iter().map(|a| a.conflicts).sum::<u64>(),
        started.elapsed().as_secs_f64(),
        seen.len(),
    );
}
