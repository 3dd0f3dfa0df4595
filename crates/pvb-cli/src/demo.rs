//! `pvb demo`: the first thing a new user runs. Generates a small pvb-year (WORKLOAD.md),
//! imports it into a FileLog in a temporary folder under the person-following policy, verifies
//! the log's chain, and prints the budgets and the waiting lists.
//!
//! It is not a benchmark (see `pvb bench`); it keeps nothing (the folder is removed unless
//! `--keep` names where to put the log).

use std::path::PathBuf;
use std::time::Instant;

use pvb_core::{Date, Policy};
use pvb_workload::write_year;

use crate::generate::parse_scale;
use crate::import::{import_file, open_ledger};
use crate::logs::LogSpec;
use crate::table::Format;
use crate::{progress, report, Failure};

/// Arguments of `pvb demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Scale of the year (0.02 is the smallest at which clients wait and switch).
    #[arg(long, default_value = "0.02")]
    scale: String,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the log in this folder instead of a temporary one.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Waiting-list rows to print (the full lists: pvb report waiting).
    #[arg(long, default_value_t = 15)]
    rows: usize,
}

/// Runs `pvb demo`.
pub fn run(args: Args) -> Result<(), Failure> {
    let started = Instant::now();
    let scale = parse_scale(&args.scale)?;
    let temp =
        tempfile::tempdir().map_err(|e| Failure::new(format!("no temporary folder: {e}")))?;
    let base = args
        .keep
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&base)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", base.display())))?;
    let year_file = base.join("pvb-year.jsonl");
    let log_dir = base.join("ledger");
    println!(
        "pvb demo: one year of Wlz care at scale {scale} ({} providers, {} clients), seed {}",
        scale.providers(),
        scale.clients(),
        args.seed
    );
    let file = std::fs::File::create(&year_file)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", year_file.display())))?;
    let bar = progress::bar(365, "generating days", false);
    let figures = write_year(args.seed, scale, std::io::BufWriter::new(file), |d| {
        bar.set_position(d + 1)
    })
    .map_err(|e| Failure::new(format!("writing {}: {e}", year_file.display())))?;
    bar.finish_and_clear();
    println!(
        "1. generated {} commands into {} (checksums consumed:waited {})",
        figures.lines,
        year_file.display(),
        figures.checksums()
    );
    let spec = LogSpec::File(log_dir.clone());
    let mut ledger = open_ledger(&spec, Policy::PersonFollowing, None)?;
    let import_started = Instant::now();
    let counts = import_file(&mut ledger, &year_file, &spec.default_rejections())?;
    println!(
        "2. imported them into a FileLog at {} under the person-following policy: {} accepted, {} rejected, {} events, {:.1} s",
        log_dir.display(),
        counts.accepted,
        counts.rejected,
        counts.events,
        import_started.elapsed().as_secs_f64()
    );
    let commit = pvb_core::EventLog::head_commit(ledger.log_mut())
        .map_err(|e| Failure::new(format!("log {}: {e}", log_dir.display())))?;
    println!("3. every batch is fsynced and hash-chained; chain head {commit}");
    let projections = ledger.projections();
    let consumed = projections.budgets().consumed_total(2026);
    println!(
        "   consumed in 2026: {consumed} (the sum of every deliver_care in the file: {})",
        pvb_core::Money::from_cents(figures.consumed_cents as i64)
    );
    println!();
    println!("Budgets per provider (person-following: allocated = the reservations that followed the clients):");
    report::budgets(projections, Format::Table)?;
    println!();
    let year_end = Date::from_calendar_date(2026, time::Month::December, 31)
        .map_err(|e| Failure::new(e.to_string()))?;
    let at_year_end = ledger
        .replay(pvb::projection::Filter::as_of(year_end))
        .map_err(|e| Failure::new(format!("log {}: {e}", log_dir.display())))?;
    report::regions(&at_year_end, Format::Table, Some(year_end))?;
    println!();
    let rows = at_year_end.waiting_rows();
    println!(
        "Waiting lists at the end of {year_end}: {} places; the first {}:",
        rows.len(),
        args.rows.min(rows.len())
    );
    let cells: Vec<Vec<String>> = rows
        .iter()
        .take(args.rows)
        .map(|r| {
            vec![
                r.provider.to_string(),
                r.position.to_string(),
                r.client.to_string(),
                r.status.name().to_owned(),
                r.since.to_string(),
                r.days_waiting.to_string(),
            ]
        })
        .collect();
    crate::table::print_table(
        &[
            "provider",
            "position",
            "client",
            "status",
            "since",
            "days_waiting",
        ],
        &cells,
        &[1, 5],
    );
    println!();
    match &args.keep {
        Some(dir) => println!(
            "Kept in {}. Try: pvb report waiting --log {} --as-of 2026-06-30",
            dir.display(),
            log_dir.display()
        ),
        None => println!("Done in {:.1} s. Keep the log with --keep DIR; then try pvb report, pvb verify, pvb compare.", started.elapsed().as_secs_f64()),
    }
    Ok(())
}
