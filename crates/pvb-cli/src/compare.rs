//! `pvb compare FILE`: the same commands under both funding policies. Prints, per region, the
//! waiting-list length and the clients turned away for budget under fixed production agreements,
//! beside the person-following result.
//!
//! A file made for person-following financing (like the pvb-year workload) has no production
//! agreements, so for the fixed run this command adds them: at the start of each year, a share
//! of every region's pool (`--agreements`, default 40%) is divided over the region's contracted
//! providers by their places (the historically grown split the seeds describe). It is not a
//! ledger: nothing is written; both runs decide and fold in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use pvb::jsonl::parse_line;
use pvb::projection::Projections;
use pvb_core::{
    decide, january_first, Account, ClientId, Command, Date, Event, Money, Policy, Position,
    ProviderId, Pseudonymiser, RegionId, Rejection, State, TransferReason, Year,
};

use crate::table::{print_csv, print_json, print_table, Format};
use crate::{progress, Failure};

/// Arguments of `pvb compare`.
#[derive(clap::Args)]
pub struct Args {
    /// The JSON Lines file.
    file: PathBuf,
    /// Share of each region's pool given to providers up front in the fixed run, in percent.
    #[arg(long, default_value_t = 40)]
    agreements: u32,
    /// The date the waiting lists are counted on (default: the latest business date).
    #[arg(long)]
    as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Default)]
struct Run {
    state: State,
    projections: Projections,
    position: u64,
    /// Clients refused a start for budget, by the client's region.
    turned_away: BTreeMap<RegionId, BTreeSet<ClientId>>,
    rejected: u64,
    agreements_done: BTreeSet<Year>,
    contracts: Vec<(ProviderId, RegionId, Year, u32)>,
}

impl Run {
    fn submit(&mut self, command: &Command, policy: Policy) {
        match decide(&self.state, command, policy) {
            Ok(events) => {
                for event in events {
                    if let Event::ProviderContracted(e) = &event {
                        self.contracts
                            .push((e.provider, e.region, e.year, e.places));
                    }
                    self.position += 1;
                    self.state.apply(&event);
                    self.projections.apply(Position(self.position), &event);
                }
            }
            Err(rejection) => {
                self.rejected += 1;
                let budget = matches!(
                    rejection,
                    Rejection::ProviderBudgetExhausted { .. } | Rejection::PoolExhausted { .. }
                );
                if let (true, Command::StartCare { client, on, .. }) = (budget, command) {
                    let region = self
                        .state
                        .client(client)
                        .and_then(|c| c.indication_on(*on))
                        .map(|i| i.region);
                    if let Some(region) = region {
                        self.turned_away
                            .entry(region)
                            .or_default()
                            .insert(client.clone());
                    }
                }
            }
        }
    }

    /// Fixed run: production agreements for `year`, `percent` of each pool divided by places.
    fn agreements(&mut self, year: Year, percent: u32) {
        if !self.agreements_done.insert(year) {
            return;
        }
        let mut places: BTreeMap<RegionId, BTreeMap<ProviderId, u32>> = BTreeMap::new();
        for (provider, region, y, n) in &self.contracts {
            if *y == year {
                places.entry(*region).or_default().insert(*provider, *n);
            }
        }
        for (region, providers) in places {
            if !self.state.has_budget(region, year) {
                continue;
            }
            let pool = i128::from(self.state.balance(Account::pool(region), year).cents());
            let share = pool * i128::from(percent.min(100)) / 100;
            let total: i128 = providers.values().map(|n| i128::from(*n)).sum();
            if total == 0 {
                continue;
            }
            for (provider, n) in providers {
                let amount = i64::try_from(share * i128::from(n) / total).unwrap_or(0);
                if amount > 0 {
                    let command = Command::TransferBudget {
                        from: Account::pool(region),
                        to: Account::provider(provider, region),
                        year,
                        amount: Money::from_cents(amount),
                        reason: TransferReason::ProductionAgreement,
                        on: Some(january_first(year)),
                    };
                    self.submit(&command, Policy::FixedAgreements);
                }
            }
        }
    }
}

fn is_preamble(command: &Command) -> bool {
    matches!(
        command,
        Command::SetTariff { .. }
            | Command::SetRegionBudget { .. }
            | Command::ContractProvider { .. }
    )
}

