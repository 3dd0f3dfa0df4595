//! The mutation check: the kit's invariants have teeth.
//!
//! Each mutant is a `decide` with one rule broken, made *inside this test* by wrapping the
//! real `pvb_core::decide`: when the real rule refuses a command, the mutant writes the events
//! anyway (built by hand from the public state), or refuses what it should accept. Random
//! valid histories (`strategies::valid_history`, which include near misses an office makes:
//! a period sent twice, a late declaration, a start at a full provider) run through the
//! mutant, and the kit's invariants must catch every mutant within the default number of
//! proptest cases (256). The test prints how many cases each mutant needed.

use std::cell::Cell;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use pvb_core::*;
use pvb_testkit::invariants::Auditor;
use pvb_testkit::replay::run_history_with;
use pvb_testkit::strategies::valid_history;

type Decision = Result<Vec<Event>, Rejection>;
/// A decide function: the real one, or a broken one.
type Decide = Box<dyn Fn(&State, &Command, Policy) -> Decision>;

/// A delivery written by hand for `command`, priced as the rules would price it (from the
/// care interval at the provider, else the indication), without any of the rules' checks.
fn forged_delivery(state: &State, command: &Command) -> Option<Event> {
    let Command::DeliverCare {
        client,
        provider,
        from,
        until,
        reference,
        ..
    } = command
    else {
        return None;
    };
    let c = state.client(client)?;
    let (region, profile, form) = match c.care.iter().rev().find(|care| care.provider == *provider)
    {
        Some(care) => (care.region, care.profile, care.form),
        None => {
            let indication = c.indications.last()?;
            (
                indication.region,
                indication.profile,
                DeliveryForm::Verblijf,
            )
        }
    };
    let days = (*until - *from).whole_days();
    let tariff = state
        .day_tariff(*provider, from.year(), profile, form)
        .unwrap_or(Money::ZERO);
    Some(Event::CareDelivered(CareDelivered {
        client: client.clone(),
        provider: *provider,
        region,
        from: *from,
        until: *until,
        days: u32::try_from(days).ok()?,
        amount: tariff.checked_mul(days)?,
        reference: reference.clone(),
    }))
}

/// Writes a delivery by hand when the real rules refuse it with `rule`.
fn forge_when(rule: &'static str) -> impl Fn(&State, &Command, Policy) -> Decision {
    move |state, command, policy| match decide(state, command, policy) {
        Err(rejection) if rejection.rule() == rule => forged_delivery(state, command)
            .map(|e| vec![e])
            .ok_or(rejection),
        other => other,
    }
}

/// Forgets the capacity check: decides a start as if the provider had one place more.
fn over_capacity(state: &State, command: &Command, policy: Policy) -> Decision {
    match decide(state, command, policy) {
        Err(Rejection::ProviderFull { provider, .. }) => {
            let Command::StartCare { on, .. } = command else {
                return decide(state, command, policy);
            };
            let contract =
                state
                    .contract(provider, on.year())
                    .ok_or(Rejection::UnknownProvider {
                        provider,
                        year: on.year(),
                    })?;
            let mut roomier = state.clone();
            roomier.apply(&Event::ProviderContracted(ProviderContracted {
                provider,
                region: contract.region,
                year: on.year(),
                places: u32::MAX,
                tariff_bp: contract.tariff_bp,
            }));
            decide(&roomier, command, policy)
        }
        other => other,
    }
}

/// Under person-following financing, checks a start against the provider's own budget as the
/// fixed policy does: the Rosa Spier Huis rule where it does not belong.
fn budget_at_provider(state: &State, command: &Command, policy: Policy) -> Decision {
    if let Command::StartCare { .. } = command {
        if let Err(rejection @ Rejection::ProviderBudgetExhausted { .. }) =
            decide(state, command, Policy::FixedAgreements)
        {
            return Err(rejection);
        }
    }
    decide(state, command, policy)
}

