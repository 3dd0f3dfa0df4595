//! `pvb bench --scale S [--store memory|file]`: the figures of WORKLOAD.md "What is measured"
//! for one store and scale, each beside a reference measured in the same run (this machine is
//! shared and noisy: ratios travel, absolute times do not).
//!
//! It is not a test: nothing here passes or fails. The method is in docs/BENCHMARKS.md.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use pvb::jsonl::parse_line;
use pvb::projection::{Filter, Projections};
use pvb::{Ledger, Options, Submission};
use pvb_core::{decode_event, EventLog, Policy, Position, Pseudonymiser};
use pvb_workload::Generator;

use crate::generate::parse_scale;
use crate::logs::{AnyLog, LogSpec};
use crate::table::{print_json, Format};
use crate::{progress, Failure};

/// Arguments of `pvb bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Scale of the pvb-year (0.01 quick, 0.1, 1.0 the country).
    #[arg(long, default_value = "0.01")]
    scale: String,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The store: memory or file (a FileLog in a temporary folder, or --dir).
    #[arg(long, default_value = "file")]
    store: String,
    /// Folder for the file store (default: a temporary folder, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Commands per durable batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(serde::Serialize, Default)]
struct Figures {
    store: String,
    scale: f64,
    commands: u64,
    events: u64,
    rejected: u64,
    command_seconds: f64,
    commands_per_second: f64,
    events_per_second_appended: f64,
    durable_batches: u64,
    parse_lines_per_second: f64,
    open_seconds: f64,
    replay_events: u64,
    replay_seconds: f64,
    replay_events_per_second: f64,
    decode_only_events_per_second: f64,
    scan_only_events_per_second: f64,
    replay_vs_decode_only: f64,
    replay_peak_rss_bytes: u64,
    replay_peak_rss_note: String,
    log_bytes: u64,
    log_bytes_per_event: f64,
    consumed_cents: i64,
    workload_consumed_cents: u64,
}

fn rss_peak_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak resident set (Linux: writing 5 to /proc/self/clear_refs).
fn reset_rss_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Runs `pvb bench`.
pub fn run(args: Args) -> Result<(), Failure> {
    let scale = parse_scale(&args.scale)?;
    let temp =
        tempfile::tempdir().map_err(|e| Failure::new(format!("no temporary folder: {e}")))?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temp.path().join("ledger"));
    let spec = match args.store.as_str() {
        "memory" => LogSpec::Memory,
        "file" => LogSpec::File(dir.clone()),
        other => {
            return Err(Failure::new(format!(
                "--store {other}: this build benchmarks memory and file"
            )))
        }
    };
    if let LogSpec::File(path) = &spec {
        if path.exists()
            && std::fs::read_dir(path)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(Failure::new(format!(
                "--dir {}: must be empty",
                path.display()
            )));
        }
    }
    let key = [0x5a; 32];
    let pseudonymiser = Pseudonymiser::new(key);
    let mut ledger = Ledger::open(spec.open()?, Options::new(Policy::PersonFollowing, key))
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut figures = Figures {
        store: args.store.clone(),
        scale: scale.value(),
        ..Figures::default()
    };

    // 1. Commands: every line of the year, parsed (not timed) and executed in durable batches.
    let mut generator = Generator::new(args.seed, scale);
    let bar = progress::bar(365, "commands", false);
    let mut line = Vec::with_capacity(256);
    let mut parse_seconds = 0.0;
    let batch = args.batch.max(1);
    loop {
        let parse_started = Instant::now();
        let mut submissions = Vec::with_capacity(batch);
        while submissions.len() < batch {
            line.clear();
            if generator.next_line(&mut line).is_none() {
                break;
            }
            let text = std::str::from_utf8(&line).map_err(|e| Failure::new(e.to_string()))?;
            let parsed = parse_line(text.trim_end(), &pseudonymiser)
                .map_err(|e| Failure::new(format!("generated line does not parse: {e}")))?;
            submissions.push(Submission {
                id: parsed.id,
                command: parsed.command,
            });
        }
        parse_seconds += parse_started.elapsed().as_secs_f64();
        if submissions.is_empty() {
            break;
        }
        figures.commands += submissions.len() as u64;
        let started = Instant::now();
        let outcomes = ledger
            .execute_batch(submissions)
            .map_err(|e| Failure::new(e.to_string()))?;
        figures.command_seconds += started.elapsed().as_secs_f64();
        figures.durable_batches += 1;
        figures.rejected += outcomes
            .iter()
            .filter(|o| matches!(o, pvb::Outcome::Rejected(_)))
            .count() as u64;
        bar.set_position(generator.days_done());
    }
    bar.finish_and_clear();
    figures.events = ledger.head().0;
    figures.commands_per_second = figures.commands as f64 / figures.command_seconds.max(1e-9);
    figures.events_per_second_appended = figures.events as f64 / figures.command_seconds.max(1e-9);
    figures.parse_lines_per_second = figures.commands as f64 / parse_seconds.max(1e-9);
    figures.consumed_cents = ledger.projections().budgets().consumed_total(2026).cents();
    figures.workload_consumed_cents = generator.figures().consumed_cents;

    // 2. Replay: reopen the log, then rebuild every projection from it.
    let mut log: AnyLog = match &spec {
        LogSpec::Memory => ledger.into_log(),
        LogSpec::File(_) => {
            drop(ledger);
            let started = Instant::now();
            let log = spec.open_existing()?;
            figures.open_seconds = started.elapsed().as_secs_f64();
            log
        }
    };
    if let LogSpec::File(path) = &spec {
        figures.log_bytes = dir_bytes(path);
        figures.log_bytes_per_event = figures.log_bytes as f64 / figures.events.max(1) as f64;
    }
    // Warm the page cache and measure the scan (frames, CRC, chain) alone.
    let started = Instant::now();
    let mut scanned = 0u64;
    log.read(Position(1), &mut |_| {
        scanned += 1;
        ControlFlow::Continue(())
    })
    .map_err(|e| Failure::new(e.to_string()))?;
    figures.scan_only_events_per_second =
        scanned as f64 / started.elapsed().as_secs_f64().max(1e-9);
    // Decode only.
    let started = Instant::now();
    let mut decoded = 0u64;
    let mut failure = None;
    log.read(
        Position(1),
        &mut |record| match decode_event(record.codec, record.payload) {
            Ok(event) => {
                decoded += 1;
                std::hint::black_box(&event);
                ControlFlow::Continue(())
            }
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        },
    )
    .map_err(|e| Failure::new(e.to_string()))?;
    if let Some(e) = failure {
        return Err(Failure::new(e.to_string()));
    }
    figures.decode_only_events_per_second =
        decoded as f64 / started.elapsed().as_secs_f64().max(1e-9);
    // Replay: decode and fold every projection, with the peak memory of this step.
    let reset = reset_rss_peak();
    let started = Instant::now();
    let projections: Projections =
        pvb::replay_log(&mut log, Filter::ALL, ()).map_err(|e| Failure::new(e.to_string()))?;
    figures.replay_seconds = started.elapsed().as_secs_f64();
    figures.replay_events = projections.head().0;
    figures.replay_events_per_second =
        figures.replay_events as f64 / figures.replay_seconds.max(1e-9);
    figures.replay_vs_decode_only =
        figures.replay_events_per_second / figures.decode_only_events_per_second.max(1e-9);
    figures.replay_peak_rss_bytes = rss_peak_bytes().unwrap_or(0);
    figures.replay_peak_rss_note = if reset {
        "peak of the replay step (VmHWM reset before it)".into()
    } else {
        "peak of the whole process (VmHWM could not be reset)".into()
    };
    drop(projections);

    match args.format {
        Format::Json => print_json(&figures),
        _ => {
            print_figures(&figures);
            Ok(())
        }
    }
}

