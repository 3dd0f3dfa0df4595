//! Commands from bytes: a small, total decoder that turns any byte string into a sequence of
//! commands over the kit's small world, for the fuzz targets.
//!
//! Every byte string decodes (missing bytes read as zero), every command it yields is
//! well-formed (valid ids, dates in range), and most fields come from a handful of values, so
//! that a fuzzer quickly reaches deep states: clients in care, full providers, paid days,
//! reversals, transfers. Dates follow a running clock that moves forward a few days per
//! command, with some back-dated and some future-dated values.

use pvb_core::{
    Account, Command, EndReason, Money, Policy, TransferReason, Urgency, WithdrawalReason,
};
use time::Date;

use crate::universe;

/// Most commands read from one input.
pub const COMMANDS_MAX: usize = 64;

/// A cursor over fuzz input.
#[derive(Clone, Debug)]
pub struct ByteCommands<'a> {
    data: &'a [u8],
    at: usize,
    clock: Date,
    produced: usize,
}

impl<'a> ByteCommands<'a> {
    /// A cursor at the start of `data`, the clock on 2026-01-01.
    pub fn new(data: &'a [u8]) -> ByteCommands<'a> {
        ByteCommands {
            data,
            at: 0,
            clock: universe::day(0),
            produced: 0,
        }
    }

    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.at >= self.data.len()
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A policy (one byte).
    pub fn policy(&mut self) -> Policy {
        if self.byte() % 2 == 0 {
            Policy::PersonFollowing
        } else {
            Policy::FixedAgreements
        }
    }

    fn date(&mut self) -> Date {
        let b = self.byte();
        match b {
            250..=255 => universe::plus(self.clock, i64::from(b - 248) * 60),
            _ => universe::plus(self.clock, i64::from(b % 24) - 12),
        }
    }

    fn year(&mut self) -> i32 {
        match self.byte() {
            255 => 1999,
            b => 2026 + i32::from(b % 3),
        }
    }

    fn index(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    fn account(&mut self) -> Account {
        let region = universe::region(self.index(2));
        if self.byte() % 2 == 0 {
            Account::pool(region)
        } else {
            Account::provider(universe::provider(self.index(3)), region)
        }
    }

    /// The next command, or `None` when the input is used up (or `COMMANDS_MAX` were read).
    pub fn next_command(&mut self) -> Option<Command> {
        if self.is_empty() || self.produced >= COMMANDS_MAX {
            return None;
        }
        self.produced += 1;
        let op = self.byte();
        self.clock = universe::plus(self.clock, i64::from(op >> 5)).min(universe::day(1094));
        let client = universe::client(self.index(4));
        let provider = universe::provider(self.index(3));
        let command = match op % 13 {
            0 => Command::SetRegionBudget {
                region: universe::region(self.index(2)),
                year: self.year(),
                amount: Money::from_cents(i64::from(self.u16()) * 100_000 - 1_000),
            },
            1 => Command::ContractProvider {
                provider,
                region: universe::region(self.index(2)),
                year: self.year(),
                places: u32::from(self.byte() % 4),
                tariff_bp: 8_000 + u32::from(self.byte()) * 10,
            },
            2 => Command::SetTariff {
                year: self.year(),
                profile: universe::profile(self.index(2)),
                form: universe::form(self.index(2)),
                day_tariff: Money::from_cents(15_000 + i64::from(self.byte()) * 100),
            },
            3 => {
                let from = self.date();
                let length = self.byte();
                Command::GrantIndication {
                    client,
                    indication: universe::indication(0, self.index(3)),
                    profile: universe::profile(self.index(2)),
                    region: universe::region(self.index(2)),
                    from,
                    until: (length % 3 == 0).then(|| universe::plus(from, i64::from(length))),
                }
            }
            4 | 5 => Command::ChooseProvider {
                client,
                provider,
                form: universe::form(self.index(2)),
                on: self.date(),
                urgency: Urgency::ALL[self.index(4)],
            },
            6 => Command::StartCare {
                client,
                provider,
                on: self.date(),
            },
            7 | 8 => {
                let from = self.date();
                let days = self.byte() % 40;
                let declared = self.byte();
                Command::DeliverCare {
                    client,
                    provider,
                    from,
                    until: universe::plus(from, i64::from(days)),
                    reference: universe::reference(self.index(12)),
                    amount: (declared % 4 == 0)
                        .then(|| Money::from_cents(i64::from(declared) * 1_000)),
                }
            }
            9 => Command::ReverseDelivery {
                reference: universe::reference(self.index(12)),
                reason: universe::note("fuzz"),
            },
            10 => {
                if self.byte() % 2 == 0 {
                    Command::EndCare {
                        client,
                        provider,
                        on: self.date(),
                        reason: [EndReason::Transfer, EndReason::Deceased, EndReason::Ended]
                            [self.index(3)],
                    }
                } else {
                    Command::WithdrawChoice {
                        client,
                        provider,
                        on: self.date(),
                        reason: universe::note("fuzz"),
                    }
                }
            }
            11 => Command::WithdrawIndication {
                client,
                indication: universe::indication(0, self.index(3)),
                on: self.date(),
                reason: [
                    WithdrawalReason::Deceased,
                    WithdrawalReason::Reassessed,
                    WithdrawalReason::Negative,
                    WithdrawalReason::Moved,
                ][self.index(4)],
            },
            _ => {
                let from = self.account();
                let to = self.account();
                let on = self.byte();
                Command::TransferBudget {
                    from,
                    to,
                    year: self.year(),
                    amount: Money::from_cents(i64::from(self.u16()) * 10_000 - 5_000),
                    reason: [
                        TransferReason::ProductionAgreement,
                        TransferReason::Reallocation,
                        TransferReason::FollowsClient,
                        TransferReason::Release,
                    ][self.index(4)],
                    on: (on % 2 == 0).then(|| self.date()),
                }
            }
        };
        Some(command)
    }
}

/// Every command `data` decodes to (at most [`COMMANDS_MAX`]).
pub fn commands_from_bytes(data: &[u8]) -> Vec<Command> {
    let mut cursor = ByteCommands::new(data);
    std::iter::from_fn(|| cursor.next_command()).collect()
}
