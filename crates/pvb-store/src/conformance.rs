//! The conformance suite: checks that an adapter keeps the [`EventLog`] contract. Every adapter,
//! ours and a third party's, runs it with one call:
//!
//! ```ignore
//! struct MyHarness;
//! impl pvb_store::conformance::Harness for MyHarness {
//!     type Log = MyLog;
//!     fn fresh(&mut self) -> MyLog { /* a new, empty log */ }
//!     fn reopen(&mut self, log: MyLog) -> MyLog { /* close it, open it again */ }
//! }
//! #[test]
//! fn my_log_conforms() { pvb_store::conformance::run(MyHarness) }
//! ```
//!
//! [`run`] first runs focused checks (empty log, gapless positions, atomic batches on a
//! conflict, idempotent ids, all-duplicate batches ignore the condition, reads past the head,
//! the same bytes as `seal_batch`, durability stable across reopen), then a model-based test:
//! random sequences of appends (with and without a `Head` condition, fresh, repeated and
//! doubled ids, invalid records), reads from random positions (some stopped early), head
//! queries and reopens, run against the adapter and against [`MemoryLog`], whose results,
//! positions and record bytes must agree exactly. The number of random cases is
//! `PVB_CONFORMANCE_CASES` (default 256). A failure panics with the property's name and the
//! minimal failing case (proptest shrinks it).
//!
//! The order in which an append decides (both adapters here follow it, and the suite expects
//! it): an empty batch returns `Ok([])`; an id twice in the batch is `InvalidBatch`; a batch
//! whose ids are all in the log returns their positions (the condition is not checked); then the
//! condition (`Conflict`); then the records themselves (`Record`, from `seal_batch`). Only the
//! records whose ids are new are appended, as one batch.
//!
//! For a log whose [`pvb_core::Durability`] is `None`, `reopen` may hand back the same object.
//!
//! It is not a crash or fault test (those need the adapter's own storage seam; see the tests
//! of `FileLog`), nor a benchmark.

use std::cell::RefCell;
use std::fmt::Debug;
use std::ops::ControlFlow;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use pvb_core::{
    seal_batch, AppendError, ChainVerifier, Commit, Condition, EventId, EventLog, NewRecord,
    Position, RecordError, RecordView, PAYLOAD_BYTES_MAX, SCHEMA_VERSION,
};

use crate::MemoryLog;

/// How the suite gets logs of the adapter under test.
pub trait Harness {
    /// The adapter.
    type Log: EventLog;
    /// A new, empty log.
    fn fresh(&mut self) -> Self::Log;
    /// The same log, closed and opened again.
    fn reopen(&mut self, log: Self::Log) -> Self::Log;
}

/// Environment variable with the number of random cases (default 256).
pub const CASES_VARIABLE: &str = "PVB_CONFORMANCE_CASES";
const CASES_DEFAULT: u32 = 256;

/// Runs every check against `harness`; panics with the failing property and the minimal case.
pub fn run<H: Harness>(harness: H) {
    let harness = RefCell::new(harness);
    for (name, check) in checks::<H>() {
        let mut h = harness.borrow_mut();
        if let Err(message) = check(&mut *h) {
            panic!("conformance check `{name}` failed: {message}");
        }
    }
    let cases = std::env::var(CASES_VARIABLE)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES_DEFAULT);
    run_model(&harness, cases);
    eprintln!(
        "conformance: {} focused checks and {cases} model cases passed",
        checks::<H>().len()
    );
}

/// Runs only the model-based test, with `cases` random cases.
fn run_model<H: Harness>(harness: &RefCell<H>, cases: u32) {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(op(), 1..60), |ops| {
        let mut h = harness.borrow_mut();
        model_case(&mut *h, &ops).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => panic!(
            "conformance property `the adapter behaves as MemoryLog` failed: {reason}\n\
             minimal case ({} operations):\n{ops:#?}",
            ops.len()
        ),
        Err(TestError::Abort(reason)) => {
            panic!("conformance model test aborted: {reason}")
        }
    }
}

// ----- the model-based test -----

/// One step of a random case.
#[derive(Clone, Debug)]
enum Op {
    /// Append these records under this condition.
    Append(Vec<Rec>, Cond),
    /// Read from a position, stopping after `limit` records if given.
    Read(ReadFrom, Option<u8>),
    /// Ask for the head and the head commit.
    Head,
    /// Close and open the log again.
    Reopen,
}

