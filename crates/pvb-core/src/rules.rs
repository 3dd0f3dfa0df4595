//! The rules: `decide(state, command, policy)` returns the events a command produces, or the
//! rule it breaks. Pure: no I/O, no clock, no randomness.
//!
//! It is not a fold: [`State::apply`] applies what `decide` returned. Rules are checked in the
//! order they are written here, so the first broken rule is the one reported.

use std::collections::BTreeMap;

use time::Date;

use crate::command::Command;
use crate::event::*;
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};
use crate::rejection::Rejection;
use crate::state::{days_between, next_january_first, CareInterval, ClientState, State};
use crate::text::Note;

/// How providers are funded (DESIGN.md section 5). Chosen when a ledger is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// PvB: the reservation follows the client from the region's pool to the chosen provider.
    #[default]
    PersonFollowing,
    /// The baseline: providers get production agreements up front; a start needs free budget
    /// at the provider.
    FixedAgreements,
}

impl Policy {
    /// The command-line name: `person-following` or `fixed`.
    pub const fn name(self) -> &'static str {
        match self {
            Policy::PersonFollowing => "person-following",
            Policy::FixedAgreements => "fixed",
        }
    }
}

type Decision = Result<Vec<Event>, Rejection>;

/// Decides `command` against `state` under `policy`.
pub fn decide(state: &State, command: &Command, policy: Policy) -> Decision {
    match command {
        Command::SetRegionBudget {
            region,
            year,
            amount,
        } => set_region_budget(state, *region, *year, *amount, policy),
        Command::ContractProvider {
            provider,
            region,
            year,
            places,
            tariff_bp,
        } => {
            check_year(*year)?;
            if *tariff_bp > 10_000 {
                return Err(Rejection::TariffAboveMaximum {
                    provider: *provider,
                    tariff_bp: *tariff_bp,
                });
            }
            Ok(vec![Event::ProviderContracted(ProviderContracted {
                provider: *provider,
                region: *region,
                year: *year,
                places: *places,
                tariff_bp: *tariff_bp,
            })])
        }
        Command::SetTariff {
            year,
            profile,
            form,
            day_tariff,
        } => {
            check_year(*year)?;
            check_non_negative("day_tariff", *day_tariff)?;
            Ok(vec![Event::TariffSet(TariffSet {
                year: *year,
                profile: *profile,
                form: *form,
                day_tariff: *day_tariff,
            })])
        }
        Command::GrantIndication {
            client,
            indication,
            profile,
            region,
            from,
            until,
        } => grant_indication(state, client, indication, *profile, *region, *from, *until),
        Command::ChooseProvider {
            client,
            provider,
            form,
            on,
            urgency,
        } => choose_provider(state, client, *provider, *form, *on, *urgency),
        Command::StartCare {
            client,
            provider,
            on,
        } => start_care(state, client, *provider, *on, policy),
        Command::DeliverCare {
            client,
            provider,
            from,
            until,
            reference,
            amount,
        } => deliver_care(state, client, *provider, *from, *until, reference, *amount),
        Command::ReverseDelivery { reference, reason } => {
            reverse_delivery(state, reference, reason)
        }
        Command::WithdrawChoice {
            client,
            provider,
            on,
            reason,
        } => {
            let c = known_client(state, client)?;
            if c.choice(*provider).is_none() {
                return Err(Rejection::NotChosen {
                    client: client.clone(),
                    provider: *provider,
                    on: *on,
                });
            }
            Ok(vec![Event::ChoiceWithdrawn(ChoiceWithdrawn {
                client: client.clone(),
                provider: *provider,
                on: *on,
                reason: reason.clone(),
            })])
        }
        Command::EndCare {
            client,
            provider,
            on,
            reason,
        } => {
            let c = known_client(state, client)?;
            let care = c
                .open_care()
                .filter(|care| care.provider == *provider)
                .ok_or_else(|| Rejection::NotInCare {
                    client: client.clone(),
                    provider: *provider,
                })?;
            end_open_care(state, c, care, *on, *reason, policy)
        }
        Command::WithdrawIndication {
            client,
            indication,
            on,
            reason,
        } => withdraw_indication(state, client, indication, *on, *reason, policy),
        Command::TransferBudget {
            from,
            to,
            year,
            amount,
            reason,
            on,
        } => transfer_budget(state, *from, *to, *year, *amount, *reason, *on),
    }
}