/// One region's comparison.
#[derive(serde::Serialize)]
struct Row {
    region: RegionId,
    person_following_waiting: usize,
    person_following_turned_away: usize,
    fixed_waiting: usize,
    fixed_turned_away_for_budget: usize,
}

/// Runs `pvb compare`.
pub fn run(args: Args) -> Result<(), Failure> {
    let file = File::open(&args.file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", args.file.display())))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pseudonymiser = Pseudonymiser::new([0x42; 32]);
    let mut pvb = Run::default();
    let mut fixed = Run::default();
    let bar = progress::bytes(len, "replaying twice");
    let mut read = 0u64;
    let mut bad = 0u64;
    for (i, line) in BufReader::with_capacity(1 << 20, file).lines().enumerate() {
        let line = line.map_err(|e| {
            Failure::new(format!(
                "{}: reading line {}: {e}",
                args.file.display(),
                i + 1
            ))
        })?;
        read += line.len() as u64 + 1;
        if i % 65_536 == 0 {
            bar.set_position(read);
        }
        let Ok(parsed) = parse_line(&line, &pseudonymiser) else {
            bad += 1;
            continue;
        };
        let command = parsed.command;
        if !is_preamble(&command) {
            fixed.agreements(command.date().year(), args.agreements);
        }
        pvb.submit(&command, Policy::PersonFollowing);
        fixed.submit(&command, Policy::FixedAgreements);
    }
    bar.finish_and_clear();
    let as_of: Option<Date> = args
        .as_of
        .as_deref()
        .map(crate::report::parse_as_of)
        .transpose()?;
    let waiting = |run: &Run| -> BTreeMap<RegionId, usize> {
        let date = as_of.or_else(|| run.projections.reference_date());
        let mut out = BTreeMap::new();
        let Some(date) = date else { return out };
        for row in run.projections.waiting().regions(date) {
            out.insert(row.region, row.total as usize);
        }
        out
    };
    let (pvb_waiting, fixed_waiting) = (waiting(&pvb), waiting(&fixed));
    let mut regions: BTreeSet<RegionId> = pvb_waiting.keys().copied().collect();
    regions.extend(fixed_waiting.keys().copied());
    regions.extend(fixed.turned_away.keys().copied());
    regions.extend(pvb.turned_away.keys().copied());
    let rows: Vec<Row> = regions
        .into_iter()
        .map(|region| Row {
            region,
            person_following_waiting: pvb_waiting.get(&region).copied().unwrap_or(0),
            person_following_turned_away: pvb.turned_away.get(&region).map_or(0, BTreeSet::len),
            fixed_waiting: fixed_waiting.get(&region).copied().unwrap_or(0),
            fixed_turned_away_for_budget: fixed.turned_away.get(&region).map_or(0, BTreeSet::len),
        })
        .collect();
    let header = [
        "region",
        "pvb_waiting",
        "pvb_turned_away",
        "fixed_waiting",
        "fixed_turned_away_for_budget",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.region.to_string(),
                r.person_following_waiting.to_string(),
                r.person_following_turned_away.to_string(),
                r.fixed_waiting.to_string(),
                r.fixed_turned_away_for_budget.to_string(),
            ]
        })
        .collect();
    match args.format {
        Format::Json => print_json(&rows),
        Format::Csv => print_csv(&header, &cells),
        Format::Table => {
            println!(
                "{}: person-following (pvb) beside fixed production agreements ({}% of each pool up front, split by places)",
                args.file.display(),
                args.agreements
            );
            print_table(&header, &cells, &[1, 2, 3, 4]);
            let sum = |f: fn(&Row) -> usize| rows.iter().map(f).sum::<usize>();
            println!(
                "total: pvb {} waiting, {} turned away; fixed {} waiting, {} turned away for budget; lines refused: pvb {}, fixed {}{}",
                sum(|r| r.person_following_waiting),
                sum(|r| r.person_following_turned_away),
                sum(|r| r.fixed_waiting),
                sum(|r| r.fixed_turned_away_for_budget),
                pvb.rejected,
                fixed.rejected,
                if bad > 0 { format!(" ({bad} lines did not parse)") } else { String::new() }
            );
            Ok(())
        }
    }
}
