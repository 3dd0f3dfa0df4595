//! The JSON Lines text of each command (WORKLOAD.md section 5), written by hand.
//!
//! Every function appends exactly one compact line, keys in the documented order, ending in
//! `\n`, to a caller's buffer; no allocation, no escaping (every value is ASCII without quotes
//! or backslashes). This is not a JSON library and parses nothing.

/// Appends the decimal digits of `value` (no leading zeros).
pub(crate) fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// `{"type":"set_tariff","year":2026,"profile":..,"form":"verblijf","day_tariff":..}`
pub(crate) fn set_tariff(out: &mut Vec<u8>, profile: &str, day_tariff: u64) {
    out.extend_from_slice(br#"{"type":"set_tariff","year":2026,"profile":""#);
    out.extend_from_slice(profile.as_bytes());
    out.extend_from_slice(br#"","form":"verblijf","day_tariff":"#);
    push_u64(out, day_tariff);
    out.extend_from_slice(b"}\n");
}

/// `{"type":"set_region_budget","region":..,"year":2026,"amount":..}`
pub(crate) fn set_region_budget(out: &mut Vec<u8>, region: u16, amount: u64) {
    out.extend_from_slice(br#"{"type":"set_region_budget","region":"#);
    push_u64(out, u64::from(region));
    out.extend_from_slice(br#","year":2026,"amount":"#);
    push_u64(out, amount);
    out.extend_from_slice(b"}\n");
}

/// `{"type":"contract_provider","provider":"..","region":..,"year":2026,"places":..,
/// "tariff_bp":..}`
pub(crate) fn contract_provider(
    out: &mut Vec<u8>,
    agb: u64,
    region: u16,
    places: u32,
    tariff_bp: u64,
) {
    out.extend_from_slice(br#"{"type":"contract_provider","provider":""#);
    push_u64(out, agb);
    out.extend_from_slice(br#"","region":"#);
    push_u64(out, u64::from(region));
    out.extend_from_slice(br#","year":2026,"places":"#);
    push_u64(out, u64::from(places));
    out.extend_from_slice(br#","tariff_bp":"#);
    push_u64(out, tariff_bp);
    out.extend_from_slice(b"}\n");
}

/// `{"type":"grant_indication","client":"c-..","indication":"I-..","profile":..,"region":..,
/// "from":..}`
pub(crate) fn grant_indication(
    out: &mut Vec<u8>,
    client: u32,
    profile: &str,
    region: u16,
    from: &[u8; 10],
) {
    out.extend_from_slice(br#"{"type":"grant_indication","client":"c-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","indication":"I-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","profile":""#);
    out.extend_from_slice(profile.as_bytes());
    out.extend_from_slice(br#"","region":"#);
    push_u64(out, u64::from(region));
    out.extend_from_slice(br#","from":""#);
    out.extend_from_slice(from);
    out.extend_from_slice(b"\"}\n");
}

/// `{"type":"choose_provider","client":"c-..","provider":"..","form":"verblijf","on":..,
/// "urgency":..}`
pub(crate) fn choose_provider(
    out: &mut Vec<u8>,
    client: u32,
    agb: u64,
    on: &[u8; 10],
    urgency: &str,
) {
    out.extend_from_slice(br#"{"type":"choose_provider","client":"c-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","provider":""#);
    push_u64(out, agb);
    out.extend_from_slice(br#"","form":"verblijf","on":""#);
    out.extend_from_slice(on);
    out.extend_from_slice(br#"","urgency":""#);
    out.extend_from_slice(urgency.as_bytes());
    out.extend_from_slice(b"\"}\n");
}

/// `{"type":"start_care","client":"c-..","provider":"..","on":..}`
pub(crate) fn start_care(out: &mut Vec<u8>, client: u32, agb: u64, on: &[u8; 10]) {
    out.extend_from_slice(br#"{"type":"start_care","client":"c-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","provider":""#);
    push_u64(out, agb);
    out.extend_from_slice(br#"","on":""#);
    out.extend_from_slice(on);
    out.extend_from_slice(b"\"}\n");
}

/// `{"type":"end_care","client":"c-..","provider":"..","on":..,"reason":"transfer"}`
pub(crate) fn end_care_transfer(out: &mut Vec<u8>, client: u32, agb: u64, on: &[u8; 10]) {
    out.extend_from_slice(br#"{"type":"end_care","client":"c-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","provider":""#);
    push_u64(out, agb);
    out.extend_from_slice(br#"","on":""#);
    out.extend_from_slice(on);
    out.extend_from_slice(b"\",\"reason\":\"transfer\"}\n");
}

/// `{"type":"deliver_care","client":"c-..","provider":"..","from":..,"until":..,
/// "ref":"D-<c>-<d>","amount":..}`
pub(crate) struct Delivery<'a> {
    pub(crate) client: u32,
    pub(crate) agb: u64,
    pub(crate) day: u16,
    pub(crate) from: &'a [u8; 10],
    pub(crate) until: &'a [u8; 10],
    pub(crate) amount: u64,
}

/// Appends a `deliver_care` line.
pub(crate) fn deliver_care(out: &mut Vec<u8>, delivery: &Delivery<'_>) {
    out.extend_from_slice(br#"{"type":"deliver_care","client":"c-"#);
    push_u64(out, u64::from(delivery.client));
    out.extend_from_slice(br#"","provider":""#);
    push_u64(out, delivery.agb);
    out.extend_from_slice(br#"","from":""#);
    out.extend_from_slice(delivery.from);
    out.extend_from_slice(br#"","until":""#);
    out.extend_from_slice(delivery.until);
    out.extend_from_slice(br#"","ref":"D-"#);
    push_u64(out, u64::from(delivery.client));
    out.push(b'-');
    push_u64(out, u64::from(delivery.day));
    out.extend_from_slice(br#"","amount":"#);
    push_u64(out, delivery.amount);
    out.extend_from_slice(b"}\n");
}

/// `{"type":"withdraw_indication","client":"c-..","indication":"I-..","on":..,
/// "reason":"deceased"}`
pub(crate) fn withdraw_indication_deceased(out: &mut Vec<u8>, client: u32, on: &[u8; 10]) {
    out.extend_from_slice(br#"{"type":"withdraw_indication","client":"c-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","indication":"I-"#);
    push_u64(out, u64::from(client));
    out.extend_from_slice(br#"","on":""#);
    out.extend_from_slice(on);
    out.extend_from_slice(b"\",\"reason\":\"deceased\"}\n");
}

#[cfg(test)]
mod tests {
    use super::push_u64;

    #[test]
    fn push_u64_writes_decimal_without_leading_zeros() {
        for value in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }
}
