//! `Ledger::execute_pipelined` against `Ledger::execute_batch`, its reference: for any split of
//! a command stream into batches (generated workload lines with rejected commands and caller
//! ids mixed in) both give the same outcomes per batch, the same head, the same state and
//! projections, and the same events at the same positions in the same batches of the log;
//! caller ids are duplicates where `execute_batch` says so and a second run appends nothing;
//! `done` gets every tag once, in order, only once the batch is durable (checked on a power-loss
//! image of a `FileLog` on `SimStorage`); `Break` stops after that batch and poisons the ledger;
//! a failing append (EIO injected into `SimStorage`) is reported, no later batch is reported,
//! and a reopened log holds exactly the batches reported before it.
//!
//! It does not test: throughput or that the append actually overlaps the next decisions (see
//! the `ledger_speed` example), the rules themselves (pvb-core), the `FileLog` under faults
//! beyond one failed append (pvb-store's `io_errors`), or a concurrent second writer.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use pvb::jsonl::parse_line;
use pvb::{Ledger, LedgerError, Options, Outcome, Submission};
use pvb_core::{Event, EventLog, Policy, Position, Pseudonymiser};
use pvb_store::{CrashMode, FileLog, MemoryLog, SimStorage};
use pvb_workload::{Generator, LineKind, Scale};

const KEY: [u8; 32] = [9; 32];
const DIR: &str = "/data/log";

/// Options with a deterministic clock (one tick per call), so that both ledgers stamp the same
/// transaction times when they decide the same batches.
fn options() -> Options {
    let mut t = 1_767_225_600_000_000i64;
    Options {
        clock: Box::new(move || {
            t += 1;
            t
        }),
        ..Options::new(Policy::PersonFollowing, KEY)
    }
}

/// The first lines of a generated year (kind and text), generated once.
fn workload() -> &'static [(LineKind, String)] {
    static LINES: OnceLock<Vec<(LineKind, String)>> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut generator = Generator::new(7, Scale::new(0.001).expect("scale"));
        let mut out = Vec::new();
        let mut buffer = Vec::new();
        while out.len() < 1500 {
            buffer.clear();
            let Some(kind) = generator.next_line(&mut buffer) else {
                break;
            };
            let text = String::from_utf8(buffer.clone()).expect("utf8");
            out.push((kind, text.trim_end().to_owned()));
        }
        out
    })
}

fn parse(text: &str) -> Submission {
    let line = parse_line(text, &Pseudonymiser::new(KEY)).expect("a line that parses");
    Submission {
        id: line.id,
        command: line.command,
    }
}

/// A delivery for a client the ledger has never seen: always rejected.
const UNKNOWN_CLIENT: &str = r#"{"type":"deliver_care","client":"c-unknown","provider":"10000000","from":"2026-01-01","until":"2026-01-02","ref":"R-x"}"#;

/// One record as the test compares it: position, event, transaction time, and whether it closes
/// a batch (carries the batch commit). Event ids are left out: fresh ids are random per ledger.
type Seen = (Position, Event, i64, bool);

fn events<L: EventLog>(log: &mut L) -> Vec<Seen> {
    let mut out = Vec::new();
    log.read(Position(1), &mut |record| {
        out.push((
            record.position,
            record.event().expect("event decodes"),
            record.recorded_at_us,
            record.commit.is_some(),
        ));
        ControlFlow::Continue(())
    })
    .expect("read");
    out
}

fn state_bytes<L: EventLog>(ledger: &Ledger<L>) -> Vec<u8> {
    bincode::serde::encode_to_vec(ledger.state(), bincode::config::standard()).expect("state")
}

fn projection_bytes<L: EventLog>(ledger: &Ledger<L>) -> Vec<u8> {
    bincode::serde::encode_to_vec(ledger.projections(), bincode::config::standard())
        .expect("projections")
}

