//! Replay determinism and snapshots: the same log folded twice, and folded through a snapshot
//! taken at any batch boundary, gives byte-identical serialized projections; a snapshot that
//! does not match the code, the policy or the log is ignored and the log replayed.

use std::io::Cursor;

use proptest::prelude::*;
use pvb::import::import_lines;
use pvb::snapshot::{self, SnapshotError, SnapshotUse};
use pvb::{Ledger, Options};
use pvb_core::Policy;
use pvb_store::{FileLog, MemoryLog};
use pvb_workload::{Generator, Scale};

fn options(policy: Policy) -> Options {
    Options {
        clock: Box::new(|| 1_700_000_000_000_000),
        ..Options::new(policy, [3; 32])
    }
}

fn workload(lines: usize) -> Vec<String> {
    let mut generator = Generator::new(11, Scale::new(0.001).expect("scale"));
    let mut out = Vec::new();
    let mut buffer = Vec::new();
    while out.len() < lines && generator.next_line(&mut buffer).is_some() {
        out.push(String::from_utf8(std::mem::take(&mut buffer)).expect("utf8"));
    }
    out
}

fn import<L: pvb_core::EventLog + Send>(ledger: &mut Ledger<L>, lines: &[String])
where
    L::Error: Send,
{
    let mut sink = Vec::new();
    let report =
        import_lines(ledger, Cursor::new(lines.concat()), &mut sink, |_| {}).expect("import");
    assert_eq!(report.rejected, 0, "{}", String::from_utf8_lossy(&sink));
}

fn serialized<L: pvb_core::EventLog>(ledger: &Ledger<L>) -> String {
    serde_json::to_string(ledger.projections()).expect("serialize")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn folding_twice_and_through_a_snapshot_gives_identical_bytes(split in 1usize..1500) {
        let lines = workload(1500);
        let dir = tempfile::tempdir().expect("tempdir");
        let log_dir = dir.path().join("log");
        let snap = dir.path().join("log.snapshot");
        let expected = {
            let mut ledger = Ledger::open(FileLog::open(&log_dir).expect("open"), options(Policy::PersonFollowing)).expect("ledger");
            import(&mut ledger, &lines[..split]);
            snapshot::write(&mut ledger, &snap).expect("snapshot");
            import(&mut ledger, &lines[split..]);
            serialized(&ledger)
        };
        // Folded again from the start.
        let replayed = Ledger::open(FileLog::open(&log_dir).expect("open"), options(Policy::PersonFollowing)).expect("ledger");
        prop_assert_eq!(&serialized(&replayed), &expected);
        drop(replayed);
        // Folded through the snapshot.
        let (through, used) = snapshot::open(FileLog::open(&log_dir).expect("open"), options(Policy::PersonFollowing), &snap).expect("open");
        prop_assert!(matches!(used, SnapshotUse::Used { .. }), "{:?}", used);
        prop_assert_eq!(&serialized(&through), &expected);
        // The decide state through the snapshot equals the state of a full replay.
        let through_state = format!("{:?}", through.state().balances().collect::<Vec<_>>());
        let full = Ledger::open(through.into_log(), options(Policy::PersonFollowing)).expect("ledger");
        prop_assert_eq!(through_state, format!("{:?}", full.state().balances().collect::<Vec<_>>()));
    }
}

#[test]
fn a_snapshot_that_does_not_match_is_ignored() {
    let lines = workload(600);
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("s.snapshot");
    let mut ledger =
        Ledger::open(MemoryLog::new(), options(Policy::PersonFollowing)).expect("ledger");
    import(&mut ledger, &lines[..300]);
    snapshot::write(&mut ledger, &snap).expect("snapshot");
    import(&mut ledger, &lines[300..]);
    let expected = serialized(&ledger);
    let log = ledger.into_log();

    // Another policy: ignored.
    let (other, used) = snapshot::open(log, options(Policy::FixedAgreements), &snap).expect("open");
    assert!(
        matches!(used, SnapshotUse::Ignored(SnapshotError::OtherPolicy(_))),
        "{used:?}"
    );
    let log = other.into_log();

    // A flipped byte: ignored as damaged.
    let mut bytes = std::fs::read(&snap).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let damaged = dir.path().join("damaged.snapshot");
    std::fs::write(&damaged, &bytes).expect("write");
    let (ledger, used) =
        snapshot::open(log, options(Policy::PersonFollowing), &damaged).expect("open");
    assert!(
        matches!(used, SnapshotUse::Ignored(SnapshotError::Damaged(_))),
        "{used:?}"
    );
    assert_eq!(serialized(&ledger), expected);

    // Another log (same length, other content): ignored.
    let mut other_log =
        Ledger::open(MemoryLog::new(), options(Policy::PersonFollowing)).expect("ledger");
    let shifted: Vec<String> = workload(600).into_iter().skip(17).collect();
    let mut sink = Vec::new();
    import_lines(
        &mut other_log,
        Cursor::new(shifted.concat()),
        &mut sink,
        |_| {},
    )
    .expect("import");
    let (_, used) = snapshot::open(
        other_log.into_log(),
        options(Policy::PersonFollowing),
        &snap,
    )
    .expect("open");
    assert!(
        matches!(used, SnapshotUse::Ignored(SnapshotError::LogMismatch(_))),
        "{used:?}"
    );

    // The right log: used, and the same bytes.
    let (ledger, used) =
        snapshot::open(ledger.into_log(), options(Policy::PersonFollowing), &snap).expect("open");
    assert!(matches!(used, SnapshotUse::Used { .. }), "{used:?}");
    assert_eq!(serialized(&ledger), expected);
}
