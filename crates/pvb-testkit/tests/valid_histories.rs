//! Valid histories keep every invariant: the kit finds no violation in what the real rules
//! accept (both policies), and the generator's histories are mostly accepted.

use proptest::prelude::*;
use proptest::test_runner::Config;
use pvb_core::Policy;
use pvb_testkit::invariants::Auditor;
use pvb_testkit::replay::run_history;
use pvb_testkit::strategies::{accepted_share, valid_history, valid_history_for};

fn audit(policy: Policy, commands: &[pvb_core::Command]) -> Result<(), TestCaseError> {
    let (events, _) = run_history(commands, policy);
    let mut auditor = Auditor::with_policy(policy);
    for (position, event) in &events {
        auditor.observe(*position, event);
    }
    let report = auditor.finish();
    prop_assert!(report.is_clean(), "{report}\n{commands:#?}");
    Ok(())
}

proptest! {
    #![proptest_config(Config::default())]

    #[test]
    fn person_following_histories_keep_every_invariant(commands in valid_history(60)) {
        audit(Policy::PersonFollowing, &commands)?;
    }

    #[test]
    fn fixed_agreement_histories_keep_every_invariant(
        commands in valid_history_for(Policy::FixedAgreements, 60),
    ) {
        audit(Policy::FixedAgreements, &commands)?;
    }
}

#[test]
fn histories_are_mostly_accepted() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut accepted, mut total, mut events) = (0, 0, 0);
    let strategy = valid_history(60);
    for _ in 0..200 {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let commands = tree.current();
        let (a, t) = accepted_share(&commands, Policy::PersonFollowing);
        accepted += a;
        total += t;
        events += run_history(&commands, Policy::PersonFollowing).0.len();
    }
    eprintln!("accepted {accepted} of {total} commands, {events} events in 200 histories");
    assert!(accepted * 10 >= total * 8, "accepted {accepted} of {total}");
}
