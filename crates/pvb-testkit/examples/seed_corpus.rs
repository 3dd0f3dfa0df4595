//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/` (or the folder
//! given as the first argument), deterministically: records and payloads of events from
//! valid histories, FileLog segments (whole, split in two, torn, damaged), JSON lines of the
//! pvb-year workload and DESIGN.md section 8, and byte strings for command sequences.
//!
//! `cargo run -p pvb-testkit --example seed_corpus` regenerates the checked-in seeds; the
//! names are content hashes, so running it twice changes nothing.

use std::collections::BTreeSet;
use std::error::Error;
use std::path::{Path, PathBuf};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use pvb_core::{
    event_to_vec, seal_batch, Commit, Condition, Event, EventId, EventLog, NewRecord, Policy,
    Position,
};
use pvb_store::{FileLog, Options};
use pvb_testkit::replay::run_history;
use pvb_testkit::strategies::valid_history;
use pvb_workload::{Generator, Scale, SplitMix64};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn write(dir: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = seed_name(bytes);
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

/// A short stable name for a seed: FNV-1a, 64 bits, in hex.
fn seed_name(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("seed-{hash:016x}")
}

/// Events of a few valid histories, both policies.
fn histories() -> Vec<Vec<(Position, Event)>> {
    let mut runner = TestRunner::deterministic();
    let mut out = Vec::new();
    for (i, policy) in [Policy::PersonFollowing, Policy::FixedAgreements]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        let strategy = valid_history(40 + 10 * i);
        if let Ok(tree) = strategy.new_tree(&mut runner) {
            out.push(run_history(&tree.current(), policy).0);
        }
    }
    out
}

fn record(event: &Event, position: u64, last: bool) -> Result<Vec<u8>> {
    let records =
        vec![
            NewRecord::encode(EventId([position as u8; 16]), 1_767_225_600_000_000, event);
            if last { 1 } else { 2 }
        ];
    let mut out = Vec::new();
    seal_batch(Commit::GENESIS, Position(position), &records, |_, bytes| {
        if out.is_empty() {
            out = bytes.to_vec();
        }
    })?;
    Ok(out)
}

fn record_decode(dir: &Path, histories: &[Vec<(Position, Event)>]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (position, event) in histories.iter().flatten() {
        // Two of each kind: one ending its batch (with a commit), one inside a batch.
        let count = seen.iter().filter(|(tag, _)| *tag == event.tag()).count();
        if count >= 2 {
            continue;
        }
        seen.insert((event.tag(), count));
        write(dir, &record(event, position.0, count == 0)?)?;
        write(dir, &event_to_vec(event))?;
    }
    // The golden records of pvb-core (docs/FORMAT.md section 5), when present.
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pvb-core/tests/golden");
    if let Ok(entries) = std::fs::read_dir(golden) {
        for entry in entries.filter_map(|e| e.ok()) {
            let text = std::fs::read_to_string(entry.path())?;
            let hex: String = text.lines().filter(|line| !line.starts_with('#')).collect();
            let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            if let Some(bytes) = bytes {
                write(dir, &bytes)?;
            }
        }
    }
    write(dir, b"")?;
    write(dir, &[0xff; 39])?;
    Ok(())
}

fn filelog_open(dir: &Path, histories: &[Vec<(Position, Event)>]) -> Result<()> {
    for (h, events) in histories.iter().enumerate() {
        let folder = tempfile::tempdir()?;
        let path = folder.path().join("log");
        let mut log = FileLog::open_with(&path, Options::new().segment_bytes(1_500))?;
        let mut position = 0u64;
        for (b, batch) in events.chunks(1 + h % 4).take(12).enumerate() {
            let records: Vec<NewRecord> = batch
                .iter()
                .enumerate()
                .map(|(i, (_, e))| {
                    NewRecord::encode(EventId([(h * 64 + b * 4 + i) as u8; 16]), 0, e)
                })
                .collect();
            position = log
                .append(&records, Condition::Head(Position(position)))?
                .last()
                .map_or(position, |p| p.0);
        }
        let segments: Vec<PathBuf> = log.segment_paths();
        drop(log);
        let bytes: Vec<Vec<u8>> = segments
            .iter()
            .map(std::fs::read)
            .collect::<std::io::Result<_>>()?;
        let Some(first) = bytes.first() else {
            continue;
        };
        // One whole segment.
        write(dir, &[&[0u8][..], first].concat())?;
        // The first two segments, split where the second begins; and with the second torn.
        if let Some(second) = bytes.get(1) {
            let split = u16::try_from(first.len()).unwrap_or(u16::MAX).to_le_bytes();
            write(dir, &[&[1u8][..], &split, first, second].concat())?;
            let torn = &second[..second.len().saturating_sub(3)];
            write(dir, &[&[1u8][..], &split, first, torn].concat())?;
        }
        // A torn tail, a damaged byte, the header alone.
        let torn = &first[..first.len().saturating_sub(7 + h)];
        write(dir, &[&[0u8][..], torn].concat())?;
        let mut damaged = first.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        write(dir, &[&[0u8][..], &damaged].concat())?;
        write(dir, &[&[0u8][..], &first[..first.len().min(64)]].concat())?;
    }
    write(dir, &[0u8])?;
    write(dir, b"\x00\x89PVBLOG\n")?;
    Ok(())
}

