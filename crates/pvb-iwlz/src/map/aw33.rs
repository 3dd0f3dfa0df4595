//! AW33, the assignment (IWLZ.md section 3): an entry without `RedenIntrekking` becomes a
//! `choose_provider`; a withdrawn entry becomes a `withdraw_indication` (death, negative
//! decision, move), a `withdraw_choice` (a client still waiting on that list), or nothing.
//!
//! It is not a source of indications (the IO31 is; the copy of the indication in an AW33 is
//! not read) nor of ends of care (the provider's AW39 is). Functions (`ToegewezenFuncties`)
//! are skipped: pvb has no function-level funding.

use pvb_core::{ClientId, Command, IndicationState, Note, ProviderId, Urgency, WithdrawalReason};
use roxmltree::Node;
use time::Date;

use super::{
    besluitnummer, budget_region, date_of, day_after, indication_id, optional_date, provider_of,
    required, required_text, Ctx, Reject, Step,
};
use crate::codes;
use crate::xml::{child, children};

/// Maps the assignments of one `Client`. `addressee` is the header's `Ontvanger`, the
/// provider of an entry without `Instelling`.
pub(super) fn client(
    ctx: &mut Ctx<'_>,
    client: Node<'_, '_>,
    id: &ClientId,
    addressee: ProviderId,
) -> Step<()> {
    let indicatie = required(client, "Indicatie")?;
    let (besluit, _) = besluitnummer(indicatie)?;
    if let Some(functions) = child(indicatie, "ToegewezenFuncties") {
        ctx.skip(
            functions,
            "assigned functions (modules) are not funded per function in pvb",
        );
    }
    let Some(list) = child(indicatie, "ToegewezenZorgzwaartepakketten") else {
        return Ok(());
    };
    for entry in children(list, "ToegewezenZorgzwaartepakket") {
        assignment(ctx, indicatie, entry, id, &besluit, addressee)?;
    }
    Ok(())
}

/// One `ToegewezenZorgzwaartepakket`.
fn assignment(
    ctx: &mut Ctx<'_>,
    indicatie: Node<'_, '_>,
    entry: Node<'_, '_>,
    id: &ClientId,
    besluit: &str,
    addressee: ProviderId,
) -> Step<()> {
    let (code_element, code) = required_text(entry, "ZzpCode")?;
    codes::profile(code).map_err(|reason| Reject::at(code_element, reason))?;
    let indication_id = indication_id(code_element, besluit, code)?;
    let besluit_element = required(indicatie, "Besluitnummer")?;
    let Some(indication) = ctx.indication(id, &indication_id) else {
        return Err(Reject::at(
            besluit_element,
            format!("the client holds no indication {indication_id} (no IO31 of decision {besluit} with zzp {code} was recorded)"),
        ));
    };
    budget_region(ctx, required(entry, "Zorgkantoor")?)?;
    let provider = match child(entry, "Instelling") {
        Some(element) => provider_of(element)?,
        None => addressee,
    };
    let from_element = required(entry, "Ingangsdatum")?;
    let from = date_of(from_element)?;
    let end = optional_date(entry, "Einddatum")?;
    let reden = child(entry, "RedenIntrekking");
    tr016(entry, from_element, from, end, &indication, reden.is_some())?;
    match reden {
        Some(reden) => withdrawn(ctx, entry, reden, id, &indication, provider, end),
        None => chosen(ctx, entry, id, provider, from),
    }
}

/// TR016: the assignment period lies within the indication's period. A withdrawn entry without
/// an `Einddatum` is not open-ended (it ends by its withdrawal), so only its start is checked.
fn tr016(
    entry: Node<'_, '_>,
    from_element: Node<'_, '_>,
    from: Date,
    end: Option<(Node<'_, '_>, Date)>,
    indication: &IndicationState,
    withdrawn: bool,
) -> Step<()> {
    let id = &indication.id;
    if let Some((element, last)) = end {
        if last < from {
            return Err(Reject::at(
                element,
                format!("the assignment ends on {last}, before it starts on {from}"),
            ));
        }
    }
    if from < indication.from {
        return Err(Reject::at(
            from_element,
            format!(
                "the assignment starts on {from}, before indication {id} starts on {} (TR016)",
                indication.from
            ),
        ));
    }
    let Some(until) = indication.until else {
        return Ok(());
    };
    let last_valid = until.previous_day().unwrap_or(until);
    if from > last_valid {
        return Err(Reject::at(
            from_element,
            format!("the assignment starts on {from}, after indication {id} ends on {last_valid} (TR016)"),
        ));
    }
    match end {
        Some((element, last)) if last > last_valid => Err(Reject::at(
            element,
            format!(
                "the assignment ends on {last}, after indication {id} ends on {last_valid} (TR016)"
            ),
        )),
        Some(_) => Ok(()),
        None if withdrawn => Ok(()),
        None => Err(Reject::at(
            entry,
            format!(
                "the assignment has no Einddatum but indication {id} ends on {last_valid} (TR016)"
            ),
        )),
    }
}

