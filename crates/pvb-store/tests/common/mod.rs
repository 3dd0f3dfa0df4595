//! Helpers shared by the tests of pvb-store: records, opening a FileLog on simulated storage,
//! reading a whole log back.

#![allow(dead_code, clippy::unwrap_used)]

use std::ops::ControlFlow;
use std::path::Path;

use pvb_core::{EventId, EventLog, NewRecord, Position, SCHEMA_VERSION};
use pvb_store::{Error, FileLog, Options, SimStorage};

/// The log folder on simulated storage.
pub const DIR: &str = "/data/log";

/// The `n`-th test record, with a payload of `size` bytes.
pub fn record(n: u64, size: usize) -> NewRecord {
    NewRecord {
        id: EventId::derived(&[42; 32], n),
        recorded_at_us: 1_767_225_600_000_000 + n as i64,
        schema: SCHEMA_VERSION,
        codec: 1,
        payload: (0..size).map(|i| (n as usize * 31 + i) as u8).collect(),
    }
}

/// Records `first..first + count`, payloads of 10 to 69 bytes.
pub fn records(first: u64, count: u64) -> Vec<NewRecord> {
    (first..first + count)
        .map(|n| record(n, 10 + (n as usize * 7) % 60))
        .collect()
}

/// Opens the FileLog in [`DIR`] of `sim`.
pub fn open(sim: &SimStorage, segment_bytes: u64) -> Result<FileLog<SimStorage>, Error> {
    FileLog::open_in(
        sim.clone(),
        Path::new(DIR),
        Options::new().segment_bytes(segment_bytes),
    )
}

/// Every record of a log: position and bytes.
pub fn read_all<L: EventLog>(log: &mut L) -> Result<Vec<(Position, Vec<u8>)>, L::Error> {
    let mut out = Vec::new();
    log.read(Position(1), &mut |r| {
        out.push((r.position, r.bytes.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Small deterministic generator for test choices.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// The p-th quantile of durations, in microseconds.
pub fn quantile_us(times: &mut [std::time::Duration], q: f64) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    times.sort();
    let i = ((times.len() - 1) as f64 * q).round() as usize;
    times[i].as_secs_f64() * 1e6
}