const DESIGN_LINES: &str = r#"{"type":"set_region_budget","region":5531,"year":2026,"amount":2500000000}
{"type":"contract_provider","provider":"12345678","region":5531,"year":2026,"places":40,"tariff_bp":9700}
{"type":"set_tariff","year":2026,"profile":"5VV","form":"verblijf","day_tariff":23000}
{"type":"grant_indication","client":"c-17","indication":"B-2026-17","profile":"5VV","region":5531,"from":"2026-01-01"}
{"type":"choose_provider","client":"c-17","provider":"12345678","form":"verblijf","on":"2026-01-01","urgency":"active"}
{"type":"start_care","client":"c-17","provider":"12345678","on":"2026-01-05"}
{"type":"deliver_care","client":"c-17","provider":"12345678","from":"2026-01-05","until":"2026-02-01","ref":"D-1"}
{"type":"reverse_delivery","ref":"D-1","reason":"wrong period"}
{"type":"withdraw_choice","client":"c-17","provider":"12345678","on":"2026-01-20","reason":"no longer wanted"}
{"type":"end_care","client":"c-17","provider":"12345678","on":"2026-03-01","reason":"transfer"}
{"type":"withdraw_indication","client":"c-17","indication":"B-2026-17","on":"2026-06-01","reason":"deceased"}
{"type":"transfer_budget","from":{"pool":5531},"to":{"provider":"12345678","region":5531},"year":2026,"amount":100000,"reason":"reallocation"}
{"id":"line-1","type":"grant_indication","bsn":"999999990","indication":"I-9","profile":"VV-5","region":5532,"from":"2026-02-01","until":"2026-12-01"}
{"type":"deliver_care","client":"c-0","provider":"10000001","from":"2026-01-10","until":"2026-01-20","ref":"D-9","amount":230000}
{"type":"transfer_budget","from":{"provider":"10000001","region":5531},"to":{"pool":5531},"year":2026,"amount":5,"reason":"production_agreement","on":"2026-03-01"}
{"type":"choose_provider","bsn":"99999999","provider":"10000002","form":"vpt","on":"2026-01-01","urgency":"urgent"}
{"type":"start_care","client":"c-17","provider":"12345678","on":"2026-02-30"}
{"type":"set_tariff","year":2026,"profile":"754","form":"mpt","day_tariff":-1}
{"type":"deliver_care","client":"999999990","provider":"1","from":"2026-01-01","until":"2026-01-01","ref":""}
{"type":"unknown","note":"999999990"}
{"type":"grant_indication","client":"c-1","indication":"I","profile":"5VV","region":5531,"from":"2026-01-01","extra":true}
["not","an","object"]
{"type":"set_region_budget","region":5531,"year":2026,"amount":2500000000
"#;

fn jsonl_line(dir: &Path) -> Result<()> {
    for line in DESIGN_LINES.lines() {
        write(dir, line.as_bytes())?;
    }
    let mut generator = Generator::new(7, Scale::new(0.001)?);
    let mut buffer = Vec::new();
    let mut kinds = BTreeSet::new();
    while let Some(kind) = generator.next_line(&mut buffer) {
        if kinds.insert(kind.name()) {
            write(dir, buffer.trim_ascii_end())?;
        }
        buffer.clear();
    }
    Ok(())
}

fn ledger_vs_model(dir: &Path) -> Result<()> {
    let mut rng = SplitMix64::new(2026);
    for i in 0..32usize {
        let len = 16 + (i * 37) % 600;
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next_u64() >> 56) as u8).collect();
        write(dir, &bytes)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    let root = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus"),
    };
    let histories = histories();
    record_decode(&root.join("record_decode"), &histories)?;
    filelog_open(&root.join("filelog_open"), &histories)?;
    jsonl_line(&root.join("jsonl_line"))?;
    ledger_vs_model(&root.join("ledger_vs_model"))?;
    for target in [
        "record_decode",
        "filelog_open",
        "jsonl_line",
        "ledger_vs_model",
    ] {
        let count = std::fs::read_dir(root.join(target))?.count();
        println!("{target}: {count} seeds");
    }
    Ok(())
}
