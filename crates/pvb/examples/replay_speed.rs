//! Replay speed of an existing FileLog: scan (frames, CRC, chain), decode only, and decode plus
//! every projection, each a few rounds on the warm log, in events per second.
//!
//! It is not `pvb bench` (which builds the log first); it exists to profile replay alone.
//!
//! ```text
//! cargo run --release -p pvb --example replay_speed -- LOG_DIR [ROUNDS]
//! ```

use std::error::Error;
use std::ops::ControlFlow;
use std::time::Instant;

use pvb::projection::Filter;
use pvb_core::{decode_event, EventLog, Position};
use pvb_store::{FileLog, Options};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: replay_speed LOG_DIR [ROUNDS]")?;
    let rounds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(3);
    let mut log = FileLog::open_with(&dir, Options::new().read_only(true).create(false))?;
    for round in 0..rounds {
        let started = Instant::now();
        let mut scanned = 0u64;
        log.read(Position(1), &mut |_| {
            scanned += 1;
            ControlFlow::Continue(())
        })?;
        let scan = scanned as f64 / started.elapsed().as_secs_f64() / 1e6;
        let started = Instant::now();
        let mut decoded = 0u64;
        log.read(Position(1), &mut |record| {
            if decode_event(record.codec, record.payload).is_ok() {
                decoded += 1;
            }
            ControlFlow::Continue(())
        })?;
        let decode = decoded as f64 / started.elapsed().as_secs_f64() / 1e6;
        let started = Instant::now();
        let projections = pvb::replay_log(&mut log, Filter::ALL, ())?;
        let replay = projections.head().0 as f64 / started.elapsed().as_secs_f64() / 1e6;
        println!(
            "round {round}: scan {scan:.2} M ev/s, decode only {decode:.2} M ev/s, \
             replay {replay:.2} M ev/s ({:.0}% of decode only)",
            100.0 * replay / decode
        );
    }
    Ok(())
}
