//! Refused commands: for every rule of `Rejection::RULES`, a strategy of (history, command)
//! pairs where the history is accepted in full and the command is refused with that rule.
//!
//! Each pair is built from a random small world (region, provider, tariff, contract
//! percentage, places, dates, lengths), so the same rule is met with many values. Under
//! `Policy::PersonFollowing`, except `ProviderBudgetExhausted`, which only the fixed policy
//! has.

use proptest::prelude::*;
use pvb_core::{
    january_first, Account, Command, DeclarationRef, EndReason, IndicationId, Money, Policy,
    ProviderId, Rejection, TransferReason, Urgency, WithdrawalReason,
};
use time::Date;

use crate::universe;

/// A command refused with `rule` after `history` (every command of which is accepted).
#[derive(Clone, Debug)]
pub struct Refusal {
    /// The rule, as `Rejection::rule` names it.
    pub rule: &'static str,
    /// The policy to run it under.
    pub policy: Policy,
    /// Commands accepted before.
    pub history: Vec<Command>,
    /// The refused command.
    pub command: Command,
}

#[derive(Clone, Debug)]
struct World {
    region: usize,
    provider: usize,
    tariff: i64,
    bp: u32,
    places: u32,
    /// Days after 2026-01-31 care starts.
    start: i64,
    /// A period length, 2..20 days.
    length: i64,
}

fn world() -> impl Strategy<Value = World> {
    (
        0usize..2,
        0usize..3,
        15_000i64..30_000,
        prop_oneof![Just(10_000u32), 8_000u32..=10_000],
        1u32..=3,
        0i64..200,
        2i64..20,
    )
        .prop_map(
            |(region, provider, tariff, bp, places, start, length)| World {
                region,
                provider,
                tariff,
                bp,
                places,
                start,
                length,
            },
        )
}

const BIG: i64 = 1_000_000_000_000;

impl World {
    fn region(&self) -> pvb_core::RegionId {
        universe::region(self.region)
    }
    fn other_region(&self) -> pvb_core::RegionId {
        universe::region(self.region + 1)
    }
    fn provider(&self) -> ProviderId {
        universe::provider(self.provider)
    }
    fn other_provider(&self) -> ProviderId {
        universe::provider(self.provider + 1)
    }
    fn d0(&self) -> Date {
        universe::day(30 + self.start)
    }
    fn at(&self, days: i64) -> Date {
        universe::plus(self.d0(), days)
    }
    fn budget(&self, year: i32, amount: i64) -> Command {
        Command::SetRegionBudget {
            region: self.region(),
            year,
            amount: Money::from_cents(amount),
        }
    }
    fn contract_of(&self, provider: ProviderId, year: i32) -> Command {
        Command::ContractProvider {
            provider,
            region: self.region(),
            year,
            places: self.places,
            tariff_bp: self.bp,
        }
    }
    fn contract(&self, year: i32) -> Command {
        self.contract_of(self.provider(), year)
    }
    fn tariff(&self, year: i32) -> Command {
        Command::SetTariff {
            year,
            profile: universe::profile(0),
            form: universe::form(0),
            day_tariff: Money::from_cents(self.tariff),
        }
    }
    fn indication(&self, client: usize) -> IndicationId {
        universe::indication(client, 0)
    }
    fn grant(&self, client: usize, from: Date, until: Option<Date>) -> Command {
        Command::GrantIndication {
            client: universe::client(client),
            indication: self.indication(client),
            profile: universe::profile(0),
            region: self.region(),
            from,
            until,
        }
    }
    fn choose(&self, client: usize, provider: ProviderId, on: Date) -> Command {
        Command::ChooseProvider {
            client: universe::client(client),
            provider,
            form: universe::form(0),
            on,
            urgency: Urgency::Active,
        }
    }
    fn start_at(&self, client: usize, provider: ProviderId, on: Date) -> Command {
        Command::StartCare {
            client: universe::client(client),
            provider,
            on,
        }
    }
    fn end(&self, provider: ProviderId, on: Date) -> Command {
        Command::EndCare {
            client: universe::client(0),
            provider,
            on,
            reason: EndReason::Ended,
        }
    }
    fn deliver(
        &self,
        from: Date,
        until: Date,
        reference: DeclarationRef,
        amount: Option<i64>,
    ) -> Command {
        Command::DeliverCare {
            client: universe::client(0),
            provider: self.provider(),
            from,
            until,
            reference,
            amount: amount.map(Money::from_cents),
        }
    }
    fn transfer(
        &self,
        from: Account,
        to: Account,
        amount: i64,
        reason: TransferReason,
        on: Option<Date>,
    ) -> Command {
        Command::TransferBudget {
            from,
            to,
            year: 2026,
            amount: Money::from_cents(amount),
            reason,
            on,
        }
    }
    fn day_tariff(&self) -> i64 {
        self.tariff * i64::from(self.bp) / 10_000
    }
    /// Budget, contract, tariff, an open indication from 1 January, a choice: ready to start.
    fn ready(&self) -> Vec<Command> {
        vec![
            self.budget(2026, BIG),
            self.contract(2026),
            self.tariff(2026),
            self.grant(0, january_first(2026), None),
            self.choose(0, self.provider(), self.d0()),
        ]
    }
    /// Client 0 in care at the provider from `d0`.
    fn in_care(&self) -> Vec<Command> {
        let mut history = self.ready();
        history.push(self.start_at(0, self.provider(), self.d0()));
        history
    }
    /// In care, and `[d0, d0 + length)` paid as `D-1`.
    fn paid(&self) -> Vec<Command> {
        let mut history = self.in_care();
        history.push(self.deliver(
            self.d0(),
            self.at(self.length),
            universe::reference(1),
            None,
        ));
        history
    }
}

