//! `pvb copy --from LOG --to LOG`: copies a log between adapters, record for record and batch
//! for batch, so the chain head is the same on both.
//!
//! It is not a migration: records are copied as stored (same ids, times, payload bytes), and
//! the target must be empty.

use std::ops::ControlFlow;

use pvb_core::{Condition, EventLog, NewRecord, Position};

use crate::logs::LogSpec;
use crate::{progress, Failure};

/// Arguments of `pvb copy`.
#[derive(clap::Args)]
pub struct Args {
    /// The source log.
    #[arg(long)]
    from: String,
    /// The target log (must be empty; a folder is created).
    #[arg(long)]
    to: String,
}

/// Runs `pvb copy`.
pub fn run(args: Args) -> Result<(), Failure> {
    let source_spec = LogSpec::parse(&args.from)?;
    let target_spec = LogSpec::parse(&args.to)?;
    let mut source = source_spec.open_existing()?;
    let mut target = target_spec.open()?;
    let fail = |what: &str, e: &dyn std::fmt::Display| Failure::new(format!("{what}: {e}"));
    let source_head = source
        .head()
        .map_err(|e| fail(&source_spec.describe(), &e))?;
    let target_head = target
        .head()
        .map_err(|e| fail(&target_spec.describe(), &e))?;
    if target_head != Position::EMPTY {
        return Err(Failure::new(format!(
            "target log {} is not empty (head {}); copy only into an empty log",
            target_spec.describe(),
            target_head
        )));
    }
    let bar = progress::bar(source_head.0, "copying events", false);
    let mut batch: Vec<NewRecord> = Vec::new();
    let mut failure: Option<Failure> = None;
    let mut copied = 0u64;
    source
        .read(Position(1), &mut |record| {
            batch.push(NewRecord::from_view(record));
            if record.is_batch_end() {
                if let Err(e) = target.append(&batch, Condition::Head(Position(copied))) {
                    failure = Some(Failure::new(format!(
                        "writing {} at position {}: {e}",
                        target_spec.describe(),
                        copied + 1
                    )));
                    return ControlFlow::Break(());
                }
                copied += batch.len() as u64;
                bar.set_position(copied);
                batch.clear();
            }
            ControlFlow::Continue(())
        })
        .map_err(|e| fail(&source_spec.describe(), &e))?;
    bar.finish_and_clear();
    if let Some(f) = failure {
        return Err(f);
    }
    let source_commit = source
        .head_commit()
        .map_err(|e| fail(&source_spec.describe(), &e))?;
    let target_commit = target
        .head_commit()
        .map_err(|e| fail(&target_spec.describe(), &e))?;
    if source_commit != target_commit {
        return Err(Failure::new(format!(
            "copy finished but the chain heads differ: source {source_commit}, target {target_commit}"
        )));
    }
    println!(
        "copied {copied} events from {} to {}; chain head {} on both",
        source_spec.describe(),
        target_spec.describe(),
        target_commit
    );
    Ok(())
}
