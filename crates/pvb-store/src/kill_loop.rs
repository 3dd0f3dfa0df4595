//! The kill -9 loop of RELIABILITY.md T3, for any durable adapter (feature `conformance`).
//!
//! A child process (the test binary itself, run again with one test selected) opens the log,
//! appends batches of 1 to 16 events and prints `ack <position> <id>` after each `Ok`. The parent
//! kills it with SIGKILL (`Child::kill`) at a random moment, then opens the log itself: it must
//! open, hold every acknowledged event at its position, and verify (positions gapless, hash
//! chain intact). Some kills land while the child starts or opens the log (recovery).
//!
//! ```ignore
//! #[test]
//! fn kill_child() { pvb_store::kill_loop::child(open) }   // does nothing unless run by the loop
//!
//! #[test]
//! fn kill_9_loses_nothing() {
//!     let report = pvb_store::kill_loop::KillLoop::new("kill_child").run(open);
//!     assert!(report.is_clean(), "{report}");
//! }
//! ```
//!
//! Cycles: `PVB_KILL_CYCLES` (default 200). It is not a power-loss test: the page cache survives
//! a killed process, so a missing fsync goes unseen here (that is T2, on simulated storage).

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pvb_core::{
    ChainVerifier, Condition, EventId, EventLog, NewRecord, Position, RecordView, SCHEMA_VERSION,
};

/// Set in the child's environment: the log folder.
pub const DIR_VARIABLE: &str = "PVB_KILL_LOOP_DIR";
/// Set in the child's environment: the cycle number (seeds its batches and ids).
pub const CYCLE_VARIABLE: &str = "PVB_KILL_LOOP_CYCLE";
/// Number of cycles (default 200).
pub const CYCLES_VARIABLE: &str = "PVB_KILL_CYCLES";

/// The child's side. Returns at once unless this process was started by [`KillLoop::run`];
/// then appends up to [`KillLoop::batches_per_child`] batches and exits.
pub fn child<L, E, F>(open: F)
where
    L: EventLog,
    E: fmt::Display,
    F: Fn(&Path) -> Result<L, E>,
{
    let Some(dir) = std::env::var_os(DIR_VARIABLE) else {
        return;
    };
    let cycle: u64 = std::env::var(CYCLE_VARIABLE)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let batches: u64 = std::env::var("PVB_KILL_LOOP_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let mut out = std::io::stdout().lock();
    // Each line starts on a line of its own: libtest may have printed "test ... " before.
    let mut say = |line: String| {
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    };
    let mut log = match open(Path::new(&dir)) {
        Ok(log) => log,
        Err(e) => {
            say(format!("\nerror open: {e}\n"));
            std::process::exit(3);
        }
    };
    let head = log.head().map(|p| p.0).unwrap_or(0);
    say(format!("\nopened {head}\n"));
    let mut rng = cycle.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for b in 0..batches {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let size = 1 + rng % 16;
        let batch: Vec<NewRecord> = (0..size)
            .map(|i| NewRecord {
                id: EventId::derived(&[9; 32], cycle << 32 | b << 8 | i),
                recorded_at_us: cycle as i64,
                schema: SCHEMA_VERSION,
                codec: 1,
                payload: vec![(b + i) as u8; 20 + ((rng >> 8) % 100) as usize],
            })
            .collect();
        match log.append(&batch, Condition::Any) {
            Ok(positions) => {
                let mut lines = String::new();
                for (record, position) in batch.iter().zip(positions) {
                    lines.push_str(&format!("ack {} {}\n", position.0, record.id));
                }
                say(lines);
            }
            Err(e) => {
                say(format!("\nerror append: {e}\n"));
                std::process::exit(4);
            }
        }
    }
    drop(log);
    std::process::exit(0);
}

/// The parent's side: the loop and its settings.
#[derive(Clone, Debug)]
pub struct KillLoop {
    /// The name of the test that calls [`child`] (run with `--exact`).
    pub child_test: String,
    /// Cycles to run (default: `PVB_KILL_CYCLES`, or 200).
    pub cycles: u64,
    /// Kills land uniformly in `0..kill_within` after the child starts (default 50 ms).
    pub kill_within: Duration,
    /// Batches a child appends if it is not killed first (default 150).
    pub batches_per_child: u64,
    /// Seed of the kill moments.
    pub seed: u64,
    /// The log folder (default: a new folder under the system's temporary folder, removed at
    /// the end when the run is clean).
    pub dir: Option<PathBuf>,
}

/// What a [`KillLoop::run`] saw.
#[derive(Clone, Debug, Default)]
pub struct KillReport {
    /// Cycles run.
    pub cycles: u64,
    /// Kills before the child reported the log open.
    pub killed_before_open: u64,
    /// Kills while the child appended.
    pub killed_while_appending: u64,
    /// Children that finished their batches before the kill.
    pub finished: u64,
    /// Acknowledged events (distinct positions).
    pub acknowledged: u64,
    /// Records in the log at the end.
    pub records: u64,
    /// Opens that failed after a kill.
    pub unrecoverable_opens: u64,
    /// Acknowledged events missing or changed.
    pub lost: u64,
    /// Everything that went wrong, in words (empty when clean).
    pub problems: Vec<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl KillReport {
    /// True if nothing was lost and every open succeeded.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for KillReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cycles in {:.1} s ({} killed before the log was open, {} while appending, {} \
             finished); {} acknowledged events, {} lost; {} unrecoverable opens; final log {} \
             records",
            self.cycles,
            self.elapsed.as_secs_f64(),
            self.killed_before_open,
            self.killed_while_appending,
            self.finished,
            self.acknowledged,
            self.lost,
            self.unrecoverable_opens,
            self.records
        )?;
        for problem in self.problems.iter().take(5) {
            write!(f, "; {problem}")?;
        }
        Ok(())
    }
}

