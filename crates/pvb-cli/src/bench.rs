//! `pvb bench --scale S [--store memory|file|sled|postgres]`: the figures of WORKLOAD.md "What
//! is measured" for one store and scale, each beside a reference measured in the same run (this
//! machine is shared and noisy: ratios travel, absolute times do not); and the storage figures
//! of every adapter: durable append alone (the log's records appended again, in batches, to a
//! fresh log of the same store), single-event durable append latency (`--single N`), read and
//! replay throughput, bytes per event.
//!
//! It is not a test: nothing here passes or fails. The method is in docs/BENCHMARKS.md.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use pvb::jsonl::parse_line;
use pvb::projection::{Filter, Projections};
use pvb::{Ledger, Options, Submission};
use pvb_core::{
    decode_event, Condition, EventId, EventLog, NewRecord, Policy, Position, Pseudonymiser,
};
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
    /// The store: memory, file (a FileLog in a temporary folder, or --dir), sled (experimental;
    /// a SledLog in a temporary folder, or --dir) or postgres (fresh schemas in the database
    /// --postgres names, dropped afterwards).
    #[arg(long, default_value = "file")]
    store: String,
    /// Folder for the file or sled store (default: a temporary folder, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The PostgreSQL database for --store postgres (postgres://user@host:port/db).
    #[arg(long)]
    postgres: Option<String>,
    /// Single-event durable appends to time after the run (0: none).
    #[arg(long, default_value_t = 1000)]
    single: u64,
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
    /// Decode and fold every projection from payloads in memory (no I/O, no checks).
    in_memory_fold_events_per_second: f64,
    /// Replay from the store as a share of the in-memory decode and fold.
    replay_vs_in_memory_fold: f64,
    replay_peak_rss_bytes: u64,
    replay_peak_rss_note: String,
    log_bytes: u64,
    log_bytes_per_event: f64,
    append_events: u64,
    append_batch: usize,
    append_events_per_second: f64,
    single_appends: u64,
    single_p50_us: f64,
    single_p99_us: f64,
    single_appends_per_second: f64,
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
    let spec = store_spec(&args, &dir, "")?;
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
    let mut first_log = spec.open()?;
    let head = first_log
        .head()
        .map_err(|e| Failure::new(format!("{}: {e}", spec.describe())))?;
    if head != Position::EMPTY {
        return Err(Failure::new(format!(
            "{}: the benchmark needs an empty log, this one ends at {head}",
            spec.describe()
        )));
    }
    let mut ledger = Ledger::open(first_log, Options::new(Policy::PersonFollowing, key))
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
    // Batches are parsed (untimed) a run of PIPELINE_BATCHES at a time, then executed
    // pipelined (timed): the durable append of one batch overlaps the decisions of the next.
    const PIPELINE_BATCHES: usize = 64;
    let mut finished = false;
    while !finished {
        let parse_started = Instant::now();
        let mut run: Vec<((), Vec<Submission>)> = Vec::with_capacity(PIPELINE_BATCHES);
        while run.len() < PIPELINE_BATCHES && !finished {
            let mut submissions = Vec::with_capacity(batch);
            while submissions.len() < batch {
                line.clear();
                if generator.next_line(&mut line).is_none() {
                    finished = true;
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
            if !submissions.is_empty() {
                figures.commands += submissions.len() as u64;
                run.push(((), submissions));
            }
        }
        parse_seconds += parse_started.elapsed().as_secs_f64();
        figures.durable_batches += run.len() as u64;
        let started = Instant::now();
        let mut rejected = 0u64;
        ledger
            .execute_pipelined(run, |(), outcomes| {
                rejected += outcomes
                    .iter()
                    .filter(|o| matches!(o, pvb::Outcome::Rejected(_)))
                    .count() as u64;
                ControlFlow::Continue(())
            })
            .map_err(|e| Failure::new(e.to_string()))?;
        figures.command_seconds += started.elapsed().as_secs_f64();
        figures.rejected += rejected;
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
        _ => {
            drop(ledger);
            let started = Instant::now();
            let log = spec.open_existing()?;
            figures.open_seconds = started.elapsed().as_secs_f64();
            log
        }
    };
    figures.log_bytes = log_bytes(&spec, &mut log)?;
    figures.log_bytes_per_event = figures.log_bytes as f64 / figures.events.max(1) as f64;
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
    // The same decode and fold from memory (payloads gathered first, untimed): no I/O, no
    // checks. The replay above is held to a share of this rate.
    let mut payloads: Vec<u8> = Vec::new();
    let mut entries: Vec<(Position, u8, usize)> = Vec::new();
    log.read(Position(1), &mut |record| {
        payloads.extend_from_slice(record.payload);
        entries.push((record.position, record.codec, payloads.len()));
        ControlFlow::Continue(())
    })
    .map_err(|e| Failure::new(e.to_string()))?;
    let started = Instant::now();
    let mut in_memory = Projections::new();
    let mut start = 0;
    for &(position, codec, end) in &entries {
        let event = decode_event(codec, payloads.get(start..end).unwrap_or(&[]))
            .map_err(|e| Failure::new(format!("position {position}: {e}")))?;
        in_memory.apply(position, &event);
        start = end;
    }
    figures.in_memory_fold_events_per_second =
        entries.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    figures.replay_vs_in_memory_fold =
        figures.replay_events_per_second / figures.in_memory_fold_events_per_second.max(1e-9);
    drop((in_memory, payloads, entries));

    // 3. Durable append alone: the records read back and appended again, in batches of
    //    --batch, to a fresh log of the same store; then --single one-event appends.
    let target_dir = temp.path().join("append");
    let target_spec = store_spec(&args, &target_dir, "_append")?;
    let mut target = target_spec.open()?;
    let batch_size = args.batch.clamp(1, pvb_core::BATCH_RECORDS_MAX);
    let mut pending: Vec<NewRecord> = Vec::with_capacity(batch_size);
    let mut append_seconds = 0.0;
    let mut append_failure: Option<String> = None;
    let mut last_payload = Vec::new();
    let mut append = |target: &mut AnyLog, pending: &mut Vec<NewRecord>| -> Option<String> {
        let started = Instant::now();
        let result = target.append(pending, Condition::Any);
        append_seconds += started.elapsed().as_secs_f64();
        pending.clear();
        result.err().map(|e| e.to_string())
    };
    log.read(Position(1), &mut |record| {
        pending.push(NewRecord::from_view(record));
        if pending.len() >= batch_size {
            append_failure = append(&mut target, &mut pending);
            if append_failure.is_some() {
                return ControlFlow::Break(());
            }
        }
        if record.position.0 == figures.events {
            // The payload the single-event appends below reuse: the log's last event.
            last_payload = record.payload.to_vec();
        }
        figures.append_events += 1;
        ControlFlow::Continue(())
    })
    .map_err(|e| Failure::new(e.to_string()))?;
    if append_failure.is_none() && !pending.is_empty() {
        append_failure = append(&mut target, &mut pending);
    }
    if let Some(e) = append_failure {
        return Err(Failure::new(format!("{}: {e}", target_spec.describe())));
    }
    figures.append_batch = batch_size;
    figures.append_events_per_second = figures.append_events as f64 / append_seconds.max(1e-9);
    let mut times = Vec::with_capacity(args.single as usize);
    for i in 0..args.single {
        let record = NewRecord {
            id: EventId::derived(&[0x51; 32], i),
            recorded_at_us: i as i64,
            schema: pvb_core::SCHEMA_VERSION,
            codec: pvb_core::CODEC_BINCODE_2,
            payload: last_payload.clone(),
        };
        let started = Instant::now();
        target
            .append(&[record], Condition::Any)
            .map_err(|e| Failure::new(format!("{}: {e}", target_spec.describe())))?;
        times.push(started.elapsed().as_secs_f64());
    }
    if !times.is_empty() {
        let total: f64 = times.iter().sum();
        times.sort_by(f64::total_cmp);
        let quantile = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize] * 1e6;
        figures.single_appends = args.single;
        figures.single_p50_us = quantile(0.5);
        figures.single_p99_us = quantile(0.99);
        figures.single_appends_per_second = args.single as f64 / total.max(1e-9);
    }
    discard(target)?;
    if args.dir.is_none() {
        discard(log)?;
    }

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
        "  command throughput          {:>12}/s  decide + durable append (batches of up to {} commands, {} fsyncs, pipelined: a batch is written while the next is decided) + apply + projections",
        m(f.commands_per_second),
        f.commands.checked_div(f.durable_batches).unwrap_or(0),
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
        "  scan (read, checks, chain)  {:>12}/s  events",
        m(f.scan_only_events_per_second)
    );
    println!(
        "  decode only                 {:>12}/s  events",
        m(f.decode_only_events_per_second)
    );
    println!(
        "  replay (all projections)    {:>12}/s  events ({:.0}% of decode-only, {:.0}% of decode + fold in memory)",
        m(f.replay_events_per_second),
        100.0 * f.replay_vs_decode_only,
        100.0 * f.replay_vs_in_memory_fold
    );
    println!(
        "  decode + fold in memory     {:>12}/s  events (payloads gathered first: no I/O, no checks)",
        m(f.in_memory_fold_events_per_second)
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
        "  durable append alone        {:>12}/s  events, batches of {} ({} events appended again to a fresh log of the store)",
        m(f.append_events_per_second),
        f.append_batch,
        f.append_events
    );
    if f.single_appends > 0 {
        println!(
            "  single-event durable append p50 {:.0} µs, p99 {:.0} µs  ({} appends, {:.0}/s)",
            f.single_p50_us, f.single_p99_us, f.single_appends, f.single_appends_per_second
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

/// The log `--store` names; `suffix` tells a second log of the same store apart (a folder for
/// file and sled, a schema for postgres).
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
fn store_spec(args: &Args, dir: &std::path::Path, suffix: &str) -> Result<LogSpec, Failure> {
    match args.store.as_str() {
        "memory" => Ok(LogSpec::Memory),
        "file" => Ok(LogSpec::File(dir.to_path_buf())),
        #[cfg(feature = "sled")]
        "sled" => Ok(LogSpec::Sled(dir.to_path_buf())),
        #[cfg(feature = "postgres")]
        "postgres" => {
            let url = args
                .postgres
                .as_deref()
                .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
                .ok_or_else(|| {
                    Failure::new(
                        "--store postgres needs --postgres postgres://user@host:port/database",
                    )
                })?;
            if url.contains("pvb_schema=") {
                return Err(Failure::new(
                    "--postgres: leave out pvb_schema=; the benchmark makes its own schemas and drops them",
                ));
            }
            let separator = if url.contains('?') { '&' } else { '?' };
            let url = format!(
                "{url}{separator}pvb_schema=pvb_bench_{}{suffix}",
                std::process::id()
            );
            LogSpec::parse(&url)
        }
        other => Err(Failure::new(format!(
            "--store {other}: this build benchmarks {}",
            STORES.join(", ")
        ))),
    }
}

/// The stores this build has.
const STORES: &[&str] = &[
    "memory",
    "file",
    #[cfg(feature = "sled")]
    "sled",
    #[cfg(feature = "postgres")]
    "postgres",
];

/// Bytes the log takes: its files (recursively for sled), or its table and indexes.
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
fn log_bytes(spec: &LogSpec, log: &mut AnyLog) -> Result<u64, Failure> {
    match spec {
        LogSpec::File(path) => Ok(dir_bytes(path)),
        #[cfg(feature = "sled")]
        LogSpec::Sled(path) => Ok(tree_bytes(path)),
        #[cfg(feature = "postgres")]
        LogSpec::Postgres(_) => match log {
            AnyLog::Postgres(pg) => pg
                .table_bytes()
                .map_err(|e| Failure::new(format!("{}: {e}", spec.describe()))),
            _ => Ok(0),
        },
        LogSpec::Memory => Ok(0),
    }
}

/// Bytes of the files under `dir`, at any depth.
#[cfg(feature = "sled")]
fn tree_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => tree_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Closes a benchmark log; a PostgreSQL one's schema is dropped.
fn discard(log: AnyLog) -> Result<(), Failure> {
    match log {
        #[cfg(feature = "postgres")]
        AnyLog::Postgres(pg) => pg
            .drop_tables()
            .map_err(|e| Failure::new(format!("dropping the benchmark schema: {e}"))),
        _ => Ok(()),
    }
}
