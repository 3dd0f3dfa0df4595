//! The `pvb` command: how a new user meets pvb, how an office runs imports and replays, and how
//! an auditor checks a log.
//!
//! It is glue: argument parsing, progress bars, tables, CSV and JSON. No rule lives here; every
//! decision is `pvb-core`'s, every figure a projection's. Errors are one sentence on stderr that
//! names the file, line or field at fault, with a non-zero exit; never a panic or a backtrace.

#![forbid(unsafe_code)]

mod bench;
mod compare;
mod copy;
mod demo;
mod generate;
mod html;
mod import;
#[cfg(feature = "iwlz")]
mod import_iwlz;
mod logs;
mod progress;
mod report;
mod table;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// pvb: a ledger for person-following financing of Dutch long-term care (Wlz).
#[derive(Parser)]
#[command(name = "pvb", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Generate a small year, import it into a FileLog in a temporary folder, print budgets
    /// and waiting lists. The first thing to run.
    ///
    /// Example: pvb demo
    Demo(demo::Args),
    /// Write the pvb-year workload (WORKLOAD.md) as JSON Lines.
    ///
    /// Example: pvb generate --scale 0.02 --seed 42 -o year.jsonl
    Generate(generate::Args),
    /// Append the commands of a JSON Lines file to a log; refused lines go to a report.
    ///
    /// Example: pvb import year.jsonl --log ledger
    Import(import::Args),
    /// Append iWlz 2.2 messages (IO31, AW33, AW35, AW39; a folder in file-name order).
    ///
    /// Example: pvb import-iwlz messages/ --log ledger
    #[cfg(feature = "iwlz")]
    ImportIwlz(import_iwlz::Args),
    /// Copy a log between adapters, records and chain unchanged (the target must be empty).
    ///
    /// Example: pvb copy --from ledger --to ledger-backup
    Copy(copy::Args),
    /// Report budgets, pools, waiting lists or regions at a date, as known at a position.
    ///
    /// Example: pvb report budgets --log ledger --as-of 2026-03-31 --known-at 120000 --format csv
    Report(report::Args),
    /// Replay the same commands under both funding policies and compare waiting lists and the
    /// clients turned away for budget.
    ///
    /// Example: pvb compare year.jsonl --agreements 40
    Compare(compare::Args),
    /// Measure the WORKLOAD.md figures (commands/s, replay events/s, memory, bytes/event).
    ///
    /// Example: pvb bench --scale 0.01 --store file
    Bench(bench::Args),
    /// Check a log: frames and CRC, hash chain, decoding, and the auditor invariants.
    ///
    /// Example: pvb verify --log ledger
    Verify(verify::Args),
}

/// A failure to report: one sentence, exit code 1 (or 2 for a failed verification).
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// A failure with exit code 1.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }

    /// A failure with a chosen exit code.
    pub fn with_code(message: impl Into<String>, code: u8) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Verb::Demo(args) => demo::run(args),
        Verb::Generate(args) => generate::run(args),
        Verb::Import(args) => import::run(args),
        #[cfg(feature = "iwlz")]
        Verb::ImportIwlz(args) => import_iwlz::run(args),
        Verb::Copy(args) => copy::run(args),
        Verb::Report(args) => report::run(args),
        Verb::Compare(args) => compare::run(args),
        Verb::Bench(args) => bench::run(args),
        Verb::Verify(args) => verify::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("pvb: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
