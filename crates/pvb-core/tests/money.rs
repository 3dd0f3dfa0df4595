//! `Money`: checked arithmetic agrees with exact (128-bit) arithmetic and reports every
//! overflow; the day-tariff rounding is a floor; display is euros with two decimals.

use proptest::prelude::*;
use pvb_core::Money;

fn exact(value: i128) -> Option<Money> {
    i64::try_from(value).ok().map(Money::from_cents)
}

fn cents() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -1_000_000_000i64..1_000_000_000,
        2 => any::<i64>(),
        1 => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0), Just(1), Just(-1), Just(i64::MAX - 1), Just(i64::MIN + 1)],
    ]
}

proptest! {
    #[test]
    fn checked_add_is_exact_or_none(a in cents(), b in cents()) {
        let got = Money::from_cents(a).checked_add(Money::from_cents(b));
        prop_assert_eq!(got, exact(i128::from(a) + i128::from(b)));
    }

    #[test]
    fn checked_sub_is_exact_or_none(a in cents(), b in cents()) {
        let got = Money::from_cents(a).checked_sub(Money::from_cents(b));
        prop_assert_eq!(got, exact(i128::from(a) - i128::from(b)));
    }

    #[test]
    fn checked_mul_is_exact_or_none(a in cents(), n in prop_oneof![0i64..1_000, any::<i64>()]) {
        let got = Money::from_cents(a).checked_mul(n);
        prop_assert_eq!(got, exact(i128::from(a) * i128::from(n)));
    }

    /// `floor(amount x bp / 10_000)`, for every amount and basis points, or `None` when the
    /// result does not fit.
    #[test]
    fn basis_points_floor_is_a_floor(a in cents(), bp in prop_oneof![0u32..=10_000, any::<u32>()]) {
        let product = i128::from(a) * i128::from(bp);
        // Floor division written without div_euclid.
        let mut floor = product / 10_000;
        if product % 10_000 != 0 && product < 0 {
            floor -= 1;
        }
        prop_assert_eq!(Money::from_cents(a).basis_points_floor(bp), exact(floor));
    }

    /// A non-negative tariff at or below 100% never rises and never overflows.
    #[test]
    fn a_contract_tariff_never_exceeds_the_maximum(a in 0i64..=i64::MAX, bp in 0u32..=10_000) {
        let tariff = Money::from_cents(a).basis_points_floor(bp).expect("fits");
        prop_assert!(tariff <= Money::from_cents(a));
        prop_assert!(!tariff.is_negative());
    }

    /// Display parses back to the same cents: sign, thousands separators, two decimals.
    #[test]
    fn display_round_trips(a in cents()) {
        let text = Money::from_cents(a).to_string();
        let (sign, body) = match text.strip_prefix('-') {
            Some(rest) => (-1i128, rest),
            None => (1, text.as_str()),
        };
        let (euros, decimals) = body.split_once('.').expect("a decimal point");
        prop_assert_eq!(decimals.len(), 2);
        let groups: Vec<&str> = euros.split(',').collect();
        prop_assert!(groups[0].len() <= 3 && !groups[0].is_empty());
        prop_assert!(groups[1..].iter().all(|g| g.len() == 3));
        let euros: i128 = groups.concat().parse().expect("digits");
        let decimals: i128 = decimals.parse().expect("digits");
        prop_assert_eq!(sign * (euros * 100 + decimals), i128::from(a));
    }
}

#[test]
fn design_md_amounts() {
    let tariff = Money::from_cents(23_000);
    assert_eq!(tariff.checked_mul(334), Some(Money::from_cents(7_682_000)));
    assert_eq!(tariff.checked_mul(306), Some(Money::from_cents(7_038_000)));
    assert_eq!(
        Money::from_cents(7_682_000).checked_sub(Money::from_cents(7_038_000)),
        Some(Money::from_cents(644_000))
    );
    assert_eq!(Money::from_cents(644_000).to_string(), "6,440.00");
    assert_eq!(
        Money::from_cents(23_000).basis_points_floor(9_700),
        Some(Money::from_cents(22_310))
    );
}

#[test]
fn serde_is_integer_cents() {
    let m: Money = serde_json::from_str("2500000000").expect("integer cents");
    assert_eq!(m, Money::from_cents(2_500_000_000));
    assert_eq!(serde_json::to_string(&m).expect("serializes"), "2500000000");
    assert!(
        serde_json::from_str::<Money>("25.00").is_err(),
        "never a float"
    );
}
