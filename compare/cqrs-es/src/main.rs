//! `pvb-vs-cqrs-es [SCALE]`: the pvb-year (WORKLOAD.md, seed 42, default scale 0.01) run in
//! one process through cqrs-es 0.5 (`CqrsFramework` over its stock `MemStore`) and through
//! pvb's `Ledger` (on a `MemoryLog`, and on a durable `FileLog` in a temporary folder), with
//! commands per second, the ratio of each pvb figure to cqrs-es's, and a cross-check of the
//! budgets each side ends with.
//!
//! It is not part of pvb and not a general cqrs-es benchmark: the cqrs-es model is a port of
//! pvb's rules for the commands of this workload only (README.md says what it does and does
//! not check). The report goes to stderr, because cqrs-es's `MemStore` prints two lines per
//! command to stdout: run it with stdout sent to /dev/null.

#![forbid(unsafe_code)]

mod client;
mod cqrs_run;
mod facts;
mod figures;
mod pvb_run;
mod queries;

use std::collections::BTreeMap;
use std::error::Error;
use std::io::IsTerminal;
use std::time::Instant;

use pvb::jsonl::parse_line;
use pvb_core::{Command, ProviderId, Pseudonymiser};
use pvb_workload::{Figures, Generator, Scale};

use crate::figures::{differing, sum, Clock, Run, Totals};

/// The seed of every quoted pvb-year.
const SEED: u64 = 42;
/// Commands per `execute_batch` / per pipelined batch (as `pvb bench` and `pvb import`).
const BATCH: usize = 1_000;
/// The pseudonymisation key (the pvb-year names clients by reference, never by BSN).
const KEY: [u8; 32] = [7; 32];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let scale: f64 = match args.next() {
        None => 0.01,
        Some(text) => text
            .parse()
            .map_err(|e| format!("SCALE must be a number such as 0.01, got {text:?}: {e}"))?,
    };
    if let Some(extra) = args.next() {
        return Err(format!("usage: pvb-vs-cqrs-es [SCALE]; unexpected {extra:?}").into());
    }
    if std::io::stdout().is_terminal() {
        eprintln!(
            "note: cqrs-es's MemStore prints two lines per command to stdout; with stdout on a \
             terminal the terminal's speed is measured too. Run with `> /dev/null`."
        );
    }

    let started = Instant::now();
    let (commands, generated) = workload(scale)?;
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut providers: Vec<ProviderId> = Vec::new();
    for command in &commands {
        *kinds.entry(command.kind()).or_default() += 1;
        if let Command::ContractProvider { provider, .. } = command {
            providers.push(*provider);
        }
    }
    eprintln!(
        "pvb-year seed {SEED} scale {scale}: {} commands ({}), generated and parsed in {:.1} s \
         (not timed below)",
        grouped(commands.len() as u64),
        kinds
            .iter()
            .map(|(kind, n)| format!("{} {kind}", grouped(*n)))
            .collect::<Vec<_>>()
            .join(", "),
        started.elapsed().as_secs_f64()
    );

    eprintln!("running cqrs-es ...");
    let (cqrs, cqrs_totals, printed) = cqrs_run::run(commands.clone())?;
    let logging_seconds = print_like_memstore(printed.loading, printed.storing);
    eprintln!("running pvb on a MemoryLog ...");
    let (memory, memory_totals) = pvb_run::memory(commands.clone(), KEY, BATCH, &providers)?;
    eprintln!("running pvb on a FileLog ...");
    let dir = TempDir::new()?;
    let (file, file_totals) = pvb_run::file(commands, KEY, BATCH, &providers, &dir.0)?;
    drop(dir);

    report_runs(&cqrs, &[&memory, &file]);
    eprintln!(
        "cqrs-es MemStore printed {} lines to stdout ({} `loading`, {} `storing`); printing as \
         many such lines to the same stdout alone took {logging_seconds:.2} s ({:.0}% of the \
         cqrs-es run). Without them cqrs-es would run at about {} commands/s.",
        grouped(printed.loading + printed.storing),
        grouped(printed.loading),
        grouped(printed.storing),
        100.0 * logging_seconds / cqrs.seconds,
        grouped((cqrs.commands as f64 / (cqrs.seconds - logging_seconds).max(1e-9)) as u64),
    );
    eprintln!(
        "cqrs-es MemStore has no snapshots: each execute cloned and folded every earlier event \
         of its client, about {} events in all ({} per execute on average), and its commit \
         cloned them once more.",
        grouped(printed.replayed),
        grouped(printed.replayed / printed.loading.max(1)),
    );
    let equal = report_checks(
        &generated,
        &[
            (&cqrs, &cqrs_totals),
            (&memory, &memory_totals),
            (&file, &file_totals),
        ],
    );
    if equal {
        Ok(())
    } else {
        Err("the cross-check found a difference (above)".into())
    }
}

/// Generates the pvb-year at `scale` and parses every line into a command, in memory.
fn workload(scale: f64) -> Result<(Vec<Command>, Figures), Box<dyn Error>> {
    let pseudonymiser = Pseudonymiser::new(KEY);
    let mut generator = Generator::new(SEED, Scale::new(scale)?);
    let mut line = Vec::new();
    let mut commands = Vec::new();
    while generator.next_line(&mut line).is_some() {
        let text = std::str::from_utf8(&line)?.trim_end();
        let parsed = parse_line(text, &pseudonymiser)
            .map_err(|e| format!("line {}: {e:?}", commands.len() + 1))?;
        commands.push(parsed.command);
        line.clear();
    }
    Ok((commands, generator.figures()))
}

