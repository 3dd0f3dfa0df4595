use time::macros::date;

use super::*;

fn p(from: Date, until: Date) -> Period {
    Period::new(from, until)
}

#[test]
fn insert_coalesces_touching_and_overlapping_periods() {
    let mut list = Vec::new();
    insert(&mut list, p(date!(2026 - 01 - 10), date!(2026 - 01 - 12)));
    insert(&mut list, p(date!(2026 - 01 - 01), date!(2026 - 01 - 03)));
    insert(&mut list, p(date!(2026 - 01 - 05), date!(2026 - 01 - 06)));
    assert_eq!(list.len(), 3);
    // Touching on both sides: [03, 05) joins [01, 03) and [05, 06).
    insert(&mut list, p(date!(2026 - 01 - 03), date!(2026 - 01 - 05)));
    assert_eq!(
        list,
        vec![
            p(date!(2026 - 01 - 01), date!(2026 - 01 - 06)),
            p(date!(2026 - 01 - 10), date!(2026 - 01 - 12)),
        ]
    );
    // Spanning everything.
    insert(&mut list, p(date!(2025 - 12 - 31), date!(2026 - 02 - 01)));
    assert_eq!(list, vec![p(date!(2025 - 12 - 31), date!(2026 - 02 - 01))]);
    // Empty periods are ignored.
    insert(&mut list, p(date!(2026 - 03 - 01), date!(2026 - 03 - 01)));
    assert_eq!(list.len(), 1);
}

#[test]
fn remove_splits_and_trims() {
    let mut list = vec![p(date!(2026 - 01 - 01), date!(2026 - 01 - 31))];
    remove(&mut list, p(date!(2026 - 01 - 10), date!(2026 - 01 - 11)));
    assert_eq!(
        list,
        vec![
            p(date!(2026 - 01 - 01), date!(2026 - 01 - 10)),
            p(date!(2026 - 01 - 11), date!(2026 - 01 - 31)),
        ]
    );
    remove(&mut list, p(date!(2025 - 01 - 01), date!(2026 - 01 - 02)));
    remove(&mut list, p(date!(2026 - 01 - 30), date!(2027 - 01 - 01)));
    assert_eq!(
        list,
        vec![
            p(date!(2026 - 01 - 02), date!(2026 - 01 - 10)),
            p(date!(2026 - 01 - 11), date!(2026 - 01 - 30)),
        ]
    );
    remove(&mut list, p(date!(2026 - 01 - 01), date!(2026 - 02 - 01)));
    assert!(list.is_empty());
}

#[test]
fn days_are_half_open() {
    assert_eq!(p(date!(2026 - 02 - 01), date!(2026 - 03 - 01)).days(), 28);
    assert_eq!(p(date!(2026 - 02 - 01), date!(2026 - 02 - 01)).days(), 0);
    assert_eq!(p(date!(2026 - 02 - 02), date!(2026 - 02 - 01)).days(), 0);
    assert!(p(date!(2026 - 02 - 01), date!(2026 - 02 - 02)).contains(date!(2026 - 02 - 01)));
    assert!(!p(date!(2026 - 02 - 01), date!(2026 - 02 - 02)).contains(date!(2026 - 02 - 02)));
}
