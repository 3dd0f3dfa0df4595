//! RELIABILITY.md T18 (the part a log can check by itself): an edit whose frame checksum was
//! recomputed is found by the hash chain, with its batch and position: changed payloads and
//! header fields, removed, repeated and reordered records, removed and renamed segments.
//!
//! Not covered here: an attacker who recomputes the whole chain after the edit, or who cuts the
//! log after the last batch an outside party saw. That needs a keyed chain or signed
//! checkpoints held outside the log (RELIABILITY.md (c) 3 and 4), which this version does not
//! have (docs/FORMAT.md, "What the format does not protect against").

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{open, records, Rng, DIR};
use pvb_core::{ChainError, Condition, EventLog, RecordView};
use pvb_store::{verify_in, CrashMode, Damage, Error, SimStorage, SEGMENT_HEADER_BYTES};

/// A frame: start, end, position, first position of its batch, start of its batch.
type Frame = (usize, usize, u64, u64, usize);

struct Layout {
    sim: SimStorage,
    /// Per segment: path, bytes, frames.
    segments: Vec<(PathBuf, Vec<u8>, Vec<Frame>)>,
}

fn layout() -> Layout {
    let sim = SimStorage::new();
    let mut log = open(&sim, 2048).unwrap();
    let mut rng = Rng(18);
    let mut next = 0;
    for _ in 0..80 {
        let count = 1 + rng.below(5);
        log.append(&records(next, count), Condition::Any).unwrap();
        next += count;
    }
    let paths = log.segment_paths();
    drop(log);
    let sim = sim.crash(CrashMode::Keep);
    let segments = paths
        .into_iter()
        .map(|path| {
            let bytes = sim.read_file(&path).unwrap();
            let mut frames = Vec::new();
            let mut at = SEGMENT_HEADER_BYTES as usize;
            let mut batch = (0u64, at);
            let mut batch_open = false;
            while at < bytes.len() {
                let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
                let view = RecordView::parse(&bytes[at + 8..at + 8 + len]).unwrap();
                if !batch_open {
                    batch = (view.position.0, at);
                    batch_open = true;
                }
                frames.push((at, at + 8 + len, view.position.0, batch.0, batch.1));
                if view.is_batch_end() {
                    batch_open = false;
                }
                at += 8 + len;
            }
            (path, bytes, frames)
        })
        .collect();
    Layout { sim, segments }
}

