//! A vector strategy that shrinks harder than `prop::collection::vec`: after it has shrunk
//! the elements, it tries deleting elements again, and repeats until a whole round changes
//! nothing. It starts with optional *slots* (each drawn with its own strategy and present with
//! its own probability: the setup of a history) followed by elements of one strategy (the
//! intents), so the setup shrinks in the same rounds as the intents.
//!
//! proptest's own vector tree deletes elements once, front to back, and then shrinks each
//! element. For histories that is not enough: an intent that is needed while a later intent
//! still has its first value (a care end before a late declaration) becomes removable only
//! after that later intent shrank, and the single deletion round is over by then.

use std::fmt;
use std::ops::RangeInclusive;

use proptest::strategy::{BoxedStrategy, NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// The slots, each present with its probability, then `size` elements of `element`,
/// shrinking in repeated rounds.
pub(crate) struct Steps<T> {
    slots: Vec<(f64, BoxedStrategy<T>)>,
    element: BoxedStrategy<T>,
    size: RangeInclusive<usize>,
}

impl<T> fmt::Debug for Steps<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steps")
            .field("slots", &self.slots.len())
            .field("size", &self.size)
            .finish()
    }
}

pub(crate) fn steps<T: fmt::Debug>(
    slots: Vec<(f64, BoxedStrategy<T>)>,
    element: BoxedStrategy<T>,
    size: RangeInclusive<usize>,
) -> Steps<T> {
    Steps {
        slots,
        element,
        size,
    }
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    Delete(usize),
    Shrink(usize),
}

#[derive(Clone, Copy, Debug)]
enum Change {
    Deleted(usize),
    Shrunk(usize),
}

/// The value tree of [`Steps`].
pub(crate) struct StepsTree<T> {
    elements: Vec<T>,
    included: Vec<bool>,
    min: usize,
    phase: Phase,
    /// The last change, until it is kept (the next `simplify`) or undone (`complicate`).
    last: Option<Change>,
    /// A change was kept in this round.
    progress: bool,
}

impl<T> fmt::Debug for StepsTree<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepsTree")
            .field("elements", &self.elements.len())
            .field("phase", &self.phase)
            .finish()
    }
}

impl<T: fmt::Debug> Strategy for Steps<T> {
    type Tree = StepsTree<Box<dyn ValueTree<Value = T>>>;
    type Value = Vec<T>;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let mut elements = Vec::new();
        for (probability, slot) in &self.slots {
            if proptest::bool::weighted(*probability)
                .new_tree(runner)?
                .current()
            {
                elements.push(slot.new_tree(runner)?);
            }
        }
        let len = self.size.clone().new_tree(runner)?.current();
        for _ in 0..len {
            elements.push(self.element.new_tree(runner)?);
        }
        Ok(StepsTree {
            included: vec![true; elements.len()],
            elements,
            min: 0,
            phase: Phase::Delete(0),
            last: None,
            progress: false,
        })
    }
}

impl<T: ValueTree> ValueTree for StepsTree<T> {
    type Value = Vec<T::Value>;

    fn current(&self) -> Vec<T::Value> {
        self.elements
            .iter()
            .zip(&self.included)
            .filter(|(_, included)| **included)
            .map(|(element, _)| element.current())
            .collect()
    }

    fn simplify(&mut self) -> bool {
        if self.last.take().is_some() {
            self.progress = true;
        }
        loop {
            match self.phase {
                Phase::Delete(i) => {
                    let count = self.included.iter().filter(|x| **x).count();
                    if i >= self.elements.len() || count <= self.min {
                        self.phase = Phase::Shrink(0);
                        continue;
                    }
                    self.phase = Phase::Delete(i + 1);
                    if self.included[i] {
                        self.included[i] = false;
                        self.last = Some(Change::Deleted(i));
                        return true;
                    }
                }
                Phase::Shrink(i) => {
                    if i >= self.elements.len() {
                        if !self.progress {
                            return false;
                        }
                        self.progress = false;
                        self.phase = Phase::Delete(0);
                        continue;
                    }
                    if self.included[i] && self.elements[i].simplify() {
                        self.last = Some(Change::Shrunk(i));
                        return true;
                    }
                    self.phase = Phase::Shrink(i + 1);
                }
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match self.last.take() {
            Some(Change::Deleted(i)) => {
                self.included[i] = true;
                true
            }
            Some(Change::Shrunk(i)) if self.elements[i].complicate() => {
                self.last = Some(Change::Shrunk(i));
                true
            }
            Some(Change::Shrunk(_)) | None => false,
        }
    }
}
