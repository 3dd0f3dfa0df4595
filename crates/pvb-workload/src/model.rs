//! The fixed world of the workload: regions, provider properties, profiles and dates
//! (WORKLOAD.md sections 1 and 5).
//!
//! Everything here is a pure function of an id; nothing depends on the seed or the scale.
//! This is not the ledger's domain model (that lives in `pvb-core`); it only names and sizes
//! what the generator writes.

/// Number of regions (zorgkantoorregio's), numbered `1..=31`.
pub const REGIONS: u32 = 31;

/// Number of days generated: day `d = 0..=364` is 2026-01-01 plus `d` days.
pub const YEAR_DAYS: u16 = 365;

/// The profiles in index order: `(code, maximum day tariff in cents)`.
pub const PROFILES: [(&str, u64); 17] = [
    ("4VV", 16_500),
    ("5VV", 23_000),
    ("6VV", 22_500),
    ("7VV", 27_000),
    ("8VV", 32_000),
    ("9VV", 28_500),
    ("10VV", 35_000),
    ("3VG", 17_500),
    ("4VG", 19_000),
    ("5VG", 24_000),
    ("6VG", 23_000),
    ("7VG", 30_000),
    ("2LG", 20_000),
    ("3LG", 21_000),
    ("4LG", 25_000),
    ("5LG", 28_000),
    ("6LG", 31_000),
];

/// The zorgkantoor code of region `r` (1..=31): `5500 + r` up to 21, `5501 + r` from 22
/// (so 5501..=5521 and 5523..=5532).
pub fn region_code(r: u32) -> u16 {
    let code = if r <= 21 { 5500 + r } else { 5501 + r };
    u16::try_from(code).unwrap_or(u16::MAX)
}

/// The region (1..=31) of provider `p`.
pub fn provider_region(p: u32) -> u32 {
    1 + p % REGIONS
}

/// The contracted places of provider `p`: `140 + (p % 7) * 25`.
pub fn provider_places(p: u32) -> u32 {
    140 + (p % 7) * 25
}

/// The contract percentage of provider `p` of the maximum tariff: `95 + p % 6`.
pub fn provider_pct(p: u32) -> u64 {
    95 + u64::from(p % 6)
}

/// The AGB code of provider `p` as a number: `10000000 + p` (written as a string in the file).
pub fn provider_agb(p: u32) -> u64 {
    10_000_000 + u64::from(p)
}

/// Days per month of 2026 (not a leap year).
const MONTH_DAYS: [u16; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The date of day `d` as `YYYY-MM-DD` bytes: 2026-01-01 plus `d` days, for `d <= 365`
/// (day 365 is 2027-01-01). Larger days are clamped to 365.
pub(crate) fn date_bytes(day: u16) -> [u8; 10] {
    let mut rest = day.min(YEAR_DAYS);
    let mut year = 2026u16;
    if rest == YEAR_DAYS {
        year += 1;
        rest = 0;
    }
    let mut month = 0usize;
    while rest >= MONTH_DAYS[month] {
        rest -= MONTH_DAYS[month];
        month += 1;
    }
    let digit = |v: u16| b'0' + u8::try_from(v % 10).unwrap_or(0);
    let m = month as u16 + 1;
    let dd = rest + 1;
    [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(dd / 10),
        digit(dd),
    ]
}

/// The date of day `d` as `YYYY-MM-DD`: 2026-01-01 plus `d` days, for `d <= 365`
/// (day 365 is 2027-01-01; larger days are clamped to 365).
pub fn day_date(day: u16) -> String {
    date_bytes(day).iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::{day_date, region_code};

    #[test]
    fn days_are_dates_of_2026_and_day_365_is_new_year() {
        assert_eq!(day_date(0), "2026-01-01");
        assert_eq!(day_date(30), "2026-01-31");
        assert_eq!(day_date(31), "2026-02-01");
        assert_eq!(day_date(58), "2026-02-28");
        assert_eq!(day_date(59), "2026-03-01");
        assert_eq!(day_date(152), "2026-06-02");
        assert_eq!(day_date(364), "2026-12-31");
        assert_eq!(day_date(365), "2027-01-01");
    }

    #[test]
    fn region_codes_skip_5522() {
        let codes: Vec<u16> = (1..=31).map(region_code).collect();
        let expected: Vec<u16> = (5501..=5521).chain(5523..=5532).collect();
        assert_eq!(codes, expected);
    }
}