/// A record of a random batch.
#[derive(Clone, Debug)]
enum Rec {
    /// A record with a new id.
    Fresh(Vec<u8>, i64),
    /// A record with an id used before in this case (in the log or in a refused batch).
    Again(usize),
    /// A record with an id used earlier in the same batch (the batch is invalid).
    Twice(usize),
    /// A payload above the limit.
    Oversized,
    /// A schema byte this version does not read.
    WrongSchema,
}

/// The condition of a random append.
#[derive(Clone, Debug)]
enum Cond {
    /// `Condition::Any`.
    Any,
    /// `Condition::Head(current head)`.
    Current,
    /// `Condition::Head(current head + offset)`, never negative.
    Off(i8),
}

/// Where a random read starts.
#[derive(Clone, Debug)]
enum ReadFrom {
    /// Position 0 (the same as 1).
    Zero,
    /// A position in `0..=head + 2`, chosen from this number.
    Pick(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let record = prop_oneof![
        40 => (vec(any::<u8>(), 0..48), any::<i64>()).prop_map(|(p, t)| Rec::Fresh(p, t)),
        12 => any::<usize>().prop_map(Rec::Again),
        1 => any::<usize>().prop_map(Rec::Twice),
        1 => prop_oneof![Just(Rec::Oversized), Just(Rec::WrongSchema)],
    ];
    let batch = prop_oneof![
        12 => vec(record.clone(), 0..6),
        1 => vec(record, 6..300),
    ];
    let condition = prop_oneof![
        Just(Cond::Any),
        Just(Cond::Current),
        (-3i8..=3).prop_map(Cond::Off),
    ];
    let from = prop_oneof![Just(ReadFrom::Zero), any::<u64>().prop_map(ReadFrom::Pick)];
    prop_oneof![
        6 => (batch, condition).prop_map(|(b, c)| Op::Append(b, c)),
        3 => (from, proptest::option::of(1u8..10)).prop_map(|(f, l)| Op::Read(f, l)),
        1 => Just(Op::Head),
        1 => Just(Op::Reopen),
    ]
}

/// An append's result, comparable across adapters.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Appended(Vec<Position>),
    Conflict {
        expected: Position,
        actual: Position,
    },
    InvalidBatch,
    Record(RecordError),
    Storage(String),
}

fn outcome<E: std::fmt::Display>(result: Result<Vec<Position>, AppendError<E>>) -> Outcome {
    match result {
        Ok(positions) => Outcome::Appended(positions),
        Err(AppendError::Conflict { expected, actual }) => Outcome::Conflict { expected, actual },
        Err(AppendError::InvalidBatch(_)) => Outcome::InvalidBatch,
        Err(AppendError::Record(e)) => Outcome::Record(e),
        Err(AppendError::Storage(e)) => Outcome::Storage(e.to_string()),
    }
}

