//! The cqrs-es model of one client: the aggregate `ClientCare` (aggregate id = the client id
//! text), its commands and its events, with pvb's rules (`pvb_core::rules`, person-following
//! policy) for the six client commands of the pvb-year: grant_indication, choose_provider,
//! start_care, deliver_care, end_care (a switch) and withdraw_indication (a death; it ends care).
//!
//! It is not pvb's model: there are no budget events of their own (a start's reservations ride
//! on `CareStarted`, an end's releases on `CareEnded`, and the bookkeeping query moves the
//! money), no hash chain and no waiting-list projection. Refusals are pvb's own `Rejection`
//! values, so both sides can be compared rule by rule. `handle` decides against the aggregate
//! and the shared facts (read under a lock that is released before any event is written);
//! `apply` holds no rules.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use pvb_core::{
    days_between, january_first, next_january_first, Account, ClientId, Command, Date,
    DeclarationRef, DeliveryForm, EndReason, IndicationId, Money, Profile, ProviderId, RegionId,
    Rejection, Urgency, WithdrawalReason, Year,
};
use serde::{Deserialize, Serialize};

use crate::facts::{check_year, year_end, Facts, SharedFacts, YearlyFact};

/// A command to one client's aggregate. `client` is also the aggregate id; it is carried so
/// that a refusal names the client as pvb's does.
#[derive(Clone, Debug)]
pub enum ClientCommand {
    /// Record a CIZ indication.
    GrantIndication {
        client: ClientId,
        indication: IndicationId,
        profile: Profile,
        region: RegionId,
        from: Date,
        until: Option<Date>,
    },
    /// Record the client's choice of provider.
    ChooseProvider {
        client: ClientId,
        provider: ProviderId,
        form: DeliveryForm,
        on: Date,
        urgency: Urgency,
    },
    /// Start care at a chosen provider.
    StartCare {
        client: ClientId,
        provider: ProviderId,
        on: Date,
    },
    /// Pay care delivered over `[from, until)`.
    DeliverCare {
        client: ClientId,
        provider: ProviderId,
        from: Date,
        until: Date,
        reference: DeclarationRef,
        amount: Option<Money>,
    },
    /// End care at a provider; `on` is the first day not in care.
    EndCare {
        client: ClientId,
        provider: ProviderId,
        on: Date,
        reason: EndReason,
    },
    /// Withdraw an indication from `on`; ends care.
    WithdrawIndication {
        client: ClientId,
        indication: IndicationId,
        on: Date,
        reason: WithdrawalReason,
    },
}

