//! JSON Lines: one command per line (DESIGN.md section 8), parsed with errors that name the
//! field, and written back out.
//!
//! Parsing pseudonymises a `"bsn"` at once: the BSN never leaves this module in clear, and no
//! error text repeats it (every reason also passes through [`redact_bsns`]). It is not the
//! import loop (see [`crate::import`]) and it does not decide anything: a parsed command can
//! still be refused by the ledger's rules.

use std::borrow::Cow;
use std::fmt;

use pvb_core::{
    Account, Bsn, ClientId, Command, DeclarationRef, DeliveryForm, EndReason, Event, EventId,
    IndicationId, Money, Note, Profile, ProviderId, Pseudonymiser, RegionId, TransferReason,
    Urgency, WithdrawalReason,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use time::Date;

/// Why a line was refused before reaching the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// Why, in one sentence; never contains a BSN.
    pub reason: String,
}

impl LineError {
    fn field(field: &str, reason: impl Into<String>) -> LineError {
        LineError {
            // A field name is input too: a BSN typed as a key must not come back in clear.
            field: Some(redact_bsns(field)),
            reason: redact_bsns(&reason.into()),
        }
    }

    fn line(reason: impl Into<String>) -> LineError {
        LineError {
            field: None,
            reason: redact_bsns(&reason.into()),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "field \"{field}\": {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// A parsed line: the caller's optional id and the command (client already pseudonymised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The `"id"` field, if given.
    pub id: Option<String>,
    /// The command.
    pub command: Command,
}

impl Line {
    /// The event id of the `index`-th event of this line's command, when the line has an id.
    pub fn event_id(&self, index: usize) -> Option<EventId> {
        self.id.as_deref().map(|id| command_event_id(id, index))
    }
}

/// The event id of the `index`-th event produced by the command with caller id `id`.
pub fn command_event_id(id: &str, index: usize) -> EventId {
    EventId::from_text(&format!("{id}#{index}"))
}

/// Replaces every run of exactly 9 digits that passes the 11-proef by asterisks, so that no
/// message can carry a BSN in clear even when a user put one where it does not belong.
/// (8-digit runs are left alone: they are provider codes far more often than legacy BSNs.)
pub fn redact_bsns(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() == 9 && Bsn::parse(run).is_ok() {
                out.push_str(&"*".repeat(run.len()));
            } else {
                out.push_str(run);
            }
        } else {
            let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[i..i + ch_len]);
            i += ch_len;
        }
    }
    out
}

/// A JSON value as a line holds it, borrowed where possible.
#[derive(Debug, PartialEq)]
enum Val<'a> {
    Str(Cow<'a, str>),
    Int(i128),
    Float,
    Bool,
    Null,
    Object(Vec<(Cow<'a, str>, Val<'a>)>),
    Array,
}

impl Val<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Float => "a decimal number",
            Val::Bool => "a boolean",
            Val::Null => "null",
            Val::Object(_) => "an object",
            Val::Array => "an array",
        }
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::Int(i128::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Int(i128::from(v)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Val::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value = map.next_value::<Val<'de>>()?;
            fields.push((key, value));
        }
        Ok(Val::Object(fields))
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// The fields a line may have, as found.
struct Fields<'a> {
    fields: Vec<(Cow<'a, str>, Val<'a>)>,
}

/// Longest line accepted, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;

