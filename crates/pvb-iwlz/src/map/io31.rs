//! IO31, the indication decision (IWLZ.md section 2): one `grant_indication` per indicated
//! zzp, after one `withdraw_indication` (reassessed) per open indication of an earlier decision
//! when this one is a herindicatie.
//!
//! It is not a source of deaths (an IO31 has no date of death) nor of choices: a preference
//! stated to CIZ (`VoorkeurClient`, `InstellingVoorkeur`) is not a choice of provider. Health
//! data (`Grondslagen`, `Stoornissen`, `Beperkingen`, `StoornisScores`, `Meerzorg`) is never
//! read.

use pvb_core::{ClientId, Command, IndicationId, Profile, RegionId, WithdrawalReason};
use roxmltree::Node;
use time::Date;

use super::{
    besluitnummer, day_after, indication_id, optional_date, required, required_date, required_text,
    Ctx, Reject, Step,
};
use crate::codes;
use crate::xml::{child, children};

/// One zzp of the decision, ready to grant.
struct Grant<'a, 'i> {
    id: IndicationId,
    profile: Profile,
    from: Date,
    until: Option<Date>,
    /// The zzp's `Ingangsdatum`, named when the decision does not follow an older one.
    from_element: Node<'a, 'i>,
}

/// Maps the decision of one `Client`.
pub(super) fn client(
    ctx: &mut Ctx<'_>,
    client: Node<'_, '_>,
    id: &ClientId,
    region: RegionId,
) -> Step<()> {
    let indicatie = required(client, "Indicatie")?;
    let (besluit, _) = besluitnummer(indicatie)?;
    let decision_from = required_date(indicatie, "Ingangsdatum")?;
    let decision_end = optional_date(indicatie, "Einddatum")?;
    if let Some((element, end)) = decision_end {
        if end < decision_from {
            return Err(Reject::at(
                element,
                format!("the decision ends on {end}, before it starts on {decision_from}"),
            ));
        }
    }
    let Some(list) = child(indicatie, "GeindiceerdeZorgzwaartepakketten") else {
        ctx.skip(
            indicatie,
            format!(
                "decision {besluit} indicates no zzp (functions only); pvb funds care profiles"
            ),
        );
        return Ok(());
    };
    let mut grants: Vec<Grant<'_, '_>> = Vec::new();
    let mut codes_seen: Vec<&str> = Vec::new();
    for zzp in children(list, "GeindiceerdZorgzwaartepakket") {
        let (code_element, code) = required_text(zzp, "ZzpCode")?;
        let (_, financiering) = required_text(zzp, "Financiering")?;
        let funder = match financiering {
            "3" => Some("a subsidieregeling (Financiering 3)"),
            "4" => Some("another scheme (Financiering 4)"),
            _ => None,
        };
        if let Some(funder) = funder {
            ctx.skip(
                zzp,
                format!("zzp {code} of decision {besluit} is financed by {funder}: not Wlz money"),
            );
            continue;
        }
        if codes_seen.contains(&code) {
            return Err(Reject::at(
                code_element,
                format!(
                    "same zzp twice in one decision: {code} appears again in decision {besluit}"
                ),
            ));
        }
        codes_seen.push(code);
        let profile = codes::profile(code).map_err(|reason| Reject::at(code_element, reason))?;
        let from_element = required(zzp, "Ingangsdatum")?;
        let from = super::date_of(from_element)?;
        let end = optional_date(zzp, "Einddatum")?;
        let within = within_decision(from_element, from, end, decision_from, decision_end)?;
        let until = match within {
            Some((element, last)) => Some(day_after(element, last)?),
            None => None,
        };
        grants.push(Grant {
            id: indication_id(code_element, &besluit, code)?,
            profile,
            from,
            until,
            from_element,
        });
    }
    if grants.is_empty() {
        return Ok(());
    }
    if same_decision_again(ctx, indicatie, id, &besluit, &grants, region)? {
        return Ok(());
    }
    let Some(first) = grants.iter().min_by_key(|g| g.from) else {
        return Ok(());
    };
    let start = first.from;
    for old in open_indications(ctx, id, start) {
        if old.1 >= start {
            return Err(Reject::at(
                first.from_element,
                format!(
                    "new decision does not follow the old one: decision {besluit} starts on {start}, indication {} starts on {}",
                    old.0, old.1
                ),
            ));
        }
        ctx.push(Command::WithdrawIndication {
            client: id.clone(),
            indication: old.0,
            on: start,
            reason: WithdrawalReason::Reassessed,
        });
    }
    for grant in grants {
        ctx.push(Command::GrantIndication {
            client: id.clone(),
            indication: grant.id,
            profile: grant.profile,
            region,
            from: grant.from,
            until: grant.until,
        });
    }
    Ok(())
}