/// Where the runner sends one pvb command.
#[derive(Debug)]
pub enum Route {
    /// To the shared facts, directly.
    Yearly(YearlyFact),
    /// To the client aggregate with this id.
    Client(ClientId, ClientCommand),
    /// A command type this port does not model (none occurs in the pvb-year).
    NotPorted(&'static str),
}

/// Routes a parsed pvb command.
pub fn route(command: Command) -> Route {
    match command {
        Command::SetTariff {
            year,
            profile,
            form,
            day_tariff,
        } => Route::Yearly(YearlyFact::SetTariff {
            year,
            profile,
            form,
            day_tariff,
        }),
        Command::SetRegionBudget {
            region,
            year,
            amount,
        } => Route::Yearly(YearlyFact::SetRegionBudget {
            region,
            year,
            amount,
        }),
        Command::ContractProvider {
            provider,
            region,
            year,
            places,
            tariff_bp,
        } => Route::Yearly(YearlyFact::ContractProvider {
            provider,
            region,
            year,
            places,
            tariff_bp,
        }),
        Command::GrantIndication {
            client,
            indication,
            profile,
            region,
            from,
            until,
        } => Route::Client(
            client.clone(),
            ClientCommand::GrantIndication {
                client,
                indication,
                profile,
                region,
                from,
                until,
            },
        ),
        Command::ChooseProvider {
            client,
            provider,
            form,
            on,
            urgency,
        } => Route::Client(
            client.clone(),
            ClientCommand::ChooseProvider {
                client,
                provider,
                form,
                on,
                urgency,
            },
        ),
        Command::StartCare {
            client,
            provider,
            on,
        } => Route::Client(
            client.clone(),
            ClientCommand::StartCare {
                client,
                provider,
                on,
            },
        ),
        Command::DeliverCare {
            client,
            provider,
            from,
            until,
            reference,
            amount,
        } => Route::Client(
            client.clone(),
            ClientCommand::DeliverCare {
                client,
                provider,
                from,
                until,
                reference,
                amount,
            },
        ),
        Command::EndCare {
            client,
            provider,
            on,
            reason,
        } => Route::Client(
            client.clone(),
            ClientCommand::EndCare {
                client,
                provider,
                on,
                reason,
            },
        ),
        Command::WithdrawIndication {
            client,
            indication,
            on,
            reason,
        } => Route::Client(
            client.clone(),
            ClientCommand::WithdrawIndication {
                client,
                indication,
                on,
                reason,
            },
        ),
        other @ (Command::ReverseDelivery { .. }
        | Command::WithdrawChoice { .. }
        | Command::TransferBudget { .. }) => Route::NotPorted(other.kind()),
    }
}

/// A budget reservation made when care starts: `days` from `from` to the end of `year`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reserved {
    /// The budget year.
    pub year: Year,
    /// First reserved day.
    pub from: Date,
    /// Days reserved.
    pub days: u32,
    /// The day tariff it was fixed at.
    pub day_tariff: Money,
    /// `day_tariff x days`.
    pub amount: Money,
}

/// A reservation given back when care ends: `days` from `from` to the end of `year`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    /// The budget year.
    pub year: Year,
    /// First released day.
    pub from: Date,
    /// Days released.
    pub days: u32,
    /// The amount.
    pub amount: Money,
}

/// What happened to a client. Past tense, one enum (cqrs-es's `DomainEvent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientEvent {
    /// An indication was granted.
    IndicationGranted {
        indication: IndicationId,
        profile: Profile,
        region: RegionId,
        from: Date,
        until: Option<Date>,
    },
    /// The client chose a provider.
    ProviderChosen {
        provider: ProviderId,
        form: DeliveryForm,
        on: Date,
        urgency: Urgency,
    },
    /// Care started; the reservations were moved from the region's pool to the provider.
    CareStarted {
        provider: ProviderId,
        on: Date,
        region: RegionId,
        profile: Profile,
        form: DeliveryForm,
        reserved: Vec<Reserved>,
    },
    /// Care over `[from, until)` was paid.
    CareDelivered {
        provider: ProviderId,
        region: RegionId,
        from: Date,
        until: Date,
        days: u32,
        amount: Money,
        reference: DeclarationRef,
    },
    /// Care ended; the rest of the reservations went back to the pool.
    CareEnded {
        provider: ProviderId,
        region: RegionId,
        on: Date,
        reason: EndReason,
        released: Vec<Released>,
    },
    /// An indication was withdrawn from `on`.
    IndicationWithdrawn {
        indication: IndicationId,
        on: Date,
        reason: WithdrawalReason,
    },
}

