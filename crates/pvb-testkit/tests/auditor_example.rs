//! The auditor's worked example (docs/AUDITORS.md, "Writing a property test"), written only
//! against the public API: a `pvb::Ledger` over a `pvb_store::MemoryLog` takes random valid
//! histories; the auditor reads the log back as records, checks the hash chain, runs the
//! kit's invariants, and adds a check of its own.

use std::collections::HashMap;
use std::ops::ControlFlow;

use proptest::prelude::*;
use pvb::{Ledger, Options, Outcome};
use pvb_core::{ChainVerifier, ClientId, Event, EventLog, Policy, Position, ProviderId};
use pvb_store::MemoryLog;
use pvb_testkit::invariants::Auditor;
use pvb_testkit::strategies::valid_history;

/// The office's side: every command through a ledger. Returns the ledger and how many
/// commands it accepted.
fn office(commands: Vec<pvb_core::Command>) -> (Ledger<MemoryLog>, usize) {
    let options = Options {
        policy: Policy::PersonFollowing,
        key: [7; 32],
        clock: Box::new(|| 1_767_225_600_000_000),
    };
    let mut ledger = Ledger::open(MemoryLog::new(), options).expect("an empty memory log opens");
    let mut accepted = 0;
    for command in commands {
        match ledger.execute(command).expect("a memory log does not fail") {
            Outcome::Accepted { .. } => accepted += 1,
            Outcome::Rejected(_) | Outcome::Duplicate { .. } => {}
        }
    }
    (ledger, accepted)
}

proptest! {
    #[test]
    fn the_ledger_keeps_the_auditor_invariants(commands in valid_history(40)) {
        let (mut ledger, _) = office(commands);

        // The auditor's side: read the records back, check the chain, audit every event.
        let mut chain = ChainVerifier::from_start();
        let mut auditor = Auditor::with_policy(Policy::PersonFollowing);
        let mut broken = None;
        // Its own check: a client is in care at one provider at a time.
        let mut in_care: HashMap<ClientId, ProviderId> = HashMap::new();
        let mut twice = None;
        ledger
            .log_mut()
            .read(Position(1), &mut |record| {
                if let Err(e) = chain.push(record) {
                    broken = Some(e);
                    return ControlFlow::Break(());
                }
                auditor.observe_record(record);
                match record.event() {
                    Ok(Event::CareStarted(e)) => {
                        if let Some(other) = in_care.insert(e.client.clone(), e.provider) {
                            twice = Some((record.position, e.client, other));
                        }
                    }
                    Ok(Event::CareEnded(e)) => {
                        in_care.remove(&e.client);
                    }
                    _ => {}
                }
                ControlFlow::Continue(())
            })
            .expect("a memory log reads");

        prop_assert!(broken.is_none(), "hash chain: {broken:?}");
        prop_assert!(chain.at_batch_boundary(), "the log ends inside a batch");
        prop_assert!(twice.is_none(), "in care twice: {twice:?}");
        let report = auditor.finish();
        prop_assert!(report.is_clean(), "{report}");
    }
}

#[test]
fn the_example_accepts_most_commands() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let commands = valid_history(40)
        .new_tree(&mut runner)
        .expect("a history")
        .current();
    let total = commands.len();
    let (_, accepted) = office(commands);
    assert!(accepted * 10 >= total * 8, "{accepted} of {total}");
}
