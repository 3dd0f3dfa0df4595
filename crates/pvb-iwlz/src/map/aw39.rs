//! AW39, the mutation (IWLZ.md section 5): an end of care (codes 17, 19, 20, 12 with status 5),
//! a waiting status (18, 12 with status 3, and the new wait of 20), or leaving a list without a
//! start (21, 12 with status 5). `Mutatiedatum` is the first day not in care.
//!
//! It is not a way to start care (status 4 restates a start or is rejected) nor to undo one
//! (`StatusAanlevering` 3 is rejected). `InstellingBestemming`, `LeveringsstatusClassificatie`,
//! functions (`MutatieFuncties`) and requests (`Aanvragen`) are not mapped.

use pvb_core::{
    ClientId, ClientState, Command, EndReason, IndicationState, Note, ProviderId, Urgency,
};
use roxmltree::Node;
use time::Date;

use super::{
    besluitnummer, date_of, indication_id, optional_date, provider_of, required, required_date,
    required_text, Ctx, Reject, Step,
};
use crate::codes;
use crate::xml::{child, children};

/// Maps the mutations of one `Client`.
pub(super) fn client(ctx: &mut Ctx<'_>, client: Node<'_, '_>, id: &ClientId) -> Step<()> {
    if let Some(functions) = child(client, "MutatieFuncties") {
        ctx.skip(
            functions,
            "mutations of functions (modules) are not funded per function in pvb",
        );
    }
    if let Some(requests) = child(client, "Aanvragen") {
        ctx.skip(
            requests,
            "a request for a changed assignment: the office's AW33 that answers it carries the fact",
        );
    }
    let Some(list) = child(client, "MutatieZorgzwaartepakketten") else {
        return Ok(());
    };
    for entry in children(list, "MutatieZorgzwaartepakket") {
        mutation(ctx, entry, id)?;
    }
    Ok(())
}

/// The fields of one `MutatieZorgzwaartepakket` the mapping uses.
struct Mutation<'a, 'i> {
    entry: Node<'a, 'i>,
    indication: IndicationState,
    provider: ProviderId,
    instelling: Node<'a, 'i>,
    assigned: Date,
    on: Date,
    code: &'a str,
    code_element: Node<'a, 'i>,
    status: &'a str,
    status_element: Node<'a, 'i>,
}

/// One `MutatieZorgzwaartepakket`.
fn mutation(ctx: &mut Ctx<'_>, entry: Node<'_, '_>, id: &ClientId) -> Step<()> {
    let (besluit, _) = besluitnummer(entry)?;
    let (zzp_element, zzp) = required_text(entry, "ZzpCode")?;
    codes::profile(zzp).map_err(|reason| Reject::at(zzp_element, reason))?;
    let indication_id = indication_id(zzp_element, &besluit, zzp)?;
    let Some(indication) = ctx.indication(id, &indication_id) else {
        return Err(Reject::at(
            required(entry, "Besluitnummer")?,
            format!("the client holds no indication {indication_id}"),
        ));
    };
    let (aanlevering_element, aanlevering) = required_text(entry, "StatusAanlevering")?;
    if aanlevering == "3" {
        return Err(Reject::at(
            aanlevering_element,
            "an end cannot be undone: deleting a mutation (StatusAanlevering 3) cannot be expressed",
        ));
    }
    let instelling = required(entry, "Instelling")?;
    let provider = provider_of(instelling)?;
    let assigned = required_date(entry, "ToewijzingIngangsdatum")?;
    let on_element = required(entry, "Mutatiedatum")?;
    let on = date_of(on_element)?;
    if let Some((_, begin)) = optional_date(entry, "Begindatum")? {
        if on < begin {
            return Err(Reject::at(
                on_element,
                format!("the Mutatiedatum {on} is before the Begindatum {begin} (TR018)"),
            ));
        }
    }
    let (code_element, code) = required_text(entry, "Mutatiecode")?;
    let (status_element, status) = required_text(entry, "Leveringsstatus")?;
    let m = Mutation {
        entry,
        indication,
        provider,
        instelling,
        assigned,
        on,
        code,
        code_element,
        status,
        status_element,
    };
    route(ctx, id, &m)
}

/// The combination table of IWLZ.md section 5.
fn route(ctx: &mut Ctx<'_>, id: &ClientId, m: &Mutation<'_, '_>) -> Step<()> {
    if m.status == "4" {
        let in_care = known(ctx, id).is_some_and(|c| {
            c.care.iter().any(|care| {
                care.provider == m.provider
                    && care.from <= m.on
                    && care.until.is_none_or(|u| m.on < u)
            })
        });
        if in_care {
            ctx.skip(
                m.entry,
                format!(
                    "Leveringsstatus 4 (in zorg) restates the start at provider {}",
                    m.provider
                ),
            );
            return Ok(());
        }
        return Err(Reject::at(
            m.status_element,
            "an AW39 cannot start care; send an AW35",
        ));
    }
    match (m.code, m.status) {
        ("17", "5") => end(ctx, id, m, EndReason::Transfer, None),
        ("19", "5") => end(ctx, id, m, EndReason::Ended, None),
        ("20", "6" | "7" | "2" | "3" | "1") => {
            let urgency = codes::urgency(m.status).unwrap_or(Urgency::Active);
            end(ctx, id, m, EndReason::Ended, Some(urgency))
        }
        ("18", "6" | "7" | "2" | "1") => {
            let urgency = codes::urgency(m.status).unwrap_or(Urgency::Active);
            wait(ctx, id, m, m.assigned, urgency)
        }
        ("12", "3") => wait(ctx, id, m, m.assigned, Urgency::Precaution),
        ("12", "5") => {
            let in_care = open_care_at(ctx, id, m.provider).is_some();
            if in_care {
                return end(ctx, id, m, EndReason::Ended, None);
            }
            leave_list(ctx, id, m, "client wil de zorg (nog) niet (mutatiecode 12)")
        }
        ("21", "5") => {
            if let Some(since) = open_care_at(ctx, id, m.provider) {
                return Err(Reject::at(
                    m.code_element,
                    format!(
                        "code 21 says there is no MAZ, but the client is in care at provider {} since {since}; use 17",
                        m.provider
                    ),
                ));
            }
            leave_list(ctx, id, m, "overdracht")
        }
        _ => Err(Reject::at(
            m.status_element,
            format!(
                "status {} is not allowed with mutation code {}",
                m.status, m.code
            ),
        )),
    }
}