impl DomainEvent for ClientEvent {
    fn event_type(&self) -> String {
        match self {
            ClientEvent::IndicationGranted { .. } => "IndicationGranted",
            ClientEvent::ProviderChosen { .. } => "ProviderChosen",
            ClientEvent::CareStarted { .. } => "CareStarted",
            ClientEvent::CareDelivered { .. } => "CareDelivered",
            ClientEvent::CareEnded { .. } => "CareEnded",
            ClientEvent::IndicationWithdrawn { .. } => "IndicationWithdrawn",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// One indication of the client (as `pvb_core::IndicationState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indication {
    id: IndicationId,
    profile: Profile,
    region: RegionId,
    from: Date,
    until: Option<Date>,
    withdrawn: Option<Date>,
}

impl Indication {
    fn end(&self) -> Option<Date> {
        match (self.until, self.withdrawn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn valid_on(&self, day: Date) -> bool {
        self.from <= day && self.end().is_none_or(|end| day < end)
    }
}

/// One choice of provider (as `pvb_core::ChoiceState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    provider: ProviderId,
    form: DeliveryForm,
    on: Date,
    urgency: Urgency,
    listed: bool,
}

/// One care interval `[from, until)` (as `pvb_core::CareInterval`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Care {
    provider: ProviderId,
    from: Date,
    until: Option<Date>,
    region: RegionId,
    profile: Profile,
    form: DeliveryForm,
    reserved: Vec<Reserved>,
}

impl Care {
    fn covers(&self, from: Date, until: Date) -> bool {
        self.from <= from && self.until.is_none_or(|end| until <= end)
    }
}

/// The aggregate: everything the office knows of one client, folded from its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCare {
    indications: Vec<Indication>,
    choices: Vec<Choice>,
    care: Vec<Care>,
    /// Paid days: sorted, disjoint, coalesced half-open intervals.
    paid: Vec<(Date, Date)>,
}

impl Aggregate for ClientCare {
    const TYPE: &'static str = "client_care";
    type Command = ClientCommand;
    type Event = ClientEvent;
    type Error = Rejection;
    type Services = SharedFacts;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        // Decide under the read lock, write after it is released (a std lock guard must not
        // live across an await).
        let events = {
            let facts = services.read();
            self.decide(command, &facts)?
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ClientEvent::IndicationGranted {
                indication,
                profile,
                region,
                from,
                until,
            } => self.indications.push(Indication {
                id: indication,
                profile,
                region,
                from,
                until,
                withdrawn: None,
            }),
            ClientEvent::ProviderChosen {
                provider,
                form,
                on,
                urgency,
            } => match self.choices.iter_mut().find(|c| c.provider == provider) {
                Some(choice) => {
                    if !choice.listed {
                        choice.on = on;
                    }
                    choice.form = form;
                    choice.urgency = urgency;
                    choice.listed = true;
                }
                None => self.choices.push(Choice {
                    provider,
                    form,
                    on,
                    urgency,
                    listed: true,
                }),
            },
            ClientEvent::CareStarted {
                provider,
                on,
                region,
                profile,
                form,
                reserved,
            } => {
                self.care.push(Care {
                    provider,
                    from: on,
                    until: None,
                    region,
                    profile,
                    form,
                    reserved,
                });
                for choice in &mut self.choices {
                    choice.listed = false;
                }
            }
            ClientEvent::CareDelivered { from, until, .. } => {
                insert_interval(&mut self.paid, from, until);
            }
            ClientEvent::CareEnded { on, .. } => {
                if let Some(care) = self.care.last_mut().filter(|c| c.until.is_none()) {
                    care.until = Some(on);
                    care.reserved.clear();
                }
            }
            ClientEvent::IndicationWithdrawn { indication, on, .. } => {
                if let Some(i) = self.indications.iter_mut().find(|i| i.id == indication) {
                    i.withdrawn = Some(on);
                }
                for choice in &mut self.choices {
                    choice.listed = false;
                }
            }
        }
    }
}

type Decision = Result<Vec<ClientEvent>, Rejection>;

