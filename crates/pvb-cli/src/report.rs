//! `pvb report budgets|pools|waiting|regions|html --log PATH [--as-of DATE] [--known-at POS]`:
//! the projections at a date, as known at a position, as a table, CSV or JSON (or one
//! self-contained HTML page).
//!
//! It is not a projection: it replays the log through `pvb-projection` and lays out rows.

use std::path::PathBuf;

use pvb::projection::{BudgetRow, Filter, Projections, RegionWaiting};
use pvb_core::{Date, Money, Position};

use crate::logs::LogSpec;
use crate::table::{print_csv, print_json, print_table, Format};
use crate::{html, progress, Failure};

/// What to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// Per provider, funding region and year: allocated, reserved, consumed, remaining.
    Budgets,
    /// Per region and year: contract space, allocated to providers, unallocated.
    Pools,
    /// Every provider's waiting list with position, status and days waited.
    Waiting,
    /// Per region: count by status, median wait, number beyond the Treeknorm (91 days).
    Regions,
    /// One self-contained HTML page with charts and tables (needs -o FILE).
    Html,
}

/// Arguments of `pvb report`.
#[derive(clap::Args)]
pub struct Args {
    /// What to report.
    #[arg(value_enum)]
    what: What,
    /// The log.
    #[arg(long)]
    log: String,
    /// The state at the end of this day (YYYY-MM-DD). Default: the latest business date.
    #[arg(long)]
    as_of: Option<String>,
    /// The log as it stood at this position (transaction time). Default: all of it.
    #[arg(long)]
    known_at: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Output file (for html).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

/// Parses a `--as-of` date.
pub fn parse_as_of(text: &str) -> Result<Date, Failure> {
    pvb::jsonl::parse_date(text).map_err(|e| Failure::new(format!("--as-of: {e}")))
}

/// Replays the log at `spec` under `filter`, with a progress bar.
pub fn replay(spec: &LogSpec, filter: Filter) -> Result<Projections, Failure> {
    let mut log = spec.open_existing()?;
    let head = pvb_core::EventLog::head(&mut log)
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?;
    if let Some(p) = filter.known_at {
        if p > head {
            return Err(Failure::new(format!(
                "--known-at {p}: the log {} ends at position {head}",
                spec.describe()
            )));
        }
    }
    let bar = progress::bar(head.0, "replaying", head.0 < 2_000_000);
    let projections = pvb::replay_log(&mut log, filter, ())
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?;
    bar.finish_and_clear();
    Ok(projections)
}

fn euros(m: Money) -> String {
    m.to_string()
}

/// Runs `pvb report`.
pub fn run(args: Args) -> Result<(), Failure> {
    let spec = LogSpec::parse(&args.log)?;
    let filter = Filter {
        as_of: args.as_of.as_deref().map(parse_as_of).transpose()?,
        known_at: args.known_at.map(Position),
    };
    let projections = replay(&spec, filter)?;
    let date = projections.reference_date();
    match args.what {
        What::Budgets => budgets(&projections, args.format),
        What::Pools => pools(&projections, args.format),
        What::Waiting => waiting(&projections, args.format, date),
        What::Regions => regions(&projections, args.format, date),
        What::Html => {
            let output = args
                .output
                .ok_or_else(|| Failure::new("report html needs -o FILE"))?;
            let page = html::page(&spec, &projections, filter)?;
            std::fs::write(&output, page)
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", output.display())))?;
            println!("wrote {}", output.display());
            Ok(())
        }
    }
}

/// Prints the budgets report.
pub fn budgets(p: &Projections, format: Format) -> Result<(), Failure> {
    let rows = p.budget_rows();
    match format {
        Format::Json => print_json(&rows),
        Format::Csv => print_csv(
            &BUDGET_HEADER,
            &rows
                .iter()
                .map(|r| budget_cells(r, |m| m.cents().to_string()))
                .collect::<Vec<_>>(),
        ),
        Format::Table => {
            let mut cells: Vec<Vec<String>> = rows.iter().map(|r| budget_cells(r, euros)).collect();
            let total = |f: fn(&pvb::projection::BudgetRow) -> Money| {
                rows.iter()
                    .fold(Money::ZERO, |s, r| s.checked_add(f(r)).unwrap_or(s))
            };
            cells.push(vec![
                "total".into(),
                String::new(),
                String::new(),
                euros(total(|r| r.allocated)),
                euros(total(|r| r.reserved)),
                euros(total(|r| r.consumed)),
                euros(total(|r| r.remaining)),
            ]);
            print_table(&BUDGET_HEADER, &cells, &[3, 4, 5, 6]);
            Ok(())
        }
    }
}

/// Prints the pools report.
pub fn pools(p: &Projections, format: Format) -> Result<(), Failure> {
    let rows = p.pool_rows();
    let header = [
        "region",
        "year",
        "contract_space",
        "allocated",
        "unallocated",
    ];
    let cell = |m: Money, format: Format| {
        if format == Format::Csv {
            m.cents().to_string()
        } else {
            euros(m)
        }
    };
    match format {
        Format::Json => print_json(&rows),
        _ => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.region.to_string(),
                        r.year.to_string(),
                        cell(r.contract_space, format),
                        cell(r.allocated, format),
                        cell(r.unallocated, format),
                    ]
                })
                .collect();
            if format == Format::Csv {
                print_csv(&header, &cells)
            } else {
                print_table(&header, &cells, &[2, 3, 4]);
                Ok(())
            }
        }
    }
}

