//! `pvb generate`: the pvb-year workload as JSON Lines, with its figures.
//!
//! It is not the generator (that is `pvb-workload`); it opens the file, shows progress and
//! prints the figures.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use pvb_workload::{write_year, Scale};

use crate::progress;
use crate::Failure;

/// Arguments of `pvb generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Scale: 1.0 is the whole country (2,000 providers, 330,000 clients, ~90 million lines).
    #[arg(long, default_value = "0.01")]
    scale: String,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output file ("-" for standard output).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Print the per-provider table (WORKLOAD.md section 6 c) after the figures.
    #[arg(long)]
    per_provider: bool,
}

/// Parses a scale argument.
pub fn parse_scale(text: &str) -> Result<Scale, Failure> {
    let value: f64 = text
        .parse()
        .map_err(|_| Failure::new(format!("--scale '{text}' is not a number")))?;
    Scale::new(value).map_err(|e| Failure::new(format!("--scale {text}: {e}")))
}

/// Runs `pvb generate`.
pub fn run(args: Args) -> Result<(), Failure> {
    let scale = parse_scale(&args.scale)?;
    let to_stdout = args.output.as_os_str() == "-";
    let writer: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        let file = File::create(&args.output)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", args.output.display())))?;
        Box::new(file)
    };
    let bar = progress::bar(365, "generating days", to_stdout);
    let figures = write_year(args.seed, scale, BufWriter::new(writer), |day| {
        bar.set_position(day + 1)
    })
    .map_err(|e| Failure::new(format!("writing {}: {e}", args.output.display())))?;
    bar.finish_and_clear();
    if to_stdout {
        return Ok(());
    }
    println!(
        "wrote {} lines to {} (seed {}, scale {}: {} providers, {} clients)",
        figures.lines,
        args.output.display(),
        args.seed,
        scale,
        scale.providers(),
        scale.clients()
    );
    println!(
        "care days {}, care starts {}, switches {}, deaths {}, waiting at year end {}, switch pending {}",
        figures.care_days,
        figures.care_starts,
        figures.switches,
        figures.deaths,
        figures.waiting_at_year_end,
        figures.switch_pending_at_year_end
    );
    println!("checksums (consumed:waited) {}", figures.checksums());
    if args.per_provider {
        print!("{}", figures.per_provider_csv());
    }
    Ok(())
}
