//! Identifiers: BSN (validated, never stored), client pseudonyms, providers, regions,
//! indications, declaration references, event ids and log positions.
//!
//! It is not a register of who exists: an id here is well formed, not known. Whether a
//! provider is contracted or a client has an indication is a rule of [`crate::rules`].

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an identifier or code was refused. The message names the value (never a BSN) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A BSN that is not 8 or 9 digits. The value is not repeated: it may be a real BSN.
    #[error("BSN must be 8 or 9 digits (got {len} characters)")]
    BsnFormat {
        /// Length of the rejected input, in characters.
        len: usize,
    },
    /// A BSN that fails the 11-proef or is all zeros. The value is not repeated.
    #[error("BSN fails the 11-proef")]
    BsnCheck,
    /// A provider code that is not exactly 8 digits.
    #[error("provider '{0}' is not an 8-digit iWlz-AGB code")]
    Provider(String),
    /// A region that is not a zorgkantoor code of COD001.
    #[error("region '{0}' is not a zorgkantoor code of COD001 (5501..5533, without 5522)")]
    Region(String),
    /// A profile that is not a care profile of COD163.
    #[error("profile '{0}' is not a care profile of COD163 (e.g. 5VV, VV-5 or 754)")]
    Profile(String),
    /// A COD163 code that exists but names no care profile (996..999).
    #[error("profile '{0}' is a COD163 code but not a care profile")]
    NotACareProfile(String),
    /// A delivery form that is not one of COD578's forms pvb funds.
    #[error("delivery form '{0}' is not one of verblijf, vpt, mpt, pgb, dtv")]
    DeliveryForm(String),
    /// A text identifier (client reference, indication id, declaration reference) that is empty,
    /// too long, or has characters outside printable ASCII.
    #[error("{what} '{value}' must be 1 to 64 printable ASCII characters without spaces")]
    Text {
        /// Which identifier.
        what: &'static str,
        /// The refused value (truncated to 80 characters).
        value: String,
    },
    /// A client reference that starts with `~`, which marks pseudonyms.
    #[error("client reference '{0}' may not start with '~' (reserved for BSN pseudonyms)")]
    ReservedPrefix(String),
    /// A client reference that is a valid BSN: it would put a BSN in the log in clear.
    #[error("client reference looks like a BSN (8 or 9 digits passing the 11-proef); give it as \"bsn\" so it is pseudonymised")]
    ReferenceIsBsn,
}

/// A citizen service number (burgerservicenummer) that passed the 11-proef.
///
/// It is never stored, serialized or printed: `Debug` shows `Bsn(*********)`, and there is no
/// `Display`. Turn it into a [`ClientId`] with a [`Pseudonymiser`] at once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Bsn([u8; 9]);

impl Bsn {
    /// Parses 9 digits, or 8 digits (a legacy BSN, left-padded with one zero), and checks the
    /// 11-proef of DOMAIN.md 4.2: `9*d1 + 8*d2 + ... + 2*d8 - 1*d9` is a multiple of 11, and
    /// the number is not all zeros.
    pub fn parse(text: &str) -> Result<Bsn, IdError> {
        let bytes = text.as_bytes();
        if !(bytes.len() == 8 || bytes.len() == 9) || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdError::BsnFormat {
                len: text.chars().count(),
            });
        }
        let mut digits = [0u8; 9];
        let offset = 9 - bytes.len();
        for (i, b) in bytes.iter().enumerate() {
            digits[offset + i] = b - b'0';
        }
        if !eleven_proof(&digits) {
            return Err(IdError::BsnCheck);
        }
        Ok(Bsn(digits))
    }

    fn digits_ascii(&self) -> [u8; 9] {
        self.0.map(|d| d + b'0')
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(*********)")
    }
}

