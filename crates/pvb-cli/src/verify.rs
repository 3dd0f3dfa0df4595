//! `pvb verify --log PATH`: checks a log the way an auditor would: every frame's length and
//! CRC-32C (FileLog; the other adapters have no frames), the hash chain over every batch, the
//! decoding of every payload, and the auditor invariants of DOMAIN.md section 6 that the
//! events express (pvb-testkit's `Auditor`).
//!
//! It prints a summary line and exits 0 when everything holds; otherwise it names the first
//! problem (segment, offset and position, or the invariant and position) and exits 2. It is not
//! a repair tool: it changes nothing, not even a torn tail.

use pvb_core::{Event, EventLog, Policy, Position, TransferReason};
use pvb_testkit::invariants::{Auditor, CHECKED};

use crate::import::PolicyArg;
use crate::logs::LogSpec;
use crate::{progress, Failure};

/// Arguments of `pvb verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The log.
    #[arg(long)]
    log: String,
    /// The policy the log was written under (default: read from the log: transfers that follow
    /// clients mean person-following).
    #[arg(long, value_enum)]
    policy: Option<PolicyArg>,
    /// Print every violation found (up to 10,000), not only the first.
    #[arg(long)]
    all: bool,
}

/// Exit code of a failed verification.
const FAILED: u8 = 2;

/// Runs `pvb verify`.
pub fn run(args: Args) -> Result<(), Failure> {
    let spec = LogSpec::parse(&args.log)?;
    let mut segments = None;
    if let LogSpec::File(path) = &spec {
        if !path.is_dir() {
            return Err(Failure::new(format!(
                "log {} does not exist (a FileLog is a folder)",
                path.display()
            )));
        }
        let report = pvb_store::verify(path)
            .map_err(|e| Failure::new(format!("log {}: {e}", path.display())))?;
        if let Some(problem) = report.problem {
            return Err(Failure::with_code(
                format!(
                    "verify FAILED: {problem} (the {} positions before it verified)",
                    report.head
                ),
                FAILED,
            ));
        }
        if let Some(torn) = &report.torn_tail {
            println!(
                "note: {} has a torn tail of {} bytes at offset {} (a crash during an append that was never acknowledged); the next writable open cuts it off",
                torn.segment.display(),
                torn.bytes,
                torn.offset
            );
        }
        segments = Some((report.segments, report.batches));
    }
    let mut log = spec.open_existing()?;
    let head = log
        .head()
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?;
    let policy = match args.policy {
        Some(p) => p.into(),
        None => infer_policy(&mut log)?,
    };
    let bar = progress::bar(head.0, "auditing", head.0 < 1_000_000);
    let mut auditor = Auditor::with_policy(policy);
    let mut decode_failure: Option<(Position, String)> = None;
    let mut seen = 0u64;
    log.read(Position(1), &mut |record| {
        if let Err(e) = record.event() {
            decode_failure.get_or_insert((record.position, e.to_string()));
        }
        auditor.observe_record(record);
        seen += 1;
        if seen % 262_144 == 0 {
            bar.set_position(seen);
        }
        std::ops::ControlFlow::Continue(())
    })
    .map_err(|e| Failure::with_code(format!("verify FAILED: {e}"), FAILED))?;
    bar.finish_and_clear();
    let commit = log
        .head_commit()
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?;
    if let Some((position, reason)) = decode_failure {
        return Err(Failure::with_code(
            format!("verify FAILED: the record at position {position} does not decode: {reason}"),
            FAILED,
        ));
    }
    let report = auditor.finish();
    let layout = segments
        .map(|(s, b)| format!(" in {b} batches over {s} segment(s)"))
        .unwrap_or_default();
    if let Some(first) = report.first() {
        if args.all {
            for violation in &report.violations {
                eprintln!("{violation}");
            }
        }
        let total: u64 = report.violated.values().sum();
        return Err(Failure::with_code(
            format!(
                "verify FAILED: {total} invariant violation(s) in {seen} events; the first: {first}"
            ),
            FAILED,
        ));
    }
    // Frames and CRC-32C exist only in a FileLog; every adapter's read checks the chain.
    let intact = if spec.is_file() {
        "frames, CRC-32C and hash chain intact"
    } else {
        "records and hash chain intact"
    };
    println!(
        "verify ok: {seen} events{layout}; {intact} (chain head {commit}); every payload decodes; invariants {} hold under the {} policy",
        CHECKED.join(", "),
        policy.name()
    );
    Ok(())
}

/// The policy a log was written under: transfers that follow clients exist only under
/// person-following financing; production agreements only under fixed agreements.
fn infer_policy<L: EventLog>(log: &mut L) -> Result<Policy, Failure> {
    let mut policy = Policy::PersonFollowing;
    log.read(Position(1), &mut |record| {
        if let Ok(Event::BudgetTransferred(t)) = record.event() {
            match t.reason {
                TransferReason::FollowsClient => return std::ops::ControlFlow::Break(()),
                TransferReason::ProductionAgreement => policy = Policy::FixedAgreements,
                _ => {}
            }
        }
        std::ops::ControlFlow::Continue(())
    })
    .map_err(|e| Failure::with_code(format!("verify FAILED: {e}"), FAILED))?;
    Ok(policy)
}