/// Runs `batches` with `execute_batch`, one after the other: the reference.
fn reference<L: EventLog>(
    ledger: &mut Ledger<L>,
    batches: &[Vec<Submission>],
) -> Vec<Vec<Outcome>> {
    batches
        .iter()
        .map(|batch| ledger.execute_batch(batch.clone()).expect("execute_batch"))
        .collect()
}

/// What `done` received: each tag with its outcomes.
type Reported = Vec<(usize, Vec<Outcome>)>;

/// Runs `batches` with `execute_pipelined`, tagged 0, 1, ...; returns what `done` received.
fn pipelined<L>(
    ledger: &mut Ledger<L>,
    batches: &[Vec<Submission>],
) -> Result<Reported, LedgerError<L::Error>>
where
    L: EventLog + Send,
    L::Error: Send,
{
    let mut seen = Vec::new();
    ledger.execute_pipelined(batches.iter().cloned().enumerate(), |tag, outcomes| {
        seen.push((tag, outcomes));
        ControlFlow::Continue(())
    })?;
    Ok(seen)
}

/// Asserts that two ledgers agree on everything but event ids.
fn assert_same<A: EventLog, B: EventLog>(a: &mut Ledger<A>, b: &mut Ledger<B>) {
    assert_eq!(a.head(), b.head(), "head");
    assert_eq!(state_bytes(a), state_bytes(b), "state");
    assert!(a.projections() == b.projections(), "projections differ");
    assert_eq!(projection_bytes(a), projection_bytes(b), "projection bytes");
    assert_eq!(events(a.log_mut()), events(b.log_mut()), "log");
}

/// Splits `stream` at `cuts` (indices into it, any order, repeats give empty batches).
fn split(stream: Vec<Submission>, cuts: &[usize]) -> Vec<Vec<Submission>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    let mut batches = Vec::new();
    let mut rest = stream.into_iter();
    let mut at = 0;
    for cut in cuts {
        batches.push(rest.by_ref().take(cut - at).collect());
        at = cut;
    }
    batches.push(rest.collect());
    batches
}

/// What to insert into the workload after a line.
#[derive(Clone, Debug)]
enum Insert {
    /// A copy of an earlier delivery (duplicated `ref`): rejected.
    CopyDelivery(usize),
    /// A copy of any earlier line: mostly rejected (already granted, already contracted...).
    CopyAny(usize),
    /// A delivery for an unknown client: rejected.
    UnknownClient,
}

fn insert() -> impl Strategy<Value = Insert> {
    prop_oneof![
        any::<usize>().prop_map(Insert::CopyDelivery),
        any::<usize>().prop_map(Insert::CopyAny),
        Just(Insert::UnknownClient),
    ]
}

/// The first `len` workload lines with `inserts` (each after line `at % len`), and caller ids
/// from `ids` (a small pool, so that ids repeat within and across batches).
fn stream(len: usize, inserts: &[(usize, Insert)], ids: &[Option<u16>]) -> Vec<Submission> {
    let base = &workload()[..len];
    let mut after: Vec<Vec<&Insert>> = vec![Vec::new(); len];
    for (at, what) in inserts {
        after[at % len].push(what);
    }
    let mut out = Vec::new();
    for (i, (_, text)) in base.iter().enumerate() {
        out.push(parse(text));
        for what in &after[i] {
            let text = match what {
                Insert::CopyAny(pick) => base[pick % (i + 1)].1.as_str(),
                Insert::CopyDelivery(pick) => {
                    let deliveries: Vec<&str> = base[..=i]
                        .iter()
                        .filter(|(kind, _)| *kind == LineKind::DeliverCare)
                        .map(|(_, text)| text.as_str())
                        .collect();
                    if deliveries.is_empty() {
                        UNKNOWN_CLIENT
                    } else {
                        deliveries[pick % deliveries.len()]
                    }
                }
                Insert::UnknownClient => UNKNOWN_CLIENT,
            };
            out.push(parse(text));
        }
    }
    for (submission, id) in out.iter_mut().zip(ids.iter().cycle()) {
        submission.id = id.map(|n| format!("caller-{n}"));
    }
    out
}