fn known<'c>(ctx: &'c Ctx<'_>, id: &ClientId) -> Option<&'c ClientState> {
    ctx.scratch.client(id)
}

/// The start of the client's open care at `provider`, if it is in care there now.
fn open_care_at(ctx: &Ctx<'_>, id: &ClientId, provider: ProviderId) -> Option<Date> {
    known(ctx, id)
        .and_then(ClientState::open_care)
        .filter(|care| care.provider == provider)
        .map(|care| care.from)
}

/// Checks that the client chose the provider (an assignment, or care there).
fn chose(ctx: &Ctx<'_>, id: &ClientId, m: &Mutation<'_, '_>) -> Step<()> {
    let chose = known(ctx, id).is_some_and(|c| {
        c.choice(m.provider).is_some() || c.care.iter().any(|care| care.provider == m.provider)
    });
    if chose {
        Ok(())
    } else {
        Err(Reject::at(
            m.instelling,
            format!(
                "the client has no assignment (AW33) of provider {}",
                m.provider
            ),
        ))
    }
}

/// An end of care on `Mutatiedatum`; with `then_wait`, a new wait at the same provider from the
/// same day (code 20).
fn end(
    ctx: &mut Ctx<'_>,
    id: &ClientId,
    m: &Mutation<'_, '_>,
    reason: EndReason,
    then_wait: Option<Urgency>,
) -> Step<()> {
    chose(ctx, id, m)?;
    let form = match then_wait {
        Some(_) => Some(form_of(m)?),
        None => None,
    };
    let ended = known(ctx, id).and_then(|c| {
        c.care
            .iter()
            .rev()
            .filter(|care| care.provider == m.provider)
            .find_map(|care| care.until)
    });
    let open = open_care_at(ctx, id, m.provider);
    // An end dated before the open care at this provider began is about an earlier stay.
    let stale = open.is_some_and(|since| m.on < since) && ended.is_some();
    if open.is_none() || stale {
        return match ended {
            Some(day) => {
                ctx.skip(
                    m.entry,
                    format!("care at provider {} already ended on {day}", m.provider),
                );
                Ok(())
            }
            None => Err(Reject::at(
                m.code_element,
                format!(
                    "end of care without a start: the client was never in care at provider {}",
                    m.provider
                ),
            )),
        };
    }
    ctx.push(Command::EndCare {
        client: id.clone(),
        provider: m.provider,
        on: m.on,
        reason,
    });
    if let (Some(urgency), Some(form)) = (then_wait, form) {
        ctx.push(Command::ChooseProvider {
            client: id.clone(),
            provider: m.provider,
            form,
            on: m.on,
            urgency,
        });
    }
    Ok(())
}

/// A waiting status: a (repeated) choice of the provider from `on` with `urgency`.
fn wait(
    ctx: &mut Ctx<'_>,
    id: &ClientId,
    m: &Mutation<'_, '_>,
    on: Date,
    urgency: Urgency,
) -> Step<()> {
    chose(ctx, id, m)?;
    let form = form_of(m)?;
    if let Some(withdrawn) = m.indication.withdrawn {
        ctx.skip(
            m.entry,
            format!(
                "indication {} was withdrawn on {withdrawn}: a waiting status for it is stale",
                m.indication.id
            ),
        );
        return Ok(());
    }
    let same = known(ctx, id)
        .and_then(|c| c.choice(m.provider))
        .is_some_and(|choice| choice.listed && choice.form == form && choice.urgency == urgency);
    if same {
        ctx.skip(
            m.entry,
            format!(
                "repeat: the client already waits at provider {} with status {}",
                m.provider,
                urgency.name()
            ),
        );
        return Ok(());
    }
    ctx.push(Command::ChooseProvider {
        client: id.clone(),
        provider: m.provider,
        form,
        on,
        urgency,
    });
    Ok(())
}

/// Leaving the provider's list without a start (21, 12 with status 5): `withdraw_choice` when
/// the client waits there, otherwise nothing.
fn leave_list(ctx: &mut Ctx<'_>, id: &ClientId, m: &Mutation<'_, '_>, why: &str) -> Step<()> {
    let waiting = known(ctx, id)
        .and_then(|c| c.choice(m.provider))
        .is_some_and(|choice| choice.listed);
    if !waiting {
        ctx.skip(
            m.entry,
            format!(
                "the client is neither in care at nor waiting for provider {}",
                m.provider
            ),
        );
        return Ok(());
    }
    let reason = Note::new(why).map_err(|e| Reject::at(m.entry, e.to_string()))?;
    ctx.push(Command::WithdrawChoice {
        client: id.clone(),
        provider: m.provider,
        on: m.on,
        reason,
    });
    Ok(())
}

/// The entry's `Leveringsvorm` as a delivery form (needed for a choice).
fn form_of(m: &Mutation<'_, '_>) -> Step<pvb_core::DeliveryForm> {
    let (element, code) = required_text(m.entry, "Leveringsvorm")?;
    codes::form(code).map_err(|reason| Reject::at(element, reason))
}