fn with(history: Vec<Command>, more: impl IntoIterator<Item = Command>) -> Vec<Command> {
    let mut history = history;
    history.extend(more);
    history
}

/// Builds the pair for `rule` in world `w`.
fn build(rule: &'static str, w: &World) -> Option<(Vec<Command>, Command)> {
    let pool = Account::pool(w.region());
    let pair = match rule {
        "InvalidYear" => (
            vec![],
            Command::SetTariff {
                year: if w.start % 2 == 0 {
                    1999 - w.start as i32
                } else {
                    3000 + w.start as i32
                },
                profile: universe::profile(0),
                form: universe::form(0),
                day_tariff: Money::from_cents(w.tariff),
            },
        ),
        "NegativeAmount" => (vec![], w.budget(2026, -1 - w.tariff)),
        "AmountOverflow" => (
            vec![
                w.budget(2026, i64::MAX - w.tariff),
                Command::SetRegionBudget {
                    region: w.other_region(),
                    year: 2026,
                    amount: Money::from_cents(2 * w.tariff),
                },
            ],
            w.transfer(
                Account::pool(w.other_region()),
                pool,
                2 * w.tariff,
                TransferReason::Reallocation,
                None,
            ),
        ),
        "EmptyPeriod" => (vec![], w.grant(0, w.d0(), Some(w.at(-(w.length % 5))))),
        "UnknownClient" => (vec![w.contract(2026)], w.choose(0, w.provider(), w.d0())),
        "UnknownProvider" => (
            vec![w.grant(0, january_first(2026), None)],
            w.choose(0, w.provider(), w.d0()),
        ),
        "UnknownTariff" => (
            vec![
                w.budget(2026, BIG),
                w.contract(2026),
                w.grant(0, january_first(2026), None),
                w.choose(0, w.provider(), w.d0()),
            ],
            w.start_at(0, w.provider(), w.d0()),
        ),
        "NoRegionBudget" => (
            vec![
                w.contract(2026),
                w.tariff(2026),
                w.grant(0, january_first(2026), None),
                w.choose(0, w.provider(), w.d0()),
            ],
            w.start_at(0, w.provider(), w.d0()),
        ),
        "RegionBudgetAlreadySet" => (vec![w.budget(2026, BIG)], w.budget(2026, w.tariff)),
        "TariffAboveMaximum" => (
            vec![],
            Command::ContractProvider {
                provider: w.provider(),
                region: w.region(),
                year: 2026,
                places: w.places,
                tariff_bp: 10_001 + w.start as u32,
            },
        ),
        "CarryOverNeedsTariff" => (with(w.in_care(), [w.contract(2027)]), w.budget(2027, BIG)),
        "CarryOverNeedsContract" => (w.in_care(), w.budget(2027, BIG)),
        "IndicationExists" => (
            vec![w.grant(0, january_first(2026), None)],
            w.grant(0, w.d0(), None),
        ),
        "UnknownIndication" => (
            vec![w.grant(0, january_first(2026), None)],
            Command::WithdrawIndication {
                client: universe::client(0),
                indication: universe::indication(0, 1 + w.length as usize),
                on: w.d0(),
                reason: WithdrawalReason::Negative,
            },
        ),
        "IndicationAlreadyWithdrawn" => {
            let withdraw = |on| Command::WithdrawIndication {
                client: universe::client(0),
                indication: w.indication(0),
                on,
                reason: WithdrawalReason::Reassessed,
            };
            (
                vec![w.grant(0, january_first(2026), None), withdraw(w.d0())],
                withdraw(w.at(1)),
            )
        }
        "WithdrawalBeforeIndication" => (
            vec![w.grant(0, w.d0(), None)],
            Command::WithdrawIndication {
                client: universe::client(0),
                indication: w.indication(0),
                on: w.at(-1 - w.length % 10),
                reason: WithdrawalReason::Negative,
            },
        ),
        "PaidDaysAfterWithdrawal" => (
            w.paid(),
            Command::WithdrawIndication {
                client: universe::client(0),
                indication: w.indication(0),
                on: w.at(w.length / 2),
                reason: WithdrawalReason::Deceased,
            },
        ),
        "NoValidIndication" => (
            vec![w.contract(2026), w.grant(0, w.d0(), None)],
            w.choose(0, w.provider(), w.at(-1)),
        ),
        "AlreadyInCareAtProvider" => (w.in_care(), w.choose(0, w.provider(), w.at(1))),
        "NotChosen" => (
            vec![
                w.budget(2026, BIG),
                w.contract(2026),
                w.tariff(2026),
                w.grant(0, january_first(2026), None),
            ],
            w.start_at(0, w.provider(), w.d0()),
        ),
        "AlreadyInCare" => (
            with(
                w.in_care(),
                [
                    w.contract_of(w.other_provider(), 2026),
                    w.choose(0, w.other_provider(), w.d0()),
                ],
            ),
            w.start_at(0, w.other_provider(), w.at(1)),
        ),
        "CareOverlaps" => (
            with(
                w.in_care(),
                [
                    w.contract_of(w.other_provider(), 2026),
                    w.choose(0, w.other_provider(), w.d0()),
                    w.end(w.provider(), w.at(w.length)),
                ],
            ),
            w.start_at(0, w.other_provider(), w.at(w.length / 2)),
        ),
        "ProviderFull" => {
            let mut history = vec![w.budget(2026, BIG), w.contract(2026), w.tariff(2026)];
            let extra = w.places as usize;
            for client in 0..=extra {
                history.push(w.grant(client, january_first(2026), None));
                history.push(w.choose(client, w.provider(), w.d0()));
                if client < extra {
                    history.push(w.start_at(client, w.provider(), w.d0()));
                }
            }
            (history, w.start_at(extra, w.provider(), w.at(1)))
        }
        "PoolExhausted" => {
            let mut history = w.ready();
            history[0] = w.budget(2026, 10 * w.tariff);
            (history, w.start_at(0, w.provider(), w.d0()))
        }
        "ProviderBudgetExhausted" => (w.ready(), w.start_at(0, w.provider(), w.d0())),
        "NotInCare" => (
            vec![w.grant(0, january_first(2026), None)],
            w.end(w.provider(), w.d0()),
        ),
        "EndBeforeStart" => (w.in_care(), w.end(w.provider(), w.at(-1 - w.length % 5))),
        "PaidDaysAfterEnd" => (w.paid(), w.end(w.provider(), w.at(w.length / 2))),
        "DuplicateReference" => (
            w.paid(),
            w.deliver(
                w.at(w.length),
                w.at(w.length + 1),
                universe::reference(1),
                None,
            ),
        ),
        "DeliveryCrossesYear" => (
            w.in_care(),
            w.deliver(
                universe::day(364 - w.length % 5),
                universe::day(366 + w.length % 5),
                universe::reference(2),
                None,
            ),
        ),
        "OutsideCareInterval" => (
            w.in_care(),
            w.deliver(w.at(-w.length), w.d0(), universe::reference(2), None),
        ),
        "OutsideIndication" => {
            let mut history = w.in_care();
            history[3] = w.grant(0, january_first(2026), Some(w.at(w.length)));
            (
                history,
                w.deliver(
                    w.at(w.length),
                    w.at(w.length + 3),
                    universe::reference(2),
                    None,
                ),
            )
        }
        "AlreadyPaid" => (
            w.paid(),
            w.deliver(
                w.at(w.length - 1),
                w.at(w.length + 2),
                universe::reference(2),
                None,
            ),
        ),
        "AmountMismatch" => (
            w.in_care(),
            w.deliver(
                w.d0(),
                w.at(w.length),
                universe::reference(2),
                Some(w.day_tariff() * w.length + 1 + w.start),
            ),
        ),
        "UnknownDelivery" => (
            vec![],
            Command::ReverseDelivery {
                reference: universe::reference(100 + w.start as usize),
                reason: universe::note("unknown"),
            },
        ),
        "AlreadyReversed" => {
            let reverse = Command::ReverseDelivery {
                reference: universe::reference(1),
                reason: universe::note("wrong period"),
            };
            (with(w.paid(), [reverse.clone()]), reverse)
        }
        "LedgerOnlyTransferReason" => (
            vec![w.budget(2026, BIG)],
            w.transfer(
                pool,
                Account::provider(w.provider(), w.region()),
                w.tariff,
                if w.start % 2 == 0 {
                    TransferReason::FollowsClient
                } else {
                    TransferReason::Release
                },
                None,
            ),
        ),
        "NonPositiveTransfer" => (
            vec![w.budget(2026, BIG)],
            w.transfer(
                pool,
                Account::pool(w.other_region()),
                -(w.start % 3) * w.tariff,
                TransferReason::Reallocation,
                None,
            ),
        ),
        "SameAccount" => (
            vec![w.budget(2026, BIG)],
            w.transfer(pool, pool, w.tariff, TransferReason::Reallocation, None),
        ),
        "TransferDateOutsideYear" => (
            vec![w.budget(2026, BIG), w.contract(2026)],
            w.transfer(
                pool,
                Account::provider(w.provider(), w.region()),
                w.tariff,
                TransferReason::ProductionAgreement,
                Some(universe::day(365 + w.start)),
            ),
        ),
        "UnknownAccount" => (
            vec![w.budget(2026, BIG)],
            w.transfer(
                pool,
                Account::provider(w.provider(), w.region()),
                w.tariff,
                TransferReason::ProductionAgreement,
                None,
            ),
        ),
        "TransferOverdraws" => (
            vec![w.budget(2026, w.tariff), w.contract(2026)],
            w.transfer(
                pool,
                Account::provider(w.provider(), w.region()),
                w.tariff + 1 + w.start,
                TransferReason::ProductionAgreement,
                None,
            ),
        ),
        _ => return None,
    };
    Some(pair)
}

