//! Prints the figures of one generated year: line counts per type, care days, starts,
//! switches, deaths, waiting at year end and the checksums `<consumed>:<waited>`.
//!
//! Usage: `cargo run --release -p pvb-workload --example figures -- [scale] [seed] [--csv]`
//! (defaults: scale 0.01, seed 42; `--csv` also prints the per-provider table). The lines
//! themselves are discarded; this is a report, not a file writer.

use std::io;

use pvb_workload::{write_year, LineKind, Scale};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let csv = args.iter().any(|a| a == "--csv");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let scale: Scale = positional.next().map_or("0.01", String::as_str).parse()?;
    let seed: u64 = positional.next().map_or("42", String::as_str).parse()?;
    let figures = write_year(seed, scale, io::sink(), |_| {})?;
    println!("seed {seed} scale {scale}");
    println!(
        "providers {} clients {}",
        scale.providers(),
        scale.clients()
    );
    println!("lines {}", figures.lines);
    for kind in LineKind::ALL {
        println!("  {} {}", kind.name(), figures.count(kind));
    }
    println!("care_days {}", figures.care_days);
    println!("care_starts {}", figures.care_starts);
    println!("switches {}", figures.switches);
    println!("deaths {}", figures.deaths);
    println!("waiting_at_year_end {}", figures.waiting_at_year_end);
    println!(
        "switch_pending_at_year_end {}",
        figures.switch_pending_at_year_end
    );
    println!("checksums {}", figures.checksums());
    if csv {
        print!("{}", figures.per_provider_csv());
    }
    Ok(())
}