/// The records a read visited: position and bytes.
fn read_all<L: EventLog>(
    log: &mut L,
    from: Position,
    limit: Option<u8>,
) -> Result<Vec<(Position, Vec<u8>)>, String> {
    let mut seen = Vec::new();
    let mut problem = None;
    let result = log.read(from, &mut |record| {
        if let Err(e) = RecordView::parse(record.bytes) {
            problem = Some(format!("visited bytes do not parse: {e}"));
        } else if record.chained_bytes().len() + record.commit.map_or(0, |_| 32)
            != record.bytes.len()
        {
            problem = Some("a record's fields do not cover its bytes".to_owned());
        }
        seen.push((record.position, record.bytes.to_vec()));
        match limit {
            Some(n) if seen.len() >= usize::from(n) => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    });
    result.map_err(|e| format!("read from {from} failed: {e}"))?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    Ok(seen)
}

fn state<L: EventLog>(log: &mut L) -> Result<(Position, Commit), String> {
    let head = log.head().map_err(|e| format!("head failed: {e}"))?;
    let commit = log
        .head_commit()
        .map_err(|e| format!("head_commit failed: {e}"))?;
    Ok((head, commit))
}

fn record(id: EventId, payload: Vec<u8>, at: i64) -> NewRecord {
    NewRecord {
        id,
        recorded_at_us: at,
        schema: SCHEMA_VERSION,
        codec: 1,
        payload,
    }
}

fn model_case<H: Harness>(harness: &mut H, ops: &[Op]) -> Result<(), String> {
    let mut log = harness.fresh();
    let mut model = MemoryLog::new();
    let durability = log.durability();
    let mut used: Vec<EventId> = Vec::new();
    let mut counter = 0u64;
    for (step, op) in ops.iter().enumerate() {
        let at = |what: String| format!("operation {step} ({op:?}): {what}");
        match op {
            Op::Append(recs, cond) => {
                let mut batch: Vec<NewRecord> = Vec::new();
                for rec in recs {
                    let r = match rec {
                        Rec::Fresh(payload, time) => {
                            counter += 1;
                            let id = EventId::from_text(&format!("conformance-{counter}"));
                            record(id, payload.clone(), *time)
                        }
                        Rec::Again(pick) if !used.is_empty() => {
                            record(used[pick % used.len()], vec![7], 0)
                        }
                        Rec::Twice(pick) if !batch.is_empty() => {
                            record(batch[pick % batch.len()].id, vec![8], 0)
                        }
                        Rec::Again(_) | Rec::Twice(_) => {
                            counter += 1;
                            record(
                                EventId::from_text(&format!("conformance-{counter}")),
                                vec![],
                                1,
                            )
                        }
                        Rec::Oversized => {
                            counter += 1;
                            let id = EventId::from_text(&format!("conformance-{counter}"));
                            record(id, vec![0xAB; PAYLOAD_BYTES_MAX + 1], 2)
                        }
                        Rec::WrongSchema => {
                            counter += 1;
                            let id = EventId::from_text(&format!("conformance-{counter}"));
                            let mut r = record(id, vec![1, 2, 3], 3);
                            r.schema = SCHEMA_VERSION.wrapping_add(1);
                            r
                        }
                    };
                    batch.push(r);
                }
                used.extend(batch.iter().map(|r| r.id));
                let (head, _) = state(&mut model)?;
                let condition = match cond {
                    Cond::Any => Condition::Any,
                    Cond::Current => Condition::Head(head),
                    Cond::Off(d) => {
                        Condition::Head(Position(head.0.saturating_add_signed(i64::from(*d))))
                    }
                };
                let expected = outcome(model.append(&batch, condition));
                let got = outcome(log.append(&batch, condition));
                if expected != got {
                    return Err(at(format!(
                        "append returned {got:?}, MemoryLog returned {expected:?}"
                    )));
                }
            }
            Op::Read(from, limit) => {
                let (head, _) = state(&mut model)?;
                let from = match from {
                    ReadFrom::Zero => Position(0),
                    ReadFrom::Pick(x) => Position(x % (head.0 + 3)),
                };
                let expected = read_all(&mut model, from, *limit).map_err(&at)?;
                let got = read_all(&mut log, from, *limit).map_err(&at)?;
                if expected != got {
                    return Err(at(format!(
                        "read from {from} visited {} records {:?}, MemoryLog visited {} {:?}",
                        got.len(),
                        got.iter().map(|r| r.0 .0).collect::<Vec<_>>(),
                        expected.len(),
                        expected.iter().map(|r| r.0 .0).collect::<Vec<_>>(),
                    )));
                }
                let start = from.0.max(1);
                for (i, (position, _)) in got.iter().enumerate() {
                    if position.0 != start + i as u64 {
                        return Err(at(format!(
                            "read from {from} visited position {position} at index {i}"
                        )));
                    }
                }
            }
            Op::Head => {}
            Op::Reopen => {
                log = harness.reopen(log);
                if log.durability() != durability {
                    return Err(at(format!(
                        "durability changed across reopen: {durability:?} then {:?}",
                        log.durability()
                    )));
                }
                let expected = read_all(&mut model, Position(1), None).map_err(&at)?;
                let got = read_all(&mut log, Position(1), None).map_err(&at)?;
                if expected != got {
                    return Err(at(format!(
                        "after reopen the log has {} records, MemoryLog {}",
                        got.len(),
                        expected.len()
                    )));
                }
            }
        }
        let expected = state(&mut model).map_err(&at)?;
        let got = state(&mut log).map_err(&at)?;
        if expected != got {
            return Err(at(format!(
                "head and commit are {got:?}, MemoryLog has {expected:?}"
            )));
        }
    }
    let expected = read_all(&mut model, Position(1), None)?;
    let got = read_all(&mut log, Position(1), None)?;
    if expected != got {
        return Err(format!(
            "at the end the log reads {} records, MemoryLog {}",
            got.len(),
            expected.len()
        ));
    }
    Ok(())
}

// ----- focused checks -----

type Check<H> = (&'static str, fn(&mut H) -> Result<(), String>);

fn checks<H: Harness>() -> Vec<Check<H>> {
    vec![
        ("empty log reads nothing", empty_log::<H>),
        ("positions are gapless from 1", gapless::<H>),
        (
            "a conflicting batch is refused whole",
            atomic_on_conflict::<H>,
        ),
        (
            "Head(0) on an empty log appends, Head(1) conflicts",
            conflict_on_empty::<H>,
        ),
        (
            "a known id returns its original position",
            duplicate_returns_original::<H>,
        ),
        (
            "an all-duplicate batch ignores the condition",
            all_duplicate_ignores_condition::<H>,
        ),
        (
            "an id twice in one batch is invalid",
            id_twice_is_invalid::<H>,
        ),
        (
            "invalid records are refused and nothing is appended",
            invalid_records_refused::<H>,
        ),
        ("an empty batch appends nothing", empty_batch::<H>),
        (
            "reads past the head visit nothing; 0 reads as 1",
            read_past_head::<H>,
        ),
        ("a read stops when the visitor breaks", read_stops::<H>),
        (
            "records are the bytes seal_batch makes",
            same_bytes_as_seal_batch::<H>,
        ),
        (
            "the chain verifies and ends at head_commit",
            chain_verifies::<H>,
        ),
        (
            "reopen keeps records, ids and durability",
            reopen_keeps::<H>,
        ),
        ("a large batch gets consecutive positions", large_batch::<H>),
    ]
}

fn id(n: u64) -> EventId {
    EventId::from_text(&format!("check-{n}"))
}

fn rec(n: u64) -> NewRecord {
    record(id(n), n.to_le_bytes().to_vec(), n as i64 * 1000)
}

fn recs(range: std::ops::Range<u64>) -> Vec<NewRecord> {
    range.map(rec).collect()
}

fn expect_eq<T: PartialEq + Debug>(what: &str, got: T, expected: T) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {expected:?}"))
    }
}