/// The 11-proef on nine digits (each 0..=9): weights 9..2 and -1; all zeros fail.
pub fn eleven_proof(digits: &[u8; 9]) -> bool {
    if digits.iter().all(|d| *d == 0) {
        return false;
    }
    let mut sum: i32 = 0;
    for (i, d) in digits.iter().enumerate().take(8) {
        sum += (9 - i as i32) * i32::from(*d);
    }
    sum -= i32::from(digits[8]);
    sum.rem_euclid(11) == 0
}

/// Turns a BSN into a [`ClientId`] with a keyed hash (BLAKE3 keyed mode) under the ledger's
/// 32-byte pseudonymisation key.
///
/// The key is the ledger's and never enters the log. Without it a pseudonym cannot be linked to
/// a BSN by trying all 90,909,091 numbers that pass the 11-proef (RELIABILITY.md threat 6).
#[derive(Clone)]
pub struct Pseudonymiser {
    key: [u8; 32],
}

impl Pseudonymiser {
    /// Domain separation: the hashed message is this prefix followed by the 9 digits.
    pub const CONTEXT: &'static [u8] = b"pvb:bsn:v1:";

    /// A pseudonymiser with `key`.
    pub fn new(key: [u8; 32]) -> Pseudonymiser {
        Pseudonymiser { key }
    }

    /// The client id of `bsn`: `~` followed by the first 16 bytes of
    /// `BLAKE3-keyed(key, "pvb:bsn:v1:" || nine ASCII digits)` in unpadded base64url (23 characters).
    pub fn client_id(&self, bsn: &Bsn) -> ClientId {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(Self::CONTEXT);
        hasher.update(&bsn.digits_ascii());
        let hash = hasher.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&hash.as_bytes()[..16]);
        ClientId(CompactString::from(format!("~{}", base64url(&first))))
    }
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymiser { key: <hidden> }")
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Longest text identifier, in bytes.
pub const TEXT_ID_BYTES_MAX: usize = 64;

fn check_text(what: &'static str, value: &str) -> Result<CompactString, IdError> {
    let ok = !value.is_empty()
        && value.len() <= TEXT_ID_BYTES_MAX
        && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(CompactString::from(value))
    } else {
        Err(IdError::Text {
            what,
            value: value.chars().take(80).collect(),
        })
    }
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(CompactString);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $name::parse(s)
            }
        }
    };
}

text_id!(
    /// A client in the log: a BSN pseudonym (`~` and 22 base64url characters) or the office's
    /// own opaque reference (1 to 64 printable ASCII characters, not starting with `~`, and not
    /// a valid BSN).
    ClientId,
    "client"
);
text_id!(
    /// An indication (CIZ decision) of a client, as the office names it, e.g. `I-17` or
    /// `260000101-754`.
    IndicationId,
    "indication"
);
text_id!(
    /// A declaration reference: the unique name of one `deliver_care` line (INV-05).
    DeclarationRef,
    "ref"
);

impl ClientId {
    /// Parses the office's opaque reference, or a pseudonym as printed by
    /// [`Pseudonymiser::client_id`] (so that exported logs re-import to the same ids).
    pub fn parse(text: &str) -> Result<ClientId, IdError> {
        let value = check_text("client", text)?;
        if let Some(rest) = text.strip_prefix('~') {
            let is_pseudonym = rest.len() == 22
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !is_pseudonym {
                return Err(IdError::ReservedPrefix(text.to_owned()));
            }
        }
        if Bsn::parse(text).is_ok() {
            // 9 digits, or 8 (a legacy BSN): either would put a BSN in the log in clear.
            return Err(IdError::ReferenceIsBsn);
        }
        Ok(ClientId(value))
    }

    /// True for a BSN pseudonym, false for an office reference.
    pub fn is_pseudonym(&self) -> bool {
        self.0.starts_with('~')
    }

    /// Builds an id from text already known to be valid (decoded from a verified record).
    pub(crate) fn from_trusted(text: CompactString) -> ClientId {
        ClientId(text)
    }
}