fn check_year(year: Year) -> Result<(), Rejection> {
    if (2000..=2999).contains(&year) {
        Ok(())
    } else {
        Err(Rejection::InvalidYear { year })
    }
}

fn check_non_negative(field: &'static str, amount: Money) -> Result<(), Rejection> {
    if amount.is_negative() {
        Err(Rejection::NegativeAmount { field, amount })
    } else {
        Ok(())
    }
}

fn known_client<'s>(state: &'s State, client: &ClientId) -> Result<&'s ClientState, Rejection> {
    state
        .client(client)
        .ok_or_else(|| Rejection::UnknownClient {
            client: client.clone(),
        })
}

fn contracted(state: &State, provider: ProviderId, year: Year) -> Result<(), Rejection> {
    match state.contract(provider, year) {
        Some(_) => Ok(()),
        None => Err(Rejection::UnknownProvider { provider, year }),
    }
}

fn day_tariff(
    state: &State,
    provider: ProviderId,
    year: Year,
    profile: Profile,
    form: DeliveryForm,
) -> Result<Money, Rejection> {
    let contract = state
        .contract(provider, year)
        .ok_or(Rejection::UnknownProvider { provider, year })?;
    let max = state
        .max_tariff(year, profile, form)
        .ok_or(Rejection::UnknownTariff {
            year,
            profile,
            form,
        })?;
    max.basis_points_floor(contract.tariff_bp)
        .ok_or(Rejection::AmountOverflow { what: "day tariff" })
}

fn times(day_tariff: Money, days: u32, what: &'static str) -> Result<Money, Rejection> {
    day_tariff
        .checked_mul(i64::from(days))
        .ok_or(Rejection::AmountOverflow { what })
}

fn set_region_budget(
    state: &State,
    region: RegionId,
    year: Year,
    amount: Money,
    policy: Policy,
) -> Decision {
    check_year(year)?;
    check_non_negative("amount", amount)?;
    if state.has_budget(region, year) {
        return Err(Rejection::RegionBudgetAlreadySet { region, year });
    }
    let mut events = vec![Event::RegionBudgetSet(RegionBudgetSet {
        region,
        year,
        amount,
    })];
    // Carry over every client of the region in care on 1 January of `year`.
    let first = january_first(year);
    let mut pool = amount;
    let mut carried: BTreeMap<ProviderId, Money> = BTreeMap::new();
    let mut clients: Vec<&ClientState> = state.clients().iter().collect();
    clients.sort_by(|a, b| a.id.cmp(&b.id));
    for client in clients {
        for care in client.care.iter().filter(|c| {
            c.region == region && c.from < first && c.until.is_none_or(|end| end > first)
        }) {
            let until = care
                .until
                .unwrap_or(next_january_first(first))
                .min(next_january_first(first));
            let days = days_between(first, until);
            let tariff = match day_tariff(state, care.provider, year, care.profile, care.form) {
                Ok(t) => t,
                Err(Rejection::UnknownProvider { .. }) => {
                    return Err(Rejection::CarryOverNeedsContract {
                        client: client.id.clone(),
                        provider: care.provider,
                        year,
                    })
                }
                Err(Rejection::UnknownTariff { .. }) => {
                    return Err(Rejection::CarryOverNeedsTariff {
                        client: client.id.clone(),
                        year,
                        profile: care.profile,
                        form: care.form,
                    })
                }
                Err(other) => return Err(other),
            };
            let reserved = times(tariff, days, "carried-over reservation")?;
            // The provider's reserved total must fit too (`apply` adds without failing).
            let total = carried
                .entry(care.provider)
                .or_insert_with(|| state.reserved(care.provider, region, year));
            *total = total
                .checked_add(reserved)
                .ok_or(Rejection::AmountOverflow { what: "reserved" })?;
            events.push(Event::BudgetReserved(BudgetReserved {
                client: client.id.clone(),
                provider: care.provider,
                region,
                year,
                from: first,
                days,
                amount: reserved,
            }));
            if policy == Policy::PersonFollowing && reserved > Money::ZERO {
                pool = pool
                    .checked_sub(reserved)
                    .filter(|left| !left.is_negative())
                    .ok_or(Rejection::PoolExhausted {
                        region,
                        year,
                        balance: pool,
                        needed: reserved,
                    })?;
                events.push(Event::BudgetTransferred(BudgetTransferred {
                    from: Account::pool(region),
                    to: Account::provider(care.provider, region),
                    year,
                    on: first,
                    amount: reserved,
                    reason: TransferReason::FollowsClient,
                }));
            }
        }
    }
    Ok(events)
}

