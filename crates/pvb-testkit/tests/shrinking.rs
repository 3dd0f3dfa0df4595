//! Shrinking: a history that breaks an invariant shrinks to a handful of commands.
//!
//! The failure is planted with the double-payment mutant of `tests/mutation.rs` (a `decide`
//! that writes a delivery the real rules refuse with `AlreadyPaid`). proptest's `TestRunner`
//! finds a failing random history and shrinks it; the minimal history is the eight commands
//! a double payment needs: a budget, a contract, a tariff, an indication, a choice, the start
//! (the office's admission), a delivery, and the same days declared again.

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use pvb_core::*;
use pvb_testkit::invariants;
use pvb_testkit::replay::run_history_with;
use pvb_testkit::strategies::valid_history;

fn pays_twice(state: &State, command: &Command, policy: Policy) -> Result<Vec<Event>, Rejection> {
    match (decide(state, command, policy), command) {
        (
            Err(rejection @ Rejection::AlreadyPaid { .. }),
            Command::DeliverCare {
                client,
                provider,
                from,
                until,
                reference,
                ..
            },
        ) => {
            let care = state
                .client(client)
                .and_then(|c| c.care.iter().rev().find(|care| care.provider == *provider))
                .ok_or(rejection)?;
            let days = (*until - *from).whole_days();
            let tariff = state
                .day_tariff(*provider, from.year(), care.profile, care.form)
                .unwrap_or(Money::ZERO);
            Ok(vec![Event::CareDelivered(CareDelivered {
                client: client.clone(),
                provider: *provider,
                region: care.region,
                from: *from,
                until: *until,
                days: days as u32,
                amount: tariff.checked_mul(days).unwrap_or(Money::ZERO),
                reference: reference.clone(),
            })])
        }
        (other, _) => other,
    }
}

fn shrink(rng: TestRng) -> Vec<Command> {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(&valid_history(60), |commands| {
        let run = run_history_with(&commands, Policy::PersonFollowing, pays_twice);
        let found = invariants::inv04_no_double_payment(&run.events);
        if found.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(found[0].to_string()))
        }
    });
    let Err(TestError::Fail(reason, minimal)) = result else {
        panic!("the double-payment mutant was not caught: {result:?}");
    };
    eprintln!("{reason}");
    minimal
}

#[test]
fn a_double_payment_shrinks_to_eight_commands() {
    let minimal = shrink(TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    eprintln!("shrunk to {} commands:", minimal.len());
    for command in &minimal {
        eprintln!("  {}", pvb::jsonl::command_to_line(command, None));
    }
    assert!(minimal.len() <= 8, "{minimal:#?}");
    let kinds: Vec<&str> = minimal.iter().map(Command::kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "deliver_care").count(),
        2,
        "{kinds:?}"
    );
}

/// The same from 20 random seeds (run with `--ignored`): every one shrinks as far.
#[test]
#[ignore = "statistics for docs/AUDITORS.md"]
fn shrinking_statistics_over_random_seeds() {
    let mut sizes: Vec<usize> = (0..20u8)
        .map(|seed| {
            let m = shrink(TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]));
            if m.len() > 8 {
                eprintln!(
                    "BIG {}",
                    m.iter()
                        .map(|c| pvb::jsonl::command_to_line(c, None))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            m.len()
        })
        .collect();
    sizes.sort_unstable();
    eprintln!("minimal sizes over 20 seeds: {sizes:?}");
    assert!(sizes.iter().all(|n| *n <= 8), "{sizes:?}");
}
