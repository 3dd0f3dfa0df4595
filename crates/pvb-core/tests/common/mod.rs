//! Shared helpers of the pvb-core integration tests: identifiers, command builders, and a tiny
//! ledger that decides and applies commands in memory.
//!
//! Each test file includes this module with `mod common;` and uses what it needs, so the
//! whole module allows dead code.

#![allow(dead_code)]

use pvb_core::*;
use time::Date;

/// Region 5531 (the default test region).
pub fn region_a() -> RegionId {
    RegionId::new(5531).expect("5531 is a COD001 code")
}

/// Region 5532.
pub fn region_b() -> RegionId {
    RegionId::new(5532).expect("5532 is a COD001 code")
}

/// A provider with code `code`.
pub fn provider(code: u32) -> ProviderId {
    ProviderId::new(code).expect("provider code below 10^8")
}

/// Provider 12345678 (the provider of DESIGN.md section 8).
pub fn provider_p() -> ProviderId {
    provider(12_345_678)
}

/// Provider 87654321.
pub fn provider_q() -> ProviderId {
    provider(87_654_321)
}

/// A client reference.
pub fn client(name: &str) -> ClientId {
    ClientId::parse(name).expect("valid client reference")
}

/// An indication id.
pub fn indication(name: &str) -> IndicationId {
    IndicationId::parse(name).expect("valid indication id")
}

/// A declaration reference.
pub fn reference(name: &str) -> DeclarationRef {
    DeclarationRef::parse(name).expect("valid declaration reference")
}

/// A note.
pub fn note(text: &str) -> Note {
    Note::new(text).expect("valid note")
}

/// `5VV` (code 754).
pub fn vv5() -> Profile {
    Profile::parse("5VV").expect("5VV is a COD163 profile")
}

/// `6VV` (code 755).
pub fn vv6() -> Profile {
    Profile::parse("6VV").expect("6VV is a COD163 profile")
}

/// A date.
pub fn day(year: i32, month: u8, d: u8) -> Date {
    let month = time::Month::try_from(month).expect("month 1..=12");
    Date::from_calendar_date(year, month, d).expect("valid date")
}

/// Money in cents.
pub fn cents(n: i64) -> Money {
    Money::from_cents(n)
}

// ----- command builders -----

/// `set_region_budget`.
pub fn set_budget(region: RegionId, year: i32, amount: i64) -> Command {
    Command::SetRegionBudget {
        region,
        year,
        amount: cents(amount),
    }
}

/// `contract_provider`.
pub fn contract(
    provider: ProviderId,
    region: RegionId,
    year: i32,
    places: u32,
    tariff_bp: u32,
) -> Command {
    Command::ContractProvider {
        provider,
        region,
        year,
        places,
        tariff_bp,
    }
}

/// `set_tariff` for `form` verblijf unless told.
pub fn tariff(year: i32, profile: Profile, form: DeliveryForm, day_tariff: i64) -> Command {
    Command::SetTariff {
        year,
        profile,
        form,
        day_tariff: cents(day_tariff),
    }
}

/// `grant_indication`.
pub fn grant(
    who: &str,
    id: &str,
    profile: Profile,
    region: RegionId,
    from: Date,
    until: Option<Date>,
) -> Command {
    Command::GrantIndication {
        client: client(who),
        indication: indication(id),
        profile,
        region,
        from,
        until,
    }
}

/// `choose_provider`, verblijf, urgency active.
pub fn choose(who: &str, provider: ProviderId, on: Date) -> Command {
    Command::ChooseProvider {
        client: client(who),
        provider,
        form: DeliveryForm::Verblijf,
        on,
        urgency: Urgency::Active,
    }
}

/// `start_care`.
pub fn start(who: &str, provider: ProviderId, on: Date) -> Command {
    Command::StartCare {
        client: client(who),
        provider,
        on,
    }
}

/// `end_care`.
pub fn end(who: &str, provider: ProviderId, on: Date, reason: EndReason) -> Command {
    Command::EndCare {
        client: client(who),
        provider,
        on,
        reason,
    }
}

/// `deliver_care` without a declared amount.
pub fn deliver(who: &str, provider: ProviderId, from: Date, until: Date, r: &str) -> Command {
    Command::DeliverCare {
        client: client(who),
        provider,
        from,
        until,
        reference: reference(r),
        amount: None,
    }
}