/// Accepts a second reversal of the same declaration.
fn reverse_twice(state: &State, command: &Command, policy: Policy) -> Decision {
    match (decide(state, command, policy), command) {
        (
            Err(rejection @ Rejection::AlreadyReversed { .. }),
            Command::ReverseDelivery { reference, reason },
        ) => {
            let d = state.delivery(reference).ok_or(rejection.clone())?;
            let client = state.clients().get(d.client as usize).ok_or(rejection)?;
            Ok(vec![Event::DeliveryReversed(DeliveryReversed {
                reference: reference.clone(),
                reason: reason.clone(),
                client: client.id.clone(),
                provider: d.provider,
                region: d.region,
                from: d.from,
                until: d.until,
                days: (d.until - d.from).whole_days() as u32,
                amount: d.amount,
            })])
        }
        (other, _) => other,
    }
}

struct Mutant {
    name: &'static str,
    invariant: &'static str,
    decide: Decide,
}

fn mutants() -> Vec<Mutant> {
    vec![
        Mutant {
            name: "double payment: the AlreadyPaid check forgotten",
            invariant: "INV-04",
            decide: Box::new(forge_when("AlreadyPaid")),
        },
        Mutant {
            name: "delivery outside the care interval accepted",
            invariant: "INV-02",
            decide: Box::new(forge_when("OutsideCareInterval")),
        },
        Mutant {
            name: "delivery without a valid indication accepted",
            invariant: "INV-01",
            decide: Box::new(forge_when("OutsideIndication")),
        },
        Mutant {
            name: "start at a full provider accepted",
            invariant: "INV-14",
            decide: Box::new(over_capacity),
        },
        Mutant {
            name: "person-following start refused for the provider's budget",
            invariant: "INV-15",
            decide: Box::new(budget_at_provider),
        },
        Mutant {
            name: "declaration reference reused",
            invariant: "INV-05",
            decide: Box::new(forge_when("DuplicateReference")),
        },
        Mutant {
            name: "declaration reversed twice",
            invariant: "INV-05",
            decide: Box::new(reverse_twice),
        },
    ]
}

/// Runs `mutant` over random valid histories until its invariant fires; the number of cases
/// it took, or `None` if it survived every case.
fn cases_to_catch(mutant: &Mutant, rng: TestRng) -> Option<u32> {
    let config = Config {
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let cases = Cell::new(0u32);
    let result = runner.run(&valid_history(60).no_shrink(), |commands| {
        cases.set(cases.get() + 1);
        let run = run_history_with(&commands, Policy::PersonFollowing, &mutant.decide);
        let mut auditor = Auditor::with_policy(Policy::PersonFollowing);
        for (position, event) in &run.events {
            auditor.observe(*position, event);
        }
        let report = auditor.finish();
        let caught = report.of(mutant.invariant).next().map(|v| v.to_string());
        match caught {
            Some(violation) => Err(TestCaseError::fail(violation)),
            None => Ok(()),
        }
    });
    match result {
        Err(TestError::Fail(..)) => Some(cases.get()),
        _ => None,
    }
}

#[test]
fn every_planted_rule_bug_is_caught_within_the_default_case_count() {
    let mut survivors = Vec::new();
    for mutant in mutants() {
        let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
        match cases_to_catch(&mutant, rng) {
            Some(cases) => eprintln!(
                "{}: caught by {} after {cases} case(s)",
                mutant.name, mutant.invariant
            ),
            None => survivors.push(mutant.name),
        }
    }
    assert!(survivors.is_empty(), "mutants survived: {survivors:?}");
}

/// The same with 20 random seeds: the worst case over the seeds (run with `--ignored`).
#[test]
#[ignore = "statistics for docs/AUDITORS.md; takes a minute"]
fn mutation_statistics_over_random_seeds() {
    for mutant in mutants() {
        let mut needed = Vec::new();
        for seed in 0..20u8 {
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
            needed.push(cases_to_catch(&mutant, rng).map_or(u32::MAX, |n| n));
        }
        needed.sort_unstable();
        eprintln!(
            "{}: median {} cases, worst {} (of 20 seeds)",
            mutant.name,
            needed[needed.len() / 2],
            needed[needed.len() - 1]
        );
        assert!(
            needed.iter().all(|n| *n <= 256),
            "{}: {needed:?}",
            mutant.name
        );
    }
}