/// An entry without `RedenIntrekking`: the client's choice of the provider.
fn chosen(
    ctx: &mut Ctx<'_>,
    entry: Node<'_, '_>,
    id: &ClientId,
    provider: ProviderId,
    from: Date,
) -> Step<()> {
    let (_, soort) = required_text(entry, "Soort")?;
    if soort == "5" {
        ctx.skip(
            entry,
            "an administrative assignment (Soort 5) is no choice by the client",
        );
        return Ok(());
    }
    if let Some(element) = child(entry, "ToewijzingPercentage") {
        let percentage = codes::integer(crate::xml::text(element));
        if percentage != Some(10_000) {
            return Err(Reject::at(
                element,
                "a partial assignment cannot be expressed: pvb funds whole days (ToewijzingPercentage must be 10000)",
            ));
        }
    }
    let (form_element, form_code) = required_text(entry, "Leveringsvorm")?;
    let form = codes::form(form_code).map_err(|reason| Reject::at(form_element, reason))?;
    let client = ctx.scratch.client(id);
    let repeat = client
        .and_then(|c| c.choice(provider))
        .filter(|choice| choice.form == form && choice.on >= from);
    if let Some(choice) = repeat {
        let since = choice.on;
        ctx.skip(
            entry,
            format!("repeat: the choice of provider {provider} ({form}, since {since}) is already recorded"),
        );
        return Ok(());
    }
    let elsewhere = client.is_some_and(|c| {
        c.care.iter().any(|care| {
            care.provider != provider && care.from <= from && care.until.is_none_or(|u| from < u)
        })
    });
    let urgency = if elsewhere {
        Urgency::Preference
    } else {
        Urgency::Active
    };
    ctx.push(Command::ChooseProvider {
        client: id.clone(),
        provider,
        form,
        on: from,
        urgency,
    });
    Ok(())
}

/// An entry with `RedenIntrekking` (COD172).
fn withdrawn(
    ctx: &mut Ctx<'_>,
    entry: Node<'_, '_>,
    reden_element: Node<'_, '_>,
    id: &ClientId,
    indication: &IndicationState,
    provider: ProviderId,
    end: Option<(Node<'_, '_>, Date)>,
) -> Step<()> {
    let reden = crate::xml::text(reden_element);
    let reason = match reden {
        "1" => Some(WithdrawalReason::Deceased),
        "2" => Some(WithdrawalReason::Negative),
        "8" => Some(WithdrawalReason::Moved),
        _ => None,
    };
    let Some(reason) = reason else {
        return withdrawn_assignment(ctx, entry, reden, id, provider, end);
    };
    let Some((end_element, last)) = end else {
        let what = if reden == "1" {
            "the date of death"
        } else {
            "the last day of the indication"
        };
        return Err(Reject::at(
            reden_element,
            format!(
                "reden intrekking {reden} ({}) needs an Einddatum: {what}",
                codes::reden_label(reden)
            ),
        ));
    };
    let on = day_after(end_element, last)?;
    let mut pushed = false;
    if indication.withdrawn.is_none() {
        ctx.push(Command::WithdrawIndication {
            client: id.clone(),
            indication: indication.id.clone(),
            on,
            reason,
        });
        pushed = true;
    }
    if reason == WithdrawalReason::Deceased {
        let others: Vec<(pvb_core::IndicationId, Date)> = ctx
            .scratch
            .client(id)
            .map(|c| {
                c.indications
                    .iter()
                    .filter(|i| {
                        i.id != indication.id
                            && i.withdrawn.is_none()
                            && i.until.is_none_or(|u| u > on)
                    })
                    .map(|i| (i.id.clone(), i.from.max(on)))
                    .collect()
            })
            .unwrap_or_default();
        for (other, other_on) in others {
            ctx.push(Command::WithdrawIndication {
                client: id.clone(),
                indication: other,
                on: other_on,
                reason,
            });
            pushed = true;
        }
    }
    if !pushed {
        let when = indication
            .withdrawn
            .map(|d| d.to_string())
            .unwrap_or_default();
        ctx.skip(
            entry,
            format!(
                "repeat: indication {} was already withdrawn on {when}",
                indication.id
            ),
        );
    }
    Ok(())
}

/// A withdrawn assignment with reden 3 to 7: `withdraw_choice` when the client still waits on
/// the provider's list, otherwise nothing (the facts come from other messages).
fn withdrawn_assignment(
    ctx: &mut Ctx<'_>,
    entry: Node<'_, '_>,
    reden: &str,
    id: &ClientId,
    provider: ProviderId,
    end: Option<(Node<'_, '_>, Date)>,
) -> Step<()> {
    let waiting = ctx
        .scratch
        .client(id)
        .and_then(|c| c.choice(provider))
        .is_some_and(|choice| choice.listed);
    if waiting {
        let on = match end {
            Some((element, last)) => day_after(element, last)?,
            None => ctx.dagtekening,
        };
        let reason =
            Note::new(codes::reden_label(reden)).map_err(|e| Reject::at(entry, e.to_string()))?;
        ctx.push(Command::WithdrawChoice {
            client: id.clone(),
            provider,
            on,
            reason,
        });
        return Ok(());
    }
    let why = match reden {
        "3" => "herindicatie: the new decision's IO31 already withdrew the indication",
        "4" | "7" => "the old provider's AW39 (17) and the new provider's AW35 carry the facts",
        "5" => "the new assignment (a new entry) carries the new delivery form",
        "6" => "the provider's AW39 (19) ends the care",
        _ => "nothing to record",
    };
    ctx.skip(
        entry,
        format!(
            "withdrawn assignment (reden intrekking {reden}, {}) of a client not waiting for provider {provider}: {why}",
            codes::reden_label(reden)
        ),
    );
    Ok(())
}