const KNOWN_FIELDS: &[&str] = &[
    "type",
    "id",
    "client",
    "bsn",
    "indication",
    "profile",
    "region",
    "from",
    "until",
    "provider",
    "form",
    "on",
    "urgency",
    "ref",
    "amount",
    "reason",
    "year",
    "places",
    "tariff_bp",
    "day_tariff",
    "to",
];

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> Option<&Val<'a>> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn required(&self, name: &str) -> Result<&Val<'a>, LineError> {
        match self.get(name) {
            None | Some(Val::Null) => Err(LineError::field(name, "missing")),
            Some(v) => Ok(v),
        }
    }

    fn str(&self, name: &str) -> Result<&str, LineError> {
        match self.required(name)? {
            Val::Str(s) => Ok(s),
            other => Err(LineError::field(
                name,
                format!("expected a string, got {}", other.describe()),
            )),
        }
    }

    fn opt_str(&self, name: &str) -> Result<Option<&str>, LineError> {
        match self.get(name) {
            None | Some(Val::Null) => Ok(None),
            Some(_) => self.str(name).map(Some),
        }
    }

    fn int(&self, name: &str) -> Result<i128, LineError> {
        match self.required(name)? {
            Val::Int(n) => Ok(*n),
            other => Err(LineError::field(
                name,
                format!("expected an integer, got {}", other.describe()),
            )),
        }
    }

    fn int_in<T: TryFrom<i128>>(&self, name: &str, what: &str) -> Result<T, LineError> {
        let n = self.int(name)?;
        T::try_from(n)
            .map_err(|_| LineError::field(name, format!("{n} is out of range for {what}")))
    }

    fn money(&self, name: &str) -> Result<Money, LineError> {
        let cents: i64 = self.int_in(name, "an amount in cents")?;
        Ok(Money::from_cents(cents))
    }

    fn date(&self, name: &str) -> Result<Date, LineError> {
        parse_date(self.str(name)?).map_err(|reason| LineError::field(name, reason))
    }

    fn opt_date(&self, name: &str) -> Result<Option<Date>, LineError> {
        match self.get(name) {
            None | Some(Val::Null) => Ok(None),
            Some(_) => self.date(name).map(Some),
        }
    }

    fn parsed<T, E: fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, LineError> {
        let text = self.str(name)?;
        parse(text).map_err(|e| LineError::field(name, e.to_string()))
    }

    fn region(&self, name: &str) -> Result<RegionId, LineError> {
        let code: u16 = self.int_in(name, "a region code")?;
        RegionId::new(code).map_err(|e| LineError::field(name, e.to_string()))
    }

    fn year(&self) -> Result<i32, LineError> {
        self.int_in("year", "a year")
    }

    fn note(&self, name: &str) -> Result<Note, LineError> {
        self.parsed(name, Note::new)
    }
}

/// Parses `YYYY-MM-DD` strictly.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let bytes = text.as_bytes();
    let ok_shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !ok_shape {
        return Err(format!("'{}' is not a date YYYY-MM-DD", clip(text)));
    }
    // The shape is checked: ten ASCII bytes, digits but for the two dashes.
    let number = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    time::Month::try_from(month as u8)
        .ok()
        .and_then(|month| Date::from_calendar_date(year as i32, month, day as u8).ok())
        .ok_or_else(|| format!("'{text}' is not a calendar date"))
}

fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

fn enum_value<T: Copy>(
    fields: &Fields<'_>,
    name: &str,
    options: &[(&str, T)],
) -> Result<T, LineError> {
    let text = fields.str(name)?;
    options
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            LineError::field(
                name,
                format!("'{}' is not one of {}", clip(text), names.join(", ")),
            )
        })
}

const URGENCIES: &[(&str, Urgency)] = &[
    ("urgent", Urgency::Urgent),
    ("active", Urgency::Active),
    ("preference", Urgency::Preference),
    ("precaution", Urgency::Precaution),
];
const END_REASONS: &[(&str, EndReason)] = &[
    ("transfer", EndReason::Transfer),
    ("deceased", EndReason::Deceased),
    ("ended", EndReason::Ended),
];
const WITHDRAWAL_REASONS: &[(&str, WithdrawalReason)] = &[
    ("deceased", WithdrawalReason::Deceased),
    ("reassessed", WithdrawalReason::Reassessed),
    ("negative", WithdrawalReason::Negative),
    ("moved", WithdrawalReason::Moved),
];
const TRANSFER_REASONS: &[(&str, TransferReason)] = &[
    ("production_agreement", TransferReason::ProductionAgreement),
    ("reallocation", TransferReason::Reallocation),
    ("follows_client", TransferReason::FollowsClient),
    ("release", TransferReason::Release),
];

