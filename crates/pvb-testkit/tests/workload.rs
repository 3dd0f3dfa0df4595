//! The pvb-year workload (WORKLOAD.md) at scale 0.02, imported under the person-following
//! policy through `pvb::jsonl::parse_line` and `pvb_core::decide`, breaks no invariant: every
//! line is accepted, and the streaming auditor finds nothing, INV-15 included.

use std::time::Instant;

use pvb::jsonl::parse_line;
use pvb_core::{decide, Policy, Position, Pseudonymiser, State};
use pvb_testkit::invariants::Auditor;
use pvb_workload::{Generator, Scale};

#[test]
fn pvb_year_at_scale_002_is_clean() {
    let started = Instant::now();
    let scale = Scale::new(0.02).expect("0.02 is a valid scale");
    let mut generator = Generator::new(42, scale);
    let pseudonymiser = Pseudonymiser::new([0; 32]);
    let mut state = State::new();
    let mut auditor = Auditor::with_policy(Policy::PersonFollowing);
    let mut position = 0u64;
    let (mut lines, mut rejected) = (0u64, 0u64);
    let mut buffer = Vec::with_capacity(256);
    while generator.next_line(&mut buffer).is_some() {
        lines += 1;
        let text = std::str::from_utf8(&buffer).expect("the workload writes ASCII");
        let line = parse_line(text.trim_end(), &pseudonymiser).expect("the workload's lines parse");
        match decide(&state, &line.command, Policy::PersonFollowing) {
            Ok(events) => {
                for event in &events {
                    state.apply(event);
                    position += 1;
                    auditor.observe(Position(position), event);
                }
            }
            Err(rejection) => {
                rejected += 1;
                eprintln!("line {lines} rejected: {rejection}: {text}");
            }
        }
        buffer.clear();
    }
    let report = auditor.finish();
    eprintln!(
        "{lines} lines, {position} events, audited in {:.1?}\n{report}",
        started.elapsed()
    );
    assert_eq!(
        rejected, 0,
        "a correct ledger accepts every line of the pvb-year"
    );
    assert!(report.is_clean(), "{report}");
    assert!(report.checked.get("INV-15").copied().unwrap_or(0) > 300);
}
