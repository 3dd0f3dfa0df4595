//! Care profiles (zorgprofielen, COD163) and delivery forms (leveringsvormen, COD578).
//!
//! It is not a tariff table: the maximum day tariff of a profile is a fact the office records
//! (`TariffSet`), not a constant here.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::IdError;

/// The care profiles of COD163 (iWlz 2.2 `LDT_ZzpCode`): code and label. The special codes
/// 996..999 are COD163 codes but not care profiles; [`Profile::parse`] refuses them.
const PROFILES: &[(u16, &str)] = &[
    (190, "9VV A"),
    (191, "9VV B"),
    (750, "1VV"),
    (751, "2VV"),
    (752, "3VV"),
    (753, "4VV"),
    (754, "5VV"),
    (755, "6VV"),
    (756, "7VV"),
    (757, "8VV"),
    (758, "9VV"),
    (759, "10VV"),
    (760, "1GGZ C"),
    (762, "2GGZ C"),
    (764, "3GGZ C"),
    (766, "4GGZ B"),
    (768, "5GGZ B"),
    (770, "6GGZ B"),
    (772, "7GGZ B"),
    (780, "1LVG"),
    (781, "2LVG"),
    (782, "3LVG"),
    (783, "4LVG"),
    (784, "5LVG"),
    (790, "1SGLVG"),
    (800, "1VG"),
    (802, "2VG"),
    (804, "3VG"),
    (806, "4VG"),
    (808, "5VG"),
    (810, "6VG"),
    (812, "7VG"),
    (814, "8VG"),
    (820, "1LG"),
    (822, "2LG"),
    (824, "3LG"),
    (826, "4LG"),
    (828, "5LG"),
    (830, "6LG"),
    (832, "7LG"),
    (840, "1ZGvis"),
    (842, "2ZGvis"),
    (844, "3ZGvis"),
    (846, "4ZGvis"),
    (848, "5ZGvis"),
    (850, "1ZGaud"),
    (852, "2ZGaud"),
    (854, "3ZGaud"),
    (856, "4ZGaud"),
    (860, "1GGZ B"),
    (862, "2GGZ B"),
    (864, "3GGZ B"),
    (866, "4GGZ C"),
    (868, "5GGZ C"),
    (870, "6GGZ C"),
    (880, "1GGZ W"),
    (882, "2GGZ W"),
    (884, "3GGZ W"),
    (886, "4GGZ W"),
    (888, "5GGZ W"),
];

/// COD163 codes that are not care profiles.
const NOT_CARE_PROFILES: &[u16] = &[996, 997, 998, 999];

/// A care profile of COD163, held as its 3-digit iWlz code (`754` is `5VV`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Profile(u16);

impl Profile {
    /// Every care profile, in code order.
    pub fn all() -> impl Iterator<Item = Profile> {
        let mut codes: Vec<u16> = PROFILES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.into_iter().map(Profile)
    }

    /// Parses the iWlz code (`754`), the label (`5VV`, `9VV A`, `1GGZ C`; case-insensitive)
    /// or the sector-first form (`VV-5`, `GGZ-1 C`).
    pub fn parse(text: &str) -> Result<Profile, IdError> {
        let trimmed = text.trim();
        if trimmed.len() == 3 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            let code: u16 = trimmed
                .parse()
                .map_err(|_| IdError::Profile(text.to_owned()))?;
            if NOT_CARE_PROFILES.contains(&code) {
                return Err(IdError::NotACareProfile(text.to_owned()));
            }
            return Profile::from_code(code).ok_or_else(|| IdError::Profile(text.to_owned()));
        }
        let normalised = sector_first_to_label(trimmed);
        let label = normalised.as_deref().unwrap_or(trimmed);
        PROFILES
            .iter()
            .find(|(_, l)| l.eq_ignore_ascii_case(label))
            .map(|(c, _)| Profile(*c))
            .ok_or_else(|| IdError::Profile(text.chars().take(80).collect()))
    }

    /// The profile with iWlz code `code`, if it is a care profile.
    pub fn from_code(code: u16) -> Option<Profile> {
        PROFILES
            .iter()
            .any(|(c, _)| *c == code)
            .then_some(Profile(code))
    }

    /// The 3-digit iWlz code.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// The label as COD163 writes it: `5VV`, `9VV A`.
    pub fn label(self) -> &'static str {
        PROFILES
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, l)| *l)
            .unwrap_or("?")
    }
}