fn account(fields: &Fields<'_>, name: &str) -> Result<Account, LineError> {
    let Val::Object(inner) = fields.required(name)? else {
        return Err(LineError::field(
            name,
            "expected an object {\"pool\":REGION} or {\"provider\":\"AGB\",\"region\":REGION}",
        ));
    };
    let inner = Fields {
        fields: inner
            .iter()
            .map(|(k, v)| (k.clone(), clone_val(v)))
            .collect(),
    };
    let path = |f: &str| format!("{name}.{f}");
    if inner.get("pool").is_some() {
        let region = inner
            .region("pool")
            .map_err(|e| LineError::field(&path("pool"), e.reason))?;
        return Ok(Account::pool(region));
    }
    let provider = inner
        .parsed("provider", ProviderId::parse)
        .map_err(|e| LineError::field(&path("provider"), e.reason))?;
    let region = inner
        .region("region")
        .map_err(|e| LineError::field(&path("region"), e.reason))?;
    Ok(Account::provider(provider, region))
}

fn clone_val<'a>(v: &Val<'a>) -> Val<'a> {
    match v {
        Val::Str(s) => Val::Str(s.clone()),
        Val::Int(n) => Val::Int(*n),
        Val::Float => Val::Float,
        Val::Bool => Val::Bool,
        Val::Null => Val::Null,
        Val::Object(o) => Val::Object(o.iter().map(|(k, v)| (k.clone(), clone_val(v))).collect()),
        Val::Array => Val::Array,
    }
}

/// Parses one line into a command. `pseudonymiser` turns a `"bsn"` into a client id.
pub fn parse_line(text: &str, pseudonymiser: &Pseudonymiser) -> Result<Line, LineError> {
    if text.len() > LINE_BYTES_MAX {
        return Err(LineError::line(format!(
            "line is {} bytes, the limit is {LINE_BYTES_MAX}",
            text.len()
        )));
    }
    let value: Val<'_> = match flat_object(text) {
        Some(fields) => Val::Object(fields),
        None => serde_json::from_str(text)
            .map_err(|e| LineError::line(format!("not valid JSON: {}", json_error_text(&e))))?,
    };
    let Val::Object(fields) = value else {
        return Err(LineError::line(format!(
            "expected a JSON object, got {}",
            value.describe()
        )));
    };
    for (i, (key, _)) in fields.iter().enumerate() {
        if !KNOWN_FIELDS.contains(&key.as_ref()) {
            return Err(LineError::field(key, "unknown field"));
        }
        if fields[..i].iter().any(|(k, _)| k == key) {
            return Err(LineError::field(key, "appears twice"));
        }
    }
    let fields = Fields { fields };
    let id = fields
        .opt_str("id")?
        .map(|s| {
            if s.is_empty() || s.len() > 128 {
                Err(LineError::field("id", "must be 1 to 128 characters"))
            } else {
                Ok(s.to_owned())
            }
        })
        .transpose()?;
    let kind = fields.str("type")?;
    let command = command(kind, &fields, pseudonymiser)?;
    Ok(Line { id, command })
}

type Object<'a> = Vec<(Cow<'a, str>, Val<'a>)>;

/// Reads a flat JSON object of plain strings and integers (every line the workload and
/// `pvb export` write) in one pass without serde. Anything else (an escape, a control
/// character, a nested value, a decimal or large number, `true`, `false`, `null`, bad syntax)
/// gives `None` and goes through serde_json, so the fields read and every error message are
/// the same as serde_json's; a property test holds the two to that.
fn flat_object(text: &str) -> Option<Object<'_>> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut fields = Vec::with_capacity(8);
    skip_space(bytes, &mut at);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    skip_space(bytes, &mut at);
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            skip_space(bytes, &mut at);
            let key = plain_string(text, &mut at)?;
            skip_space(bytes, &mut at);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at += 1;
            skip_space(bytes, &mut at);
            let value = match bytes.get(at)? {
                b'"' => Val::Str(Cow::Borrowed(plain_string(text, &mut at)?)),
                b'-' | b'0'..=b'9' => Val::Int(plain_integer(bytes, &mut at)?),
                _ => return None,
            };
            fields.push((Cow::Borrowed(key), value));
            skip_space(bytes, &mut at);
            match bytes.get(at)? {
                b',' => at += 1,
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    skip_space(bytes, &mut at);
    (at == bytes.len()).then_some(fields)
}

