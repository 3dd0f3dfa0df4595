//! Mapping a valid message to commands (IWLZ.md sections 1 to 5): the header and the common
//! fields here, one module per message type for its entries.
//!
//! It is not the schema check (done before, by [`crate::validate`]) and it decides nothing: the
//! ledger's own rules still apply when the caller decides the commands. What it reads from a
//! client element is the BSN (pseudonymised at once) and the care fields; names, addresses,
//! birth dates, relations and diagnoses are never read. Within a message, commands come in
//! document order, clients first, then their entries; a rejected entry rejects the message.

mod aw33;
mod aw35;
mod aw39;
mod io31;

use pvb_core::{
    Bsn, ClientId, Command, IndicationId, IndicationState, ProviderId, Pseudonymiser, RegionId,
    State,
};
use roxmltree::{Document, Node};
use time::Date;

use crate::scratch::Scratch;
use crate::xml::{child, children, missing_path, path, text};
use crate::{codes, redact, Mapped, MessageKind, Verdict};

/// A rejection: the element path and the reason.
#[derive(Debug)]
pub(crate) struct Reject {
    pub(crate) path: String,
    pub(crate) reason: String,
}

impl Reject {
    pub(crate) fn at(node: Node<'_, '_>, reason: impl Into<String>) -> Reject {
        Reject {
            path: path(node),
            reason: reason.into(),
        }
    }
}

type Step<T> = Result<T, Reject>;

/// What the mapping of one message accumulates.
pub(crate) struct Ctx<'s> {
    pub(crate) scratch: Scratch<'s>,
    /// The header's `Dagtekening`: the message's date.
    pub(crate) dagtekening: Date,
    commands: Vec<Command>,
    skipped: Vec<String>,
}

impl Ctx<'_> {
    /// Adds a command and records its effect for the entries that follow.
    pub(crate) fn push(&mut self, command: Command) {
        self.scratch.apply(&command);
        self.commands.push(command);
    }

    /// Records a skipped entry with its path.
    pub(crate) fn skip(&mut self, node: Node<'_, '_>, reason: impl AsRef<str>) {
        self.skipped
            .push(format!("{}: {}", path(node), reason.as_ref()));
    }

    /// The client's indication `id`, as known after the commands so far.
    pub(crate) fn indication(
        &self,
        client: &ClientId,
        id: &IndicationId,
    ) -> Option<IndicationState> {
        self.scratch
            .client(client)
            .and_then(|c| c.indications.iter().find(|i| &i.id == id).cloned())
    }
}

/// Maps a message that passed its schema check.
pub(crate) fn map(
    kind: MessageKind,
    document: &Document<'_>,
    state: &State,
    pseudonymiser: &Pseudonymiser,
) -> Verdict {
    let bsns = redact::bsns_in(document);
    let clean = |text: &str| redact::redact_values(text, &bsns);
    match map_message(kind, document, state, pseudonymiser) {
        Ok(Verdict::Mapped(mut mapped)) => {
            mapped.message_id = clean(&mapped.message_id);
            for (id, _) in &mut mapped.commands {
                *id = id.as_deref().map(clean);
            }
            mapped.skipped = mapped.skipped.iter().map(|s| clean(s)).collect();
            Verdict::Mapped(mapped)
        }
        Ok(Verdict::Skipped { kind, reason }) => Verdict::Skipped {
            kind,
            reason: clean(&reason),
        },
        Ok(Verdict::Rejected { path, reason }) => Verdict::rejected(path, clean(&reason)),
        Err(reject) => Verdict::rejected(reject.path, clean(&reject.reason)),
    }
}

fn map_message(
    kind: MessageKind,
    document: &Document<'_>,
    state: &State,
    pseudonymiser: &Pseudonymiser,
) -> Step<Verdict> {
    let root = document.root_element();
    let header = required(root, "Header")?;
    let identification = required(header, "BerichtIdentificatie")?;
    let identificatie = required(identification, "Identificatie")?;
    let dagtekening = required_date(identification, "Dagtekening")?;
    let sender = match kind {
        MessageKind::Io31 => "CIZ".to_owned(),
        _ => text(required(header, "Afzender")?).to_owned(),
    };
    let message_id = format!(
        "{}-{}-{}-{}",
        kind.name(),
        escape(&sender),
        escape(identificatie.text().unwrap_or("")),
        dagtekening
    );
    let mut ctx = Ctx {
        scratch: Scratch::new(state),
        dagtekening,
        commands: Vec::new(),
        skipped: Vec::new(),
    };
    let clients = required(root, "Clienten")?;
    match kind {
        MessageKind::Io31 => {
            let region = region_of(required(header, "Ontvanger")?)?;
            for client in children(clients, "Client") {
                let id = client_id(client, pseudonymiser)?;
                io31::client(&mut ctx, client, &id, region)?;
            }
        }
        MessageKind::Aw33 => {
            budget_region(&ctx, required(header, "Afzender")?)?;
            let addressee = provider_of(required(header, "Ontvanger")?)?;
            for client in children(clients, "Client") {
                let id = client_id(client, pseudonymiser)?;
                aw33::client(&mut ctx, client, &id, addressee)?;
            }
        }
        MessageKind::Aw35 => {
            budget_region(&ctx, required(header, "Ontvanger")?)?;
            for client in children(clients, "Client") {
                let id = client_id(client, pseudonymiser)?;
                aw35::client(&mut ctx, client, &id)?;
            }
        }
        MessageKind::Aw39 => {
            budget_region(&ctx, required(header, "Ontvanger")?)?;
            for client in children(clients, "Client") {
                let id = client_id(client, pseudonymiser)?;
                aw39::client(&mut ctx, client, &id)?;
            }
        }
    }
    if ctx.commands.is_empty() {
        let reason = if ctx.skipped.is_empty() {
            format!("{}: the message holds nothing pvb records", path(clients))
        } else {
            ctx.skipped.join("; ")
        };
        return Ok(Verdict::Skipped { kind, reason });
    }
    let commands = ctx
        .commands
        .into_iter()
        .enumerate()
        .map(|(index, command)| (Some(format!("{message_id}-{}", index + 1)), command))
        .collect();
    Ok(Verdict::Mapped(Mapped {
        kind,
        message_id,
        commands,
        skipped: ctx.skipped,
    }))
}

