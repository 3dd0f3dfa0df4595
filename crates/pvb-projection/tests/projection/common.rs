//! Test helpers: a tiny ledger that drives `pvb_core::decide` and keeps the accepted events
//! with their positions, and short constructors for ids and dates.

use pvb_core::{
    decide, ClientId, Command, DeclarationRef, DeliveryForm, Event, IndicationId, Money, Note,
    Policy, Position, Profile, ProviderId, RegionId, Rejection, State,
};
use time::Date;

/// Accepted events in log order, and the write-side state they fold to.
pub struct Ledger {
    pub policy: Policy,
    pub state: State,
    pub log: Vec<(Position, Event)>,
}

impl Ledger {
    pub fn new(policy: Policy) -> Ledger {
        Ledger {
            policy,
            state: State::new(),
            log: Vec::new(),
        }
    }

    /// Decides and applies `command`; returns the rejection, if any.
    pub fn submit(&mut self, command: &Command) -> Result<(), Rejection> {
        let events = decide(&self.state, command, self.policy)?;
        for event in events {
            self.state.apply(&event);
            let position = Position(self.log.len() as u64 + 1);
            self.log.push((position, event));
        }
        Ok(())
    }

    /// Submits a command that must be accepted.
    #[track_caller]
    pub fn accept(&mut self, command: Command) {
        if let Err(rejection) = self.submit(&command) {
            panic!("{command:?} was rejected: {rejection}");
        }
    }

    /// The position of the last event.
    pub fn head(&self) -> Position {
        Position(self.log.len() as u64)
    }

    /// The log as `(position, &event)` pairs.
    pub fn events(&self) -> impl Iterator<Item = (Position, &Event)> + Clone {
        self.log.iter().map(|(p, e)| (*p, e))
    }
}

pub fn client(text: &str) -> ClientId {
    ClientId::parse(text).expect("valid client")
}

pub fn provider(code: u32) -> ProviderId {
    ProviderId::new(code).expect("valid provider")
}

pub fn region(code: u16) -> RegionId {
    RegionId::new(code).expect("valid region")
}

pub fn profile(text: &str) -> Profile {
    Profile::parse(text).expect("valid profile")
}

pub fn indication(text: &str) -> IndicationId {
    IndicationId::parse(text).expect("valid indication")
}

pub fn reference(text: &str) -> DeclarationRef {
    DeclarationRef::parse(text).expect("valid reference")
}

pub fn note(text: &str) -> Note {
    Note::new(text).expect("valid note")
}

pub fn cents(n: i64) -> Money {
    Money::from_cents(n)
}

pub const VERBLIJF: DeliveryForm = DeliveryForm::Verblijf;

/// 2026-01-01 plus `n` days.
pub fn day(n: u32) -> Date {
    time::macros::date!(2026 - 01 - 01) + time::Duration::days(i64::from(n))
}
