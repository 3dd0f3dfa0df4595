//! Rejections: why `decide` refused a command. One variant per rule, named after the rule,
//! carrying the values that broke it.
//!
//! A rejection is an expected answer, not a failure: nothing was appended and the state is
//! unchanged. Storage trouble is a different type (the log's error), so a caller can never
//! confuse "the client was already paid for that day" with "the disk is full".

use time::Date;

use crate::event::{Account, TransferReason, Year};
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};

/// Why a command was refused. Variants are grouped by the command they mostly answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[allow(missing_docs)] // Every field is the value named in the variant's message.
pub enum Rejection {
    // ----- general -----
    /// A year outside 2000..=2999.
    #[error("year {year} is outside 2000..=2999")]
    InvalidYear { year: Year },
    /// An amount below zero.
    #[error("{field} {amount} is negative")]
    NegativeAmount { field: &'static str, amount: Money },
    /// Arithmetic on amounts would overflow 64-bit cents.
    #[error("{what} overflows 64-bit cents")]
    AmountOverflow { what: &'static str },
    /// A period whose end is not after its start.
    #[error("period [{from}, {until}) is empty: until must be after from")]
    EmptyPeriod { from: Date, until: Date },
    /// A client the ledger has never seen (no indication granted).
    #[error("client {client} is unknown: no indication was granted")]
    UnknownClient { client: ClientId },
    /// A provider that is not contracted for the year.
    #[error("provider {provider} is not contracted for {year}")]
    UnknownProvider { provider: ProviderId, year: Year },
    /// No maximum tariff for the year, profile and form.
    #[error("no tariff for {year} {profile} {form}")]
    UnknownTariff {
        year: Year,
        profile: Profile,
        form: DeliveryForm,
    },
    /// A region without a budget (contracteerruimte) for the year.
    #[error("region {region} has no budget for {year}")]
    NoRegionBudget { region: RegionId, year: Year },

    // ----- budgets, contracts, tariffs -----
    /// A second `set_region_budget` for the same region and year.
    #[error("region {region} already has a budget for {year}; adjust it with transfer_budget")]
    RegionBudgetAlreadySet { region: RegionId, year: Year },
    /// A contract above 100% of the maximum tariff (INV-06).
    #[error("provider {provider}: tariff {tariff_bp} basis points is above the maximum (10000)")]
    TariffAboveMaximum {
        provider: ProviderId,
        tariff_bp: u32,
    },
    /// Setting a new year's budget needs a tariff for every client it carries over.
    #[error("budget for {year} carries client {client} over but there is no tariff for {year} {profile} {form}")]
    CarryOverNeedsTariff {
        client: ClientId,
        year: Year,
        profile: Profile,
        form: DeliveryForm,
    },
    /// Setting a new year's budget needs a contract for every provider it carries a client at.
    #[error("budget for {year} carries client {client} over but provider {provider} is not contracted for {year}")]
    CarryOverNeedsContract {
        client: ClientId,
        provider: ProviderId,
        year: Year,
    },

    // ----- indications -----
    /// An indication id the client already has.
    #[error("client {client} already has indication {indication}")]
    IndicationExists {
        client: ClientId,
        indication: IndicationId,
    },
    /// An indication the client does not have.
    #[error("client {client} has no indication {indication}")]
    UnknownIndication {
        client: ClientId,
        indication: IndicationId,
    },
    /// An indication withdrawn before.
    #[error("indication {indication} of client {client} was already withdrawn on {on}")]
    IndicationAlreadyWithdrawn {
        client: ClientId,
        indication: IndicationId,
        on: Date,
    },
    /// A withdrawal dated before the indication starts.
    #[error("indication {indication} starts on {from}; it cannot be withdrawn on {on}")]
    WithdrawalBeforeIndication {
        indication: IndicationId,
        from: Date,
        on: Date,
    },
    /// A withdrawal that would leave paid days without a valid indication (INV-01).
    #[error("client {client} has paid day {day} on or after {on} that no other indication covers; reverse it first")]
    PaidDaysAfterWithdrawal {
        client: ClientId,
        on: Date,
        day: Date,
    },
    /// No valid indication on the day (INV-01).
    #[error("client {client} has no valid indication on {on}")]
    NoValidIndication { client: ClientId, on: Date },

    // ----- choices and care -----
    /// Choosing the provider where the client is in care.
    #[error("client {client} is already in care at provider {provider}")]
    AlreadyInCareAtProvider {
        client: ClientId,
        provider: ProviderId,
    },
    /// Starting care (or withdrawing a choice) without an earlier choice of that provider.
    #[error("client {client} has not chosen provider {provider} on or before {on}")]
    NotChosen {
        client: ClientId,
        provider: ProviderId,
        on: Date,
    },
    /// Starting care while in care elsewhere: a client is in care at one provider at a time.
    #[error(
        "client {client} is in care at provider {provider} since {since}; end that care first"
    )]
    AlreadyInCare {
        client: ClientId,
        provider: ProviderId,
        since: Date,
    },
    /// Starting care inside an earlier, ended care interval.
    #[error("client {client} was in care at provider {provider} until {until}; care cannot start on {on}")]
    CareOverlaps {
        client: ClientId,
        provider: ProviderId,
        until: Date,
        on: Date,
    },
    /// The provider's clients in care equal its places.
    #[error("provider {provider} is full: {in_care} clients in care, {places} places")]
    ProviderFull {
        provider: ProviderId,
        places: u32,
        in_care: u32,
    },
    /// Person-following policy: the region's pool cannot cover the reservation.
    #[error("pool of region {region} for {year} holds {balance}, the reservation needs {needed}")]
    PoolExhausted {
        region: RegionId,
        year: Year,
        balance: Money,
        needed: Money,
    },
    /// Fixed-agreements policy: the provider's allocated minus reserved budget cannot cover the
    /// reservation, even if a place is free (the Rosa Spier Huis case).
    #[error("provider {provider} (region {region}, {year}) has {free} free budget, the reservation needs {needed}")]
    ProviderBudgetExhausted {
        provider: ProviderId,
        region: RegionId,
        year: Year,
        free: Money,
        needed: Money,
    },
    /// Ending care (or delivering) at a provider where the client is not in care.
    #[error("client {client} is not in care at provider {provider}")]
    NotInCare {
        client: ClientId,
        provider: ProviderId,
    },
    /// Ending care before it started.
    #[error("care of client {client} at provider {provider} started on {started}; it cannot end on {on}")]
    EndBeforeStart {
        client: ClientId,
        provider: ProviderId,
        started: Date,
        on: Date,
    },
    /// Ending care before days already paid (INV-02).
    #[error("client {client} has paid day {day} on or after {on}; reverse it before ending care")]
    PaidDaysAfterEnd {
        client: ClientId,
        on: Date,
        day: Date,
    },