/// The first `count` workload lines as batches of `size`, without caller ids.
fn plain_batches(count: usize, size: usize) -> Vec<Vec<Submission>> {
    workload()[..count * size]
        .chunks(size)
        .map(|chunk| chunk.iter().map(|(_, text)| parse(text)).collect())
        .collect()
}

/// The generated lines the other tests build on hold enough deliveries (to copy, so that their
/// `ref` is duplicated) among the first 1500.
#[test]
fn the_workload_has_deliveries_early_enough() {
    let deliveries = workload()
        .iter()
        .filter(|(kind, _)| *kind == LineKind::DeliverCare)
        .count();
    assert!(
        deliveries > 100,
        "only {deliveries} deliveries in the first lines"
    );
    let first = workload()
        .iter()
        .position(|(kind, _)| *kind == LineKind::DeliverCare)
        .expect("a delivery");
    // The proptest takes at least the first 200 lines and copies deliveries from them.
    assert!(first < 1000, "first delivery at line {first}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Any split into batches, with rejections and (sometimes) caller ids mixed in: the same
    /// outcomes, head, state, projections and log as `execute_batch`.
    #[test]
    fn pipelined_equals_batch_by_batch(
        len in 200usize..=1500,
        inserts in proptest::collection::vec((any::<usize>(), insert()), 0..40),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
        with_ids in any::<bool>(),
        ids in proptest::collection::vec(proptest::option::weighted(0.15, 0u16..300), 1..64),
    ) {
        let ids = if with_ids { ids } else { vec![None] };
        let batches = split(stream(len, &inserts, &ids), &cuts);
        let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
        let expected = reference(&mut expected_ledger, &batches);
        let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
        let got = pipelined(&mut ledger, &batches).expect("pipelined");
        let tags: Vec<usize> = got.iter().map(|(tag, _)| *tag).collect();
        prop_assert_eq!(tags, (0..batches.len()).collect::<Vec<_>>());
        let got: Vec<Vec<Outcome>> = got.into_iter().map(|(_, o)| o).collect();
        prop_assert_eq!(&got, &expected);
        // The mix really holds rejections: without caller ids, every inserted copy of a
        // delivery and every unknown client is one.
        let rejected = got.iter().flatten().filter(|o| matches!(o, Outcome::Rejected(_))).count();
        let planted = inserts
            .iter()
            .filter(|(_, i)| !matches!(i, Insert::CopyAny(_)))
            .count();
        prop_assert!(with_ids || rejected >= planted, "{} rejected, {} planted", rejected, planted);
        assert_same(&mut expected_ledger, &mut ledger);
        // The pipelined ledger goes on like the reference afterwards.
        let more = vec![parse(UNKNOWN_CLIENT), parse(&workload()[0].1)];
        prop_assert_eq!(
            ledger.execute_batch(more.clone()).expect("after"),
            expected_ledger.execute_batch(more).expect("after")
        );
    }
}

/// Batches with caller ids: repeated inside a batch, repeated in a later batch, a rejected one,
/// batches without ids in between; then the same batches again on the same ledgers.
#[test]
fn caller_ids_are_duplicates_as_in_execute_batch_and_a_rerun_appends_nothing() {
    let with_id = |n: usize, id: &str| Submission {
        id: Some(id.to_owned()),
        ..parse(&workload()[n].1)
    };
    let lines = workload();
    let batches: Vec<Vec<Submission>> = vec![
        // Ids for the first 60 lines; line 3's id twice in this batch.
        (0..60)
            .map(|n| with_id(n, &format!("w-{n}")))
            .chain([with_id(3, "w-3"), with_id(3, "w-3")])
            .collect(),
        // No ids: drawn fresh.
        lines[60..120].iter().map(|(_, t)| parse(t)).collect(),
        // Ids again, some repeated from the first batch (with other commands under them),
        // and an id on a rejected command.
        (120..200)
            .map(|n| with_id(n, &format!("w-{n}")))
            .chain([with_id(10, "w-10"), with_id(150, "w-5")])
            .chain([Submission {
                id: Some("unknown".to_owned()),
                ..parse(UNKNOWN_CLIENT)
            }])
            .collect(),
        // One id repeated inside and from the batch before.
        (200..260)
            .map(|n| with_id(n, &format!("w-{n}")))
            .chain([with_id(201, "w-201"), with_id(130, "w-130")])
            .collect(),
    ];
    let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let expected = reference(&mut expected_ledger, &batches);
    let got: Vec<Vec<Outcome>> = pipelined(&mut ledger, &batches)
        .expect("pipelined")
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(got, expected);
    // The duplicates are there: both copies of w-3 at the end of batch 0, w-10 and w-5 in
    // batch 2, w-201 and w-130 in batch 3.
    let duplicates = |batch: &[Outcome]| {
        batch
            .iter()
            .filter(|o| matches!(o, Outcome::Duplicate { .. }))
            .count()
    };
    assert_eq!(duplicates(&got[0]), 2, "{:?}", &got[0][60..]);
    assert!(matches!(got[0][60], Outcome::Duplicate { .. }));
    assert!(matches!(got[0][61], Outcome::Duplicate { .. }));
    assert_eq!(duplicates(&got[1]), 0);
    assert_eq!(duplicates(&got[2]), 2);
    assert_eq!(duplicates(&got[3]), 2);
    // A duplicate points at its command's first event, as recorded.
    let Outcome::Accepted { first, .. } = got[0][3] else {
        panic!("line 3 not accepted: {:?}", got[0][3]);
    };
    assert_eq!(got[0][60], Outcome::Duplicate { position: first });
    assert!(matches!(got[2].last(), Some(Outcome::Rejected(_))));
    assert_same(&mut expected_ledger, &mut ledger);

    // Second run: every submission with an id is a duplicate (or rejected again), the one
    // batch without ids aside, which is decided again and rejected or appended like the
    // reference's. Only the batches with ids: the log does not grow.
    let id_batches: Vec<Vec<Submission>> = batches
        .iter()
        .filter(|b| b.iter().all(|s| s.id.is_some()))
        .cloned()
        .collect();
    assert_eq!(id_batches.len(), 3);
    let head = ledger.head();
    let log_before = events(ledger.log_mut());
    let again_expected = reference(&mut expected_ledger, &id_batches);
    let again: Vec<Vec<Outcome>> = pipelined(&mut ledger, &id_batches)
        .expect("pipelined again")
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(again, again_expected);
    for outcome in again.iter().flatten() {
        assert!(
            matches!(outcome, Outcome::Duplicate { .. } | Outcome::Rejected(_)),
            "{outcome:?} on the second run"
        );
    }
    assert_eq!(ledger.head(), head);
    assert_eq!(ledger.log_mut().head().expect("head"), head);
    assert_eq!(events(ledger.log_mut()), log_before);
    assert_same(&mut expected_ledger, &mut ledger);
}

/// Every tag once, in order, with its outcomes, also for batches that append nothing (empty,
/// or every command rejected); over two calls, the second going on from the first.
#[test]
fn done_gets_every_tag_once_in_order_with_the_outcomes() {
    let mut batches = plain_batches(9, 120);
    batches.insert(0, Vec::new());
    batches.insert(4, Vec::new());
    batches.insert(5, vec![parse(UNKNOWN_CLIENT), parse(UNKNOWN_CLIENT)]);
    batches.push(Vec::new());
    batches.push(vec![parse(UNKNOWN_CLIENT)]);
    let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let expected = reference(&mut expected_ledger, &batches);
    assert!(expected[5]
        .iter()
        .all(|o| matches!(o, Outcome::Rejected(_))));
    let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let mut calls = 0;
    let mut next = 0usize;
    for part in [&batches[..6], &batches[6..]] {
        let offset = next;
        ledger
            .execute_pipelined(
                part.iter()
                    .cloned()
                    .enumerate()
                    .map(|(i, b)| (offset + i, b)),
                |tag: usize, outcomes| {
                    calls += 1;
                    assert_eq!(tag, next, "tags out of order");
                    assert_eq!(outcomes, expected[tag], "batch {tag}");
                    next += 1;
                    ControlFlow::Continue(())
                },
            )
            .expect("pipelined");
        assert_eq!(calls, offset + part.len());
    }
    assert_eq!(calls, batches.len());
    assert_same(&mut expected_ledger, &mut ledger);
    // No batches: no call.
    ledger
        .execute_pipelined(std::iter::empty::<((), Vec<Submission>)>(), |(), _| {
            panic!("done without a batch")
        })
        .expect("pipelined");
    assert_same(&mut expected_ledger, &mut ledger);
}

/// `done` for a batch runs only once the batch survives a power loss: inside `done`, a
/// `FileLog` opened on the durable image of the storage has exactly the batches reported so far.
#[test]
fn done_runs_only_once_the_batch_is_durable() {
    let batches = plain_batches(6, 80);
    let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let mut heads = Vec::new();
    for batch in &batches {
        expected_ledger.execute_batch(batch.clone()).expect("batch");
        heads.push(expected_ledger.head());
    }
    let sim = SimStorage::new();
    let log =
        FileLog::open_in(sim.clone(), Path::new(DIR), pvb_store::Options::new()).expect("open");
    let mut ledger = Ledger::open(log, options()).expect("ledger");
    let mut tags = Vec::new();
    ledger
        .execute_pipelined(batches.iter().cloned().enumerate(), |tag, _| {
            let image = sim.crash(CrashMode::Drop);
            let mut durable = FileLog::open_in(image, Path::new(DIR), pvb_store::Options::new())
                .expect("open the image");
            assert_eq!(
                durable.head().expect("head"),
                heads[tag],
                "batch {tag} reported before it was durable (or a later one written early)"
            );
            tags.push(tag);
            ControlFlow::Continue(())
        })
        .expect("pipelined");
    assert_eq!(tags, (0..batches.len()).collect::<Vec<_>>());
    assert_same(&mut expected_ledger, &mut ledger);
}

/// `Break` from `done` at batch k: nothing after k is reported or written, the log holds the
/// batches 0..=k, and the ledger is poisoned (the batch after k is in its state only).
#[test]
fn break_stops_after_that_batch_and_poisons_the_ledger() {
    let batches = plain_batches(8, 100);
    for k in [0usize, 3, 6] {
        let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
        reference(&mut expected_ledger, &batches[..=k]);
        let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
        let mut tags = Vec::new();
        let pulled = RefCell::new(0usize);
        ledger
            .execute_pipelined(
                batches
                    .iter()
                    .cloned()
                    .enumerate()
                    .inspect(|_| *pulled.borrow_mut() += 1),
                |tag, _| {
                    tags.push(tag);
                    if tag == k {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            )
            .expect("pipelined");
        assert_eq!(tags, (0..=k).collect::<Vec<_>>(), "k = {k}");
        assert!(
            *pulled.borrow() <= k + 2,
            "k = {k}: {} batches taken from the iterator",
            pulled.borrow()
        );
        assert_eq!(ledger.head(), expected_ledger.head(), "k = {k}");
        assert_eq!(
            events(ledger.log_mut()),
            events(expected_ledger.log_mut()),
            "k = {k}"
        );
        assert!(ledger.projections() == expected_ledger.projections());
        assert!(matches!(
            ledger.execute_batch(vec![parse(&workload()[900].1)]),
            Err(LedgerError::Poisoned)
        ));
        assert!(matches!(
            ledger.execute_pipelined(batches.iter().cloned().enumerate(), |_, _| {
                ControlFlow::Continue(())
            }),
            Err(LedgerError::Poisoned)
        ));
        // Reopened, the ledger is the reference's.
        let mut reopened = Ledger::open(ledger.into_log(), options()).expect("reopen");
        assert_same(&mut expected_ledger, &mut reopened);
    }
}

/// `Break` before a batch with caller ids (which waits for the batch before it): whatever the
/// ledger does then, it is never ahead of its log without being poisoned.
#[test]
fn break_before_a_batch_with_ids_leaves_no_silent_divergence() {
    let mut batches = plain_batches(4, 100);
    for (n, submission) in batches[2].iter_mut().enumerate() {
        submission.id = Some(format!("b2-{n}"));
    }
    let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let mut tags = Vec::new();
    ledger
        .execute_pipelined(batches.iter().cloned().enumerate(), |tag, _| {
            tags.push(tag);
            if tag == 1 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .expect("pipelined");
    assert_eq!(tags, vec![0, 1]);
    let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    reference(&mut expected_ledger, &batches[..2]);
    assert_eq!(events(ledger.log_mut()), events(expected_ledger.log_mut()));
    let more = vec![parse(&workload()[1000].1)];
    match ledger.execute_batch(more.clone()) {
        Err(LedgerError::Poisoned) => {}
        Ok(outcomes) => {
            // Not poisoned: then its state must be the log's.
            assert_eq!(
                outcomes,
                expected_ledger.execute_batch(more).expect("reference")
            );
            assert_same(&mut expected_ledger, &mut ledger);
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn open_sim(sim: &SimStorage) -> FileLog<SimStorage> {
    FileLog::open_in(sim.clone(), Path::new(DIR), pvb_store::Options::new()).expect("open")
}

/// The append of batch 2 fails with EIO: an error comes back, `done` saw batches 0 and 1
/// only, and the log (reopened after the fault, or after a power loss) holds exactly them.
#[test]
fn a_failing_append_stops_the_pipeline_and_the_log_keeps_the_reported_batches() {
    for count in [3usize, 6] {
        let batches = plain_batches(count, 70);
        // A dry run counts the storage calls up to the end of batch 1.
        let dry = SimStorage::new();
        let mut dry_ledger = Ledger::open(open_sim(&dry), options()).expect("ledger");
        let opened = dry.calls();
        reference(&mut dry_ledger, &batches[..2]);
        let before_batch_2 = dry.calls();
        dry_ledger
            .execute_batch(batches[2].clone())
            .expect("batch 2");
        assert!(dry.calls() > before_batch_2, "batch 2 appends nothing");

        let mut expected_ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
        reference(&mut expected_ledger, &batches[..2]);

        let sim = SimStorage::new();
        let mut ledger = Ledger::open(open_sim(&sim), options()).expect("ledger");
        assert_eq!(sim.calls(), opened, "opening is not deterministic");
        sim.fail_at(before_batch_2 + 1, true);
        let mut tags = Vec::new();
        let result = ledger.execute_pipelined(batches.iter().cloned().enumerate(), |tag, _| {
            tags.push(tag);
            ControlFlow::Continue(())
        });
        assert!(
            matches!(result, Err(LedgerError::Log(_))),
            "count {count}: {result:?}"
        );
        assert_eq!(tags, vec![0, 1], "count {count}");
        assert!(!sim.failed_sites().is_empty());
        assert!(matches!(
            ledger.execute_batch(batches[2].clone()),
            Err(LedgerError::Poisoned)
        ));
        drop(ledger);

        // After a power loss: the durable image.
        let image = sim.crash(CrashMode::Drop);
        let mut after_crash = Ledger::open(open_sim(&image), options()).expect("reopen image");
        assert_same(&mut expected_ledger, &mut after_crash);
        // In the same process, once the fault is gone.
        sim.clear_fault();
        let mut reopened = Ledger::open(open_sim(&sim), options()).expect("reopen");
        assert_same(&mut expected_ledger, &mut reopened);
    }
}