fn append<L: EventLog>(log: &mut L, batch: &[NewRecord], condition: Condition) -> Outcome {
    outcome(log.append(batch, condition))
}

fn positions(range: std::ops::RangeInclusive<u64>) -> Outcome {
    Outcome::Appended(range.map(Position).collect())
}

fn read_positions<L: EventLog>(log: &mut L, from: u64) -> Result<Vec<u64>, String> {
    Ok(read_all(log, Position(from), None)?
        .into_iter()
        .map(|(p, _)| p.0)
        .collect())
}

fn empty_log<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "head and commit",
        state(&mut log)?,
        (Position(0), Commit::GENESIS),
    )?;
    for from in [0, 1, 5] {
        expect_eq("records read", read_positions(&mut log, from)?, vec![])?;
    }
    Ok(())
}

fn gapless<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "first batch",
        append(&mut log, &recs(0..1), Condition::Any),
        positions(1..=1),
    )?;
    expect_eq(
        "second batch",
        append(&mut log, &recs(1..4), Condition::Any),
        positions(2..=4),
    )?;
    expect_eq(
        "third batch",
        append(&mut log, &recs(4..6), Condition::Head(Position(4))),
        positions(5..=6),
    )?;
    expect_eq("head", state(&mut log)?.0, Position(6))?;
    expect_eq("read", read_positions(&mut log, 1)?, (1..=6).collect())?;
    expect_eq(
        "read from 4",
        read_positions(&mut log, 4)?,
        (4..=6).collect(),
    )
}