    // ----- deliveries -----
    /// A declaration reference used before (INV-05).
    #[error("declaration {reference} was already recorded")]
    DuplicateReference { reference: DeclarationRef },
    /// A delivery over more than one calendar year (INV-07).
    #[error("delivery [{from}, {until}) crosses a year boundary; declare each year separately")]
    DeliveryCrossesYear { from: Date, until: Date },
    /// A delivery outside the client's care interval at the provider (INV-02).
    #[error(
        "client {client} was not in care at provider {provider} on every day of [{from}, {until})"
    )]
    OutsideCareInterval {
        client: ClientId,
        provider: ProviderId,
        from: Date,
        until: Date,
    },
    /// A delivered day outside every valid indication (INV-01).
    #[error("client {client} has no valid indication on {day}")]
    OutsideIndication { client: ClientId, day: Date },
    /// A day already paid for the client at any provider (INV-04).
    #[error("client {client} is already paid for {day}")]
    AlreadyPaid { client: ClientId, day: Date },
    /// A declared amount that differs from days x day tariff (INV-06).
    #[error("declared {declared} differs from {days} days x {day_tariff} = {expected}")]
    AmountMismatch {
        declared: Money,
        expected: Money,
        days: u32,
        day_tariff: Money,
    },
    /// Reversing a declaration the ledger does not have.
    #[error("declaration {reference} is unknown")]
    UnknownDelivery { reference: DeclarationRef },
    /// Reversing a declaration twice.
    #[error("declaration {reference} was already reversed")]
    AlreadyReversed { reference: DeclarationRef },

    // ----- transfers -----
    /// `follows_client` and `release` transfers are written by the ledger only.
    #[error("transfer reason {reason:?} is written by the ledger itself, not by a command")]
    LedgerOnlyTransferReason { reason: TransferReason },
    /// A transfer of zero or less.
    #[error("transfer amount {amount} must be more than zero")]
    NonPositiveTransfer { amount: Money },
    /// A transfer from an account to itself.
    #[error("transfer from {account} to itself")]
    SameAccount { account: Account },
    /// A transfer dated outside its budget year.
    #[error("transfer dated {on} lies outside its budget year {year}")]
    TransferDateOutsideYear { on: Date, year: Year },
    /// An account that does not exist for the year (pool without budget, provider not contracted).
    #[error("account {account} does not exist for {year}")]
    UnknownAccount { account: Account, year: Year },
    /// A transfer that would overdraw its source: the books would not balance (INV-09).
    #[error("{account} holds {balance} for {year}; it cannot transfer {amount}")]
    TransferOverdraws {
        account: Account,
        year: Year,
        balance: Money,
        amount: Money,
    },
}