impl ClientCare {
    /// The rules, in pvb's order, so the first broken rule is the one pvb would report.
    fn decide(&self, command: ClientCommand, facts: &Facts) -> Decision {
        match command {
            ClientCommand::GrantIndication {
                client,
                indication,
                profile,
                region,
                from,
                until,
            } => {
                check_year(from.year())?;
                if let Some(until) = until {
                    if until <= from {
                        return Err(Rejection::EmptyPeriod { from, until });
                    }
                }
                if self.indications.iter().any(|i| i.id == indication) {
                    return Err(Rejection::IndicationExists { client, indication });
                }
                Ok(vec![ClientEvent::IndicationGranted {
                    indication,
                    profile,
                    region,
                    from,
                    until,
                }])
            }
            ClientCommand::ChooseProvider {
                client,
                provider,
                form,
                on,
                urgency,
            } => {
                self.known(&client)?;
                facts.contract(provider, on.year())?;
                if self.indication_on(on).is_none() {
                    return Err(Rejection::NoValidIndication { client, on });
                }
                if self
                    .open_care()
                    .is_some_and(|care| care.provider == provider)
                {
                    return Err(Rejection::AlreadyInCareAtProvider { client, provider });
                }
                Ok(vec![ClientEvent::ProviderChosen {
                    provider,
                    form,
                    on,
                    urgency,
                }])
            }
            ClientCommand::StartCare {
                client,
                provider,
                on,
            } => self.start_care(facts, client, provider, on),
            ClientCommand::DeliverCare {
                client,
                provider,
                from,
                until,
                reference,
                amount,
            } => self.deliver_care(facts, client, provider, from, until, reference, amount),
            ClientCommand::EndCare {
                client,
                provider,
                on,
                reason,
            } => {
                self.known(&client)?;
                let Some(care) = self.open_care().filter(|care| care.provider == provider) else {
                    return Err(Rejection::NotInCare { client, provider });
                };
                Ok(vec![self.end_open_care(facts, &client, care, on, reason)?])
            }
            ClientCommand::WithdrawIndication {
                client,
                indication,
                on,
                reason,
            } => self.withdraw_indication(facts, client, indication, on, reason),
        }
    }

    fn start_care(
        &self,
        facts: &Facts,
        client: ClientId,
        provider: ProviderId,
        on: Date,
    ) -> Decision {
        self.known(&client)?;
        let year = on.year();
        let contract = facts.contract(provider, year)?;
        let Some(indication) = self.indication_on(on) else {
            return Err(Rejection::NoValidIndication { client, on });
        };
        let Some(choice) = self
            .choices
            .iter()
            .find(|c| c.provider == provider)
            .filter(|c| c.on <= on)
        else {
            return Err(Rejection::NotChosen {
                client,
                provider,
                on,
            });
        };
        if let Some(care) = self.open_care() {
            return Err(Rejection::AlreadyInCare {
                client,
                provider: care.provider,
                since: care.from,
            });
        }
        if let Some(care) = self
            .care
            .iter()
            .find(|care| care.until.is_some_and(|end| end > on))
        {
            return Err(Rejection::CareOverlaps {
                client,
                provider: care.provider,
                until: care.until.unwrap_or(on),
                on,
            });
        }
        let (profile, form, region) = (indication.profile, choice.form, indication.region);
        // The tariff must exist before capacity and budget are weighed.
        facts.day_tariff(provider, year, profile, form)?;
        let in_care = facts.in_care(provider);
        if in_care >= contract.places {
            return Err(Rejection::ProviderFull {
                provider,
                places: contract.places,
                in_care,
            });
        }
        // The rest of `on`'s year, and every later year the region already has a budget for.
        let last_year = facts.last_budget_year(region).unwrap_or(year).max(year);
        let mut reserved = Vec::with_capacity(1);
        for y in year..=last_year {
            if y != year && !facts.has_budget(region, y) {
                continue;
            }
            let from = on.max(january_first(y));
            let days = days_between(from, year_end(y));
            let day_tariff = facts.day_tariff(provider, y, profile, form)?;
            let amount = times(day_tariff, days, "reservation")?;
            reserved.push(Reserved {
                year: y,
                from,
                days,
                day_tariff,
                amount,
            });
        }
        for r in &reserved {
            // The person-following policy: the reservation leaves the region's pool.
            if !facts.has_budget(region, r.year) {
                return Err(Rejection::NoRegionBudget {
                    region,
                    year: r.year,
                });
            }
            let balance = facts.balance(Account::pool(region), r.year);
            if balance < r.amount {
                return Err(Rejection::PoolExhausted {
                    region,
                    year: r.year,
                    balance,
                    needed: r.amount,
                });
            }
            facts
                .reserved(provider, region, r.year)
                .checked_add(r.amount)
                .ok_or(Rejection::AmountOverflow { what: "reserved" })?;
            facts.transfer_fits(
                Account::pool(region),
                Account::provider(provider, region),
                r.year,
                r.amount,
            )?;
        }
        Ok(vec![ClientEvent::CareStarted {
            provider,
            on,
            region,
            profile,
            form,
            reserved,
        }])
    }

