//! Importing JSON Lines into a ledger: lines are parsed on a second thread, decided one by one,
//! and the accepted ones appended in durable batches; every refused line goes to the rejections
//! report with its line number, field and reason.
//!
//! The counts always add up: `read = accepted + duplicates + rejected`. A line is accepted
//! whole or not at all. It is not a parser of single lines (see [`crate::jsonl`]).

use std::io::{BufRead, Write};
use std::sync::mpsc;

use pvb_core::{EventLog, Pseudonymiser};
use serde::Serialize;

use crate::jsonl::{parse_line, redact_bsns, Line, LineError, LINE_BYTES_MAX};
use crate::ledger::{Ledger, LedgerError, Outcome, Submission};

/// Lines decided and appended together (one durable sync).
pub const IMPORT_BATCH_LINES: usize = 4_096;

/// The counts of an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Lines read.
    pub read: u64,
    /// Lines accepted and appended.
    pub accepted: u64,
    /// Lines whose id was already in the log: nothing appended.
    pub duplicates: u64,
    /// Lines refused (bad input or a rule); each is in the rejections report.
    pub rejected: u64,
    /// Events appended.
    pub events: u64,
}

/// One line of the rejections report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RejectedLine {
    /// 1-based line number in the input.
    pub line: u64,
    /// The field at fault, when known.
    pub field: Option<String>,
    /// The rule that refused it, for a ledger rejection.
    pub rule: Option<String>,
    /// Why, in one sentence; never a BSN.
    pub reason: String,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError<E: std::error::Error + 'static> {
    /// Reading the input failed.
    #[error("reading the input failed after line {line}: {source}")]
    Read {
        /// Last line read.
        line: u64,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing the rejections report failed.
    #[error("writing the rejections report failed: {0}")]
    Report(std::io::Error),
    /// The ledger failed; lines before `line` that were accepted are durable.
    #[error("the ledger failed at line {line}: {source}")]
    Ledger {
        /// First line of the failed batch.
        line: u64,
        /// The failure.
        source: LedgerError<E>,
    },
}

type Parsed = (u64, Result<Line, LineError>);

fn parse_chunk(lines: Vec<(u64, Vec<u8>)>, pseudonymiser: &Pseudonymiser) -> Vec<Parsed> {
    lines
        .into_iter()
        .map(|(number, bytes)| {
            let result = match std::str::from_utf8(&bytes) {
                Ok(text) => {
                    let text = text.strip_suffix('\n').unwrap_or(text);
                    let text = text.strip_suffix('\r').unwrap_or(text);
                    if text.trim().is_empty() {
                        Err(LineError {
                            field: None,
                            reason: "empty line".to_owned(),
                        })
                    } else {
                        parse_line(text, pseudonymiser)
                    }
                }
                Err(_) => Err(LineError {
                    field: None,
                    reason: "not UTF-8 text".to_owned(),
                }),
            };
            (number, result)
        })
        .collect()
}

/// Imports every line of `input` into `ledger`. `progress` is called after each batch with the
/// bytes read so far.
pub fn import_lines<L, R, W>(
    ledger: &mut Ledger<L>,
    input: R,
    rejections: &mut W,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError<L::Error>>
where
    L: EventLog,
    R: BufRead + Send,
    W: Write,
{
    let pseudonymiser = ledger.pseudonymiser().clone();
    let mut report = ImportReport::default();
    std::thread::scope(|scope| {
        let (sender, receiver) =
            mpsc::sync_channel::<Result<(Vec<Parsed>, u64), (u64, std::io::Error)>>(4);
        scope.spawn(move || {
            let mut input = input;
            let mut number = 0u64;
            let mut bytes_read = 0u64;
            loop {
                let mut chunk = Vec::with_capacity(IMPORT_BATCH_LINES);
                for _ in 0..IMPORT_BATCH_LINES {
                    let mut buffer = Vec::with_capacity(160);
                    let mut limited = std::io::Read::take(&mut input, LINE_BYTES_MAX as u64 + 2);
                    match limited.read_until(b'\n', &mut buffer) {
                        Ok(0) => break,
                        Ok(n) => {
                            bytes_read += n as u64;
                            number += 1;
                            if !buffer.ends_with(b"\n") && n > LINE_BYTES_MAX {
                                // Skip the rest of an over-long line.
                                let mut rest = Vec::new();
                                if let Ok(m) = input.read_until(b'\n', &mut rest) {
                                    bytes_read += m as u64;
                                }
                            }
                            chunk.push((number, buffer));
                        }
                        Err(e) => {
                            let _ = sender.send(Err((number, e)));
                            return;
                        }
                    }
                }
                if chunk.is_empty() {
                    return;
                }
                let parsed = parse_chunk(chunk, &pseudonymiser);
                if sender.send(Ok((parsed, bytes_read))).is_err() {
                    return;
                }
            }
        });
        for message in receiver {
            let (parsed, bytes_read) =
                message.map_err(|(line, source)| ImportError::Read { line, source })?;
            run_chunk(ledger, parsed, rejections, &mut report)?;
            progress(bytes_read);
        }
        Ok(report)
    })
}

fn run_chunk<L: EventLog, W: Write>(
    ledger: &mut Ledger<L>,
    parsed: Vec<Parsed>,
    rejections: &mut W,
    report: &mut ImportReport,
) -> Result<(), ImportError<L::Error>> {
    let first_line = parsed.first().map_or(0, |(n, _)| *n);
    let mut submissions = Vec::with_capacity(parsed.len());
    let mut numbers = Vec::with_capacity(parsed.len());
    for (number, result) in parsed {
        report.read += 1;
        match result {
            Ok(line) => {
                submissions.push(Submission {
                    id: line.id,
                    command: line.command,
                });
                numbers.push(number);
            }
            Err(e) => {
                report.rejected += 1;
                write_rejection(
                    rejections,
                    &RejectedLine {
                        line: number,
                        field: e.field,
                        rule: None,
                        reason: e.reason,
                    },
                )?;
            }
        }
    }
    let outcomes = ledger
        .execute_batch(submissions)
        .map_err(|source| ImportError::Ledger {
            line: first_line,
            source,
        })?;
    for (number, outcome) in numbers.into_iter().zip(outcomes) {
        match outcome {
            Outcome::Accepted { events, .. } => {
                report.accepted += 1;
                report.events += events as u64;
            }
            Outcome::Duplicate { .. } => report.duplicates += 1,
            Outcome::Rejected(rejection) => {
                report.rejected += 1;
                write_rejection(
                    rejections,
                    &RejectedLine {
                        line: number,
                        field: None,
                        rule: Some(rejection.rule().to_owned()),
                        reason: redact_bsns(&rejection.to_string()),
                    },
                )?;
            }
        }
    }
    Ok(())
}

fn write_rejection<W: Write, E: std::error::Error + 'static>(
    out: &mut W,
    rejected: &RejectedLine,
) -> Result<(), ImportError<E>> {
    let line = serde_json::to_string(rejected)
        .map_err(|e| ImportError::Report(std::io::Error::other(e)))?;
    out.write_all(line.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(ImportError::Report)
}
