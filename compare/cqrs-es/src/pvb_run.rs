//! The pvb runs: the same commands through `pvb::Ledger` under the person-following policy,
//! on a `MemoryLog` with `execute_batch` and on a durable `FileLog` with `execute_pipelined`,
//! in batches (as `crates/pvb/examples/ledger_speed.rs`).
//!
//! It is not `pvb bench`: parsing and replay are not timed here, only the command loop.

use std::error::Error;
use std::ops::ControlFlow;
use std::path::Path;

use pvb::{Ledger, Options, Outcome, Submission};
use pvb_core::{Command, EventLog, Policy, ProviderId};
use pvb_store::{FileLog, MemoryLog};

use crate::figures::{Clock, Run, Totals, YEAR};

/// `pvb::Ledger` on a `MemoryLog`, one `execute_batch` per batch.
pub fn memory(
    commands: Vec<Command>,
    key: [u8; 32],
    batch: usize,
    providers: &[ProviderId],
) -> Result<(Run, Totals), Box<dyn Error>> {
    let mut ledger = Ledger::open(MemoryLog::new(), Options::new(Policy::PersonFollowing, key))?;
    let mut run = Run::new("pvb Ledger, MemoryLog, execute_batch", commands.len());
    let chunks = chunks(commands, batch);
    let clock = Clock::start();
    for chunk in chunks {
        for outcome in ledger.execute_batch(chunk)? {
            count(&mut run, &outcome);
        }
    }
    (run.seconds, run.thread_cpu_seconds) = clock.stop();
    Ok((run, totals(&ledger, providers)))
}

/// `pvb::Ledger` on a durable `FileLog` in `dir`, batches written by `execute_pipelined`.
pub fn file(
    commands: Vec<Command>,
    key: [u8; 32],
    batch: usize,
    providers: &[ProviderId],
    dir: &Path,
) -> Result<(Run, Totals), Box<dyn Error>> {
    let log = FileLog::open_with(dir, pvb_store::Options::new().create(true))?;
    let mut ledger = Ledger::open(log, Options::new(Policy::PersonFollowing, key))?;
    let mut run = Run::new(
        "pvb Ledger, FileLog (fsync), execute_pipelined",
        commands.len(),
    );
    let chunks = chunks(commands, batch);
    let clock = Clock::start();
    ledger.execute_pipelined(chunks.into_iter().map(|c| ((), c)), |(), outcomes| {
        for outcome in &outcomes {
            count(&mut run, outcome);
        }
        ControlFlow::Continue(())
    })?;
    (run.seconds, run.thread_cpu_seconds) = clock.stop();
    Ok((run, totals(&ledger, providers)))
}

fn chunks(commands: Vec<Command>, batch: usize) -> Vec<Vec<Submission>> {
    let mut chunks = Vec::with_capacity(commands.len().div_ceil(batch.max(1)));
    let mut rest = commands.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(
            rest.by_ref()
                .take(batch.max(1))
                .map(|command| Submission { id: None, command })
                .collect(),
        );
    }
    chunks
}

fn count(run: &mut Run, outcome: &Outcome) {
    match outcome {
        Outcome::Accepted { events, .. } => {
            run.accepted += 1;
            run.events += *events as u64;
        }
        Outcome::Rejected(rejection) => run.reject_with(rejection),
        Outcome::Duplicate { .. } => run.reject("Duplicate", || "duplicate id".to_owned()),
    }
}

fn totals<L: EventLog>(ledger: &Ledger<L>, providers: &[ProviderId]) -> Totals {
    let mut totals = Totals::default();
    for row in ledger.projections().budget_rows() {
        if row.year != YEAR {
            continue;
        }
        let key = (row.provider, row.region);
        totals.consumed.insert(key, row.consumed);
        totals.reserved.insert(key, row.reserved);
        totals.allocated.insert(key, row.allocated);
    }
    for row in ledger.projections().pool_rows() {
        if row.year == YEAR {
            totals.pools.insert(row.region, row.unallocated);
        }
    }
    for provider in providers {
        totals
            .in_care
            .insert(*provider, ledger.state().in_care(*provider));
    }
    totals.reported_consumed = Some(ledger.projections().budgets().consumed_total(YEAR));
    totals
}
