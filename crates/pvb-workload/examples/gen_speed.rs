//! Measures generation speed: writes one year to a sink (`/dev/null` where it exists) and
//! prints lines per second.
//!
//! Usage: `cargo run --release -p pvb-workload --example gen_speed -- [scale] [seed]`
//! (defaults: scale 0.1, seed 42). This is a quick measurement, not a benchmark harness.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::time::Instant;

use pvb_workload::{write_year, Scale};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scale: Scale = args.next().as_deref().unwrap_or("0.1").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("42").parse()?;
    let sink: Box<dyn Write> = match OpenOptions::new().write(true).open("/dev/null") {
        Ok(file) => Box::new(file),
        Err(_) => Box::new(io::sink()),
    };
    let started = Instant::now();
    let figures = write_year(seed, scale, sink, |_| {})?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "scale {scale} seed {seed}: {} lines in {seconds:.3} s = {:.1} M lines/s; checksums {}",
        figures.lines,
        figures.lines as f64 / seconds / 1e6,
        figures.checksums()
    );
    Ok(())
}
