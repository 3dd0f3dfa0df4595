//! Command throughput of the `Ledger` alone: the pvb-year at a scale is generated and parsed
//! first (untimed), then executed in batches (timed), on a `MemoryLog` or a durable `FileLog`.
//!
//! It is not `pvb bench` (which also times parsing, replay and the adapters); it exists to
//! profile the command path (`perf record` on it sees nothing else).
//!
//! ```text
//! cargo run --release -p pvb --example ledger_speed -- [SCALE] [memory|file] [BATCH] [MODE]
//! ```
//! MODE is `batch` (`execute_batch`, one batch after another) or `pipelined`
//! (`execute_pipelined`: the append of one batch overlaps the decisions of the next).

use std::error::Error;
use std::time::Instant;

use pvb::jsonl::parse_line;
use pvb::{Ledger, Options, Submission};
use pvb_core::{EventLog, Policy, Pseudonymiser};
use pvb_store::{FileLog, MemoryLog};
use pvb_workload::{Generator, Scale};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let scale: f64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0.01);
    let store = args.next().unwrap_or_else(|| "memory".to_string());
    let batch: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let pipelined = match args.next().as_deref() {
        None | Some("pipelined") => true,
        Some("batch") => false,
        Some(other) => return Err(format!("unknown mode {other}").into()),
    };
    let key = [7u8; 32];
    let pseudonymiser = Pseudonymiser::new(key);
    let mut generator = Generator::new(42, Scale::new(scale)?);
    let mut line = Vec::new();
    let mut submissions = Vec::new();
    while generator.next_line(&mut line).is_some() {
        let parsed = parse_line(std::str::from_utf8(&line)?.trim_end(), &pseudonymiser)
            .map_err(|e| format!("{e:?}"))?;
        submissions.push(Submission {
            id: parsed.id,
            command: parsed.command,
        });
        line.clear();
    }
    let commands = submissions.len();
    let dir = tempfile::tempdir()?;
    let (seconds, cpu) = match store.as_str() {
        "memory" => run(MemoryLog::new(), key, submissions, batch, pipelined)?,
        "file" => run(
            FileLog::open_with(dir.path(), pvb_store::Options::new().create(true))?,
            key,
            submissions,
            batch,
            pipelined,
        )?,
        other => return Err(format!("unknown store {other}").into()),
    };
    println!(
        "{commands} commands on {store} in batches of {batch} ({}): {seconds:.3} s, {:.3} M commands/s; \
         this thread's CPU {cpu:.3} s ({:.3} M commands per CPU-second)",
        if pipelined { "pipelined" } else { "one by one" },
        commands as f64 / seconds / 1e6,
        commands as f64 / cpu / 1e6,
    );
    Ok(())
}

fn run<L>(
    log: L,
    key: [u8; 32],
    submissions: Vec<Submission>,
    batch: usize,
    pipelined: bool,
) -> Result<(f64, f64), Box<dyn Error>>
where
    L: EventLog + Send,
    L::Error: Send + Sync + 'static,
{
    let mut ledger = Ledger::open(log, Options::new(Policy::PersonFollowing, key))?;
    let mut chunks = Vec::new();
    let mut rest = submissions.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(batch).collect::<Vec<_>>());
    }
    let started = Instant::now();
    let cpu_started = cpu_ns();
    if pipelined {
        ledger.execute_pipelined(chunks.into_iter().map(|c| ((), c)), |(), _| {
            std::ops::ControlFlow::Continue(())
        })?;
    } else {
        for chunk in chunks {
            ledger.execute_batch(chunk)?;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = match (cpu_started, cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e9,
        _ => wall,
    };
    Ok((wall, cpu))
}

/// The time this thread has run on a CPU (Linux: /proc/thread-self/schedstat), so that other
/// processes on a shared machine do not count.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