/// `reverse_delivery`.
pub fn reverse(r: &str) -> Command {
    Command::ReverseDelivery {
        reference: reference(r),
        reason: note("wrong period"),
    }
}

/// `withdraw_choice`.
pub fn withdraw_choice(who: &str, provider: ProviderId, on: Date) -> Command {
    Command::WithdrawChoice {
        client: client(who),
        provider,
        on,
        reason: note("no longer wanted"),
    }
}

/// `withdraw_indication`.
pub fn withdraw(who: &str, id: &str, on: Date, reason: WithdrawalReason) -> Command {
    Command::WithdrawIndication {
        client: client(who),
        indication: indication(id),
        on,
        reason,
    }
}

/// `transfer_budget` dated 1 January of `year`.
pub fn transfer(
    from: Account,
    to: Account,
    year: i32,
    amount: i64,
    reason: TransferReason,
) -> Command {
    Command::TransferBudget {
        from,
        to,
        year,
        amount: cents(amount),
        reason,
        on: None,
    }
}

/// A production agreement: `amount` from the pool of `region` to `provider` funded by it.
pub fn production_agreement(
    region: RegionId,
    provider: ProviderId,
    year: i32,
    amount: i64,
) -> Command {
    transfer(
        Account::pool(region),
        Account::provider(provider, region),
        year,
        amount,
        TransferReason::ProductionAgreement,
    )
}

// ----- a ledger in memory -----

/// A state, a policy and the events applied so far.
pub struct Ledger {
    /// The state after every accepted command.
    pub state: State,
    /// The funding policy.
    pub policy: Policy,
    /// Every event applied, in order.
    pub events: Vec<Event>,
}

impl Ledger {
    /// An empty ledger under `policy`.
    pub fn new(policy: Policy) -> Ledger {
        Ledger {
            state: State::new(),
            policy,
            events: Vec::new(),
        }
    }

    /// Decides `command`; on acceptance applies the events and returns them.
    pub fn run(&mut self, command: &Command) -> Result<Vec<Event>, Rejection> {
        let events = decide(&self.state, command, self.policy)?;
        for event in &events {
            self.state.apply(event);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Runs `command`, which must be accepted.
    pub fn ok(&mut self, command: &Command) -> Vec<Event> {
        match self.run(command) {
            Ok(events) => events,
            Err(rejection) => panic!(
                "{} was rejected under {}: {} ({rejection:?})",
                command.kind(),
                self.policy.name(),
                rejection
            ),
        }
    }

    /// Runs every command of `history`, each of which must be accepted.
    pub fn ok_all(&mut self, history: &[Command]) {
        for command in history {
            self.ok(command);
        }
    }

    /// Decides `command` without applying anything.
    pub fn probe(&self, command: &Command) -> Result<Vec<Event>, Rejection> {
        decide(&self.state, command, self.policy)
    }
}

/// Commands that put client `who` in care at provider P from `on` (2026), in region A, with a
/// tariff of 230.00 a day at 100%: budget (10 million euro), contract (`places` places), tariff,
/// indication `I-<who>` from 2026-01-01, choice, start.
pub fn in_care_history(who: &str, on: Date, places: u32) -> Vec<Command> {
    vec![
        set_budget(region_a(), 2026, 1_000_000_000),
        contract(provider_p(), region_a(), 2026, places, 10_000),
        tariff(2026, vv5(), DeliveryForm::Verblijf, 23_000),
        grant(
            who,
            &format!("I-{who}"),
            vv5(),
            region_a(),
            day(2026, 1, 1),
            None,
        ),
        choose(who, provider_p(), day(2026, 1, 1)),
        start(who, provider_p(), on),
    ]
}

/// [`in_care_history`], and under the fixed policy a production agreement for P of
/// 100,000.00 before the start.
pub fn in_care_history_for(policy: Policy, who: &str, on: Date, places: u32) -> Vec<Command> {
    let mut history = in_care_history(who, on, places);
    if policy == Policy::FixedAgreements {
        let start = history.pop().expect("the start is last");
        history.push(production_agreement(
            region_a(),
            provider_p(),
            2026,
            10_000_000,
        ));
        history.push(start);
    }
    history
}

/// The events of `events` of one kind, by name.
pub fn named<'e>(events: &'e [Event], name: &str) -> Vec<&'e Event> {
    events.iter().filter(|e| e.name() == name).collect()
}