impl KillLoop {
    /// A loop whose child is the test named `child_test`.
    pub fn new(child_test: &str) -> KillLoop {
        KillLoop {
            child_test: child_test.to_owned(),
            cycles: std::env::var(CYCLES_VARIABLE)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(200),
            kill_within: Duration::from_millis(50),
            batches_per_child: 150,
            seed: 0x7e57,
            dir: None,
        }
    }

    /// Runs the loop; `open` opens the log in a folder (the same function the child uses).
    pub fn run<L, E, F>(&self, open: F) -> KillReport
    where
        L: EventLog,
        E: fmt::Display,
        F: Fn(&Path) -> Result<L, E>,
    {
        let started = Instant::now();
        let mut report = KillReport::default();
        let dir = self.dir.clone().unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            std::env::temp_dir().join(format!("pvb-kill-loop-{}-{nanos}", std::process::id()))
        });
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(e) => {
                report.problems.push(format!("no test binary: {e}"));
                return report;
            }
        };
        let mut acked: HashMap<u64, EventId> = HashMap::new();
        let mut rng = self.seed | 1;
        for cycle in 0..self.cycles {
            report.cycles += 1;
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let wait = Duration::from_micros(rng % (self.kill_within.as_micros().max(1) as u64));
            let lines = match self.one_child(&exe, &dir, cycle, wait) {
                Ok(lines) => lines,
                Err(problem) => {
                    report.problems.push(format!("cycle {cycle}: {problem}"));
                    break;
                }
            };
            if let Some(error) = lines.iter().find(|l| l.starts_with("error ")) {
                report
                    .problems
                    .push(format!("cycle {cycle}: the child failed: {error}"));
            }
            let opened = lines.iter().any(|l| l.starts_with("opened "));
            let finished = lines.iter().any(|l| l == "finished");
            if finished {
                report.finished += 1;
            } else if opened {
                report.killed_while_appending += 1;
            } else {
                report.killed_before_open += 1;
            }
            for line in lines.iter().filter(|l| l.starts_with("ack ")) {
                let Some((position, id)) = parse_ack(line) else {
                    report
                        .problems
                        .push(format!("cycle {cycle}: bad line {line:?}"));
                    continue;
                };
                if let Some(before) = acked.insert(position, id) {
                    if before != id {
                        report.problems.push(format!(
                            "cycle {cycle}: position {position} acknowledged for two events"
                        ));
                    }
                }
            }
            match check(&open, &dir, &acked) {
                Ok((records, lost)) => {
                    report.records = records;
                    report.lost = lost.len() as u64;
                    for position in lost.iter().take(3) {
                        report.problems.push(format!(
                            "cycle {cycle}: acknowledged position {position} lost or changed"
                        ));
                    }
                }
                Err(problem) => {
                    report.unrecoverable_opens += 1;
                    report.problems.push(format!("cycle {cycle}: {problem}"));
                }
            }
            if !report.problems.is_empty() {
                break;
            }
        }
        report.acknowledged = acked.len() as u64;
        report.elapsed = started.elapsed();
        if report.is_clean() && self.dir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        report
    }

    /// Starts a child, kills it after `wait`, and returns the whole lines it printed.
    fn one_child(
        &self,
        exe: &Path,
        dir: &Path,
        cycle: u64,
        wait: Duration,
    ) -> Result<Vec<String>, String> {
        let mut child = Command::new(exe)
            .args([
                "--exact",
                &self.child_test,
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VARIABLE, dir)
            .env(CYCLE_VARIABLE, cycle.to_string())
            .env("PVB_KILL_LOOP_BATCHES", self.batches_per_child.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the child: {e}"))?;
        let stdout = child.stdout.take().ok_or("the child has no stdout")?;
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            // Only whole lines count: a line cut by the kill was not reported.
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line.ends_with('\n') {
                    lines.push(line.trim().to_owned());
                }
                line.clear();
            }
            lines
        });
        std::thread::sleep(wait);
        // SIGKILL on Unix; fails only if the child already exited.
        let _ = child.kill();
        let status = child.wait().map_err(|e| format!("wait: {e}"))?;
        let mut lines = reader.join().map_err(|_| "the reader panicked")?;
        if status.success() {
            lines.push("finished".to_owned());
        }
        Ok(lines)
    }
}