fn skip_space(bytes: &[u8], at: &mut usize) {
    while matches!(bytes.get(*at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        *at += 1;
    }
}

/// A string without escapes or control characters, starting at its opening quote.
fn plain_string<'a>(text: &'a str, at: &mut usize) -> Option<&'a str> {
    let bytes = text.as_bytes();
    if bytes.get(*at) != Some(&b'"') {
        return None;
    }
    let start = *at + 1;
    let mut end = start;
    loop {
        match *bytes.get(end)? {
            b'"' => break,
            b'\\' => return None,
            c if c < 0x20 => return None,
            _ => end += 1,
        }
    }
    *at = end + 1;
    // Both ends are next to an ASCII quote, so on character boundaries.
    text.get(start..end)
}

/// An integer as serde_json reads one into a `Val::Int`: within `u64`, or within `i64` when
/// negative (serde_json reads larger ones, and `-0`, as decimals).
fn plain_integer(bytes: &[u8], at: &mut usize) -> Option<i128> {
    let negative = bytes.get(*at) == Some(&b'-');
    let start = *at + usize::from(negative);
    let mut end = start;
    while matches!(bytes.get(end), Some(b'0'..=b'9')) {
        end += 1;
    }
    let digits = bytes.get(start..end)?;
    if digits.is_empty()
        || digits.len() > 20
        || (digits[0] == b'0' && digits.len() > 1)
        || matches!(bytes.get(end), Some(b'.' | b'e' | b'E'))
    {
        return None;
    }
    let magnitude = digits
        .iter()
        .fold(0u128, |n, d| n * 10 + u128::from(d - b'0'));
    let value = if negative {
        if magnitude == 0 || magnitude > u128::from(i64::MIN.unsigned_abs()) {
            return None;
        }
        -(magnitude as i128)
    } else {
        if magnitude > u128::from(u64::MAX) {
            return None;
        }
        magnitude as i128
    };
    *at = end;
    Some(value)
}

fn json_error_text(e: &serde_json::Error) -> String {
    // serde_json messages name the position; they never echo more than a token.
    redact_bsns(&e.to_string())
}

fn client(fields: &Fields<'_>, pseudonymiser: &Pseudonymiser) -> Result<ClientId, LineError> {
    match (fields.get("client"), fields.get("bsn")) {
        (Some(_), Some(_)) => Err(LineError::field(
            "bsn",
            "give either \"client\" or \"bsn\", not both",
        )),
        (None, None) => Err(LineError::field("client", "missing (or give \"bsn\")")),
        (Some(_), None) => fields.parsed("client", ClientId::parse),
        (None, Some(Val::Str(text))) => Bsn::parse(text)
            .map(|bsn| pseudonymiser.client_id(&bsn))
            .map_err(|e| LineError::field("bsn", e.to_string())),
        (None, Some(other)) => Err(LineError::field(
            "bsn",
            format!("expected a string of 9 digits, got {}", other.describe()),
        )),
    }
}

