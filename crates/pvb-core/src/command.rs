//! Commands: requests to the ledger, in the imperative, as JSON Lines names them
//! (DESIGN.md section 8).
//!
//! A command may be refused ([`crate::Rejection`]); only the events `decide` returns are facts.
//! Here a client is always a [`ClientId`]: a line that names a client by `"bsn"` is
//! pseudonymised by the importer (crate `pvb`) before it becomes a `Command`, so no BSN ever
//! reaches this type.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::event::{ymd, Account, EndReason, TransferReason, Urgency, WithdrawalReason, Year};
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};
use crate::text::Note;

/// A request to the ledger. Field names and the `"type"` tag are the JSON Lines format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)] // Each field is documented in docs/EVENTS.md and DESIGN.md section 8.
pub enum Command {
    /// Set a region's contracteerruimte for a year (once per region and year).
    SetRegionBudget {
        region: RegionId,
        year: Year,
        amount: Money,
    },
    /// Contract a provider for a year.
    ContractProvider {
        provider: ProviderId,
        region: RegionId,
        year: Year,
        places: u32,
        tariff_bp: u32,
    },
    /// Set the maximum day tariff of a profile and form for a year.
    SetTariff {
        year: Year,
        profile: Profile,
        form: DeliveryForm,
        day_tariff: Money,
    },
    /// Record a CIZ indication.
    GrantIndication {
        client: ClientId,
        indication: IndicationId,
        profile: Profile,
        region: RegionId,
        #[serde(with = "ymd")]
        from: Date,
        #[serde(with = "ymd::option", default, skip_serializing_if = "Option::is_none")]
        until: Option<Date>,
    },
    /// Record a client's choice of provider (the assignment); it joins the waiting list.
    ChooseProvider {
        client: ClientId,
        provider: ProviderId,
        form: DeliveryForm,
        #[serde(with = "ymd")]
        on: Date,
        urgency: Urgency,
    },
    /// Start care at a provider the client chose.
    StartCare {
        client: ClientId,
        provider: ProviderId,
        #[serde(with = "ymd")]
        on: Date,
    },
    /// Pay care delivered over `[from, until)`.
    DeliverCare {
        client: ClientId,
        provider: ProviderId,
        #[serde(with = "ymd")]
        from: Date,
        #[serde(with = "ymd")]
        until: Date,
        #[serde(rename = "ref")]
        reference: DeclarationRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Money>,
    },
    /// Reverse a delivery.
    ReverseDelivery {
        #[serde(rename = "ref")]
        reference: DeclarationRef,
        reason: Note,
    },
    /// Take the client off a provider's list.
    WithdrawChoice {
        client: ClientId,
        provider: ProviderId,
        #[serde(with = "ymd")]
        on: Date,
        reason: Note,
    },
    /// End care at a provider; `on` is the first day not in care.
    EndCare {
        client: ClientId,
        provider: ProviderId,
        #[serde(with = "ymd")]
        on: Date,
        reason: EndReason,
    },
    /// Withdraw an indication from `on`; ends care and every waiting-list place.
    WithdrawIndication {
        client: ClientId,
        indication: IndicationId,
        #[serde(with = "ymd")]
        on: Date,
        reason: WithdrawalReason,
    },
    /// Move budget between accounts (`production_agreement` or `reallocation`).
    /// `on` is optional (pvb's addition) and defaults to 1 January of `year`.
    TransferBudget {
        from: Account,
        to: Account,
        year: Year,
        amount: Money,
        reason: TransferReason,
        #[serde(with = "ymd::option", default, skip_serializing_if = "Option::is_none")]
        on: Option<Date>,
    },
}

impl Command {
    /// The JSON Lines `"type"` of the command.
    pub const fn kind(&self) -> &'static str {
        match self {
            Command::SetRegionBudget { .. } => "set_region_budget",
            Command::ContractProvider { .. } => "contract_provider",
            Command::SetTariff { .. } => "set_tariff",
            Command::GrantIndication { .. } => "grant_indication",
            Command::ChooseProvider { .. } => "choose_provider",
            Command::StartCare { .. } => "start_care",
            Command::DeliverCare { .. } => "deliver_care",
            Command::ReverseDelivery { .. } => "reverse_delivery",
            Command::WithdrawChoice { .. } => "withdraw_choice",
            Command::EndCare { .. } => "end_care",
            Command::WithdrawIndication { .. } => "withdraw_indication",
            Command::TransferBudget { .. } => "transfer_budget",
        }
    }

    /// The command's business date (the date a JSON line is ordered by).
    pub fn date(&self) -> Date {
        use crate::event::january_first;
        match self {
            Command::SetRegionBudget { year, .. }
            | Command::ContractProvider { year, .. }
            | Command::SetTariff { year, .. } => january_first(*year),
            Command::GrantIndication { from, .. } | Command::DeliverCare { from, .. } => *from,
            Command::ChooseProvider { on, .. }
            | Command::StartCare { on, .. }
            | Command::WithdrawChoice { on, .. }
            | Command::EndCare { on, .. }
            | Command::WithdrawIndication { on, .. } => *on,
            Command::TransferBudget { on, year, .. } => on.unwrap_or(january_first(*year)),
            Command::ReverseDelivery { .. } => Date::MIN,
        }
    }
}
