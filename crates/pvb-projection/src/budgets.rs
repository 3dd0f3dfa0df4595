//! The budgets projection (DESIGN.md section 5): per region and year the pool (contract space,
//! allocated to providers, unallocated), and per provider, funding region and year the
//! provider's account (allocated, reserved, consumed, remaining).
//!
//! It is not a rule: it never refuses anything and never recomputes a tariff; it adds up the
//! amounts the events carry (`BudgetTransferred`, `BudgetReserved`, `BudgetReleased`,
//! `CareDelivered`, `DeliveryReversed`). Sums saturate at the limits of `i64` cents (about
//! 92 million million euros) instead of failing: a fold cannot fail.

use pvb_core::{Account, Event, Money, Position, ProviderId, RegionId, Year};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Projection;

/// One row of the budgets report: CSV columns `provider,region,year,allocated,reserved,
/// consumed,remaining`, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BudgetRow {
    /// The provider.
    pub provider: ProviderId,
    /// The funding region (the region of the clients whose care this pays).
    pub region: RegionId,
    /// The budget year.
    pub year: Year,
    /// Transfers into the account minus transfers out of it.
    pub allocated: Money,
    /// Reservations minus releases.
    pub reserved: Money,
    /// Deliveries minus reversals.
    pub consumed: Money,
    /// `allocated - consumed`.
    pub remaining: Money,
}

/// One region's pool for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PoolRow {
    /// The region.
    pub region: RegionId,
    /// The budget year.
    pub year: Year,
    /// The contract space: the sum of the region's `RegionBudgetSet` for the year.
    pub contract_space: Money,
    /// Net transfers from the pool to provider accounts (out minus back in).
    pub allocated: Money,
    /// Net transfers into the pool from other pools (a reallocation between regions);
    /// zero in almost every ledger.
    pub other_pools: Money,
    /// The pool's balance: `contract_space - allocated + other_pools`.
    pub unallocated: Money,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ProviderAccount {
    allocated: i64,
    reserved: i64,
    consumed: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct PoolAccount {
    contract_space: i64,
    allocated: i64,
    other_pools: i64,
}

type ProviderKey = (ProviderId, RegionId, Year);
type PoolKey = (RegionId, Year);

/// Budgets per pool and per provider account. Fold it with [`Projection::apply`]; read it
/// with [`Budgets::rows`] and [`Budgets::pools`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budgets {
    providers: FxHashMap<ProviderKey, ProviderAccount>,
    pools: FxHashMap<PoolKey, PoolAccount>,
}

#[inline]
fn add(slot: &mut i64, amount: Money) {
    *slot = slot.saturating_add(amount.cents());
}

#[inline]
fn sub(slot: &mut i64, amount: Money) {
    *slot = slot.saturating_sub(amount.cents());
}

impl Budgets {
    /// No budgets.
    pub fn new() -> Budgets {
        Budgets::default()
    }

    fn provider(
        &mut self,
        provider: ProviderId,
        region: RegionId,
        year: Year,
    ) -> &mut ProviderAccount {
        self.providers.entry((provider, region, year)).or_default()
    }

    fn pool(&mut self, region: RegionId, year: Year) -> &mut PoolAccount {
        self.pools.entry((region, year)).or_default()
    }

    fn transfer(&mut self, from: Account, to: Account, year: Year, amount: Money) {
        match (from, to) {
            (Account::Pool { pool }, Account::Provider { .. }) => {
                add(&mut self.pool(pool, year).allocated, amount);
            }
            (Account::Provider { .. }, Account::Pool { pool }) => {
                sub(&mut self.pool(pool, year).allocated, amount);
            }
            (Account::Pool { pool: out }, Account::Pool { pool: into }) => {
                sub(&mut self.pool(out, year).other_pools, amount);
                add(&mut self.pool(into, year).other_pools, amount);
            }
            (Account::Provider { .. }, Account::Provider { .. }) => {}
        }
        if let Account::Provider { provider, region } = from {
            sub(&mut self.provider(provider, region, year).allocated, amount);
        }
        if let Account::Provider { provider, region } = to {
            add(&mut self.provider(provider, region, year).allocated, amount);
        }
    }

    /// Every provider account, sorted by provider, region and year. A contracted provider has
    /// a row for its contracting region and year even when no money moved.
    pub fn rows(&self) -> Vec<BudgetRow> {
        let mut rows: Vec<BudgetRow> = self
            .providers
            .iter()
            .map(|(key, account)| provider_row(*key, account))
            .collect();
        rows.sort_unstable_by_key(|r| (r.provider, r.region, r.year));
        rows
    }

    /// The account of `provider` funded by `region` in `year`, if it exists.
    pub fn row(&self, provider: ProviderId, region: RegionId, year: Year) -> Option<BudgetRow> {
        let key = (provider, region, year);
        self.providers.get(&key).map(|a| provider_row(key, a))
    }

    /// Every pool, sorted by region and year.
    pub fn pools(&self) -> Vec<PoolRow> {
        let mut rows: Vec<PoolRow> = self
            .pools
            .iter()
            .map(|(key, pool)| pool_row(*key, pool))
            .collect();
        rows.sort_unstable_by_key(|r| (r.region, r.year));
        rows
    }

