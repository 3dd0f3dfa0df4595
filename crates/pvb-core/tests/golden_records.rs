//! Golden byte vectors of sealed records: one record per event kind (all 14 `Event` variants),
//! each sealed by `seal_batch` as a batch of one, chained one after the other from the genesis
//! commit, compared byte for byte with the hex files in `tests/golden/`. A change to the record
//! envelope, the payload codec or the hash chain that alters one byte fails this test: on-disk
//! bytes never change by accident (docs/FORMAT.md, "Versions").
//!
//! The files were written once by this test with `PVB_BLESS_GOLDEN=1`; never bless to make a
//! failure go away: a new format gets a new codec byte, schema byte or format version instead.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use pvb_core::*;

/// One event of every kind, in tag order, with fixed values.
fn events() -> Vec<Event> {
    pvb_core::samples::one_of_each_kind().unwrap()
}

/// The sealed records: each event a batch of one, chained from the genesis commit.
fn sealed() -> Vec<(Event, Vec<u8>)> {
    let mut out = Vec::new();
    let mut commit = Commit::GENESIS;
    for (i, event) in events().into_iter().enumerate() {
        let position = Position(i as u64 + 1);
        let record = NewRecord::encode(
            EventId::from_text(&format!("golden-{}", event.name())),
            1_767_225_600_000_000 + i as i64 * 1_000_000,
            &event,
        );
        let mut bytes = Vec::new();
        commit = seal_batch(commit, position, &[record], |_, b| bytes = b.to_vec()).unwrap();
        out.push((event, bytes));
    }
    out
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn file_name(index: usize, event: &Event) -> String {
    format!("{:02}-{}.hex", index + 1, event.name())
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for line in bytes.chunks(32) {
        for b in line {
            out.push_str(&format!("{b:02x}"));
        }
        out.push('\n');
    }
    out
}

/// Compares a golden file's text with record bytes: comment lines start with `#`.
fn compare(golden: &str, bytes: &[u8]) -> Result<(), String> {
    let hex: String = golden
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    if hex.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    let expected: Result<Vec<u8>, _> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect();
    let expected = expected.map_err(|e| format!("not hex: {e}"))?;
    if expected.len() != bytes.len() {
        return Err(format!(
            "{} bytes, golden has {}",
            bytes.len(),
            expected.len()
        ));
    }
    match expected.iter().zip(bytes).position(|(a, b)| a != b) {
        Some(at) => Err(format!(
            "byte {at} is {:#04x}, golden has {:#04x}",
            bytes[at], expected[at]
        )),
        None => Ok(()),
    }
}

#[test]
fn every_event_kind_seals_to_its_golden_bytes() {
    let sealed = sealed();
    assert_eq!(sealed.len(), 14);
    let tags: Vec<u8> = sealed.iter().map(|(e, _)| e.tag()).collect();
    assert_eq!(
        tags,
        (1..=14).collect::<Vec<u8>>(),
        "one event of every kind"
    );
    let bless = std::env::var("PVB_BLESS_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for (i, (event, bytes)) in sealed.iter().enumerate() {
        let path = golden_dir().join(file_name(i, event));
        if bless {
            std::fs::create_dir_all(golden_dir()).unwrap();
            let text = format!(
                "# {} (tag {}): a record sealed by pvb_core::seal_batch at position {} as a batch\n\
                 # of one, after the commit of the previous file (the first after 32 zero bytes).\n\
                 # schema 1, codec 1 (bincode 2.0.1). {} bytes: 39 header, {} payload, 32 commit.\n{}",
                event.name(),
                event.tag(),
                i + 1,
                bytes.len(),
                bytes.len() - 39 - 32,
                to_hex(bytes)
            );
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (write the vectors once with PVB_BLESS_GOLDEN=1)",
                path.display()
            )
        });
        if let Err(why) = compare(&golden, bytes) {
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "record bytes changed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn golden_records_parse_decode_and_chain() {
    let mut verifier = ChainVerifier::from_start();
    for (event, bytes) in sealed() {
        let view = RecordView::parse(&bytes).unwrap();
        assert_eq!(view.event().unwrap(), event);
        assert_eq!(view.codec, CODEC_BINCODE_2);
        assert_eq!(view.schema, SCHEMA_VERSION);
        assert!(verifier.push(&view).unwrap().is_some());
    }
    assert_eq!(verifier.next_position(), Position(15));
}

#[test]
fn the_golden_comparison_fails_on_one_changed_byte() {
    let (event, bytes) = sealed().remove(9);
    let golden = std::fs::read_to_string(golden_dir().join(file_name(9, &event))).unwrap();
    assert!(compare(&golden, &bytes).is_ok());
    // Flip one hex digit of the data (not of a comment).
    let data_start = golden
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    for offset in [0, 17, 40, 64] {
        let mut changed = golden.clone().into_bytes();
        let at = data_start + offset;
        changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        assert!(
            compare(&changed, &bytes).is_err(),
            "a changed digit at {offset} went unnoticed"
        );
    }
    let mut flipped = bytes.clone();
    flipped[45] ^= 1;
    assert!(compare(&golden, &flipped).is_err());
    assert!(compare(&golden, &bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn seal_batch_refuses_a_schema_it_cannot_read_back() {
    let mut record = NewRecord::encode(EventId([1; 16]), 0, &events()[0]);
    record.schema = SCHEMA_VERSION + 1;
    let result = seal_batch(Commit::GENESIS, Position(1), &[record], |_, _| {
        panic!("nothing may be emitted")
    });
    assert_eq!(result, Err(RecordError::UnknownSchema(SCHEMA_VERSION + 1)));
}