    #[allow(clippy::too_many_arguments)] // The command's fields, as pvb's `deliver_care`.
    fn deliver_care(
        &self,
        facts: &Facts,
        client: ClientId,
        provider: ProviderId,
        from: Date,
        until: Date,
        reference: DeclarationRef,
        declared: Option<Money>,
    ) -> Decision {
        if facts.references.contains(&reference) {
            return Err(Rejection::DuplicateReference { reference });
        }
        if until <= from {
            return Err(Rejection::EmptyPeriod { from, until });
        }
        let year = from.year();
        check_year(year)?;
        if next_january_first(from) < until {
            return Err(Rejection::DeliveryCrossesYear { from, until });
        }
        self.known(&client)?;
        facts.contract(provider, year)?;
        let Some(care) = self
            .care
            .iter()
            .find(|care| care.provider == provider && care.covers(from, until))
        else {
            return Err(Rejection::OutsideCareInterval {
                client,
                provider,
                from,
                until,
            });
        };
        if let Some(day) = self.first_uncovered_day(from, until, None) {
            return Err(Rejection::OutsideIndication { client, day });
        }
        if let Some(day) = self.first_paid_day(from, until) {
            return Err(Rejection::AlreadyPaid { client, day });
        }
        let day_tariff = facts.day_tariff(provider, year, care.profile, care.form)?;
        let days = days_between(from, until);
        let expected = times(day_tariff, days, "delivery amount")?;
        if let Some(declared) = declared {
            if declared != expected {
                return Err(Rejection::AmountMismatch {
                    declared,
                    expected,
                    days,
                    day_tariff,
                });
            }
        }
        Ok(vec![ClientEvent::CareDelivered {
            provider,
            region: care.region,
            from,
            until,
            days,
            amount: expected,
            reference,
        }])
    }

    fn withdraw_indication(
        &self,
        facts: &Facts,
        client: ClientId,
        indication: IndicationId,
        on: Date,
        reason: WithdrawalReason,
    ) -> Decision {
        self.known(&client)?;
        let Some(ind) = self.indications.iter().find(|i| i.id == indication) else {
            return Err(Rejection::UnknownIndication { client, indication });
        };
        if let Some(when) = ind.withdrawn {
            return Err(Rejection::IndicationAlreadyWithdrawn {
                client,
                indication,
                on: when,
            });
        }
        if on < ind.from {
            return Err(Rejection::WithdrawalBeforeIndication {
                indication,
                from: ind.from,
                on,
            });
        }
        // Paid days on or after `on` must stay covered by another indication.
        for (from, until) in self.paid.iter().filter(|(_, end)| *end > on) {
            let start = (*from).max(on);
            if let Some(day) = self.first_uncovered_day(start, *until, Some((&indication, on))) {
                return Err(Rejection::PaidDaysAfterWithdrawal { client, on, day });
            }
        }
        let ended = match self.open_care() {
            Some(care) => {
                let end_reason = if reason == WithdrawalReason::Deceased {
                    EndReason::Deceased
                } else {
                    EndReason::Ended
                };
                Some(self.end_open_care(facts, &client, care, on, end_reason)?)
            }
            None => None,
        };
        let mut events = vec![ClientEvent::IndicationWithdrawn {
            indication,
            on,
            reason,
        }];
        events.extend(ended);
        Ok(events)
    }

