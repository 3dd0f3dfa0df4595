//! The preamble of the file, line for line as WORKLOAD.md section 5 shows it, and the first
//! lines after it.
//!
//! Only the first few lines of a year are generated here.

use pvb_workload::{Generator, LineKind, Scale};

/// The first `n` lines of the year for `seed` and `scale`, with their types.
fn first_lines(seed: u64, scale: f64, n: usize) -> Vec<(LineKind, String)> {
    let mut generator = Generator::new(seed, Scale::new(scale).expect("valid scale"));
    let mut lines = Vec::new();
    for _ in 0..n {
        let mut out = Vec::new();
        let Some(kind) = generator.next_line(&mut out) else {
            break;
        };
        let text = String::from_utf8(out).expect("ASCII");
        assert!(
            text.ends_with('\n') && text.matches('\n').count() == 1,
            "{text:?}"
        );
        lines.push((kind, text.trim_end_matches('\n').to_owned()));
    }
    lines
}

#[test]
fn tariffs_come_first_in_profile_order() {
    let lines = first_lines(42, 0.001, 17);
    assert_eq!(
        lines[0].1,
        r#"{"type":"set_tariff","year":2026,"profile":"4VV","form":"verblijf","day_tariff":16500}"#
    );
    let expected = [
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
    assert_eq!(lines.len(), expected.len());
    for ((kind, line), (code, tariff)) in lines.iter().zip(expected) {
        assert_eq!(*kind, LineKind::SetTariff);
        let want = format!(
            r#"{{"type":"set_tariff","year":2026,"profile":"{code}","form":"verblijf","day_tariff":{tariff}}}"#
        );
        assert_eq!(line, &want);
    }
}

#[test]
fn region_budgets_follow_with_the_zorgkantoor_codes() {
    let lines = first_lines(42, 0.001, 17 + 31);
    let budgets = &lines[17..];
    assert_eq!(
        budgets[0].1,
        r#"{"type":"set_region_budget","region":5501,"year":2026,"amount":200000000}"#
    );
    let codes: Vec<u32> = (5501..=5521).chain(5523..=5532).collect();
    assert_eq!(codes.len(), 31);
    assert_eq!(budgets.len(), 31);
    for ((kind, line), code) in budgets.iter().zip(codes) {
        assert_eq!(*kind, LineKind::SetRegionBudget);
        let want = format!(
            r#"{{"type":"set_region_budget","region":{code},"year":2026,"amount":200000000}}"#
        );
        assert_eq!(line, &want);
    }
}

#[test]
fn contracts_follow_in_provider_order_then_day_0_begins() {
    let lines = first_lines(42, 0.001, 17 + 31 + 31 + 1);
    let contracts = &lines[48..79];
    assert_eq!(
        contracts[0].1,
        r#"{"type":"contract_provider","provider":"10000000","region":5501,"year":2026,"places":140,"tariff_bp":9500}"#
    );
    assert_eq!(
        contracts[30].1,
        r#"{"type":"contract_provider","provider":"10000030","region":5532,"year":2026,"places":190,"tariff_bp":9500}"#
    );
    assert!(contracts
        .iter()
        .all(|(k, _)| *k == LineKind::ContractProvider));
    // Day 0 starts with the first client's indication.
    assert_eq!(lines[79].0, LineKind::GrantIndication);
    assert!(
        lines[79].1.contains(r#""from":"2026-01-01""#),
        "{}",
        lines[79].1
    );
}

#[test]
fn preamble_at_scale_1_has_2000_contracts() {
    let lines = first_lines(7, 1.0, 17 + 31 + 2000 + 1);
    assert_eq!(
        lines[17].1,
        r#"{"type":"set_region_budget","region":5501,"year":2026,"amount":200000000000}"#
    );
    let contracts = &lines[48..2048];
    assert!(contracts
        .iter()
        .all(|(k, _)| *k == LineKind::ContractProvider));
    // p = 1999: region 1 + 1999 % 31 = 16, places 140 + 4 * 25, pct 95 + 1.
    assert_eq!(
        contracts[1999].1,
        r#"{"type":"contract_provider","provider":"10001999","region":5516,"year":2026,"places":240,"tariff_bp":9600}"#
    );
    assert_eq!(lines[2048].0, LineKind::GrantIndication);
}

#[test]
fn preamble_does_not_depend_on_the_seed() {
    let a = first_lines(1, 0.02, 17 + 31 + 40);
    let b = first_lines(2, 0.02, 17 + 31 + 40);
    assert_eq!(a, b);
}