fn print_figures(f: &Figures) {
    let m = |x: f64| format!("{:.2} M", x / 1e6);
    println!(
        "pvb bench: pvb-year at scale {} on the {} store",
        f.scale, f.store
    );
    println!(
        "  commands                    {:>12} ({} events, {} rejected)",
        f.commands, f.events, f.rejected
    );
    println!(
        "  command throughput          {:>12}/s  decide + durable append (batches of up to {} commands, {} fsyncs) + apply + projections",
        m(f.commands_per_second),
        if f.durable_batches > 0 { f.commands / f.durable_batches } else { 0 },
        f.durable_batches
    );
    println!(
        "  events appended             {:>12}/s",
        m(f.events_per_second_appended)
    );
    println!(
        "  JSON parsing (not in above) {:>12}/s  lines, on one core",
        m(f.parse_lines_per_second)
    );
    if f.open_seconds > 0.0 {
        println!("  open (verify all segments)  {:>12.3} s", f.open_seconds);
    }
    println!(
        "  scan (frames, CRC, chain)   {:>12}/s  events",
        m(f.scan_only_events_per_second)
    );
    println!(
        "  decode only                 {:>12}/s  events",
        m(f.decode_only_events_per_second)
    );
    println!(
        "  replay (all projections)    {:>12}/s  events ({:.0}% of decode-only)",
        m(f.replay_events_per_second),
        100.0 * f.replay_vs_decode_only
    );
    println!(
        "  replay peak memory          {:>10.1} MiB  {}",
        f.replay_peak_rss_bytes as f64 / (1024.0 * 1024.0),
        f.replay_peak_rss_note
    );
    if f.log_bytes > 0 {
        println!(
            "  log size                    {:>10.1} MiB  ({:.1} bytes/event)",
            f.log_bytes as f64 / (1024.0 * 1024.0),
            f.log_bytes_per_event
        );
    }
    println!(
        "  checksum (a) consumed       {} cents (workload says {}: {})",
        f.consumed_cents,
        f.workload_consumed_cents,
        if f.consumed_cents as u64 == f.workload_consumed_cents {
            "equal"
        } else {
            "DIFFERENT"
        }
    );
}
