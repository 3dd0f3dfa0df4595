//! `pvb import FILE --log PATH`: JSON Lines into a log, with a progress bar and a rejections
//! report.
//!
//! It is not the importer (that is `pvb::import`); it opens files, shows progress and prints
//! the counts.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use pvb::import::{import_lines, ImportReport};
use pvb::{Ledger, Options};
use pvb_core::{EventLog, Policy};

use crate::logs::{self, AnyLog, LogSpec};
use crate::{progress, Failure};

/// The `--policy` argument.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PolicyArg {
    /// Person-following financing (PvB): the budget follows the client.
    PersonFollowing,
    /// Fixed production agreements (the baseline before PvB).
    Fixed,
}

impl From<PolicyArg> for Policy {
    fn from(p: PolicyArg) -> Policy {
        match p {
            PolicyArg::PersonFollowing => Policy::PersonFollowing,
            PolicyArg::Fixed => Policy::FixedAgreements,
        }
    }
}

/// Arguments of `pvb import`.
#[derive(clap::Args)]
pub struct Args {
    /// The JSON Lines file (one command per line, DESIGN.md section 8).
    file: PathBuf,
    /// The log: a folder (FileLog, created if missing) or memory:.
    #[arg(long)]
    log: String,
    /// Funding policy the commands are decided under.
    #[arg(long, value_enum, default_value = "person-following")]
    policy: PolicyArg,
    /// Where refused lines go (default: <log>.rejections.jsonl).
    #[arg(long)]
    rejections: Option<PathBuf>,
    /// Pseudonymisation key file (default: PVB_KEY_FILE, or <log>.key beside the log).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

/// Opens a ledger over `spec` with the key beside it.
pub fn open_ledger(
    spec: &LogSpec,
    policy: Policy,
    key_file: Option<&std::path::Path>,
) -> Result<Ledger<AnyLog>, Failure> {
    let mut log = spec.open()?;
    let empty = log
        .head()
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?
        .0
        == 0;
    let key = logs::key(spec, key_file, empty)?;
    Ledger::open(log, Options::new(policy, key))
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))
}

/// Imports `file` into `ledger`, with a progress bar; returns the counts.
pub fn import_file(
    ledger: &mut Ledger<AnyLog>,
    file: &std::path::Path,
    rejections: &std::path::Path,
) -> Result<ImportReport, Failure> {
    let input = File::open(file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
    let len = input.metadata().map(|m| m.len()).unwrap_or(0);
    let report_file = File::create(rejections)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", rejections.display())))?;
    let mut report_writer = BufWriter::new(report_file);
    let bar = progress::bytes(len, "importing");
    let counts = import_lines(
        ledger,
        BufReader::with_capacity(1 << 20, input),
        &mut report_writer,
        |bytes| bar.set_position(bytes),
    )
    .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
    bar.finish_and_clear();
    report_writer
        .flush()
        .map_err(|e| Failure::new(format!("writing {}: {e}", rejections.display())))?;
    Ok(counts)
}

/// Runs `pvb import`.
pub fn run(args: Args) -> Result<(), Failure> {
    let spec = LogSpec::parse(&args.log)?;
    let rejections = args
        .rejections
        .clone()
        .unwrap_or_else(|| spec.default_rejections());
    let mut ledger = open_ledger(&spec, args.policy.into(), args.key_file.as_deref())?;
    let started = Instant::now();
    let counts = import_file(&mut ledger, &args.file, &rejections)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}: read {} lines: {} accepted ({} events), {} already in the log, {} rejected{}",
        args.file.display(),
        counts.read,
        counts.accepted,
        counts.events,
        counts.duplicates,
        counts.rejected,
        if counts.rejected > 0 {
            format!(" (see {})", rejections.display())
        } else {
            String::new()
        }
    );
    println!(
        "log {} now ends at position {}; {:.2} s, {:.0} lines/s",
        spec.describe(),
        ledger.head(),
        seconds,
        counts.read as f64 / seconds.max(1e-9)
    );
    Ok(())
}