/// Checks that the zzp period lies within the decision's, and gives the zzp's last valid day
/// (inclusive, with the element it came from): its own `Einddatum`, else the decision's.
fn within_decision<'a, 'i>(
    from_element: Node<'a, 'i>,
    from: Date,
    end: Option<(Node<'a, 'i>, Date)>,
    decision_from: Date,
    decision_end: Option<(Node<'a, 'i>, Date)>,
) -> Step<Option<(Node<'a, 'i>, Date)>> {
    if from < decision_from {
        return Err(Reject::at(
            from_element,
            format!("the zzp starts on {from}, before the decision's Ingangsdatum {decision_from}"),
        ));
    }
    if let Some((_, decision_last)) = decision_end {
        if from > decision_last {
            return Err(Reject::at(
                from_element,
                format!("the zzp starts on {from}, after the decision's Einddatum {decision_last}"),
            ));
        }
    }
    if let Some((element, last)) = end {
        if last < from {
            return Err(Reject::at(
                element,
                format!("the zzp ends on {last}, before it starts on {from}"),
            ));
        }
        if let Some((_, decision_last)) = decision_end {
            if last > decision_last {
                return Err(Reject::at(
                    element,
                    format!(
                        "the zzp ends on {last}, after the decision's Einddatum {decision_last}"
                    ),
                ));
            }
        }
        return Ok(Some((element, last)));
    }
    Ok(decision_end)
}

/// True when the client already holds this decision with the same content (a repeat); a
/// rejection when it holds it with other content.
fn same_decision_again(
    ctx: &mut Ctx<'_>,
    indicatie: Node<'_, '_>,
    id: &ClientId,
    besluit: &str,
    grants: &[Grant<'_, '_>],
    region: RegionId,
) -> Step<bool> {
    let prefix = format!("{besluit}-");
    let recorded: Vec<_> = ctx
        .scratch
        .client(id)
        .map(|c| {
            c.indications
                .iter()
                .filter(|i| i.id.as_str().starts_with(&prefix))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if recorded.is_empty() {
        return Ok(false);
    }
    let same = recorded.len() == grants.len()
        && grants.iter().all(|g| {
            recorded.iter().any(|r| {
                r.id == g.id
                    && r.profile == g.profile
                    && r.region == region
                    && r.from == g.from
                    && r.until == g.until
            })
        });
    if same {
        ctx.skip(
            indicatie,
            format!("repeat: decision {besluit} is already recorded"),
        );
        return Ok(true);
    }
    let element = child(indicatie, "Besluitnummer").unwrap_or(indicatie);
    Err(Reject::at(
        element,
        format!("a changed decision under the same Besluitnummer cannot be expressed: decision {besluit} is recorded with other zzp's, dates or region"),
    ))
}

/// The client's open indications at `start` (not withdrawn, not ended by `start`): id and
/// first day.
fn open_indications(ctx: &Ctx<'_>, id: &ClientId, start: Date) -> Vec<(IndicationId, Date)> {
    ctx.scratch
        .client(id)
        .map(|c| {
            c.indications
                .iter()
                .filter(|i| i.withdrawn.is_none() && i.until.is_none_or(|u| u > start))
                .map(|i| (i.id.clone(), i.from))
                .collect()
        })
        .unwrap_or_default()
}