impl Rejection {
    /// The variant's name (the rule), e.g. `"ProviderFull"`: stable, for reports and tests.
    pub fn rule(&self) -> &'static str {
        match self {
            Rejection::InvalidYear { .. } => "InvalidYear",
            Rejection::NegativeAmount { .. } => "NegativeAmount",
            Rejection::AmountOverflow { .. } => "AmountOverflow",
            Rejection::EmptyPeriod { .. } => "EmptyPeriod",
            Rejection::UnknownClient { .. } => "UnknownClient",
            Rejection::UnknownProvider { .. } => "UnknownProvider",
            Rejection::UnknownTariff { .. } => "UnknownTariff",
            Rejection::NoRegionBudget { .. } => "NoRegionBudget",
            Rejection::RegionBudgetAlreadySet { .. } => "RegionBudgetAlreadySet",
            Rejection::TariffAboveMaximum { .. } => "TariffAboveMaximum",
            Rejection::CarryOverNeedsTariff { .. } => "CarryOverNeedsTariff",
            Rejection::CarryOverNeedsContract { .. } => "CarryOverNeedsContract",
            Rejection::IndicationExists { .. } => "IndicationExists",
            Rejection::UnknownIndication { .. } => "UnknownIndication",
            Rejection::IndicationAlreadyWithdrawn { .. } => "IndicationAlreadyWithdrawn",
            Rejection::WithdrawalBeforeIndication { .. } => "WithdrawalBeforeIndication",
            Rejection::PaidDaysAfterWithdrawal { .. } => "PaidDaysAfterWithdrawal",
            Rejection::NoValidIndication { .. } => "NoValidIndication",
            Rejection::AlreadyInCareAtProvider { .. } => "AlreadyInCareAtProvider",
            Rejection::NotChosen { .. } => "NotChosen",
            Rejection::AlreadyInCare { .. } => "AlreadyInCare",
            Rejection::CareOverlaps { .. } => "CareOverlaps",
            Rejection::ProviderFull { .. } => "ProviderFull",
            Rejection::PoolExhausted { .. } => "PoolExhausted",
            Rejection::ProviderBudgetExhausted { .. } => "ProviderBudgetExhausted",
            Rejection::NotInCare { .. } => "NotInCare",
            Rejection::EndBeforeStart { .. } => "EndBeforeStart",
            Rejection::PaidDaysAfterEnd { .. } => "PaidDaysAfterEnd",
            Rejection::DuplicateReference { .. } => "DuplicateReference",
            Rejection::DeliveryCrossesYear { .. } => "DeliveryCrossesYear",
            Rejection::OutsideCareInterval { .. } => "OutsideCareInterval",
            Rejection::OutsideIndication { .. } => "OutsideIndication",
            Rejection::AlreadyPaid { .. } => "AlreadyPaid",
            Rejection::AmountMismatch { .. } => "AmountMismatch",
            Rejection::UnknownDelivery { .. } => "UnknownDelivery",
            Rejection::AlreadyReversed { .. } => "AlreadyReversed",
            Rejection::LedgerOnlyTransferReason { .. } => "LedgerOnlyTransferReason",
            Rejection::NonPositiveTransfer { .. } => "NonPositiveTransfer",
            Rejection::SameAccount { .. } => "SameAccount",
            Rejection::TransferDateOutsideYear { .. } => "TransferDateOutsideYear",
            Rejection::UnknownAccount { .. } => "UnknownAccount",
            Rejection::TransferOverdraws { .. } => "TransferOverdraws",
        }
    }

    /// Every rule name, in declaration order (for tests that each rule can be triggered).
    pub const RULES: &'static [&'static str] = &[
        "InvalidYear",
        "NegativeAmount",
        "AmountOverflow",
        "EmptyPeriod",
        "UnknownClient",
        "UnknownProvider",
        "UnknownTariff",
        "NoRegionBudget",
        "RegionBudgetAlreadySet",
        "TariffAboveMaximum",
        "CarryOverNeedsTariff",
        "CarryOverNeedsContract",
        "IndicationExists",
        "UnknownIndication",
        "IndicationAlreadyWithdrawn",
        "WithdrawalBeforeIndication",
        "PaidDaysAfterWithdrawal",
        "NoValidIndication",
        "AlreadyInCareAtProvider",
        "NotChosen",
        "AlreadyInCare",
        "CareOverlaps",
        "ProviderFull",
        "PoolExhausted",
        "ProviderBudgetExhausted",
        "NotInCare",
        "EndBeforeStart",
        "PaidDaysAfterEnd",
        "DuplicateReference",
        "DeliveryCrossesYear",
        "OutsideCareInterval",
        "OutsideIndication",
        "AlreadyPaid",
        "AmountMismatch",
        "UnknownDelivery",
        "AlreadyReversed",
        "LedgerOnlyTransferReason",
        "NonPositiveTransfer",
        "SameAccount",
        "TransferDateOutsideYear",
        "UnknownAccount",
        "TransferOverdraws",
    ];
}