fn grant_indication(
    state: &State,
    client: &ClientId,
    indication: &IndicationId,
    profile: Profile,
    region: RegionId,
    from: Date,
    until: Option<Date>,
) -> Decision {
    check_year(from.year())?;
    if let Some(until) = until {
        if until <= from {
            return Err(Rejection::EmptyPeriod { from, until });
        }
    }
    if let Some(c) = state.client(client) {
        if c.indications.iter().any(|i| &i.id == indication) {
            return Err(Rejection::IndicationExists {
                client: client.clone(),
                indication: indication.clone(),
            });
        }
    }
    Ok(vec![Event::IndicationGranted(IndicationGranted {
        client: client.clone(),
        indication: indication.clone(),
        profile,
        region,
        from,
        until,
    })])
}

fn choose_provider(
    state: &State,
    client: &ClientId,
    provider: ProviderId,
    form: DeliveryForm,
    on: Date,
    urgency: Urgency,
) -> Decision {
    let c = known_client(state, client)?;
    contracted(state, provider, on.year())?;
    if c.indication_on(on).is_none() {
        return Err(Rejection::NoValidIndication {
            client: client.clone(),
            on,
        });
    }
    if c.open_care().is_some_and(|care| care.provider == provider) {
        return Err(Rejection::AlreadyInCareAtProvider {
            client: client.clone(),
            provider,
        });
    }
    Ok(vec![Event::ProviderChosen(ProviderChosen {
        client: client.clone(),
        provider,
        form,
        on,
        urgency,
    })])
}

/// The reservations of care starting (or carried over) at `from`: the rest of `from`'s year,
/// and every later year the region already has a budget for.
fn reservations(
    state: &State,
    client: &ClientId,
    provider: ProviderId,
    region: RegionId,
    profile: Profile,
    form: DeliveryForm,
    from: Date,
) -> Result<Vec<BudgetReserved>, Rejection> {
    let first_year = from.year();
    let last_year = state
        .last_budget_year(region)
        .unwrap_or(first_year)
        .max(first_year);
    let mut out = Vec::with_capacity(1);
    for year in first_year..=last_year {
        if year != first_year && !state.has_budget(region, year) {
            continue;
        }
        let start = from.max(january_first(year));
        let days = days_between(start, january_first(year + 1));
        let tariff = day_tariff(state, provider, year, profile, form)?;
        out.push(BudgetReserved {
            client: client.clone(),
            provider,
            region,
            year,
            from: start,
            days,
            amount: times(tariff, days, "reservation")?,
        });
    }
    Ok(out)
}

