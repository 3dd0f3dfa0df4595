//! The cqrs-es queries (`cqrs_es::Query`) of the port, dispatched by the framework after each
//! commit: `ConsumedByProvider` (the consumed column of pvb's budgets projection) and
//! `Bookkeeping` (the cross-client facts the rules read: places taken, reservations, account
//! balances, paid declaration references; and a count of events).
//!
//! It is not pvb's projections crate: no as-of or known-at filters, no waiting lists, no pool
//! report; only the columns the cross-check compares.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use cqrs_es::{EventEnvelope, Query};
use pvb_core::{Account, Money, ProviderId, RegionId, Year};

use crate::client::{ClientCare, ClientEvent};
use crate::facts::SharedFacts;

/// Consumed cents per provider account (provider, funding region, year of the delivery's
/// first day), as pvb's budgets projection keys them.
#[derive(Clone, Debug, Default)]
pub struct ConsumedByProvider(Arc<Mutex<Consumed>>);

/// Consumed cents by (provider, funding region, year).
pub type Consumed = BTreeMap<(ProviderId, RegionId, Year), Money>;

impl ConsumedByProvider {
    /// The consumed amounts so far.
    pub fn snapshot(&self) -> Consumed {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Query<ClientCare> for ConsumedByProvider {
    async fn dispatch(&self, _client: &str, events: &[EventEnvelope<ClientCare>]) {
        let mut consumed = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for envelope in events {
            if let ClientEvent::CareDelivered {
                provider,
                region,
                from,
                amount,
                ..
            } = &envelope.payload
            {
                let slot = consumed
                    .entry((*provider, *region, from.year()))
                    .or_default();
                *slot = Money::from_cents(slot.cents().saturating_add(amount.cents()));
            }
        }
    }
}

/// Keeps the cross-client facts in [`SharedFacts`] current, and counts committed events.
#[derive(Clone, Debug)]
pub struct Bookkeeping {
    facts: SharedFacts,
    events: Arc<Mutex<u64>>,
}

impl Bookkeeping {
    /// Bookkeeping into `facts`.
    pub fn new(facts: SharedFacts) -> Bookkeeping {
        Bookkeeping {
            facts,
            events: Arc::default(),
        }
    }

    /// Events committed so far.
    pub fn events(&self) -> u64 {
        *self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Query<ClientCare> for Bookkeeping {
    async fn dispatch(&self, _client: &str, events: &[EventEnvelope<ClientCare>]) {
        *self.events.lock().unwrap_or_else(PoisonError::into_inner) += events.len() as u64;
        let mut facts = self.facts.write();
        for envelope in events {
            match &envelope.payload {
                ClientEvent::CareStarted {
                    provider,
                    region,
                    reserved,
                    ..
                } => {
                    *facts.in_care.entry(*provider).or_default() += 1;
                    for r in reserved {
                        let slot = facts
                            .reserved
                            .entry((*provider, *region, r.year))
                            .or_default();
                        *slot = Money::from_cents(slot.cents().saturating_add(r.amount.cents()));
                        if r.amount > Money::ZERO {
                            facts.transfer(
                                Account::pool(*region),
                                Account::provider(*provider, *region),
                                r.year,
                                r.amount,
                            );
                        }
                    }
                }
                ClientEvent::CareEnded {
                    provider,
                    region,
                    released,
                    ..
                } => {
                    let count = facts.in_care.entry(*provider).or_default();
                    *count = count.saturating_sub(1);
                    for r in released {
                        let slot = facts
                            .reserved
                            .entry((*provider, *region, r.year))
                            .or_default();
                        *slot = Money::from_cents(slot.cents().saturating_sub(r.amount.cents()));
                        if r.amount > Money::ZERO {
                            facts.transfer(
                                Account::provider(*provider, *region),
                                Account::pool(*region),
                                r.year,
                                r.amount,
                            );
                        }
                    }
                }
                ClientEvent::CareDelivered { reference, .. } => {
                    facts.references.insert(reference.clone());
                }
                ClientEvent::IndicationGranted { .. }
                | ClientEvent::ProviderChosen { .. }
                | ClientEvent::IndicationWithdrawn { .. } => {}
            }
        }
    }
}
