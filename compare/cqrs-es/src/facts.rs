//! The cqrs-es side's shared facts: the `Aggregate::Services` every client aggregate reads
//! (tariffs, contracts, region budgets, account balances, places taken, declaration references).
//!
//! The yearly facts (`set_tariff`, `set_region_budget`, `contract_provider`) are written here by
//! the runner directly, checked by the same rules as pvb's (`pvb_core::rules`); they record no
//! event in cqrs-es. The cross-client figures (places taken, reservations, balances,
//! references) are written by the [`crate::queries::Bookkeeping`] query after each commit.
//! It is not an event store and keeps no history: only current values.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use pvb_core::{
    january_first, Account, DeclarationRef, DeliveryForm, Money, Profile, ProviderId, RegionId,
    Rejection, Year,
};

/// A provider's contract for one year (as `pvb_core::Contract`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contract {
    /// The contracting region.
    pub region: RegionId,
    /// Places.
    pub places: u32,
    /// Percentage of the maximum tariff, in basis points.
    pub tariff_bp: u32,
}

/// One of the three yearly facts of the pvb-year, as the runner applies it (the fields of the
/// `pvb_core::Command` variant of the same name).
#[derive(Clone, Debug)]
pub enum YearlyFact {
    /// `set_tariff`.
    SetTariff {
        year: Year,
        profile: Profile,
        form: DeliveryForm,
        day_tariff: Money,
    },
    /// `set_region_budget`.
    SetRegionBudget {
        region: RegionId,
        year: Year,
        amount: Money,
    },
    /// `contract_provider`.
    ContractProvider {
        provider: ProviderId,
        region: RegionId,
        year: Year,
        places: u32,
        tariff_bp: u32,
    },
}

/// The current facts shared by all client aggregates.
#[derive(Debug, Default)]
pub struct Facts {
    /// Maximum day tariffs by (year, profile, form).
    pub tariffs: HashMap<(Year, Profile, DeliveryForm), Money>,
    /// Contracts by (provider, year).
    pub contracts: HashMap<(ProviderId, Year), Contract>,
    /// Regions and years with a budget (ordered: `last_budget_year` asks for a range).
    pub budgets: BTreeMap<(RegionId, Year), Money>,
    /// Balances of pools and provider accounts by year.
    pub accounts: HashMap<(Account, Year), Money>,
    /// Reserved budget by (provider, funding region, year): reservations minus releases.
    pub reserved: HashMap<(ProviderId, RegionId, Year), Money>,
    /// Clients in care at a provider now.
    pub in_care: HashMap<ProviderId, u32>,
    /// Every declaration reference paid so far (pvb refuses a reference twice, at any client).
    pub references: HashSet<DeclarationRef>,
}

/// The services object of the client aggregate: [`Facts`] behind a shared lock, cloned into
/// the framework, the runner and the bookkeeping query.
#[derive(Clone, Debug, Default)]
pub struct SharedFacts(Arc<RwLock<Facts>>);