fn command(
    kind: &str,
    f: &Fields<'_>,
    pseudonymiser: &Pseudonymiser,
) -> Result<Command, LineError> {
    let provider = |f: &Fields<'_>| f.parsed("provider", ProviderId::parse);
    let form = |f: &Fields<'_>| f.parsed("form", DeliveryForm::parse);
    Ok(match kind {
        "set_region_budget" => Command::SetRegionBudget {
            region: f.region("region")?,
            year: f.year()?,
            amount: f.money("amount")?,
        },
        "contract_provider" => Command::ContractProvider {
            provider: provider(f)?,
            region: f.region("region")?,
            year: f.year()?,
            places: f.int_in("places", "a number of places")?,
            tariff_bp: f.int_in("tariff_bp", "basis points")?,
        },
        "set_tariff" => Command::SetTariff {
            year: f.year()?,
            profile: f.parsed("profile", Profile::parse)?,
            form: form(f)?,
            day_tariff: f.money("day_tariff")?,
        },
        "grant_indication" => Command::GrantIndication {
            client: client(f, pseudonymiser)?,
            indication: f.parsed("indication", IndicationId::parse)?,
            profile: f.parsed("profile", Profile::parse)?,
            region: f.region("region")?,
            from: f.date("from")?,
            until: f.opt_date("until")?,
        },
        "choose_provider" => Command::ChooseProvider {
            client: client(f, pseudonymiser)?,
            provider: provider(f)?,
            form: form(f)?,
            on: f.date("on")?,
            urgency: enum_value(f, "urgency", URGENCIES)?,
        },
        "start_care" => Command::StartCare {
            client: client(f, pseudonymiser)?,
            provider: provider(f)?,
            on: f.date("on")?,
        },
        "deliver_care" => Command::DeliverCare {
            client: client(f, pseudonymiser)?,
            provider: provider(f)?,
            from: f.date("from")?,
            until: f.date("until")?,
            reference: f.parsed("ref", DeclarationRef::parse)?,
            amount: match f.get("amount") {
                None | Some(Val::Null) => None,
                Some(_) => Some(f.money("amount")?),
            },
        },
        "reverse_delivery" => Command::ReverseDelivery {
            reference: f.parsed("ref", DeclarationRef::parse)?,
            reason: f.note("reason")?,
        },
        "withdraw_choice" => Command::WithdrawChoice {
            client: client(f, pseudonymiser)?,
            provider: provider(f)?,
            on: f.date("on")?,
            reason: f.note("reason")?,
        },
        "end_care" => Command::EndCare {
            client: client(f, pseudonymiser)?,
            provider: provider(f)?,
            on: f.date("on")?,
            reason: enum_value(f, "reason", END_REASONS)?,
        },
        "withdraw_indication" => Command::WithdrawIndication {
            client: client(f, pseudonymiser)?,
            indication: f.parsed("indication", IndicationId::parse)?,
            on: f.date("on")?,
            reason: enum_value(f, "reason", WITHDRAWAL_REASONS)?,
        },
        "transfer_budget" => Command::TransferBudget {
            from: account(f, "from")?,
            to: account(f, "to")?,
            year: f.year()?,
            amount: f.money("amount")?,
            reason: enum_value(f, "reason", TRANSFER_REASONS)?,
            on: f.opt_date("on")?,
        },
        other => {
            return Err(LineError::field(
                "type",
                format!("'{}' is not a command type", clip(other)),
            ))
        }
    })
}

/// Writes `command` as one JSON line (without the line feed), keys in the order of DESIGN.md
/// section 8, with `id` first when given.
pub fn command_to_line(command: &Command, id: Option<&str>) -> String {
    let mut value = serde_json::to_value(command).unwrap_or(serde_json::Value::Null);
    if let (Some(id), Some(map)) = (id, value.as_object_mut()) {
        map.insert("id".to_owned(), serde_json::Value::String(id.to_owned()));
    }
    value.to_string()
}