    /// Ends the open care `care` on `on`, giving back the rest of its reservations.
    fn end_open_care(
        &self,
        facts: &Facts,
        client: &ClientId,
        care: &Care,
        on: Date,
        reason: EndReason,
    ) -> Result<ClientEvent, Rejection> {
        let client = || client.clone();
        if on < care.from {
            return Err(Rejection::EndBeforeStart {
                client: client(),
                provider: care.provider,
                started: care.from,
                on,
            });
        }
        if let Some(day) = self.first_paid_day(on, Date::MAX) {
            return Err(Rejection::PaidDaysAfterEnd {
                client: client(),
                on,
                day,
            });
        }
        let mut released = Vec::with_capacity(care.reserved.len());
        for r in &care.reserved {
            if on >= year_end(r.year) {
                continue;
            }
            let from = on.max(r.from);
            let days = days_between(from, year_end(r.year));
            let amount = times(r.day_tariff, days, "release")?;
            if amount > Money::ZERO {
                facts.transfer_fits(
                    Account::provider(care.provider, care.region),
                    Account::pool(care.region),
                    r.year,
                    amount,
                )?;
            }
            released.push(Released {
                year: r.year,
                from,
                days,
                amount,
            });
        }
        Ok(ClientEvent::CareEnded {
            provider: care.provider,
            region: care.region,
            on,
            reason,
            released,
        })
    }

    /// pvb's `known_client`: a client exists once it has an event, and its first event is
    /// always an indication.
    fn known(&self, client: &ClientId) -> Result<(), Rejection> {
        if self.indications.is_empty() {
            Err(Rejection::UnknownClient {
                client: client.clone(),
            })
        } else {
            Ok(())
        }
    }

    fn open_care(&self) -> Option<&Care> {
        self.care.last().filter(|c| c.until.is_none())
    }

    /// The indication valid on `day` that starts last.
    fn indication_on(&self, day: Date) -> Option<&Indication> {
        self.indications
            .iter()
            .filter(|i| i.valid_on(day))
            .max_by_key(|i| i.from)
    }

    /// The first day of `[from, until)` no valid indication covers; `withdrawing` treats one
    /// indication as withdrawn from a date (the check of a withdrawal before it happens).
    fn first_uncovered_day(
        &self,
        from: Date,
        until: Date,
        withdrawing: Option<(&IndicationId, Date)>,
    ) -> Option<Date> {
        let end = |i: &Indication| -> Option<Date> {
            match withdrawing {
                Some((id, on)) if *id == i.id => Some(i.until.map_or(on, |u| u.min(on))),
                _ => i.end(),
            }
        };
        let mut day = from;
        while day < until {
            let reach = self
                .indications
                .iter()
                .filter(|i| i.from <= day && end(i).is_none_or(|e| day < e))
                .map(|i| end(i).unwrap_or(Date::MAX))
                .max();
            match reach {
                Some(e) => day = e,
                None => return Some(day),
            }
        }
        None
    }

    /// The first already-paid day of `[from, until)`.
    fn first_paid_day(&self, from: Date, until: Date) -> Option<Date> {
        let index = self.paid.partition_point(|(_, end)| *end <= from);
        self.paid
            .get(index)
            .filter(|(start, _)| *start < until)
            .map(|(start, _)| (*start).max(from))
    }
}

fn times(day_tariff: Money, days: u32, what: &'static str) -> Result<Money, Rejection> {
    day_tariff
        .checked_mul(i64::from(days))
        .ok_or(Rejection::AmountOverflow { what })
}

/// Adds `[from, until)` to a sorted, disjoint, coalesced interval list.
fn insert_interval(list: &mut Vec<(Date, Date)>, from: Date, until: Date) {
    match list.last_mut() {
        Some(last) if last.1 == from => {
            last.1 = until;
            return;
        }
        Some(last) if last.1 < from => {
            list.push((from, until));
            return;
        }
        None => {
            list.push((from, until));
            return;
        }
        Some(_) => {}
    }
    let start = list.partition_point(|(_, end)| *end < from);
    let stop = list.partition_point(|(begin, _)| *begin <= until);
    let mut merged = (from, until);
    for (begin, end) in list.get(start..stop).unwrap_or(&[]) {
        merged.0 = merged.0.min(*begin);
        merged.1 = merged.1.max(*end);
    }
    list.splice(start..stop, std::iter::once(merged));
}