fn atomic_on_conflict<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..2), Condition::Any),
        positions(1..=2),
    )?;
    let before = state(&mut log)?;
    expect_eq(
        "stale head",
        append(&mut log, &recs(2..5), Condition::Head(Position(1))),
        Outcome::Conflict {
            expected: Position(1),
            actual: Position(2),
        },
    )?;
    expect_eq("state after the conflict", state(&mut log)?, before)?;
    expect_eq(
        "records after the conflict",
        read_positions(&mut log, 1)?,
        vec![1, 2],
    )?;
    // The refused ids are not in the log: they get new positions now.
    expect_eq(
        "retry",
        append(&mut log, &recs(2..5), Condition::Head(Position(2))),
        positions(3..=5),
    )
}

fn conflict_on_empty<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "Head(1) on empty",
        append(&mut log, &recs(0..1), Condition::Head(Position(1))),
        Outcome::Conflict {
            expected: Position(1),
            actual: Position(0),
        },
    )?;
    expect_eq(
        "Head(0) on empty",
        append(&mut log, &recs(0..1), Condition::Head(Position(0))),
        positions(1..=1),
    )
}

fn duplicate_returns_original<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..2), Condition::Any),
        positions(1..=2),
    )?;
    let before = state(&mut log)?;
    expect_eq(
        "retry of one",
        append(&mut log, &recs(1..2), Condition::Any),
        positions(2..=2),
    )?;
    expect_eq("state after a retry", state(&mut log)?, before)?;
    let mixed = vec![rec(2), rec(0), rec(3)];
    expect_eq(
        "mixed batch",
        append(&mut log, &mixed, Condition::Head(Position(2))),
        Outcome::Appended(vec![Position(3), Position(1), Position(4)]),
    )?;
    expect_eq("records", read_positions(&mut log, 1)?, vec![1, 2, 3, 4])?;
    let ids: Vec<EventId> = {
        let mut ids = Vec::new();
        log.read(Position(1), &mut |r| {
            ids.push(r.id);
            ControlFlow::Continue(())
        })
        .map_err(|e| e.to_string())?;
        ids
    };
    expect_eq("ids in order", ids, vec![id(0), id(1), id(2), id(3)])
}

fn all_duplicate_ignores_condition<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..3), Condition::Any),
        positions(1..=3),
    )?;
    expect_eq(
        "all known, stale condition",
        append(&mut log, &[rec(2), rec(0)], Condition::Head(Position(99))),
        Outcome::Appended(vec![Position(3), Position(1)]),
    )?;
    expect_eq(
        "one new, stale condition",
        append(&mut log, &[rec(2), rec(9)], Condition::Head(Position(99))),
        Outcome::Conflict {
            expected: Position(99),
            actual: Position(3),
        },
    )
}

fn id_twice_is_invalid<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "id twice",
        append(&mut log, &[rec(0), rec(1), rec(0)], Condition::Any),
        Outcome::InvalidBatch,
    )?;
    expect_eq("state", state(&mut log)?, (Position(0), Commit::GENESIS))
}

fn invalid_records_refused<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..1), Condition::Any),
        positions(1..=1),
    )?;
    let before = state(&mut log)?;
    let mut big = rec(5);
    big.payload = vec![1; PAYLOAD_BYTES_MAX + 1];
    expect_eq(
        "oversized payload",
        append(&mut log, &[rec(4), big], Condition::Any),
        Outcome::Record(RecordError::PayloadTooLarge(PAYLOAD_BYTES_MAX + 1)),
    )?;
    let mut schema = rec(6);
    schema.schema = 99;
    expect_eq(
        "unknown schema",
        append(&mut log, &[schema], Condition::Any),
        Outcome::Record(RecordError::UnknownSchema(99)),
    )?;
    let mut largest = rec(7);
    largest.payload = vec![2; PAYLOAD_BYTES_MAX];
    expect_eq("state", state(&mut log)?, before)?;
    expect_eq(
        "largest payload",
        append(&mut log, &[largest], Condition::Any),
        positions(2..=2),
    )?;
    let mut empty = rec(8);
    empty.payload.clear();
    expect_eq(
        "empty payload",
        append(&mut log, &[empty], Condition::Any),
        positions(3..=3),
    )?;
    expect_eq("records", read_positions(&mut log, 1)?, vec![1, 2, 3])
}

fn empty_batch<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "empty batch",
        append(&mut log, &[], Condition::Head(Position(7))),
        Outcome::Appended(Vec::new()),
    )?;
    expect_eq("state", state(&mut log)?, (Position(0), Commit::GENESIS))
}