/// Prints the waiting lists.
pub fn waiting(p: &Projections, format: Format, date: Option<Date>) -> Result<(), Failure> {
    let rows = p.waiting_rows();
    let header = [
        "provider",
        "position",
        "client",
        "status",
        "since",
        "days_waiting",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.provider.to_string(),
                r.position.to_string(),
                r.client.to_string(),
                r.status.name().to_owned(),
                r.since.to_string(),
                r.days_waiting.to_string(),
            ]
        })
        .collect();
    match format {
        Format::Json => print_json(&rows),
        Format::Csv => print_csv(&header, &cells),
        Format::Table => {
            if let Some(date) = date {
                println!("waiting lists at the end of {date}: {} places", rows.len());
            }
            print_table(&header, &cells, &[1, 5]);
            Ok(())
        }
    }
}

/// Prints the per-region waiting summary.
/// Columns of the budgets report (CSV, table and HTML), DESIGN.md section 9.
pub const BUDGET_HEADER: [&str; 7] = [
    "provider",
    "region",
    "year",
    "allocated",
    "reserved",
    "consumed",
    "remaining",
];

/// One budgets row as cells, money written by `money`.
pub fn budget_cells(r: &BudgetRow, money: fn(Money) -> String) -> Vec<String> {
    vec![
        r.provider.to_string(),
        r.region.to_string(),
        r.year.to_string(),
        money(r.allocated),
        money(r.reserved),
        money(r.consumed),
        money(r.remaining),
    ]
}

/// Columns of the per-region waiting report (CSV, table and HTML).
pub const REGION_HEADER: [&str; 9] = [
    "region",
    "urgent",
    "active",
    "preference",
    "precaution",
    "total",
    "clients",
    "median_days",
    "beyond_treeknorm",
];

/// One region's waiting figures as cells.
pub fn region_cells(r: &RegionWaiting) -> Vec<String> {
    vec![
        r.region.to_string(),
        r.urgent.to_string(),
        r.active.to_string(),
        r.preference.to_string(),
        r.precaution.to_string(),
        r.total.to_string(),
        r.clients.to_string(),
        r.median_days.to_string(),
        r.beyond_treeknorm.to_string(),
    ]
}

pub fn regions(p: &Projections, format: Format, date: Option<Date>) -> Result<(), Failure> {
    let rows = p.region_waiting();
    let header = REGION_HEADER;
    let cells: Vec<Vec<String>> = rows.iter().map(region_cells).collect();
    match format {
        Format::Json => print_json(&rows),
        Format::Csv => print_csv(&header, &cells),
        Format::Table => {
            if let Some(date) = date {
                println!("waiting per region at the end of {date} (Treeknorm: more than 91 days)");
            }
            print_table(&header, &cells, &[1, 2, 3, 4, 5, 6, 7, 8]);
            Ok(())
        }
    }
}
