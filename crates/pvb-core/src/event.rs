//! Events: the facts of the ledger, in the past tense, each with its business date.
//!
//! An event is what `decide` produced and the log made durable; it is never edited or deleted
//! (a correction is a new event). It is not a command: commands are requests that may be
//! refused (see [`crate::command`]). The on-disk bytes of an event are fixed in
//! [`crate::codec`]; serde here serves JSON views only.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};
use crate::text::Note;

time::serde::format_description!(pub(crate) ymd, Date, "[year]-[month]-[day]");

/// A calendar year, e.g. 2026.
pub type Year = i32;

/// Waiting status of a choice (leveringsstatus COD167, as pvb names them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 6, urgent plaatsen: placed first.
    Urgent,
    /// 7, actief plaatsen.
    Active,
    /// 2, wacht op voorkeur: only the preferred provider will do.
    Preference,
    /// 3, wacht uit voorzorg: on the list as a precaution.
    Precaution,
}

impl Urgency {
    /// Every status, in report order.
    pub const ALL: [Urgency; 4] = [
        Urgency::Urgent,
        Urgency::Active,
        Urgency::Preference,
        Urgency::Precaution,
    ];

    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::Active => "active",
            Urgency::Preference => "preference",
            Urgency::Precaution => "precaution",
        }
    }
}

/// Why care at a provider ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The client moved to another provider.
    Transfer,
    /// The client died.
    Deceased,
    /// Any other end.
    Ended,
}

/// Why an indication was withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalReason {
    /// The client died (reden intrekking 1).
    Deceased,
    /// Replaced by a new decision (herindicatie, reden 3).
    Reassessed,
    /// A negative decision (reden 2).
    Negative,
    /// The client moved to another region (reden 8).
    Moved,
}

/// Why budget moved between accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferReason {
    /// Person-following policy: a client's reservation moves from the pool to the provider.
    /// Written by the ledger only.
    FollowsClient,
    /// Fixed-agreements policy: the provider's production agreement, paid up front.
    ProductionAgreement,
    /// A reallocation (herschikking) decided by the office.
    Reallocation,
    /// Person-following policy: the unspent part of a reservation returns to the pool.
    /// Written by the ledger only.
    Release,
}

impl TransferReason {
    /// True for the reasons only the ledger itself writes.
    pub const fn is_ledger_only(self) -> bool {
        matches!(
            self,
            TransferReason::FollowsClient | TransferReason::Release
        )
    }
}

/// A budget account (DESIGN.md section 5); every account is per year, and the year travels
/// beside it.
///
/// In JSON (human-readable formats) an account is `{"pool":5531}` or
/// `{"provider":"12345678","region":5531}`; in binary formats (snapshots) a tagged enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Account {
    /// The region's contracting space (contracteerruimte).
    Pool {
        /// The region.
        pool: RegionId,
    },
    /// A provider's budget funded by `region` (the clients' region that pays).
    Provider {
        /// The provider.
        provider: ProviderId,
        /// The funding region.
        region: RegionId,
    },
}

impl Account {
    /// The pool of `region`.
    pub const fn pool(region: RegionId) -> Account {
        Account::Pool { pool: region }
    }

    /// The account of `provider` funded by `region`.
    pub const fn provider(provider: ProviderId, region: RegionId) -> Account {
        Account::Provider { provider, region }
    }

    /// The region whose money this is.
    pub const fn region(self) -> RegionId {
        match self {
            Account::Pool { pool } => pool,
            Account::Provider { region, .. } => region,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AccountJson {
    Pool {
        pool: RegionId,
    },
    Provider {
        provider: ProviderId,
        region: RegionId,
    },
}

#[derive(Serialize, Deserialize)]
enum AccountBinary {
    Pool(RegionId),
    Provider(ProviderId, RegionId),
}

impl Serialize for Account {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            match *self {
                Account::Pool { pool } => AccountJson::Pool { pool },
                Account::Provider { provider, region } => {
                    AccountJson::Provider { provider, region }
                }
            }
            .serialize(s)
        } else {
            match *self {
                Account::Pool { pool } => AccountBinary::Pool(pool),
                Account::Provider { provider, region } => AccountBinary::Provider(provider, region),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            Ok(match AccountJson::deserialize(d)? {
                AccountJson::Pool { pool } => Account::Pool { pool },
                AccountJson::Provider { provider, region } => {
                    Account::Provider { provider, region }
                }
            })
        } else {
            Ok(match AccountBinary::deserialize(d)? {
                AccountBinary::Pool(pool) => Account::Pool { pool },
                AccountBinary::Provider(provider, region) => Account::Provider { provider, region },
            })
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::Pool { pool } => write!(f, "pool {pool}"),
            Account::Provider { provider, region } => {
                write!(f, "provider {provider} (region {region})")
            }
        }
    }
}

/// `RegionBudgetSet`: a region's contracteerruimte for a year; credits the pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionBudgetSet {
    /// The region.
    pub region: RegionId,
    /// The year.
    pub year: Year,
    /// The amount credited to the pool.
    pub amount: Money,
}

/// `ProviderContracted`: the office contracts a provider for a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderContracted {
    /// The provider.
    pub provider: ProviderId,
    /// The contracting region (where the provider is).
    pub region: RegionId,
    /// The year.
    pub year: Year,
    /// Places (physical capacity).
    pub places: u32,
    /// The contract's percentage of the maximum tariff, in basis points (9700 = 97%).
    pub tariff_bp: u32,
}