/// `VV-5` to `5VV`, `GGZ-1 C` to `1GGZ C`; `None` when `text` is not of that form.
fn sector_first_to_label(text: &str) -> Option<String> {
    let (sector, rest) = text.split_once('-')?;
    if sector.is_empty() || !sector.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let (number, suffix) = match rest.split_once(' ') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match suffix {
        Some(s) => format!("{number}{sector} {s}"),
        None => format!("{number}{sector}"),
    })
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Profile({} = {})", self.0, self.label())
    }
}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Profile::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A delivery form (leveringsvorm, COD578) that pvb funds. COD578's 9 (verkeerde bed) has no
/// form here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryForm {
    /// 4: stay in an institution.
    Verblijf,
    /// 5: full package at home.
    Vpt,
    /// 7: modular package at home.
    Mpt,
    /// 2: personal budget.
    Pgb,
    /// 8: part-time stay.
    Dtv,
}

impl DeliveryForm {
    /// Every form, in declaration order.
    pub const ALL: [DeliveryForm; 5] = [
        DeliveryForm::Verblijf,
        DeliveryForm::Vpt,
        DeliveryForm::Mpt,
        DeliveryForm::Pgb,
        DeliveryForm::Dtv,
    ];

    /// The COD578 code.
    pub const fn code(self) -> u8 {
        match self {
            DeliveryForm::Verblijf => 4,
            DeliveryForm::Vpt => 5,
            DeliveryForm::Mpt => 7,
            DeliveryForm::Pgb => 2,
            DeliveryForm::Dtv => 8,
        }
    }

    /// The form with COD578 code `code`; 9 (VKB) and unknown codes give an error.
    pub fn from_code(code: u8) -> Result<DeliveryForm, IdError> {
        DeliveryForm::ALL
            .into_iter()
            .find(|f| f.code() == code)
            .ok_or_else(|| IdError::DeliveryForm(code.to_string()))
    }

    /// The snake_case name used in JSON Lines.
    pub const fn name(self) -> &'static str {
        match self {
            DeliveryForm::Verblijf => "verblijf",
            DeliveryForm::Vpt => "vpt",
            DeliveryForm::Mpt => "mpt",
            DeliveryForm::Pgb => "pgb",
            DeliveryForm::Dtv => "dtv",
        }
    }

    /// Parses the JSON Lines name.
    pub fn parse(text: &str) -> Result<DeliveryForm, IdError> {
        DeliveryForm::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| IdError::DeliveryForm(text.chars().take(80).collect()))
    }
}

impl fmt::Display for DeliveryForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_spellings_of_5vv() {
        let a = Profile::parse("5VV").expect("label");
        let b = Profile::parse("VV-5").expect("sector first");
        let c = Profile::parse("754").expect("code");
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.code(), 754);
        assert_eq!(a.label(), "5VV");
    }

    #[test]
    fn labels_with_a_space() {
        assert_eq!(Profile::parse("9VV A").map(Profile::code), Ok(190));
        assert_eq!(Profile::parse("GGZ-1 C").map(Profile::code), Ok(760));
        assert_eq!(Profile::parse("10vv").map(Profile::code), Ok(759));
    }

    #[test]
    fn unknown_and_special_codes_are_refused() {
        assert_eq!(Profile::parse("761"), Err(IdError::Profile("761".into())));
        assert_eq!(Profile::parse("11VV"), Err(IdError::Profile("11VV".into())));
        assert_eq!(
            Profile::parse("999"),
            Err(IdError::NotACareProfile("999".into()))
        );
        assert!(Profile::parse("").is_err());
        assert!(Profile::parse("VV-").is_err());
    }

    #[test]
    fn every_profile_round_trips_through_code_and_label() {
        assert_eq!(Profile::all().count(), 60);
        for p in Profile::all() {
            assert_eq!(Profile::parse(p.label()), Ok(p));
            assert_eq!(Profile::parse(&p.code().to_string()), Ok(p));
        }
    }

    #[test]
    fn delivery_forms() {
        for f in DeliveryForm::ALL {
            assert_eq!(DeliveryForm::from_code(f.code()), Ok(f));
            assert_eq!(DeliveryForm::parse(f.name()), Ok(f));
        }
        assert!(DeliveryForm::from_code(9).is_err());
        assert!(DeliveryForm::parse("vkb").is_err());
    }
}
