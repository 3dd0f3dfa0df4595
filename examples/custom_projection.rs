//! Writing a custom projection: care days delivered per provider per month, folded in the same
//! pass as the built-in budgets, waiting lists and client register.
use std::collections::BTreeMap;
use std::io::Cursor;

use pvb::projection::{Filter, Projection};
use pvb::{import::import_lines, Ledger, Options};
use pvb_core::{Event, Policy, Position, ProviderId};

/// Care days per (provider, month).
#[derive(Default)]
struct DaysPerMonth(BTreeMap<(ProviderId, u8), i64>);

impl Projection for DaysPerMonth {
    fn apply(&mut self, _position: Position, event: &Event) {
        match event {
            Event::CareDelivered(d) => {
                *self
                    .0
                    .entry((d.provider, d.from.month() as u8))
                    .or_default() += i64::from(d.days)
            }
            Event::DeliveryReversed(d) => {
                *self
                    .0
                    .entry((d.provider, d.from.month() as u8))
                    .or_default() -= i64::from(d.days)
            }
            _ => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut year = Vec::new();
    pvb_workload::write_year(42, pvb_workload::Scale::new(0.01)?, &mut year, |_| {})?;
    let mut ledger = Ledger::open(
        pvb_store::MemoryLog::new(),
        Options::new(Policy::PersonFollowing, [1; 32]),
    )?;
    import_lines(&mut ledger, Cursor::new(year), &mut Vec::new(), |_| {})?;
    let folded = ledger.replay_with(Filter::ALL, DaysPerMonth::default())?;
    for ((provider, month), days) in folded.extra().0.iter().take(12) {
        println!("provider {provider} month {month:>2}: {days} care days");
    }
    println!(
        "(budgets folded in the same pass: {} rows)",
        folded.budget_rows().len()
    );
    Ok(())
}
