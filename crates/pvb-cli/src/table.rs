//! Output for people and programs: aligned text tables, CSV and JSON.
//!
//! It is not a report: callers hand it rows of cells; it only lays them out.

use std::io::Write;

use serde::Serialize;

use crate::Failure;

/// How a report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (amounts in euros).
    Table,
    /// CSV for programs (amounts in cents).
    Csv,
    /// JSON for programs (amounts in cents).
    Json,
}

/// Prints `rows` under `header` as an aligned table. Columns listed in `right` align right.
pub fn print_table(header: &[&str], rows: &[Vec<String>], right: &[usize]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths.get(i).copied().unwrap_or(0);
                if right.contains(&i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `rows` as CSV with `header` to standard output.
pub fn print_csv(header: &[&str], rows: &[Vec<String>]) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut writer = csv::Writer::from_writer(stdout.lock());
    let fail = |e: csv::Error| Failure::new(format!("writing CSV: {e}"));
    writer.write_record(header).map_err(fail)?;
    for row in rows {
        writer.write_record(row).map_err(fail)?;
    }
    writer
        .flush()
        .map_err(|e| Failure::new(format!("writing CSV: {e}")))
}

/// Prints `value` as pretty JSON to standard output.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| Failure::new(format!("writing JSON: {e}")))?;
    writeln!(out).map_err(|e| Failure::new(format!("writing JSON: {e}")))
}
