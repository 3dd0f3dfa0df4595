//! AW35, the start of care (MAZ; IWLZ.md section 4): one `start_care` per delivered zzp that
//! the ledger does not have yet.
//!
//! It is not a correction channel: a changed or deleted start (`StatusAanlevering` 2 with other
//! key fields, or 3) cannot be expressed in pvb and is rejected for a person to resolve.
//! `Sleuteldatum`, `Etmalen`, `Klasse` and `Behandeling` are not read; functions
//! (`GeleverdeFuncties`) are skipped.

use pvb_core::{ClientId, Command};
use roxmltree::Node;

use super::{
    besluitnummer, date_of, indication_id, provider_of, required, required_date, required_text,
    Ctx, Reject, Step,
};
use crate::codes;
use crate::xml::{child, children};

/// Maps the starts of one `Client`.
pub(super) fn client(ctx: &mut Ctx<'_>, client: Node<'_, '_>, id: &ClientId) -> Step<()> {
    if let Some(functions) = child(client, "GeleverdeFuncties") {
        ctx.skip(
            functions,
            "delivered functions (modules) are not funded per function in pvb",
        );
    }
    let Some(list) = child(client, "GeleverdeZorgzwaartepakketten") else {
        return Ok(());
    };
    for entry in children(list, "GeleverdZorgzwaartepakket") {
        start(ctx, entry, id)?;
    }
    Ok(())
}

/// One `GeleverdZorgzwaartepakket`.
fn start(ctx: &mut Ctx<'_>, entry: Node<'_, '_>, id: &ClientId) -> Step<()> {
    let (besluit, _) = besluitnummer(entry)?;
    let (code_element, code) = required_text(entry, "ZzpCode")?;
    let profile = codes::profile(code).map_err(|reason| Reject::at(code_element, reason))?;
    let indication_id = indication_id(code_element, &besluit, code)?;
    if ctx.indication(id, &indication_id).is_none() {
        return Err(Reject::at(
            required(entry, "Besluitnummer")?,
            format!("no indication: the client holds no indication {indication_id}; care cannot start without one"),
        ));
    }
    let (status_element, status) = required_text(entry, "StatusAanlevering")?;
    if status == "3" {
        return Err(Reject::at(
            status_element,
            "deleting a start cannot be expressed: a recorded start of care is a fact (StatusAanlevering 3)",
        ));
    }
    let (levering_element, levering) = required_text(entry, "Leveringsstatus")?;
    if levering != "4" {
        return Err(Reject::at(
            levering_element,
            format!("a start of care reports Leveringsstatus 4 (in zorg), not {levering}"),
        ));
    }
    let (form_element, form_code) = required_text(entry, "Leveringsvorm")?;
    let form = codes::form(form_code).map_err(|reason| Reject::at(form_element, reason))?;
    let provider = provider_of(required(entry, "Instelling")?)?;
    let begin_element = required(entry, "Begindatum")?;
    let begin = date_of(begin_element)?;
    let assigned = required_date(entry, "ToewijzingIngangsdatum")?;
    if begin > ctx.dagtekening {
        return Err(Reject::at(
            begin_element,
            format!(
                "a start of care may not be in the future: Begindatum {begin} is after the message date {}",
                ctx.dagtekening
            ),
        ));
    }
    if begin < assigned {
        return Err(Reject::at(
            begin_element,
            format!("care cannot start on {begin}, before the assignment starts on {assigned}"),
        ));
    }
    let client = ctx.scratch.client(id);
    let recorded = client.and_then(|c| {
        c.care
            .iter()
            .find(|care| care.provider == provider && care.from == begin)
    });
    if status != "1" {
        // 2 (changed) or 9 (unchanged): only a correction of fields pvb does not hold.
        return match recorded {
            Some(care) if care.profile == profile && care.form == form => {
                ctx.skip(
                    entry,
                    format!("the start at provider {provider} on {begin} is recorded; StatusAanlevering {status} changes nothing pvb holds"),
                );
                Ok(())
            }
            _ => Err(Reject::at(
                begin_element,
                format!("a changed start cannot be expressed: no start of care at provider {provider} on {begin} with zzp {code} and this delivery form is recorded (StatusAanlevering {status})"),
            )),
        };
    }
    if recorded.is_some() {
        ctx.skip(
            entry,
            format!("repeat: care at provider {provider} already started on {begin}"),
        );
        return Ok(());
    }
    let Some(choice) = client.and_then(|c| c.choice(provider)) else {
        return Err(Reject::at(
            required(entry, "Instelling")?,
            format!("the client has no assignment (AW33) of provider {provider}: a start needs the delivery form of the choice"),
        ));
    };
    if choice.form != form {
        return Err(Reject::at(
            form_element,
            format!("form differs from the assignment: {form} here, {} in the choice of provider {provider} (INV-02)", choice.form),
        ));
    }
    ctx.push(Command::StartCare {
        client: id.clone(),
        provider,
        on: begin,
    });
    Ok(())
}