fn start_care(
    state: &State,
    client: &ClientId,
    provider: ProviderId,
    on: Date,
    policy: Policy,
) -> Decision {
    let c = known_client(state, client)?;
    let contract = state
        .contract(provider, on.year())
        .ok_or(Rejection::UnknownProvider {
            provider,
            year: on.year(),
        })?;
    let indication = c
        .indication_on(on)
        .ok_or_else(|| Rejection::NoValidIndication {
            client: client.clone(),
            on,
        })?;
    let choice = c
        .choice(provider)
        .filter(|choice| choice.on <= on)
        .ok_or_else(|| Rejection::NotChosen {
            client: client.clone(),
            provider,
            on,
        })?;
    if let Some(care) = c.open_care() {
        return Err(Rejection::AlreadyInCare {
            client: client.clone(),
            provider: care.provider,
            since: care.from,
        });
    }
    if let Some(care) = c
        .care
        .iter()
        .find(|care| care.until.is_some_and(|end| end > on))
    {
        return Err(Rejection::CareOverlaps {
            client: client.clone(),
            provider: care.provider,
            until: care.until.unwrap_or(on),
            on,
        });
    }
    let (profile, form, region) = (indication.profile, choice.form, indication.region);
    // The tariff must exist before capacity and budget are weighed.
    day_tariff(state, provider, on.year(), profile, form)?;
    let in_care = state.in_care(provider);
    if in_care >= contract.places {
        return Err(Rejection::ProviderFull {
            provider,
            places: contract.places,
            in_care,
        });
    }
    let reserved = reservations(state, client, provider, region, profile, form, on)?;
    let mut events = vec![Event::CareStarted(CareStarted {
        client: client.clone(),
        provider,
        on,
        region,
        profile,
        form,
    })];
    for r in reserved {
        budget_check(state, policy, &r)?;
        fits(
            state.reserved(provider, region, r.year),
            r.amount,
            "reserved",
        )?;
        if policy == Policy::PersonFollowing {
            transfer_fits(
                state,
                Account::pool(region),
                Account::provider(provider, region),
                r.year,
                r.amount,
            )?;
        }
        let transfer = (policy == Policy::PersonFollowing && r.amount > Money::ZERO).then(|| {
            Event::BudgetTransferred(BudgetTransferred {
                from: Account::pool(region),
                to: Account::provider(provider, region),
                year: r.year,
                on: r.from,
                amount: r.amount,
                reason: TransferReason::FollowsClient,
            })
        });
        events.push(Event::BudgetReserved(r));
        events.extend(transfer);
    }
    Ok(events)
}

/// `total + amount` must fit in 64-bit cents: `apply` adds without failing.
fn fits(total: Money, amount: Money, what: &'static str) -> Result<(), Rejection> {
    total
        .checked_add(amount)
        .map(|_| ())
        .ok_or(Rejection::AmountOverflow { what })
}

/// A transfer the ledger writes itself (`follows_client`, `release`) must fit both balances:
/// `apply` cannot fail, and a saturated balance would break conservation (INV-09). A
/// provider's balance can hold money of other regions (a reallocation), so the pool's own
/// budget does not bound it.
fn transfer_fits(
    state: &State,
    from: Account,
    to: Account,
    year: Year,
    amount: Money,
) -> Result<(), Rejection> {
    let debit = state.balance(from, year).checked_sub(amount);
    let credit = state.balance(to, year).checked_add(amount);
    match (debit, credit) {
        (Some(_), Some(_)) => Ok(()),
        _ => Err(Rejection::AmountOverflow { what: "transfer" }),
    }
}

fn budget_check(state: &State, policy: Policy, r: &BudgetReserved) -> Result<(), Rejection> {
    match policy {
        Policy::PersonFollowing => {
            if !state.has_budget(r.region, r.year) {
                return Err(Rejection::NoRegionBudget {
                    region: r.region,
                    year: r.year,
                });
            }
            let balance = state.balance(Account::pool(r.region), r.year);
            if balance < r.amount {
                return Err(Rejection::PoolExhausted {
                    region: r.region,
                    year: r.year,
                    balance,
                    needed: r.amount,
                });
            }
        }
        Policy::FixedAgreements => {
            let allocated = state.balance(Account::provider(r.provider, r.region), r.year);
            let reserved = state.reserved(r.provider, r.region, r.year);
            let free = allocated
                .checked_sub(reserved)
                .ok_or(Rejection::AmountOverflow {
                    what: "free budget",
                })?;
            if free < r.amount {
                return Err(Rejection::ProviderBudgetExhausted {
                    provider: r.provider,
                    region: r.region,
                    year: r.year,
                    free,
                    needed: r.amount,
                });
            }
        }
    }
    Ok(())
}