/// `TariffSet`: the maximum day tariff of a profile and form for a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffSet {
    /// The year.
    pub year: Year,
    /// The profile.
    pub profile: Profile,
    /// The delivery form.
    pub form: DeliveryForm,
    /// The maximum day tariff.
    pub day_tariff: Money,
}

/// `IndicationGranted`: CIZ granted a client an indication for a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicationGranted {
    /// The client.
    pub client: ClientId,
    /// The indication's id.
    pub indication: IndicationId,
    /// The care profile.
    pub profile: Profile,
    /// The client's region, which pays for the client's care.
    pub region: RegionId,
    /// First valid day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// First day no longer valid; `None` is open-ended (the normal Wlz case).
    #[serde(with = "ymd::option", default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
}

/// `IndicationWithdrawn`: an indication no longer holds from `on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicationWithdrawn {
    /// The client.
    pub client: ClientId,
    /// The indication.
    pub indication: IndicationId,
    /// First day it no longer holds.
    #[serde(with = "ymd")]
    pub on: Date,
    /// Why.
    pub reason: WithdrawalReason,
}

/// `ProviderChosen`: the client chose a provider (the assignment); it joins that provider's
/// waiting list, or changes its status there if it is already listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderChosen {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// The delivery form.
    pub form: DeliveryForm,
    /// The day of the choice.
    #[serde(with = "ymd")]
    pub on: Date,
    /// The waiting status.
    pub urgency: Urgency,
}

/// `ChoiceWithdrawn`: the client no longer waits for that provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceWithdrawn {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// The day.
    #[serde(with = "ymd")]
    pub on: Date,
    /// Why, in the office's words.
    pub reason: Note,
}

/// `CareStarted`: the client is in care at the provider from `on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareStarted {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// First day in care.
    #[serde(with = "ymd")]
    pub on: Date,
    /// The client's region, which funds this care.
    pub region: RegionId,
    /// The profile of the indication valid on `on`.
    pub profile: Profile,
    /// The delivery form of the client's choice of this provider.
    pub form: DeliveryForm,
}

/// `CareEnded`: `on` is the first day not in care.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareEnded {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// First day not in care.
    #[serde(with = "ymd")]
    pub on: Date,
    /// Why.
    pub reason: EndReason,
}

/// `CareDelivered`: care over `[from, until)` is paid: `amount = days x day tariff`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareDelivered {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// The funding region.
    pub region: RegionId,
    /// First day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// First day after the period.
    #[serde(with = "ymd")]
    pub until: Date,
    /// `until - from`, in days.
    pub days: u32,
    /// The amount paid.
    pub amount: Money,
    /// The declaration reference.
    #[serde(rename = "ref")]
    pub reference: DeclarationRef,
}

/// `DeliveryReversed`: a delivery is reversed; it counts nowhere any more. The delivery's
/// facts are repeated so that a reader needs no lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReversed {
    /// The reversed declaration.
    #[serde(rename = "ref")]
    pub reference: DeclarationRef,
    /// Why, in the office's words.
    pub reason: Note,
    /// The client of the delivery.
    pub client: ClientId,
    /// The provider of the delivery.
    pub provider: ProviderId,
    /// The funding region of the delivery.
    pub region: RegionId,
    /// First day of the delivery.
    #[serde(with = "ymd")]
    pub from: Date,
    /// First day after the delivery.
    #[serde(with = "ymd")]
    pub until: Date,
    /// Days of the delivery.
    pub days: u32,
    /// Amount of the delivery (now un-consumed).
    pub amount: Money,
}

/// `BudgetTransferred`: `amount` moves from one account to another; the sum over all accounts
/// does not change (INV-09).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetTransferred {
    /// Debited account.
    pub from: Account,
    /// Credited account.
    pub to: Account,
    /// The budget year of both accounts.
    pub year: Year,
    /// Business date of the transfer.
    #[serde(with = "ymd")]
    pub on: Date,
    /// The amount, `> 0`.
    pub amount: Money,
    /// Why.
    pub reason: TransferReason,
}

/// `BudgetReserved`: a client's cost to the end of `year` is reserved at the provider:
/// `days x day tariff` from `from` (DESIGN.md section 5). Written by the ledger when care starts,
/// and on 1 January for clients in care when a region's budget for a new year is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetReserved {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// The funding region.
    pub region: RegionId,
    /// The budget year.
    pub year: Year,
    /// First reserved day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// Reserved days, `[from, 1 January of year + 1)`; for a carried-over care interval that
    /// had already ended when the budget was set, `[from, the day care ended)`.
    pub days: u32,
    /// `days x day tariff`.
    pub amount: Money,
}

