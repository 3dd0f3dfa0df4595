//! Check values of the building blocks: SplitMix64 (section 2), Zipf weights (section 3) and
//! the sizes implied by a scale (sections 1 and 5).
//!
//! These tests pin numbers printed in WORKLOAD.md; they do not generate a year.

use proptest::prelude::*;
use pvb_workload::{zipf_weight, Scale, SplitMix64, WorkloadError};

#[test]
fn splitmix64_check_values_seed_0() {
    let mut rng = SplitMix64::new(0);
    assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
}

#[test]
fn splitmix64_check_values_seed_42() {
    let mut rng = SplitMix64::new(42);
    assert_eq!(rng.next_u64(), 13_679_457_532_755_275_413);
    assert_eq!(rng.next_u64(), 2_949_826_092_126_892_291);
    assert_eq!(rng.next_u64(), 5_139_283_748_462_763_858);
}

#[test]
fn zipf_weight_check_values() {
    assert_eq!(zipf_weight(1), 1_000_000_000_000);
    assert_eq!(zipf_weight(2), 707_106_781_186);
    assert_eq!(zipf_weight(3), 577_350_269_189);
    assert_eq!(zipf_weight(4), 500_000_000_000);
    assert_eq!(zipf_weight(100), 100_000_000_000);
}

/// The defining property, checked in 128-bit arithmetic.
fn is_largest_weight(w: u64, k: u64) -> bool {
    let limit: u128 = 10u128.pow(24);
    let (w, k) = (u128::from(w), u128::from(k));
    w * w * k <= limit && (w + 1) * (w + 1) * k > limit
}

#[test]
fn zipf_weight_is_exact_for_the_first_ranks() {
    for k in 1..=5_000u64 {
        let w = zipf_weight(k);
        assert!(is_largest_weight(w, k), "k = {k}, w = {w}");
        assert_eq!(w, (1e12 / (k as f64).sqrt()) as u64, "k = {k}");
    }
}

proptest! {
    #[test]
    fn zipf_weight_is_the_largest_w_with_w_squared_k_at_most_10_pow_24(k in 1u64..=100_000) {
        let w = zipf_weight(k);
        prop_assert!(is_largest_weight(w, k), "k = {}, w = {}", k, w);
        prop_assert_eq!(w, (1e12 / (k as f64).sqrt()) as u64);
    }

    #[test]
    fn zipf_weight_is_exact_for_any_rank(k in 1u64..=u64::MAX) {
        prop_assert!(is_largest_weight(zipf_weight(k), k));
    }
}

#[test]
fn scale_sizes() {
    let cases = [
        (0.001, 31, 330),
        (0.01, 31, 3_300),
        (0.02, 40, 6_600),
        (0.1, 200, 33_000),
        (1.0, 2_000, 330_000),
    ];
    for (value, providers, clients) in cases {
        let scale = Scale::new(value).expect("valid scale");
        assert_eq!(scale.providers(), providers, "P at scale {value}");
        assert_eq!(scale.clients(), clients, "C at scale {value}");
    }
}

#[test]
fn scale_rounds_half_away_from_zero_and_keeps_one_provider_per_region_below_0_01575() {
    let at = |text: &str| text.parse::<Scale>().expect("valid scale");
    assert_eq!(at("0.01574").providers(), 31);
    // 2000 * 0.01575 = 31.5 and 2000 * 0.01625 = 32.5 exactly in binary64: half away from zero.
    assert_eq!(at("0.01575").providers(), 32);
    assert_eq!(at("0.01625").providers(), 33);
    // 330000 * 0.0000015 = 0.495 -> 0 -> max(1, ..) = 1; 0.5 client rounds up.
    assert_eq!(at("0.0000015").clients(), 1);
    assert_eq!(at("0.00000151515151515152").clients(), 1);
    assert_eq!(at("0.0000045454545454545455").clients(), 2);
}

#[test]
fn scale_region_budget() {
    assert_eq!(
        Scale::new(0.001).expect("valid").region_budget_cents(),
        200_000_000
    );
    assert_eq!(
        Scale::new(1.0).expect("valid").region_budget_cents(),
        200_000_000_000
    );
    assert_eq!(Scale::new(1e-15).expect("valid").region_budget_cents(), 1);
}

#[test]
fn scale_rejects_non_positive_and_non_finite_values() {
    for value in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(
            matches!(Scale::new(value), Err(WorkloadError::ScaleNotPositive(_))),
            "{value} accepted"
        );
    }
    assert!(matches!(
        Scale::new(1e9),
        Err(WorkloadError::ScaleTooLarge(_))
    ));
    assert!(matches!(
        "zero".parse::<Scale>(),
        Err(WorkloadError::ScaleNotNumber(_))
    ));
    assert_eq!("0.02".parse::<Scale>(), Scale::new(0.02));
}