impl IndicationId {
    /// Parses an indication id: 1 to 64 printable ASCII characters.
    pub fn parse(text: &str) -> Result<IndicationId, IdError> {
        check_text("indication", text).map(IndicationId)
    }

    pub(crate) fn from_trusted(text: CompactString) -> IndicationId {
        IndicationId(text)
    }
}

impl DeclarationRef {
    /// Parses a declaration reference: 1 to 64 printable ASCII characters.
    pub fn parse(text: &str) -> Result<DeclarationRef, IdError> {
        check_text("ref", text).map(DeclarationRef)
    }

    pub(crate) fn from_trusted(text: CompactString) -> DeclarationRef {
        DeclarationRef(text)
    }
}

/// A provider's iWlz-AGB code: 8 digits, kept as a number and printed zero-padded.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderId(u32);

impl ProviderId {
    /// Largest value: `99999999`.
    pub const MAX: u32 = 99_999_999;

    /// Parses exactly 8 ASCII digits.
    pub fn parse(text: &str) -> Result<ProviderId, IdError> {
        if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            let mut n = 0u32;
            for b in text.bytes() {
                n = n * 10 + u32::from(b - b'0');
            }
            Ok(ProviderId(n))
        } else {
            Err(IdError::Provider(text.chars().take(80).collect()))
        }
    }

    /// A provider id from its number, `0..=99999999`.
    pub fn new(code: u32) -> Result<ProviderId, IdError> {
        if code <= Self::MAX {
            Ok(ProviderId(code))
        } else {
            Err(IdError::Provider(code.to_string()))
        }
    }

    /// The code as a number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl fmt::Debug for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderId({:08})", self.0)
    }
}

impl Serialize for ProviderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProviderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ProviderId::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for ProviderId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        ProviderId::parse(s)
    }
}

/// A zorgkantoor region: a code of COD001 (iWlz 2.2 `LDT_ZorgkantoorCode`): 5501..=5533
/// without 5522. 5502 and 5533 are both Friesland in the list; pvb keeps them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionId(u16);

impl RegionId {
    /// Every code of COD001, ascending.
    pub fn all() -> impl Iterator<Item = RegionId> {
        (5501..=5533u16).filter(|c| *c != 5522).map(RegionId)
    }

    /// The region with code `code`, if COD001 has it.
    pub fn new(code: u16) -> Result<RegionId, IdError> {
        if (5501..=5533).contains(&code) && code != 5522 {
            Ok(RegionId(code))
        } else {
            Err(IdError::Region(code.to_string()))
        }
    }

    /// Parses the 4-digit code.
    pub fn parse(text: &str) -> Result<RegionId, IdError> {
        text.parse::<u16>()
            .ok()
            .filter(|_| text.len() == 4)
            .ok_or_else(|| IdError::Region(text.chars().take(80).collect()))
            .and_then(RegionId::new)
    }

    /// The code as a number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for RegionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u64::deserialize(d)?;
        u16::try_from(code)
            .map_err(|_| IdError::Region(code.to_string()))
            .and_then(RegionId::new)
            .map_err(serde::de::Error::custom)
    }
}

/// The id of an event: 128 bits, chosen by whoever submits it. A repeated id is not appended
/// again; the log answers with the original position (idempotent retries).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub [u8; 16]);

impl EventId {
    /// The id derived from a caller's text id (the `"id"` field of a JSON line):
    /// the first 16 bytes of `BLAKE3("pvb:event-id:v1:" || text)`.
    pub fn from_text(text: &str) -> EventId {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"pvb:event-id:v1:");
        hasher.update(text.as_bytes());
        let mut id = [0u8; 16];
        id.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
        EventId(id)
    }

    /// The `index`-th id of a series seeded by `seed` (a nonce the caller drew at random):
    /// the first 8 bytes of the seed, then the little-endian sum of the next 8 bytes and `index`.
    /// Distinct for distinct indexes of one seed; two seeds collide only if their first 8 bytes
    /// are equal (probability 2^-64 per pair of random seeds).
    pub fn derived(seed: &[u8; 32], index: u64) -> EventId {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&seed[..8]);
        let mut base = [0u8; 8];
        base.copy_from_slice(&seed[8..16]);
        let counter = u64::from_le_bytes(base).wrapping_add(index);
        id[8..].copy_from_slice(&counter.to_le_bytes());
        EventId(id)
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A position in the log: gapless, starting at 1. `Position(0)` is the head of an empty log.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Position(pub u64);