/// Ends the open care `care` of `c` on `on`: `CareEnded`, the releases, and under the
/// person-following policy the transfers back to the pool.
fn end_open_care(
    state: &State,
    c: &ClientState,
    care: &CareInterval,
    on: Date,
    reason: EndReason,
    policy: Policy,
) -> Decision {
    let _ = state;
    if on < care.from {
        return Err(Rejection::EndBeforeStart {
            client: c.id.clone(),
            provider: care.provider,
            started: care.from,
            on,
        });
    }
    if let Some(day) = c.first_paid_day(on, Date::MAX) {
        return Err(Rejection::PaidDaysAfterEnd {
            client: c.id.clone(),
            on,
            day,
        });
    }
    let mut events = vec![Event::CareEnded(CareEnded {
        client: c.id.clone(),
        provider: care.provider,
        on,
        reason,
    })];
    for r in &care.reservations {
        let year_end = january_first(r.year + 1);
        if on >= year_end {
            continue;
        }
        let from = on.max(r.from);
        let days = days_between(from, year_end);
        let amount = times(r.day_tariff, days, "release")?;
        events.push(Event::BudgetReleased(BudgetReleased {
            client: c.id.clone(),
            provider: care.provider,
            region: care.region,
            year: r.year,
            from,
            days,
            amount,
        }));
        if policy == Policy::PersonFollowing && amount > Money::ZERO {
            transfer_fits(
                state,
                Account::provider(care.provider, care.region),
                Account::pool(care.region),
                r.year,
                amount,
            )?;
            events.push(Event::BudgetTransferred(BudgetTransferred {
                from: Account::provider(care.provider, care.region),
                to: Account::pool(care.region),
                year: r.year,
                on: from,
                amount,
                reason: TransferReason::Release,
            }));
        }
    }
    Ok(events)
}

fn withdraw_indication(
    state: &State,
    client: &ClientId,
    indication: &IndicationId,
    on: Date,
    reason: WithdrawalReason,
    policy: Policy,
) -> Decision {
    let c = known_client(state, client)?;
    let ind = c
        .indications
        .iter()
        .find(|i| &i.id == indication)
        .ok_or_else(|| Rejection::UnknownIndication {
            client: client.clone(),
            indication: indication.clone(),
        })?;
    if let Some(when) = ind.withdrawn {
        return Err(Rejection::IndicationAlreadyWithdrawn {
            client: client.clone(),
            indication: indication.clone(),
            on: when,
        });
    }
    if on < ind.from {
        return Err(Rejection::WithdrawalBeforeIndication {
            indication: indication.clone(),
            from: ind.from,
            on,
        });
    }
    // Paid days on or after `on` must stay covered by another indication (INV-01).
    let mut remaining = c.clone();
    if let Some(i) = remaining
        .indications
        .iter_mut()
        .find(|i| &i.id == indication)
    {
        i.withdrawn = Some(on);
    }
    for (from, until) in c.paid.iter().filter(|(_, end)| *end > on) {
        let start = (*from).max(on);
        if let Some(day) = remaining.first_uncovered_day(start, *until) {
            return Err(Rejection::PaidDaysAfterWithdrawal {
                client: client.clone(),
                on,
                day,
            });
        }
    }
    let mut events = vec![Event::IndicationWithdrawn(IndicationWithdrawn {
        client: client.clone(),
        indication: indication.clone(),
        on,
        reason,
    })];
    if let Some(care) = c.open_care() {
        let end_reason = if reason == WithdrawalReason::Deceased {
            EndReason::Deceased
        } else {
            EndReason::Ended
        };
        events.extend(end_open_care(state, c, care, on, end_reason, policy)?);
    }
    Ok(events)
}