fn parse_ack(line: &str) -> Option<(u64, EventId)> {
    let mut parts = line.split_whitespace().skip(1);
    let position = parts.next()?.parse().ok()?;
    let hex = parts.next()?;
    if hex.len() != 32 {
        return None;
    }
    let mut id = [0u8; 16];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((position, EventId(id)))
}

/// Opens the log and checks it; returns the record count and the acknowledged positions that
/// are missing or hold another event.
fn check<L, E, F>(
    open: &F,
    dir: &Path,
    acked: &HashMap<u64, EventId>,
) -> Result<(u64, Vec<u64>), String>
where
    L: EventLog,
    E: fmt::Display,
    F: Fn(&Path) -> Result<L, E>,
{
    let mut log = open(dir).map_err(|e| format!("the log did not open after the kill: {e}"))?;
    let mut ids = Vec::new();
    let mut verifier = ChainVerifier::from_start();
    let mut chain_problem = None;
    log.read(Position(1), &mut |record: &RecordView<'_>| {
        if let Err(e) = verifier.push(record) {
            chain_problem = Some(e.to_string());
            return ControlFlow::Break(());
        }
        ids.push(record.id);
        ControlFlow::Continue(())
    })
    .map_err(|e| format!("reading the log failed: {e}"))?;
    if let Some(problem) = chain_problem {
        return Err(format!("the chain does not verify: {problem}"));
    }
    let head = log.head().map_err(|e| format!("head failed: {e}"))?;
    if head.0 != ids.len() as u64 || !verifier.at_batch_boundary() {
        return Err(format!(
            "head {head} but {} records read (chain at a batch boundary: {})",
            ids.len(),
            verifier.at_batch_boundary()
        ));
    }
    let lost = acked
        .iter()
        .filter(|(position, id)| ids.get(**position as usize - 1) != Some(*id))
        .map(|(position, _)| *position)
        .collect();
    Ok((ids.len() as u64, lost))
}