fn read_past_head<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..3), Condition::Any),
        positions(1..=3),
    )?;
    expect_eq("from 4", read_positions(&mut log, 4)?, vec![])?;
    expect_eq("from u64::MAX", read_positions(&mut log, u64::MAX)?, vec![])?;
    expect_eq(
        "from 0",
        read_positions(&mut log, 0)?,
        read_positions(&mut log, 1)?,
    )?;
    expect_eq("from 3", read_positions(&mut log, 3)?, vec![3])
}

fn read_stops<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..10), Condition::Any),
        positions(1..=10),
    )?;
    let got: Vec<u64> = read_all(&mut log, Position(2), Some(3))?
        .into_iter()
        .map(|(p, _)| p.0)
        .collect();
    expect_eq("stopped read", got, vec![2, 3, 4])
}

fn same_bytes_as_seal_batch<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    let batches = [recs(0..2), recs(2..3), vec![rec(0), rec(3)]];
    for batch in &batches {
        if let Outcome::Storage(e) = append(&mut log, batch, Condition::Any) {
            return Err(format!("append failed: {e}"));
        }
    }
    let mut expected = Vec::new();
    let mut commit = Commit::GENESIS;
    for (first, batch) in [(1, recs(0..2)), (3, recs(2..3)), (4, recs(3..4))] {
        commit = seal_batch(commit, Position(first), &batch, |p, b| {
            expected.push((p, b.to_vec()))
        })
        .map_err(|e| e.to_string())?;
    }
    expect_eq(
        "record bytes",
        read_all(&mut log, Position(1), None)?,
        expected,
    )?;
    expect_eq("head commit", state(&mut log)?.1, commit)
}

fn chain_verifies<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    for k in 0..6u64 {
        let batch = recs(k * 10..k * 10 + k + 1);
        if let Outcome::Storage(e) = append(&mut log, &batch, Condition::Any) {
            return Err(format!("append failed: {e}"));
        }
    }
    let mut verifier = ChainVerifier::from_start();
    let mut problem = None;
    log.read(Position(1), &mut |r| {
        if let Err(e) = verifier.push(r) {
            problem = Some(e.to_string());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    expect_eq("at a batch boundary", verifier.at_batch_boundary(), true)?;
    expect_eq("head commit", state(&mut log)?.1, verifier.commit())
}

fn reopen_keeps<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    let durability = log.durability();
    expect_eq(
        "setup",
        append(&mut log, &recs(0..5), Condition::Any),
        positions(1..=5),
    )?;
    expect_eq(
        "setup",
        append(&mut log, &recs(5..6), Condition::Any),
        positions(6..=6),
    )?;
    let before = state(&mut log)?;
    let records = read_all(&mut log, Position(1), None)?;
    let mut log = h.reopen(log);
    expect_eq("durability", log.durability(), durability)?;
    expect_eq("state after reopen", state(&mut log)?, before)?;
    expect_eq(
        "records after reopen",
        read_all(&mut log, Position(1), None)?,
        records,
    )?;
    expect_eq(
        "retry after reopen",
        append(&mut log, &recs(2..3), Condition::Any),
        positions(3..=3),
    )?;
    expect_eq(
        "new after reopen",
        append(&mut log, &recs(6..7), Condition::Head(Position(6))),
        positions(7..=7),
    )?;
    let mut log = h.reopen(log);
    expect_eq(
        "read from the middle",
        read_positions(&mut log, 4)?,
        vec![4, 5, 6, 7],
    )
}

fn large_batch<H: Harness>(h: &mut H) -> Result<(), String> {
    let mut log = h.fresh();
    expect_eq(
        "first",
        append(&mut log, &recs(0..1), Condition::Any),
        positions(1..=1),
    )?;
    expect_eq(
        "large",
        append(&mut log, &recs(1..2501), Condition::Any),
        positions(2..=2501),
    )?;
    expect_eq(
        "after",
        append(&mut log, &recs(2501..2502), Condition::Any),
        positions(2502..=2502),
    )?;
    let got = read_positions(&mut log, 1000)?;
    expect_eq("read from the middle", got, (1000..=2502).collect())
}