/// Rewrites the checksum of the frame at `start` to match its (edited) record.
fn recompute_crc(bytes: &mut [u8], start: usize) {
    let len = u32::from_le_bytes(bytes[start..start + 4].try_into().unwrap()) as usize;
    let crc = crc32c::crc32c(&bytes[start + 8..start + 8 + len]);
    bytes[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn refused(image: &SimStorage) -> Error {
    let verified = verify_in(image, Path::new(DIR)).unwrap();
    let Some(problem) = verified.problem else {
        panic!("verify found nothing");
    };
    let error = open(image, 2048).expect_err("the tampered log opened");
    assert_eq!(
        problem.to_string(),
        error.to_string(),
        "verify and open disagree"
    );
    error
}

#[test]
fn t18_a_changed_payload_with_a_recomputed_checksum_is_found_by_the_chain() {
    let layout = layout();
    let mut rng = Rng(0x18);
    let mut cases = 0;
    while cases < 1_000 {
        let s = rng.below(layout.segments.len() as u64) as usize;
        let (path, original, frames) = &layout.segments[s];
        let &(start, end, position, batch_first, batch_start) =
            &frames[rng.below(frames.len() as u64) as usize];
        let record_len = end - start - 8;
        let view = RecordView::parse(&original[start + 8..end]).unwrap();
        if view.payload.is_empty() {
            continue;
        }
        let mut bytes = original.clone();
        let at = start + 8 + 39 + rng.below(view.payload.len() as u64) as usize;
        bytes[at] ^= 1 + rng.below(255) as u8;
        recompute_crc(&mut bytes, start);
        assert_eq!(record_len, end - start - 8);
        let image = layout.sim.crash(CrashMode::Keep);
        image.write_file(path, &bytes);
        let error = refused(&image);
        assert!(error.is_chain_mismatch(), "position {position}: {error}");
        let Error::Corruption {
            segment,
            offset,
            position: found,
            damage,
        } = &error
        else {
            unreachable!()
        };
        assert_eq!(segment, path);
        assert_eq!(*offset as usize, batch_start, "{error}");
        assert_eq!(found.0, batch_first, "{error}");
        let Damage::Chain(ChainError::Mismatch {
            first,
            position: last,
        }) = damage
        else {
            unreachable!()
        };
        assert!(first.0 <= position && position <= last.0, "{error}");
        cases += 1;
    }
    println!(
        "T18: 1,000 payload changes with recomputed CRC-32C: 1,000 found by the hash chain \
         (Corruption, chain mismatch) with segment, batch offset and positions; verify agrees"
    );
}

#[test]
fn t18_other_edits_with_recomputed_checksums_are_found() {
    let layout = layout();
    let mut rng = Rng(0x19);
    let mut by_kind = std::collections::BTreeMap::<&str, u64>::new();
    for case in 0..1_000 {
        let s = rng.below(layout.segments.len() as u64) as usize;
        let (path, original, frames) = &layout.segments[s];
        let i = rng.below(frames.len() as u64) as usize;
        let (start, end, position, _, _) = frames[i];
        let mut bytes = original.clone();
        let kind = match case % 6 {
            0 => {
                // The event id.
                bytes[start + 8 + 8 + rng.below(16) as usize] ^= 0x01;
                recompute_crc(&mut bytes, start);
                "event id changed"
            }
            1 => {
                // The recording time or the codec byte.
                let at = start + 8 + if rng.below(2) == 0 { 24 } else { 33 };
                bytes[at] ^= 0x02;
                recompute_crc(&mut bytes, start);
                "time or codec changed"
            }
            2 => {
                // The position.
                let new = position + 1 + rng.below(5);
                bytes[start + 8..start + 16].copy_from_slice(&new.to_le_bytes());
                recompute_crc(&mut bytes, start);
                "position changed"
            }
            3 if s + 1 == layout.segments.len() && end == original.len() => {
                // Removing the log's last record is cutting the log short: a torn tail or a
                // shorter log (T7 covers truncation). Remove the one before it instead.
                let (start, end, ..) = frames[i.saturating_sub(1)];
                if i == 0 {
                    bytes[start + 8 + 33] ^= 0x01;
                    recompute_crc(&mut bytes, start);
                } else {
                    bytes.drain(start..end);
                }
                "record removed"
            }
            3 => {
                // A record removed.
                bytes.drain(start..end);
                "record removed"
            }
            4 => {
                // A record repeated.
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
                "record repeated"
            }
            _ => {
                // Two neighbouring records swapped (or the last moved before its neighbour).
                let j = if i + 1 < frames.len() {
                    i + 1
                } else {
                    i.saturating_sub(1)
                };
                if j == i {
                    bytes[start + 8 + 24] ^= 0x04;
                    recompute_crc(&mut bytes, start);
                } else {
                    let (a, b) = (frames[i.min(j)], frames[i.max(j)]);
                    let first = original[a.0..a.1].to_vec();
                    let second = original[b.0..b.1].to_vec();
                    let swapped = [second, first].concat();
                    bytes.splice(a.0..b.1, swapped);
                }
                "records swapped"
            }
        };
        let image = layout.sim.crash(CrashMode::Keep);
        image.write_file(path, &bytes);
        let error = refused(&image);
        assert!(error.is_corruption(), "case {case} ({kind}): {error}");
        *by_kind.entry(kind).or_default() += 1;
    }
    println!("T18: 1,000 other edits with valid checksums, all refused with position: {by_kind:?}");
}

#[test]
fn t18_removed_renamed_and_swapped_segments_are_found() {
    let layout = layout();
    let n = layout.segments.len();
    assert!(n >= 4);
    let mut found = 0;
    // Each middle segment removed.
    for (path, _, _) in &layout.segments[..n - 1] {
        let image = layout.sim.crash(CrashMode::Keep);
        image.remove_file(path);
        assert!(refused(&image).is_corruption());
        found += 1;
    }
    // Neighbours swapped by name.
    for pair in layout.segments.windows(2) {
        let image = layout.sim.crash(CrashMode::Keep);
        let temp = PathBuf::from(format!("{DIR}/swap"));
        image.rename_file(&pair[0].0, &temp);
        image.rename_file(&pair[1].0, &pair[0].0);
        image.rename_file(&temp, &pair[1].0);
        assert!(refused(&image).is_corruption());
        found += 1;
    }
    // Contents swapped (names kept).
    for pair in layout.segments.windows(2) {
        let image = layout.sim.crash(CrashMode::Keep);
        image.write_file(&pair[0].0, &pair[1].1);
        image.write_file(&pair[1].0, &pair[0].1);
        assert!(refused(&image).is_corruption());
        found += 1;
    }
    // A segment whose header's previous commit was replaced, its CRC fixed.
    for (path, bytes, _) in &layout.segments[1..] {
        let image = layout.sim.crash(CrashMode::Keep);
        let mut bytes = bytes.clone();
        bytes[30] ^= 0x80;
        let crc = crc32c::crc32c(&bytes[0..60]);
        bytes[60..64].copy_from_slice(&crc.to_le_bytes());
        image.write_file(path, &bytes);
        let error = refused(&image);
        assert!(
            matches!(
                error,
                Error::Corruption {
                    damage: Damage::PreviousCommit,
                    ..
                }
            ),
            "{error}"
        );
        found += 1;
    }
    println!("T18: {found} segment removals, renames, swaps and header edits over {n} segments: all refused");
}