    /// The pool of `region` in `year`, if it exists.
    pub fn pool_row(&self, region: RegionId, year: Year) -> Option<PoolRow> {
        let key = (region, year);
        self.pools.get(&key).map(|p| pool_row(key, p))
    }

    /// The sum of `consumed` over every provider account of `year`: WORKLOAD.md checksum (a)
    /// when taken as of 2026-12-31 or later for 2026.
    pub fn consumed_total(&self, year: Year) -> Money {
        let total = self
            .providers
            .iter()
            .filter(|((_, _, y), _)| *y == year)
            .fold(0i64, |sum, (_, a)| sum.saturating_add(a.consumed));
        Money::from_cents(total)
    }
}

fn provider_row((provider, region, year): ProviderKey, a: &ProviderAccount) -> BudgetRow {
    BudgetRow {
        provider,
        region,
        year,
        allocated: Money::from_cents(a.allocated),
        reserved: Money::from_cents(a.reserved),
        consumed: Money::from_cents(a.consumed),
        remaining: Money::from_cents(a.allocated.saturating_sub(a.consumed)),
    }
}

fn pool_row((region, year): PoolKey, p: &PoolAccount) -> PoolRow {
    let unallocated = p
        .contract_space
        .saturating_sub(p.allocated)
        .saturating_add(p.other_pools);
    PoolRow {
        region,
        year,
        contract_space: Money::from_cents(p.contract_space),
        allocated: Money::from_cents(p.allocated),
        other_pools: Money::from_cents(p.other_pools),
        unallocated: Money::from_cents(unallocated),
    }
}

impl Projection for Budgets {
    #[inline]
    fn apply(&mut self, _position: Position, event: &Event) {
        match event {
            Event::CareDelivered(e) => {
                add(
                    &mut self.provider(e.provider, e.region, e.from.year()).consumed,
                    e.amount,
                );
            }
            Event::DeliveryReversed(e) => {
                sub(
                    &mut self.provider(e.provider, e.region, e.from.year()).consumed,
                    e.amount,
                );
            }
            Event::BudgetReserved(e) => {
                add(
                    &mut self.provider(e.provider, e.region, e.year).reserved,
                    e.amount,
                );
            }
            Event::BudgetReleased(e) => {
                sub(
                    &mut self.provider(e.provider, e.region, e.year).reserved,
                    e.amount,
                );
            }
            Event::BudgetTransferred(e) => self.transfer(e.from, e.to, e.year, e.amount),
            Event::RegionBudgetSet(e) => {
                add(&mut self.pool(e.region, e.year).contract_space, e.amount);
            }
            Event::ProviderContracted(e) => {
                self.provider(e.provider, e.region, e.year);
            }
            Event::TariffSet(_)
            | Event::IndicationGranted(_)
            | Event::IndicationWithdrawn(_)
            | Event::ProviderChosen(_)
            | Event::ChoiceWithdrawn(_)
            | Event::CareStarted(_)
            | Event::CareEnded(_) => {}
        }
    }
}

/// The serialized form: both tables as sorted lists, so equal budgets give equal bytes.
#[derive(Serialize, Deserialize)]
struct BudgetsData {
    providers: Vec<ProviderEntry>,
    pools: Vec<PoolEntry>,
}

#[derive(Serialize, Deserialize)]
struct ProviderEntry {
    provider: ProviderId,
    region: RegionId,
    year: Year,
    allocated: i64,
    reserved: i64,
    consumed: i64,
}

#[derive(Serialize, Deserialize)]
struct PoolEntry {
    region: RegionId,
    year: Year,
    contract_space: i64,
    allocated: i64,
    other_pools: i64,
}

impl Serialize for Budgets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut providers: Vec<ProviderEntry> = self
            .providers
            .iter()
            .map(|(&(provider, region, year), a)| ProviderEntry {
                provider,
                region,
                year,
                allocated: a.allocated,
                reserved: a.reserved,
                consumed: a.consumed,
            })
            .collect();
        providers.sort_unstable_by_key(|e| (e.provider, e.region, e.year));
        let mut pools: Vec<PoolEntry> = self
            .pools
            .iter()
            .map(|(&(region, year), p)| PoolEntry {
                region,
                year,
                contract_space: p.contract_space,
                allocated: p.allocated,
                other_pools: p.other_pools,
            })
            .collect();
        pools.sort_unstable_by_key(|e| (e.region, e.year));
        BudgetsData { providers, pools }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Budgets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = BudgetsData::deserialize(deserializer)?;
        let providers = data
            .providers
            .into_iter()
            .map(|e| {
                let account = ProviderAccount {
                    allocated: e.allocated,
                    reserved: e.reserved,
                    consumed: e.consumed,
                };
                ((e.provider, e.region, e.year), account)
            })
            .collect();
        let pools = data
            .pools
            .into_iter()
            .map(|e| {
                let pool = PoolAccount {
                    contract_space: e.contract_space,
                    allocated: e.allocated,
                    other_pools: e.other_pools,
                };
                ((e.region, e.year), pool)
            })
            .collect();
        Ok(Budgets { providers, pools })
    }
}