fn deliver_care(
    state: &State,
    client: &ClientId,
    provider: ProviderId,
    from: Date,
    until: Date,
    reference: &DeclarationRef,
    declared: Option<Money>,
) -> Decision {
    if state.delivery(reference).is_some() {
        return Err(Rejection::DuplicateReference {
            reference: reference.clone(),
        });
    }
    if until <= from {
        return Err(Rejection::EmptyPeriod { from, until });
    }
    let year = from.year();
    check_year(year)?;
    if next_january_first(from) < until {
        return Err(Rejection::DeliveryCrossesYear { from, until });
    }
    let c = known_client(state, client)?;
    contracted(state, provider, year)?;
    let care = c
        .care
        .iter()
        .find(|care| care.provider == provider && care.covers(from, until))
        .ok_or_else(|| Rejection::OutsideCareInterval {
            client: client.clone(),
            provider,
            from,
            until,
        })?;
    if let Some(day) = c.first_uncovered_day(from, until) {
        return Err(Rejection::OutsideIndication {
            client: client.clone(),
            day,
        });
    }
    if let Some(day) = c.first_paid_day(from, until) {
        return Err(Rejection::AlreadyPaid {
            client: client.clone(),
            day,
        });
    }
    let tariff = day_tariff(state, provider, year, care.profile, care.form)?;
    let days = days_between(from, until);
    let expected = times(tariff, days, "delivery amount")?;
    if let Some(declared) = declared {
        if declared != expected {
            return Err(Rejection::AmountMismatch {
                declared,
                expected,
                days,
                day_tariff: tariff,
            });
        }
    }
    Ok(vec![Event::CareDelivered(CareDelivered {
        client: client.clone(),
        provider,
        region: care.region,
        from,
        until,
        days,
        amount: expected,
        reference: reference.clone(),
    })])
}

fn reverse_delivery(state: &State, reference: &DeclarationRef, reason: &Note) -> Decision {
    let d = state
        .delivery(reference)
        .ok_or_else(|| Rejection::UnknownDelivery {
            reference: reference.clone(),
        })?;
    if d.reversed {
        return Err(Rejection::AlreadyReversed {
            reference: reference.clone(),
        });
    }
    let client = state
        .clients()
        .get(d.client as usize)
        .map(|c| c.id.clone())
        .ok_or_else(|| Rejection::UnknownDelivery {
            reference: reference.clone(),
        })?;
    Ok(vec![Event::DeliveryReversed(DeliveryReversed {
        reference: reference.clone(),
        reason: reason.clone(),
        client,
        provider: d.provider,
        region: d.region,
        from: d.from,
        until: d.until,
        days: days_between(d.from, d.until),
        amount: d.amount,
    })])
}

fn account_exists(state: &State, account: Account, year: Year) -> bool {
    match account {
        Account::Pool { pool } => state.has_budget(pool, year),
        Account::Provider { provider, region } => {
            state.has_budget(region, year) && state.contract(provider, year).is_some()
        }
    }
}

fn transfer_budget(
    state: &State,
    from: Account,
    to: Account,
    year: Year,
    amount: Money,
    reason: TransferReason,
    on: Option<Date>,
) -> Decision {
    if reason.is_ledger_only() {
        return Err(Rejection::LedgerOnlyTransferReason { reason });
    }
    check_year(year)?;
    if amount <= Money::ZERO {
        return Err(Rejection::NonPositiveTransfer { amount });
    }
    if from == to {
        return Err(Rejection::SameAccount { account: from });
    }
    let on = on.unwrap_or(january_first(year));
    if on.year() != year {
        return Err(Rejection::TransferDateOutsideYear { on, year });
    }
    for account in [from, to] {
        if !account_exists(state, account, year) {
            return Err(Rejection::UnknownAccount { account, year });
        }
    }
    let balance = state.balance(from, year);
    if balance < amount {
        return Err(Rejection::TransferOverdraws {
            account: from,
            year,
            balance,
            amount,
        });
    }
    state
        .balance(to, year)
        .checked_add(amount)
        .ok_or(Rejection::AmountOverflow { what: "transfer" })?;
    Ok(vec![Event::BudgetTransferred(BudgetTransferred {
        from,
        to,
        year,
        on,
        amount,
        reason,
    })])
}

/// The version of the rules in this file. Bump it whenever `decide` or `State::apply` changes
/// what they accept or produce: snapshots of another version are ignored and rebuilt.
pub const RULES_VERSION: u32 = 1;