/// The command that records `event` again, for export. Events the ledger derives itself
/// (reservations, releases, transfers that follow a client) have none: re-importing the
/// exported commands produces them again.
pub fn event_to_command(event: &Event) -> Option<Command> {
    Some(match event {
        Event::RegionBudgetSet(e) => Command::SetRegionBudget {
            region: e.region,
            year: e.year,
            amount: e.amount,
        },
        Event::ProviderContracted(e) => Command::ContractProvider {
            provider: e.provider,
            region: e.region,
            year: e.year,
            places: e.places,
            tariff_bp: e.tariff_bp,
        },
        Event::TariffSet(e) => Command::SetTariff {
            year: e.year,
            profile: e.profile,
            form: e.form,
            day_tariff: e.day_tariff,
        },
        Event::IndicationGranted(e) => Command::GrantIndication {
            client: e.client.clone(),
            indication: e.indication.clone(),
            profile: e.profile,
            region: e.region,
            from: e.from,
            until: e.until,
        },
        Event::IndicationWithdrawn(e) => Command::WithdrawIndication {
            client: e.client.clone(),
            indication: e.indication.clone(),
            on: e.on,
            reason: e.reason,
        },
        Event::ProviderChosen(e) => Command::ChooseProvider {
            client: e.client.clone(),
            provider: e.provider,
            form: e.form,
            on: e.on,
            urgency: e.urgency,
        },
        Event::ChoiceWithdrawn(e) => Command::WithdrawChoice {
            client: e.client.clone(),
            provider: e.provider,
            on: e.on,
            reason: e.reason.clone(),
        },
        Event::CareStarted(e) => Command::StartCare {
            client: e.client.clone(),
            provider: e.provider,
            on: e.on,
        },
        // A CareEnded that a withdrawal produced is re-produced by the withdrawal; the export
        // writes it only when it stands alone (see `export_commands`).
        Event::CareEnded(e) => Command::EndCare {
            client: e.client.clone(),
            provider: e.provider,
            on: e.on,
            reason: e.reason,
        },
        Event::CareDelivered(e) => Command::DeliverCare {
            client: e.client.clone(),
            provider: e.provider,
            from: e.from,
            until: e.until,
            reference: e.reference.clone(),
            amount: Some(e.amount),
        },
        Event::DeliveryReversed(e) => Command::ReverseDelivery {
            reference: e.reference.clone(),
            reason: e.reason.clone(),
        },
        Event::BudgetTransferred(e) if !e.reason.is_ledger_only() => Command::TransferBudget {
            from: e.from,
            to: e.to,
            year: e.year,
            amount: e.amount,
            reason: e.reason,
            on: Some(e.on),
        },
        Event::BudgetTransferred(_) | Event::BudgetReserved(_) | Event::BudgetReleased(_) => {
            return None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of JSON lines: plain and awkward strings, integers at the edges of what
    /// serde_json reads as integers, decimals, literals, nesting, stray bytes.
    fn json_piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("\"type\"".to_owned()),
            Just("\"deliver_care\"".to_owned()),
            Just("\"c-17\"".to_owned()),
            Just("\"a\\\"b\"".to_owned()),
            Just("\"tab\there\"".to_owned()),
            Just("\"\u{e9}t\u{e9}\"".to_owned()),
            Just("\"\"".to_owned()),
            Just("0".to_owned()),
            Just("-0".to_owned()),
            Just("007".to_owned()),
            Just("18446744073709551615".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("-9223372036854775808".to_owned()),
            Just("-9223372036854775809".to_owned()),
            Just("1.5".to_owned()),
            Just("2e3".to_owned()),
            Just("-".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("[1,2]".to_owned()),
            Just("{\"a\":1}".to_owned()),
            Just(":".to_owned()),
            Just(",".to_owned()),
            Just(" ".to_owned()),
            Just("\t\r\n".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-z_]{0,6}".prop_map(|s| format!("\"{s}\"")),
        ]
    }

    /// A line: mostly object-shaped, with keys, colons and commas sometimes dropped or
    /// doubled.
    fn json_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            proptest::collection::vec((json_piece(), json_piece(), 0u8..10), 0..6),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(pairs, open, close)| {
                let mut line = String::new();
                if open {
                    line.push('{');
                }
                for (i, (key, value, shape)) in pairs.iter().enumerate() {
                    if i > 0 && shape % 7 != 0 {
                        line.push(',');
                    }
                    line.push_str(key);
                    if shape % 5 != 0 {
                        line.push(':');
                    }
                    line.push_str(value);
                }
                if close {
                    line.push('}');
                }
                line
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Whatever the one-pass reader accepts, serde_json reads to the same fields.
        #[test]
        fn flat_reader_agrees_with_serde_json(line in json_line()) {
            if let Some(fields) = flat_object(&line) {
                let reference: Result<Val<'_>, _> = serde_json::from_str(&line);
                proptest::prop_assert_eq!(reference.ok(), Some(Val::Object(fields)), "{}", line);
            }
        }

        /// And it accepts the plain lines it is there for.
        #[test]
        fn flat_reader_reads_plain_lines(
            client in "[a-z0-9-]{1,20}", amount in proptest::prelude::any::<u32>(), day in 1u32..29
        ) {
            let line = format!(
                "{{\"type\":\"deliver_care\",\"client\":\"{client}\",\"provider\":\"10000022\",\
                 \"from\":\"2026-07-{day:02}\",\"amount\":{amount}}}"
            );
            let fields = flat_object(&line);
            proptest::prop_assert!(fields.is_some(), "{}", line);
            let reference: Val<'_> = serde_json::from_str(&line).unwrap();
            proptest::prop_assert_eq!(Val::Object(fields.unwrap()), reference);
        }
    }

    proptest::proptest! {
        /// The hand-written date reader agrees with the `time` crate's parser on every
        /// date-shaped text (valid and invalid days, months, leap years, year 0000).
        #[test]
        fn dates_read_as_the_time_crate_reads_them(
            year in 0u32..10_000, month in 0u32..100, day in 0u32..100
        ) {
            let text = format!("{year:04}-{month:02}-{day:02}");
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let reference = Date::parse(&text, &format).ok();
            proptest::prop_assert_eq!(parse_date(&text).ok(), reference);
        }
    }

    fn p() -> Pseudonymiser {
        Pseudonymiser::new([7; 32])
    }

    #[test]
    fn design_examples_parse() {
        let lines = [
            r#"{"type":"set_region_budget","region":5531,"year":2026,"amount":2500000000}"#,
            r#"{"type":"contract_provider","provider":"12345678","region":5531,"year":2026,"places":40,"tariff_bp":9700}"#,
            r#"{"type":"set_tariff","year":2026,"profile":"5VV","form":"verblijf","day_tariff":23000}"#,
            r#"{"type":"grant_indication","client":"c-17","indication":"B-2026-17","profile":"5VV","region":5531,"from":"2026-01-01"}"#,
            r#"{"type":"choose_provider","client":"c-17","provider":"12345678","form":"verblijf","on":"2026-01-01","urgency":"active"}"#,
            r#"{"type":"start_care","client":"c-17","provider":"12345678","on":"2026-01-05"}"#,
            r#"{"type":"deliver_care","client":"c-17","provider":"12345678","from":"2026-01-05","until":"2026-02-01","ref":"D-1"}"#,
            r#"{"type":"reverse_delivery","ref":"D-1","reason":"wrong period"}"#,
            r#"{"type":"withdraw_choice","client":"c-17","provider":"12345678","on":"2026-01-20","reason":"no longer wanted"}"#,
            r#"{"type":"end_care","client":"c-17","provider":"12345678","on":"2026-03-01","reason":"transfer"}"#,
            r#"{"type":"withdraw_indication","client":"c-17","indication":"B-2026-17","on":"2026-06-01","reason":"deceased"}"#,
            r#"{"type":"transfer_budget","from":{"pool":5531},"to":{"provider":"12345678","region":5531},"year":2026,"amount":100000,"reason":"reallocation"}"#,
        ];
        for line in lines {
            let parsed = parse_line(line, &p()).unwrap_or_else(|e| panic!("{line}: {e}"));
            // Writing the command back and parsing it again gives the same command.
            let again = parse_line(&command_to_line(&parsed.command, None), &p())
                .unwrap_or_else(|e| panic!("round trip of {line}: {e}"));
            assert_eq!(parsed, again);
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_line(
            r#"{"type":"start_care","client":"c-1","on":"2026-01-05"}"#,
            &p(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("provider"));
        assert_eq!(e.reason, "missing");
        let e = parse_line(
            r#"{"type":"start_care","client":"c-1","provider":"12345678","on":"2026-02-30"}"#,
            &p(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("on"));
        assert!(e.reason.contains("not a calendar date"), "{}", e.reason);
        let e = parse_line(r#"{"type":"set_tariff","year":2026,"profile":"11VV","form":"verblijf","day_tariff":1}"#, &p()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("profile"));
        let e = parse_line("not json", &p()).unwrap_err();
        assert_eq!(e.field, None);
        assert!(e.reason.starts_with("not valid JSON"));
        let e = parse_line(r#"{"type":"start_care","klient":"c-1"}"#, &p()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("klient"));
    }

    #[test]
    fn bsn_is_pseudonymised_and_never_echoed() {
        let line =
            r#"{"type":"start_care","bsn":"111222333","provider":"12345678","on":"2026-01-05"}"#;
        let parsed = parse_line(line, &p()).expect("valid");
        let Command::StartCare { client, .. } = parsed.command else {
            panic!("wrong command")
        };
        assert!(client.is_pseudonym());
        let bad =
            r#"{"type":"start_care","bsn":"111222334","provider":"12345678","on":"2026-01-05"}"#;
        let e = parse_line(bad, &p()).unwrap_err();
        assert!(!e.to_string().contains("111222334"));
        let e = parse_line(
            r#"{"type":"start_care","client":"111222333","provider":"12345678","on":"2026-01-05"}"#,
            &p(),
        )
        .unwrap_err();
        assert!(!e.to_string().contains("111222333"), "{e}");
        assert_eq!(
            redact_bsns("x 111222333 y 12345678"),
            "x ********* y 12345678"
        );
    }
}