/// Writes an identifier part with every byte outside printable ASCII, and `%` and the space,
/// as `%XX`: deterministic and one-to-one.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x21..=0x7e).contains(&byte) && byte != b'%' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The required element child `name` of `node`.
pub(crate) fn required<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Step<Node<'a, 'i>> {
    child(node, name).ok_or_else(|| Reject {
        path: missing_path(node, name),
        reason: format!("the element {name} is missing"),
    })
}

/// The required date child `name` of `node`.
pub(crate) fn required_date(node: Node<'_, '_>, name: &'static str) -> Step<Date> {
    let element = required(node, name)?;
    date_of(element)
}

/// The optional date child `name` of `node`, with its element.
pub(crate) fn optional_date<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> Step<Option<(Node<'a, 'i>, Date)>> {
    match child(node, name) {
        Some(element) => Ok(Some((element, date_of(element)?))),
        None => Ok(None),
    }
}

/// The date an element holds.
pub(crate) fn date_of(element: Node<'_, '_>) -> Step<Date> {
    codes::date(text(element)).ok_or_else(|| {
        Reject::at(
            element,
            "the date is outside the years 1 to 9999 that pvb can hold",
        )
    })
}

/// The day after `date` (an inclusive iWlz end date as pvb's exclusive one).
pub(crate) fn day_after(element: Node<'_, '_>, date: Date) -> Step<Date> {
    date.next_day()
        .ok_or_else(|| Reject::at(element, "the date is the last day pvb can hold"))
}

/// The required text child `name` of `node`, with its element.
pub(crate) fn required_text<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> Step<(Node<'a, 'i>, &'a str)> {
    let element = required(node, name)?;
    Ok((element, text(element)))
}

/// The Besluitnummer child of `node`, in decimal without leading zeros.
pub(crate) fn besluitnummer(node: Node<'_, '_>) -> Step<(String, u64)> {
    let element = required(node, "Besluitnummer")?;
    let number = codes::integer(text(element))
        .ok_or_else(|| Reject::at(element, "the Besluitnummer is not a whole number"))?;
    Ok((number.to_string(), number))
}

/// The indication id `<Besluitnummer>-<ZzpCode>` (IWLZ.md section 1).
pub(crate) fn indication_id(node: Node<'_, '_>, besluit: &str, zzp: &str) -> Step<IndicationId> {
    IndicationId::parse(&format!("{besluit}-{zzp}")).map_err(|_| {
        Reject::at(
            node,
            "the Besluitnummer and ZzpCode do not form an indication id",
        )
    })
}

/// A zorgkantoor code (COD001) as a region.
pub(crate) fn region_of(element: Node<'_, '_>) -> Step<RegionId> {
    RegionId::parse(text(element)).map_err(|e| Reject::at(element, e.to_string()))
}

/// An iWlz-AGB code as a provider.
pub(crate) fn provider_of(element: Node<'_, '_>) -> Step<ProviderId> {
    ProviderId::parse(text(element)).map_err(|e| Reject::at(element, e.to_string()))
}

/// A zorgkantoor code that must be a region with a budget for the year of the message's date.
pub(crate) fn budget_region(ctx: &Ctx<'_>, element: Node<'_, '_>) -> Step<RegionId> {
    let region = region_of(element)?;
    let year = ctx.dagtekening.year();
    if ctx.scratch.has_budget(region, year) {
        Ok(region)
    } else {
        Err(Reject::at(
            element,
            format!(
                "unknown region: zorgkantoor {region} has no budget (set_region_budget) for {year}"
            ),
        ))
    }
}

/// The client id of a `Client` element: its BSN, checked by the 11-proef and pseudonymised.
fn client_id(client: Node<'_, '_>, pseudonymiser: &Pseudonymiser) -> Step<ClientId> {
    let element = required(client, "Bsn")?;
    Bsn::parse(text(element))
        .map(|bsn| pseudonymiser.client_id(&bsn))
        .map_err(|e| Reject::at(element, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_escaped_one_to_one() {
        assert_eq!(escape("M-17"), "M-17");
        assert_eq!(escape("a b%"), "a%20b%25");
        assert_eq!(escape("é"), "%C3%A9");
    }
}