/// `BudgetReleased`: when care ends on `from`, the unspent part of a reservation is released:
/// the days `[from, 1 January of year + 1)` (or the whole reservation when it starts later).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetReleased {
    /// The client.
    pub client: ClientId,
    /// The provider.
    pub provider: ProviderId,
    /// The funding region.
    pub region: RegionId,
    /// The budget year.
    pub year: Year,
    /// First released day.
    #[serde(with = "ymd")]
    pub from: Date,
    /// Released days.
    pub days: u32,
    /// `days x day tariff`.
    pub amount: Money,
}

/// A fact of the ledger. The tag of each variant ([`Event::tag`]) is its number on disk and
/// is never reused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Event {
    RegionBudgetSet(RegionBudgetSet),
    ProviderContracted(ProviderContracted),
    TariffSet(TariffSet),
    IndicationGranted(IndicationGranted),
    IndicationWithdrawn(IndicationWithdrawn),
    ProviderChosen(ProviderChosen),
    ChoiceWithdrawn(ChoiceWithdrawn),
    CareStarted(CareStarted),
    CareEnded(CareEnded),
    CareDelivered(CareDelivered),
    DeliveryReversed(DeliveryReversed),
    BudgetTransferred(BudgetTransferred),
    BudgetReserved(BudgetReserved),
    BudgetReleased(BudgetReleased),
}

/// 1 January of `year`, or the nearest representable date.
pub fn january_first(year: Year) -> Date {
    Date::from_ordinal_date(year, 1).unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

impl Event {
    /// The stable tag of the variant on disk.
    pub const fn tag(&self) -> u8 {
        match self {
            Event::RegionBudgetSet(_) => 1,
            Event::ProviderContracted(_) => 2,
            Event::TariffSet(_) => 3,
            Event::IndicationGranted(_) => 4,
            Event::IndicationWithdrawn(_) => 5,
            Event::ProviderChosen(_) => 6,
            Event::ChoiceWithdrawn(_) => 7,
            Event::CareStarted(_) => 8,
            Event::CareEnded(_) => 9,
            Event::CareDelivered(_) => 10,
            Event::DeliveryReversed(_) => 11,
            Event::BudgetTransferred(_) => 12,
            Event::BudgetReserved(_) => 13,
            Event::BudgetReleased(_) => 14,
        }
    }

    /// The variant's name, as in docs/EVENTS.md.
    pub const fn name(&self) -> &'static str {
        match self {
            Event::RegionBudgetSet(_) => "RegionBudgetSet",
            Event::ProviderContracted(_) => "ProviderContracted",
            Event::TariffSet(_) => "TariffSet",
            Event::IndicationGranted(_) => "IndicationGranted",
            Event::IndicationWithdrawn(_) => "IndicationWithdrawn",
            Event::ProviderChosen(_) => "ProviderChosen",
            Event::ChoiceWithdrawn(_) => "ChoiceWithdrawn",
            Event::CareStarted(_) => "CareStarted",
            Event::CareEnded(_) => "CareEnded",
            Event::CareDelivered(_) => "CareDelivered",
            Event::DeliveryReversed(_) => "DeliveryReversed",
            Event::BudgetTransferred(_) => "BudgetTransferred",
            Event::BudgetReserved(_) => "BudgetReserved",
            Event::BudgetReleased(_) => "BudgetReleased",
        }
    }

    /// The business date (valid time). Yearly facts (budget, contract, tariff) are dated
    /// 1 January of their year; a delivery is dated by its first day, and a reversal by the
    /// first day of the delivery it reverses.
    pub fn business_date(&self) -> Date {
        match self {
            Event::RegionBudgetSet(e) => january_first(e.year),
            Event::ProviderContracted(e) => january_first(e.year),
            Event::TariffSet(e) => january_first(e.year),
            Event::IndicationGranted(e) => e.from,
            Event::IndicationWithdrawn(e) => e.on,
            Event::ProviderChosen(e) => e.on,
            Event::ChoiceWithdrawn(e) => e.on,
            Event::CareStarted(e) => e.on,
            Event::CareEnded(e) => e.on,
            Event::CareDelivered(e) => e.from,
            Event::DeliveryReversed(e) => e.from,
            Event::BudgetTransferred(e) => e.on,
            Event::BudgetReserved(e) => e.from,
            Event::BudgetReleased(e) => e.from,
        }
    }

    /// The client the event is about, if any.
    pub fn client(&self) -> Option<&ClientId> {
        match self {
            Event::IndicationGranted(e) => Some(&e.client),
            Event::IndicationWithdrawn(e) => Some(&e.client),
            Event::ProviderChosen(e) => Some(&e.client),
            Event::ChoiceWithdrawn(e) => Some(&e.client),
            Event::CareStarted(e) => Some(&e.client),
            Event::CareEnded(e) => Some(&e.client),
            Event::CareDelivered(e) => Some(&e.client),
            Event::DeliveryReversed(e) => Some(&e.client),
            Event::BudgetReserved(e) => Some(&e.client),
            Event::BudgetReleased(e) => Some(&e.client),
            Event::RegionBudgetSet(_)
            | Event::ProviderContracted(_)
            | Event::TariffSet(_)
            | Event::BudgetTransferred(_) => None,
        }
    }
}