/// Prints `loading` + `storing` lines shaped like `MemStore`'s to stdout and returns the
/// seconds that took: the share of the cqrs-es run that is its store's own logging.
fn print_like_memstore(loading: u64, storing: u64) -> f64 {
    // A client's typical id and history length at scale 0.01, formatted as MemStore does.
    let (stored, new, client) = std::hint::black_box((182usize, 1usize, "c-1650"));
    let clock = Clock::start();
    for _ in 0..loading {
        println!("loading: {} events for aggregate ID '{}'", &stored, &client);
    }
    for _ in 0..storing {
        println!("storing: {} new events for aggregate ID '{}'", new, &client);
    }
    clock.stop().0
}

fn report_runs(cqrs: &Run, pvb: &[&Run]) {
    eprintln!();
    eprintln!(
        "{:<48} {:>10} {:>10} {:>8} {:>10} {:>9} {:>12} {:>12} {:>10}",
        "run",
        "commands",
        "accepted",
        "rejected",
        "events",
        "seconds",
        "commands/s",
        "events/s",
        "x cqrs-es"
    );
    for run in std::iter::once(&cqrs).chain(pvb) {
        let ratio = run.commands_per_second() / cqrs.commands_per_second();
        eprintln!(
            "{:<48} {:>10} {:>10} {:>8} {:>10} {:>9.3} {:>12} {:>12} {:>10.1}",
            run.name,
            grouped(run.commands),
            grouped(run.accepted),
            grouped(run.rejected),
            grouped(run.events),
            run.seconds,
            grouped(run.commands_per_second() as u64),
            grouped(run.events_per_second() as u64),
            ratio,
        );
    }
    eprintln!(
        "(x cqrs-es: commands per second over cqrs-es's, same commands, same process. Calling \
         thread's CPU seconds: {}; the pipelined run also writes on a second thread.)",
        std::iter::once(&cqrs)
            .chain(pvb)
            .map(|r| match r.thread_cpu_seconds {
                Some(s) => format!("{s:.3}"),
                None => "n/a".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" / ")
    );
    for run in std::iter::once(&cqrs).chain(pvb) {
        if run.rejected > 0 {
            eprintln!("{} refused {}:", run.name, grouped(run.rejected));
            for (rule, n) in &run.rejections {
                eprintln!("  {rule}: {}", grouped(*n));
            }
            for text in &run.first_rejections {
                eprintln!("  e.g. {text}");
            }
        }
    }
}

/// Prints the cross-check; true when every side agrees with the others and the generator.
fn report_checks(generated: &Figures, runs: &[(&Run, &Totals)]) -> bool {
    eprintln!();
    eprintln!(
        "cross-check, budget year {} (WORKLOAD.md checksum (a) = consumed):",
        figures::YEAR
    );
    let mut equal = true;
    let expected = i128::from(generated.consumed_cents);
    eprintln!(
        "  consumed total, generator's figure: {} cents",
        grouped_i(expected)
    );
    for (run, totals) in runs {
        let total = totals.consumed_total();
        let reported = match totals.reported_consumed {
            Some(m) => {
                let same = i128::from(m.cents()) == total;
                equal &= same;
                format!(
                    "; budgets().consumed_total: {} cents{}",
                    grouped_i(i128::from(m.cents())),
                    if same { "" } else { " (DIFFERS)" }
                )
            }
            None => String::new(),
        };
        let same = total == expected;
        equal &= same;
        eprintln!(
            "  consumed total, {}: {} cents ({}){reported}",
            run.name,
            grouped_i(total),
            if same {
                "equal"
            } else {
                "DIFFERS from the generator"
            }
        );
    }
    let Some(((base_run, base), others)) = runs.split_first() else {
        return equal;
    };
    for (run, totals) in others {
        let columns = [
            (
                "consumed",
                differing(&base.consumed, &totals.consumed).len(),
            ),
            (
                "reserved",
                differing(&base.reserved, &totals.reserved).len(),
            ),
            (
                "allocated",
                differing(&base.allocated, &totals.allocated).len(),
            ),
            ("pool balances", differing(&base.pools, &totals.pools).len()),
            ("in care", differing(&base.in_care, &totals.in_care).len()),
        ];
        let differences: usize = columns.iter().map(|(_, n)| n).sum();
        equal &= differences == 0;
        eprintln!(
            "  {} vs {}: {} (accounts, pools or providers that differ); reserved {} vs {}, \
             allocated {} vs {}, pools {} vs {}, in care {} vs {}",
            base_run.name,
            run.name,
            columns
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            grouped_i(sum(&base.reserved)),
            grouped_i(sum(&totals.reserved)),
            grouped_i(sum(&base.allocated)),
            grouped_i(sum(&totals.allocated)),
            grouped_i(sum(&base.pools)),
            grouped_i(sum(&totals.pools)),
            base.in_care.values().map(|n| u64::from(*n)).sum::<u64>(),
            totals.in_care.values().map(|n| u64::from(*n)).sum::<u64>(),
        );
    }
    eprintln!("  {}", if equal { "all equal" } else { "NOT all equal" });
    equal
}

/// A folder under the system's temporary folder, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("pvb-vs-cqrs-es-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    grouped_i(i128::from(n))
}

fn grouped_i(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
