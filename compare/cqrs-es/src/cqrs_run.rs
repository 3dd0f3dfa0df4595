//! The cqrs-es run: every command through `CqrsFramework` over the stock
//! `cqrs_es::mem_store::MemStore`, one `execute` per client command, on tokio's current-thread
//! runtime; the yearly facts straight into the shared services.
//!
//! It is not a tuned cqrs-es setup: it is what the crate offers out of the box for an
//! in-memory store (no snapshots: `MemStore` replays a client's whole history on every
//! command, and prints two lines to stdout per command). See README.md.

use std::collections::HashMap;
use std::error::Error;

use cqrs_es::mem_store::MemStore;
use cqrs_es::{AggregateError, CqrsFramework};
use pvb_core::{Account, Command};

use crate::client::{route, ClientCare, Route};
use crate::facts::SharedFacts;
use crate::figures::{Clock, Run, Totals, YEAR};
use crate::queries::{Bookkeeping, ConsumedByProvider};

/// What `MemStore` did, beside the run's figures.
pub struct StoreWork {
    /// `loading: ...` lines printed (one per `execute`).
    pub loading: u64,
    /// `storing: ...` lines printed (one per accepted `execute`).
    pub storing: u64,
    /// About how many stored events `execute` loaded (cloned and folded) in all: every
    /// `execute` loads every earlier event of its client. Counted before the run from the
    /// commands (one event per earlier command of the client), so it slightly undercounts.
    pub replayed: u64,
}

/// Runs `commands` through cqrs-es.
pub fn run(commands: Vec<Command>) -> Result<(Run, Totals, StoreWork), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    runtime.block_on(run_async(commands))
}

async fn run_async(commands: Vec<Command>) -> Result<(Run, Totals, StoreWork), Box<dyn Error>> {
    let facts = SharedFacts::default();
    let consumed = ConsumedByProvider::default();
    let bookkeeping = Bookkeeping::new(facts.clone());
    let store = MemStore::<ClientCare>::default();
    let cqrs = CqrsFramework::new(
        store,
        vec![Box::new(consumed.clone()), Box::new(bookkeeping.clone())],
        facts.clone(),
    );
    let mut run = Run::new("cqrs-es 0.5 MemStore", commands.len());
    let mut printed = StoreWork {
        loading: 0,
        storing: 0,
        replayed: replayed(&commands),
    };
    let clock = Clock::start();
    for command in commands {
        match route(command) {
            Route::Yearly(fact) => match facts.write().apply_yearly(fact) {
                Ok(()) => run.accepted += 1,
                Err(rejection) => run.reject_with(&rejection),
            },
            Route::Client(client, command) => {
                printed.loading += 1;
                match cqrs.execute(client.as_str(), command).await {
                    Ok(()) => {
                        printed.storing += 1;
                        run.accepted += 1;
                    }
                    Err(AggregateError::UserError(rejection)) => run.reject_with(&rejection),
                    Err(other) => return Err(format!("cqrs-es failed: {other}").into()),
                }
            }
            Route::NotPorted(kind) => run.reject("NotPorted", || format!("{kind} is not ported")),
        }
    }
    (run.seconds, run.thread_cpu_seconds) = clock.stop();
    run.events = bookkeeping.events();

    let mut totals = Totals::default();
    for ((provider, region, year), amount) in consumed.snapshot() {
        if year == YEAR {
            totals.consumed.insert((provider, region), amount);
        }
    }
    let facts = facts.read();
    for ((provider, region, year), amount) in &facts.reserved {
        if *year == YEAR {
            totals.reserved.insert((*provider, *region), *amount);
        }
    }
    for ((account, year), balance) in &facts.accounts {
        if *year != YEAR {
            continue;
        }
        match *account {
            Account::Pool { pool } => {
                totals.pools.insert(pool, *balance);
            }
            Account::Provider { provider, region } => {
                totals.allocated.insert((provider, region), *balance);
            }
        }
    }
    for (provider, count) in &facts.in_care {
        totals.in_care.insert(*provider, *count);
    }
    Ok((run, totals, printed))
}

/// The number of earlier client commands of the same client, summed over client commands.
fn replayed(commands: &[Command]) -> u64 {
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut total = 0;
    for command in commands {
        let client = match command {
            Command::GrantIndication { client, .. }
            | Command::ChooseProvider { client, .. }
            | Command::StartCare { client, .. }
            | Command::DeliverCare { client, .. }
            | Command::EndCare { client, .. }
            | Command::WithdrawIndication { client, .. } => client,
            _ => continue,
        };
        let earlier = seen.entry(client.as_str()).or_default();
        total += *earlier;
        *earlier += 1;
    }
    total
}