impl SharedFacts {
    /// Reads the facts. (A poisoned lock only follows a panic, which ends the run anyway.)
    pub fn read(&self) -> RwLockReadGuard<'_, Facts> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the facts.
    pub fn write(&self) -> RwLockWriteGuard<'_, Facts> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// pvb's `check_year`.
pub fn check_year(year: Year) -> Result<(), Rejection> {
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

impl Facts {
    /// Applies one yearly fact the way pvb decides it.
    ///
    /// One difference from pvb: `set_region_budget` does not carry over clients already in
    /// care on 1 January (their state lives in the client aggregates). The pvb-year sets its
    /// budgets before any client exists, so nothing is carried over there either.
    pub fn apply_yearly(&mut self, fact: YearlyFact) -> Result<(), Rejection> {
        match fact {
            YearlyFact::SetTariff {
                year,
                profile,
                form,
                day_tariff,
            } => {
                check_year(year)?;
                check_non_negative("day_tariff", day_tariff)?;
                self.tariffs.insert((year, profile, form), day_tariff);
                Ok(())
            }
            YearlyFact::SetRegionBudget {
                region,
                year,
                amount,
            } => {
                check_year(year)?;
                check_non_negative("amount", amount)?;
                if self.budgets.contains_key(&(region, year)) {
                    return Err(Rejection::RegionBudgetAlreadySet { region, year });
                }
                self.budgets.insert((region, year), amount);
                let pool = self
                    .accounts
                    .entry((Account::pool(region), year))
                    .or_default();
                *pool = Money::from_cents(pool.cents().saturating_add(amount.cents()));
                Ok(())
            }
            YearlyFact::ContractProvider {
                provider,
                region,
                year,
                places,
                tariff_bp,
            } => {
                check_year(year)?;
                if tariff_bp > 10_000 {
                    return Err(Rejection::TariffAboveMaximum {
                        provider,
                        tariff_bp,
                    });
                }
                self.contracts.insert(
                    (provider, year),
                    Contract {
                        region,
                        places,
                        tariff_bp,
                    },
                );
                Ok(())
            }
        }
    }

    /// The provider's contract for `year`, or pvb's `UnknownProvider`.
    pub fn contract(&self, provider: ProviderId, year: Year) -> Result<Contract, Rejection> {
        self.contracts
            .get(&(provider, year))
            .copied()
            .ok_or(Rejection::UnknownProvider { provider, year })
    }

    /// pvb's `day_tariff`: `floor(max tariff x tariff_bp / 10,000)`.
    pub fn day_tariff(
        &self,
        provider: ProviderId,
        year: Year,
        profile: Profile,
        form: DeliveryForm,
    ) -> Result<Money, Rejection> {
        let contract = self.contract(provider, year)?;
        let max =
            self.tariffs
                .get(&(year, profile, form))
                .copied()
                .ok_or(Rejection::UnknownTariff {
                    year,
                    profile,
                    form,
                })?;
        max.basis_points_floor(contract.tariff_bp)
            .ok_or(Rejection::AmountOverflow { what: "day tariff" })
    }

    /// True when the region's budget for `year` is set.
    pub fn has_budget(&self, region: RegionId, year: Year) -> bool {
        self.budgets.contains_key(&(region, year))
    }

    /// The last year `region` has a budget for.
    pub fn last_budget_year(&self, region: RegionId) -> Option<Year> {
        self.budgets
            .range((region, Year::MIN)..=(region, Year::MAX))
            .next_back()
            .map(|((_, year), _)| *year)
    }

    /// The balance of an account for a year (zero when it never moved).
    pub fn balance(&self, account: Account, year: Year) -> Money {
        self.accounts
            .get(&(account, year))
            .copied()
            .unwrap_or(Money::ZERO)
    }

    /// Reserved budget at a provider for a funding region and year.
    pub fn reserved(&self, provider: ProviderId, region: RegionId, year: Year) -> Money {
        self.reserved
            .get(&(provider, region, year))
            .copied()
            .unwrap_or(Money::ZERO)
    }

    /// Clients in care at a provider now.
    pub fn in_care(&self, provider: ProviderId) -> u32 {
        self.in_care.get(&provider).copied().unwrap_or(0)
    }

    /// pvb's `transfer_fits`: a ledger-made transfer must fit both balances.
    pub fn transfer_fits(
        &self,
        from: Account,
        to: Account,
        year: Year,
        amount: Money,
    ) -> Result<(), Rejection> {
        let debit = self.balance(from, year).checked_sub(amount);
        let credit = self.balance(to, year).checked_add(amount);
        match (debit, credit) {
            (Some(_), Some(_)) => Ok(()),
            _ => Err(Rejection::AmountOverflow { what: "transfer" }),
        }
    }

    /// Moves `amount` between two accounts (the bookkeeping query, after a commit).
    pub fn transfer(&mut self, from: Account, to: Account, year: Year, amount: Money) {
        let debit = self.accounts.entry((from, year)).or_default();
        *debit = Money::from_cents(debit.cents().saturating_sub(amount.cents()));
        let credit = self.accounts.entry((to, year)).or_default();
        *credit = Money::from_cents(credit.cents().saturating_add(amount.cents()));
    }
}

/// 1 January of the year after `year`.
pub fn year_end(year: Year) -> pvb_core::Date {
    january_first(year.saturating_add(1))
}