impl Position {
    /// The head of an empty log.
    pub const EMPTY: Position = Position(0);

    /// The next position.
    pub fn next(self) -> Position {
        Position(self.0 + 1)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_proof_examples() {
        assert!(Bsn::parse("111222333").is_ok());
        assert_eq!(Bsn::parse("111222334"), Err(IdError::BsnCheck));
        assert_eq!(Bsn::parse("000000000"), Err(IdError::BsnCheck));
        assert_eq!(Bsn::parse("00000000"), Err(IdError::BsnCheck));
        assert_eq!(Bsn::parse("12345"), Err(IdError::BsnFormat { len: 5 }));
        assert_eq!(Bsn::parse("11122233a"), Err(IdError::BsnFormat { len: 9 }));
        // 8 digits are left-padded: 11222333 -> 011222333: 8+7+12+10+8+9+6+6-3 = 63, not /11.
        assert_eq!(Bsn::parse("11222333"), Err(IdError::BsnCheck));
        // 012345672: 0+8+14+18+20+20+18+14-2 = 110 = 10*11.
        assert!(Bsn::parse("12345672").is_ok());
        assert_eq!(Bsn::parse("12345672"), Bsn::parse("012345672"));
    }

    #[test]
    fn bsn_never_prints() {
        let bsn = Bsn::parse("111222333").expect("valid");
        assert!(!format!("{bsn:?}").contains("111222333"));
        let err = Bsn::parse("111222334").expect_err("invalid");
        assert!(!err.to_string().contains("111222334"));
    }

    #[test]
    fn pseudonyms_depend_on_the_key() {
        let bsn = Bsn::parse("111222333").expect("valid");
        let a = Pseudonymiser::new([1; 32]).client_id(&bsn);
        let b = Pseudonymiser::new([2; 32]).client_id(&bsn);
        let a2 = Pseudonymiser::new([1; 32]).client_id(&bsn);
        assert_ne!(a, b);
        assert_eq!(a, a2);
        assert_eq!(a.as_str().len(), 23);
        assert!(a.is_pseudonym());
        assert!(!a.as_str().contains("111222333"));
        // A printed pseudonym parses back to the same id.
        assert_eq!(ClientId::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn client_references() {
        assert!(ClientId::parse("c-17").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("has space").is_err());
        assert!(ClientId::parse(&"x".repeat(65)).is_err());
        assert!(ClientId::parse(&"x".repeat(64)).is_ok());
        assert_eq!(
            ClientId::parse("~abc"),
            Err(IdError::ReservedPrefix("~abc".into()))
        );
        assert_eq!(ClientId::parse("111222333"), Err(IdError::ReferenceIsBsn));
        assert!(ClientId::parse("111222334").is_ok());
    }

    #[test]
    fn providers_and_regions() {
        assert_eq!(ProviderId::parse("00000017").map(|p| p.get()), Ok(17));
        assert_eq!(
            ProviderId::parse("00000017").map(|p| p.to_string()),
            Ok("00000017".into())
        );
        assert!(ProviderId::parse("1234567").is_err());
        assert!(ProviderId::parse("1234567x").is_err());
        assert!(RegionId::new(5531).is_ok());
        assert!(RegionId::new(5522).is_err());
        assert!(RegionId::new(5500).is_err());
        assert!(RegionId::new(5534).is_err());
        assert_eq!(RegionId::all().count(), 32);
        assert!(RegionId::parse("5531").is_ok());
        assert!(RegionId::parse("05531").is_err());
    }

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