fn policy_of(rule: &str) -> Policy {
    if rule == "ProviderBudgetExhausted" {
        Policy::FixedAgreements
    } else {
        Policy::PersonFollowing
    }
}

/// (history, command) pairs refused with `rule`; `None` for a name not in
/// `Rejection::RULES`.
pub fn invalid_command_for(rule: &str) -> Option<BoxedStrategy<Refusal>> {
    let rule: &'static str = Rejection::RULES.iter().find(|r| **r == rule)?;
    // Every rule of RULES has a scenario (a test checks it); a world never fails to build one.
    build(
        rule,
        &World {
            region: 0,
            provider: 0,
            tariff: 20_000,
            bp: 10_000,
            places: 1,
            start: 0,
            length: 2,
        },
    )?;
    Some(
        world()
            .prop_filter_map("scenario", move |w| {
                build(rule, &w).map(|(history, command)| Refusal {
                    rule,
                    policy: policy_of(rule),
                    history,
                    command,
                })
            })
            .boxed(),
    )
}

/// A refused command of any rule.
pub fn invalid_command() -> BoxedStrategy<Refusal> {
    let all: Vec<BoxedStrategy<Refusal>> = Rejection::RULES
        .iter()
        .filter_map(|rule| invalid_command_for(rule))
        .collect();
    proptest::strategy::Union::new(all).boxed()
}
