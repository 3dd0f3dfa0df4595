//! Regression values: the figures of seed 42 at scale 0.01 as this generator produced them
//! when it was written.
//!
//! These numbers are not given by WORKLOAD.md; they pin the generator's behaviour, so that an
//! unintended change shows up. Change them only together with a deliberate change of the
//! workload, and say so where the figures are quoted.

use std::io;

use pvb_workload::{write_year, LineKind, Scale};

#[test]
fn seed_42_scale_0_01() {
    let scale = Scale::new(0.01).expect("valid scale");
    let figures = write_year(42, scale, io::sink(), |_| {}).expect("no IO error");
    assert_eq!(figures.checksums(), "24976434145:0");
    assert_eq!(figures.lines, 1_016_900);
    let counts: Vec<u64> = LineKind::ALL.iter().map(|&k| figures.count(k)).collect();
    assert_eq!(counts, [17, 31, 31, 3_300, 3_300, 3_300, 0, 1_006_663, 258]);
    assert_eq!(figures.waiting_at_year_end, 0);
    assert_eq!(figures.switch_pending_at_year_end, 0);
}
