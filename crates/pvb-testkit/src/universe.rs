//! The small world the generators draw from: two regions, three providers, six clients, two
//! profiles, two delivery forms, the years 2026 and 2027.
//!
//! A small id space is what makes random histories interesting: clients meet at the same
//! providers, providers fill up, pools run dry, days collide. Every constructor takes an index
//! and wraps it into range, so any byte or shrunk integer names a valid id.

use pvb_core::{
    january_first, ClientId, DeclarationRef, DeliveryForm, IndicationId, Note, Profile, ProviderId,
    RegionId,
};
use time::{Date, Duration};

/// Regions of the world (COD001 codes).
pub const REGIONS: [u16; 2] = [5531, 5532];
/// Providers of the world (AGB codes); provider `i` lies in region `(i % 3) % 2`.
pub const PROVIDERS: [u32; 3] = [10_000_001, 10_000_002, 10_000_003];
/// Clients of the world.
pub const CLIENTS: usize = 6;
/// Profiles of the world (COD163).
pub const PROFILES: [&str; 2] = ["5VV", "6VV"];
/// Delivery forms of the world.
pub const FORMS: [DeliveryForm; 2] = [DeliveryForm::Verblijf, DeliveryForm::Vpt];

/// Region `i` (wrapped).
pub fn region(i: usize) -> RegionId {
    RegionId::new(REGIONS[i % REGIONS.len()]).expect("the world's regions are COD001 codes")
}

/// Provider `i` (wrapped).
pub fn provider(i: usize) -> ProviderId {
    ProviderId::new(PROVIDERS[i % PROVIDERS.len()]).expect("the world's providers have 8 digits")
}

/// The index of a provider of the world.
pub fn provider_index(provider: ProviderId) -> usize {
    PROVIDERS
        .iter()
        .position(|p| *p == provider.get())
        .unwrap_or(0)
}

/// The contracting region of provider `i`: 10000001 and 10000003 in 5531, 10000002 in 5532.
pub fn provider_region(i: usize) -> RegionId {
    region(i % PROVIDERS.len())
}

/// Client `c-i` (wrapped to the world's clients).
pub fn client(i: usize) -> ClientId {
    ClientId::parse(&format!("c-{}", i % CLIENTS))
        .expect("the world's client names are valid references")
}

/// Indication `I-<client>-<n>`.
pub fn indication(client: usize, n: usize) -> IndicationId {
    IndicationId::parse(&format!("I-{}-{n}", client % CLIENTS))
        .expect("the world's indication ids are printable ASCII")
}

/// Declaration reference `D-<n>`.
pub fn reference(n: usize) -> DeclarationRef {
    DeclarationRef::parse(&format!("D-{n}")).expect("the world's references are printable ASCII")
}

/// Profile `i` (wrapped).
pub fn profile(i: usize) -> Profile {
    Profile::parse(PROFILES[i % PROFILES.len()]).expect("the world's profiles are COD163 codes")
}

/// Delivery form `i` (wrapped).
pub fn form(i: usize) -> DeliveryForm {
    FORMS[i % FORMS.len()]
}

/// A note.
pub fn note(text: &str) -> Note {
    Note::new(text).unwrap_or_default()
}

/// `day` plus `days` (negative: earlier), clamped to the representable dates.
pub fn plus(day: Date, days: i64) -> Date {
    day.checked_add(Duration::days(days))
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// 2026-01-01 plus `days`.
pub fn day(days: i64) -> Date {
    plus(january_first(2026), days)
}
