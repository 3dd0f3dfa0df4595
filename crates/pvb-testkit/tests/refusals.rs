//! `invalid_command_for` covers every rule of `Rejection::RULES`: its history is accepted in
//! full and its command is refused with exactly that rule.

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use pvb_core::{decide, Rejection};
use pvb_testkit::replay::run_history_with;
use pvb_testkit::strategies::{invalid_command, invalid_command_for, Refusal};

fn check(refusal: &Refusal) -> Result<(), TestCaseError> {
    let run = run_history_with(&refusal.history, refusal.policy, decide);
    proptest::prop_assert!(
        run.rejections().is_empty(),
        "{}: the history is refused: {:?}",
        refusal.rule,
        run.rejections()
    );
    match decide(&run.state, &refusal.command, refusal.policy) {
        Err(rejection) => {
            proptest::prop_assert_eq!(rejection.rule(), refusal.rule, "{:?}", rejection)
        }
        Ok(events) => proptest::prop_assert!(
            false,
            "{}: the command is accepted: {events:?}",
            refusal.rule
        ),
    }
    Ok(())
}

#[test]
fn every_rule_has_a_refused_command() {
    for rule in Rejection::RULES {
        let strategy =
            invalid_command_for(rule).unwrap_or_else(|| panic!("no strategy for {rule}"));
        let mut runner = TestRunner::new(Config {
            cases: 32,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, |refusal| check(&refusal)) {
            panic!("{rule}: {e}");
        }
    }
}

#[test]
fn unknown_rules_have_no_strategy() {
    assert!(invalid_command_for("NoSuchRule").is_none());
}

proptest::proptest! {
    #[test]
    fn any_refused_command_is_refused_with_its_rule(refusal in invalid_command()) {
        check(&refusal)?;
    }
}
