//! Replaying a log as of a date, and as the office knew it at a position (bitemporal): "the
//! budget of provider X for March, as the office knew it on 1 May".
use std::io::Cursor;

use pvb::projection::Filter;
use pvb::{import::import_lines, Ledger, Options};
use pvb_core::{Policy, Position};
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A small generated year (WORKLOAD.md) in a memory log.
    let mut year = Vec::new();
    pvb_workload::write_year(42, pvb_workload::Scale::new(0.01)?, &mut year, |_| {})?;
    let mut ledger = Ledger::open(
        pvb_store::MemoryLog::new(),
        Options::new(Policy::PersonFollowing, [1; 32]),
    )?;
    let mut rejections = Vec::new();
    let counts = import_lines(&mut ledger, Cursor::new(year), &mut rejections, |_| {})?;
    println!("imported {} lines, log head {}", counts.read, ledger.head());

    // Valid time: the state at the end of 31 March 2026.
    let march = ledger.replay(Filter::as_of(date!(2026 - 03 - 31)))?;
    // Transaction time: the log as it stood at an eighth of its length (in February).
    let known_at = Position(ledger.head().0 / 8);
    let as_known = ledger.replay(Filter::bitemporal(date!(2026 - 03 - 31), known_at))?;
    for (label, view) in [
        ("as of 2026-03-31", &march),
        ("same day, known at position", &as_known),
    ] {
        let consumed = view.budgets().consumed_total(2026);
        let waiting = view.waiting_rows().len();
        println!("{label:<28} consumed {consumed:>18}  waiting places {waiting}");
    }
    Ok(())
}