/// The rules the benchmark relies on, in cqrs-es's given/when/then test framework: the port
/// refuses what pvb refuses for a delivery, and computes pvb's amounts.
#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;
    use pvb_core::{january_first, Date, DeliveryForm, Money, ProviderId, RegionId, Urgency};

    use super::*;
    use crate::facts::{SharedFacts, YearlyFact};

    fn day(n: i64) -> Date {
        january_first(2026) + time::Duration::days(n)
    }

    fn client() -> ClientId {
        ClientId::parse("c-1").expect("a client reference")
    }

    fn provider(n: u32) -> ProviderId {
        ProviderId::new(10_000_000 + n).expect("an AGB code")
    }

    fn region() -> RegionId {
        RegionId::new(5501).expect("a region code")
    }

    fn profile() -> Profile {
        Profile::parse("5VV").expect("a profile")
    }

    /// Tariff 5VV verblijf 23,000; providers 0 and 1 at 96%; a region budget of 1 million euro.
    fn facts() -> SharedFacts {
        let facts = SharedFacts::default();
        let mut f = facts.write();
        let yearly = [
            YearlyFact::SetTariff {
                year: 2026,
                profile: profile(),
                form: DeliveryForm::Verblijf,
                day_tariff: Money::from_cents(23_000),
            },
            YearlyFact::SetRegionBudget {
                region: region(),
                year: 2026,
                amount: Money::from_cents(100_000_000),
            },
            YearlyFact::ContractProvider {
                provider: provider(0),
                region: region(),
                year: 2026,
                places: 10,
                tariff_bp: 9_600,
            },
            YearlyFact::ContractProvider {
                provider: provider(1),
                region: region(),
                year: 2026,
                places: 10,
                tariff_bp: 9_600,
            },
        ];
        for fact in yearly {
            f.apply_yearly(fact).expect("a valid yearly fact");
        }
        drop(f);
        facts
    }

    fn indication(until: Option<Date>) -> ClientEvent {
        ClientEvent::IndicationGranted {
            indication: IndicationId::parse("I-1").expect("an indication id"),
            profile: profile(),
            region: region(),
            from: day(0),
            until,
        }
    }

    fn in_care(until: Option<Date>) -> Vec<ClientEvent> {
        vec![
            indication(until),
            ClientEvent::ProviderChosen {
                provider: provider(0),
                form: DeliveryForm::Verblijf,
                on: day(0),
                urgency: Urgency::Active,
            },
            ClientEvent::CareStarted {
                provider: provider(0),
                on: day(0),
                region: region(),
                profile: profile(),
                form: DeliveryForm::Verblijf,
                reserved: vec![Reserved {
                    year: 2026,
                    from: day(0),
                    days: 365,
                    day_tariff: Money::from_cents(22_080),
                    amount: Money::from_cents(22_080 * 365),
                }],
            },
        ]
    }

    fn deliver(provider_n: u32, from: i64, until: i64, reference: &str) -> ClientCommand {
        ClientCommand::DeliverCare {
            client: client(),
            provider: provider(provider_n),
            from: day(from),
            until: day(until),
            reference: DeclarationRef::parse(reference).expect("a reference"),
            amount: None,
        }
    }

    #[test]
    fn start_care_takes_profile_from_indication_and_form_from_choice() {
        let mut given = in_care(None);
        given.truncate(2);
        TestFramework::<ClientCare>::with(facts())
            .given(given)
            .when(ClientCommand::StartCare {
                client: client(),
                provider: provider(0),
                on: day(0),
            })
            .then_expect_events(vec![in_care(None).remove(2)]);
    }

    #[test]
    fn delivery_is_paid_at_day_tariff_times_days() {
        // floor(23,000 x 9,600 / 10,000) = 22,080 a day.
        TestFramework::<ClientCare>::with(facts())
            .given(in_care(None))
            .when(deliver(0, 3, 5, "D-1-3"))
            .then_expect_events(vec![ClientEvent::CareDelivered {
                provider: provider(0),
                region: region(),
                from: day(3),
                until: day(5),
                days: 2,
                amount: Money::from_cents(44_160),
                reference: DeclarationRef::parse("D-1-3").expect("a reference"),
            }]);
    }

    #[test]
    fn a_client_day_is_paid_once() {
        let mut given = in_care(None);
        given.push(ClientEvent::CareDelivered {
            provider: provider(0),
            region: region(),
            from: day(3),
            until: day(4),
            days: 1,
            amount: Money::from_cents(22_080),
            reference: DeclarationRef::parse("D-1-3").expect("a reference"),
        });
        TestFramework::<ClientCare>::with(facts())
            .given(given)
            .when(deliver(0, 2, 4, "D-1-2b"))
            .then_expect_error(Rejection::AlreadyPaid {
                client: client(),
                day: day(3),
            });
    }

    #[test]
    fn care_must_have_started_at_that_provider() {
        TestFramework::<ClientCare>::with(facts())
            .given(in_care(None))
            .when(deliver(1, 3, 4, "D-1-3"))
            .then_expect_error(Rejection::OutsideCareInterval {
                client: client(),
                provider: provider(1),
                from: day(3),
                until: day(4),
            });
    }

    #[test]
    fn care_must_be_open_over_the_period() {
        let mut given = in_care(None);
        given.push(ClientEvent::CareEnded {
            provider: provider(0),
            region: region(),
            on: day(4),
            reason: EndReason::Transfer,
            released: Vec::new(),
        });
        TestFramework::<ClientCare>::with(facts())
            .given(given)
            .when(deliver(0, 3, 5, "D-1-3"))
            .then_expect_error(Rejection::OutsideCareInterval {
                client: client(),
                provider: provider(0),
                from: day(3),
                until: day(5),
            });
    }

    #[test]
    fn the_indication_must_hold_on_every_day() {
        TestFramework::<ClientCare>::with(facts())
            .given(in_care(Some(day(4))))
            .when(deliver(0, 3, 5, "D-1-3"))
            .then_expect_error(Rejection::OutsideIndication {
                client: client(),
                day: day(4),
            });
    }

    #[test]
    fn a_reference_is_paid_once_at_any_client() {
        let facts = facts();
        facts
            .write()
            .references
            .insert(DeclarationRef::parse("D-9-3").expect("a reference"));
        TestFramework::<ClientCare>::with(facts)
            .given(in_care(None))
            .when(deliver(0, 3, 4, "D-9-3"))
            .then_expect_error(Rejection::DuplicateReference {
                reference: DeclarationRef::parse("D-9-3").expect("a reference"),
            });
    }

    #[test]
    fn a_death_ends_care_and_releases_the_rest_of_the_year() {
        TestFramework::<ClientCare>::with(facts())
            .given(in_care(None))
            .when(ClientCommand::WithdrawIndication {
                client: client(),
                indication: IndicationId::parse("I-1").expect("an indication id"),
                on: day(300),
                reason: WithdrawalReason::Deceased,
            })
            .then_expect_events(vec![
                ClientEvent::IndicationWithdrawn {
                    indication: IndicationId::parse("I-1").expect("an indication id"),
                    on: day(300),
                    reason: WithdrawalReason::Deceased,
                },
                ClientEvent::CareEnded {
                    provider: provider(0),
                    region: region(),
                    on: day(300),
                    reason: EndReason::Deceased,
                    released: vec![Released {
                        year: 2026,
                        from: day(300),
                        days: 65,
                        amount: Money::from_cents(22_080 * 65),
                    }],
                },
            ]);
    }
}
