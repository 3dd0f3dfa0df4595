//! Drives commands through the rules in memory, without a log: `decide`, then `State::apply`
//! for what was accepted, with positions counted from 1.
//!
//! This is the auditors' workbench for property tests (and the oracle of the fuzz target that
//! runs the same commands through a real `Ledger`). It is not the invariant checks: those are
//! in [`crate::invariants`] and never call `decide`.

use pvb_core::{decide, Command, Event, Policy, Position, Rejection, State};

/// What happened to one command of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Accepted; its events are at positions `first..first + events`.
    Accepted {
        /// Position of its first event.
        first: Position,
        /// Number of events.
        events: usize,
    },
    /// Refused.
    Rejected(Rejection),
}

/// A history run through the rules.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// Every event, with its position, in log order.
    pub events: Vec<(Position, Event)>,
    /// One step per command, in order.
    pub steps: Vec<Step>,
    /// The state after the last command.
    pub state: State,
}

impl Run {
    /// The rejections, in order.
    pub fn rejections(&self) -> Vec<Rejection> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Rejected(r) => Some(r.clone()),
                Step::Accepted { .. } => None,
            })
            .collect()
    }

    /// Commands accepted.
    pub fn accepted(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Accepted { .. }))
            .count()
    }
}

/// Runs `commands` through `pvb_core::decide` under `policy`: the events (positions from 1)
/// and the rejections.
pub fn run_history(
    commands: &[Command],
    policy: Policy,
) -> (Vec<(Position, Event)>, Vec<Rejection>) {
    let run = run_history_with(commands, policy, decide);
    let rejections = run.rejections();
    (run.events, rejections)
}

/// Runs `commands` through any decide function with `decide`'s signature, for example a
/// deliberately broken wrapper in a mutation test. Its events are applied as if they were
/// accepted facts.
pub fn run_history_with(
    commands: &[Command],
    policy: Policy,
    mut decide: impl FnMut(&State, &Command, Policy) -> Result<Vec<Event>, Rejection>,
) -> Run {
    let mut run = Run::default();
    for command in commands {
        match decide(&run.state, command, policy) {
            Ok(events) => {
                let first = Position(run.events.len() as u64 + 1);
                run.steps.push(Step::Accepted {
                    first,
                    events: events.len(),
                });
                for event in events {
                    run.state.apply(&event);
                    let position = Position(run.events.len() as u64 + 1);
                    run.events.push((position, event));
                }
            }
            Err(rejection) => run.steps.push(Step::Rejected(rejection)),
        }
    }
    run
}
