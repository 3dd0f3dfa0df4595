//! The iWlz code lists as pvb maps them (IWLZ.md section 6), and the lexical forms of the XSD
//! types the mapping reads (`xs:date`, `xs:integer`).
//!
//! It is not the code lists themselves: the XSD enumerations (Basisschema.xsd) decide which
//! codes exist; this module only says what an existing code means for pvb, or why it means
//! nothing.

use pvb_core::{DeliveryForm, Profile, Urgency};
use time::{Date, Month};

/// A COD163 zzp code as a care profile. 996..999 exist in iWlz but are no care profile.
pub(crate) fn profile(code: &str) -> Result<Profile, String> {
    let number: Option<u16> = code.parse().ok();
    let special = match number {
        Some(996) => Some("Wlz-indiceerbaar"),
        Some(997) => Some("PGB start/stop, for the CAK only"),
        Some(998) => Some("ZZPX, undetermined"),
        Some(999) => Some("ZZP0, partner stay: pvb has no partner-stay rule"),
        _ => None,
    };
    if let Some(what) = special {
        return Err(format!(
            "zzp code {code} ({what}) is not a care profile; pvb cannot fund it"
        ));
    }
    number
        .and_then(Profile::from_code)
        .ok_or_else(|| format!("zzp code '{code}' is not a care profile of COD163"))
}

/// A COD578 leveringsvorm as a delivery form; 9 (verkeerde bed) has none.
pub(crate) fn form(code: &str) -> Result<DeliveryForm, String> {
    if code == "9" {
        return Err(
            "leveringsvorm 9 (verkeerde bed, VKB) is an iWlz code pvb has no delivery form for"
                .to_owned(),
        );
    }
    code.parse::<u8>()
        .ok()
        .and_then(|c| DeliveryForm::from_code(c).ok())
        .ok_or_else(|| format!("leveringsvorm '{code}' is not a delivery form of COD578"))
}

/// A COD167 leveringsstatus as an urgency: 6 urgent, 7 active, 2 preference, 3 precaution,
/// and the legacy 1 (actief wachtend) as active. 4 and 5 are no urgency.
pub(crate) fn urgency(status: &str) -> Option<Urgency> {
    match status {
        "6" => Some(Urgency::Urgent),
        "7" | "1" => Some(Urgency::Active),
        "2" => Some(Urgency::Preference),
        "3" => Some(Urgency::Precaution),
        _ => None,
    }
}

/// The COD172 label of a reden intrekking, written into a `withdraw_choice` as its reason.
pub(crate) fn reden_label(code: &str) -> &'static str {
    match code {
        "1" => "client overleden",
        "2" => "negatief indicatiebesluit",
        "3" => "herindicatie",
        "4" => "overplaatsing",
        "5" => "wijziging leveringsvorm",
        "6" => "uitstroom",
        "7" => "andere aanbieder heeft de client in zorg genomen",
        "8" => "verhuizing",
        _ => "reden intrekking",
    }
}

/// Parses an `xs:date` the way iWlz writes it: `YYYY-MM-DD`, no time zone (the XSD pattern
/// `[^:Z]*` forbids one). Years outside 1..=9999 (which `xs:date` allows) give `None`.
pub(crate) fn date(text: &str) -> Option<Date> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    if year < 1 {
        return None;
    }
    Date::from_calendar_date(year, month, day).ok()
}

/// Parses an `xs:integer` that is not negative: optional `+`, digits (leading zeros allowed),
/// or `-` followed by zeros only. Values above `u64::MAX` give `None`.
pub(crate) fn integer(text: &str) -> Option<u64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'+') => (false, text.get(1..)?),
        Some(b'-') => (true, text.get(1..)?),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    let value = if significant.is_empty() {
        0
    } else {
        significant.parse::<u64>().ok()?
    };
    if negative && value != 0 {
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_as_iwlz_writes_them() {
        assert_eq!(date("2026-01-31"), Some(date!(2026 - 01 - 31)));
        assert_eq!(date(" 2026-01-31\n"), Some(date!(2026 - 01 - 31)));
        assert_eq!(date("2025-02-29"), None);
        assert_eq!(date("0000-01-01"), None);
        assert_eq!(date("12026-01-01"), None);
        assert_eq!(date("-2026-01-01"), None);
        assert_eq!(date("2026-1-01"), None);
        assert_eq!(date("2026-01-0a"), None);
        assert_eq!(date("2026-ö1-01"), None);
    }

    #[test]
    fn integers_as_xsd_writes_them() {
        assert_eq!(integer("260000101"), Some(260_000_101));
        assert_eq!(integer("+0260000101"), Some(260_000_101));
        assert_eq!(integer("-000"), Some(0));
        assert_eq!(integer("-1"), None);
        assert_eq!(integer(""), None);
        assert_eq!(integer("+"), None);
        assert_eq!(integer("1e3"), None);
        assert_eq!(integer("99999999999999999999999"), None);
    }

    #[test]
    fn code_lists() {
        assert_eq!(profile("754").map(Profile::label), Ok("5VV"));
        assert_eq!(profile("190").map(Profile::label), Ok("9VV A"));
        assert!(profile("999").is_err_and(|e| e.contains("partner stay")));
        assert!(profile("761").is_err());
        assert_eq!(form("4"), Ok(DeliveryForm::Verblijf));
        assert_eq!(form("5"), Ok(DeliveryForm::Vpt));
        assert_eq!(form("7"), Ok(DeliveryForm::Mpt));
        assert_eq!(form("2"), Ok(DeliveryForm::Pgb));
        assert_eq!(form("8"), Ok(DeliveryForm::Dtv));
        assert!(form("9").is_err_and(|e| e.contains("VKB")));
        assert_eq!(urgency("6"), Some(Urgency::Urgent));
        assert_eq!(urgency("7"), Some(Urgency::Active));
        assert_eq!(urgency("1"), Some(Urgency::Active));
        assert_eq!(urgency("2"), Some(Urgency::Preference));
        assert_eq!(urgency("3"), Some(Urgency::Precaution));
        assert_eq!(urgency("4"), None);
        assert_eq!(urgency("5"), None);
        assert_eq!(
            reden_label("7"),
            "andere aanbieder heeft de client in zorg genomen"
        );
    }
}
