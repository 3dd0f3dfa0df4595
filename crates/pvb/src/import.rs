//! Importing JSON Lines into a ledger: lines are parsed on a second thread, decided one by one,
//! and the accepted ones appended in durable batches; every refused line goes to the rejections
//! report with its line number, field and reason.
//!
//! The counts always add up: `read = accepted + duplicates + rejected`. A line is accepted
//! whole or not at all. It is not a parser of single lines (see [`crate::jsonl`]).

use std::io::{BufRead, Write};
use std::ops::ControlFlow;
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

/// Parses the lines of one chunk: `bytes` holds them back to back, `lines` their numbers and
/// ranges.
fn parse_chunk(
    bytes: &[u8],
    lines: &[(u64, std::ops::Range<usize>)],
    pseudonymiser: &Pseudonymiser,
) -> Vec<Parsed> {
    lines
        .iter()
        .map(|(number, range)| {
            let result = match std::str::from_utf8(bytes.get(range.clone()).unwrap_or(&[])) {
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
            (*number, result)
        })
        .collect()
}

/// Imports every line of `input` into `ledger`. `progress` is called after each batch with the
/// bytes read so far.
///
/// Batches go through [`Ledger::execute_pipelined`]: a batch is written while the next is
/// decided, and its lines are reported once it is durable. If writing the rejections report
/// fails, the import stops with that error; if a batch with accepted lines was already decided
/// after the last reported one, it is in the ledger's state but not in its log, so the ledger
/// is poisoned: reopen it to go on.
pub fn import_lines<L, R, W>(
    ledger: &mut Ledger<L>,
    input: R,
    rejections: &mut W,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError<L::Error>>
where
    L: EventLog + Send,
    L::Error: Send,
    R: BufRead + Send,
    W: Write,
{
    let pseudonymiser = ledger.pseudonymiser().clone();
    let mut report = ImportReport::default();
    std::thread::scope(|scope| {
        let (sender, receiver) =
            mpsc::sync_channel::<Result<(Vec<Parsed>, u64), (u64, std::io::Error)>>(4);
        let report = &mut report;
        scope.spawn(move || {
            let mut input = input;
            let mut number = 0u64;
            let mut bytes_read = 0u64;
            // One buffer holds a chunk's lines back to back (no allocation per line).
            let mut bytes = Vec::with_capacity(IMPORT_BATCH_LINES * 160);
            let mut lines = Vec::with_capacity(IMPORT_BATCH_LINES);
            loop {
                bytes.clear();
                lines.clear();
                for _ in 0..IMPORT_BATCH_LINES {
                    let start = bytes.len();
                    let mut limited = std::io::Read::take(&mut input, LINE_BYTES_MAX as u64 + 2);
                    match limited.read_until(b'\n', &mut bytes) {
                        Ok(0) => break,
                        Ok(n) => {
                            bytes_read += n as u64;
                            number += 1;
                            if !bytes.ends_with(b"\n") && n > LINE_BYTES_MAX {
                                // Skip the rest of an over-long line.
                                let mut rest = Vec::new();
                                if let Ok(m) = input.read_until(b'\n', &mut rest) {
                                    bytes_read += m as u64;
                                }
                            }
                            lines.push((number, start..bytes.len()));
                        }
                        Err(e) => {
                            let _ = sender.send(Err((number, e)));
                            return;
                        }
                    }
                }
                if lines.is_empty() {
                    return;
                }
                let parsed = parse_chunk(&bytes, &lines, &pseudonymiser);
                if sender.send(Ok((parsed, bytes_read))).is_err() {
                    return;
                }
            }
        });
        // Each parsed chunk becomes one batch; its line numbers and parse failures travel with
        // it as the tag, to be reported once the batch is durable.
        let mut read_failure = None;
        let chunks = receiver.into_iter().map_while(|message| match message {
            Ok((parsed, bytes_read)) => Some(split_chunk(parsed, bytes_read)),
            Err((line, source)) => {
                read_failure = Some(ImportError::Read { line, source });
                None
            }
        });
        let mut report_failure = None;
        // The first line not yet reported: where a failed batch starts.
        let mut unreported = 1u64;
        let executed = ledger.execute_pipelined(chunks, |chunk: Chunk, outcomes| {
            let written = report_chunk(&chunk, outcomes, rejections, report);
            unreported = chunk.end;
            match written {
                Ok(()) => {
                    progress(chunk.bytes_read);
                    ControlFlow::Continue(())
                }
                Err(e) => {
                    report_failure = Some(e);
                    ControlFlow::Break(())
                }
            }
        });
        if let Err(source) = executed {
            return Err(ImportError::Ledger {
                line: unreported,
                source,
            });
        }
        match (report_failure, read_failure) {
            (Some(e), _) | (None, Some(e)) => Err(e),
            (None, None) => Ok(*report),
        }
    })
}

/// One chunk of lines on its way through the ledger.
struct Chunk {
    /// Line numbers of the submissions, in order.
    numbers: Vec<u64>,
    /// Lines that did not parse.
    unparsed: Vec<RejectedLine>,
    /// Lines read in the chunk.
    read: u64,
    /// The line after the chunk's last.
    end: u64,
    /// Bytes of input read up to the chunk's end.
    bytes_read: u64,
}

fn split_chunk(parsed: Vec<Parsed>, bytes_read: u64) -> (Chunk, Vec<Submission>) {
    let mut chunk = Chunk {
        numbers: Vec::with_capacity(parsed.len()),
        unparsed: Vec::new(),
        read: parsed.len() as u64,
        end: parsed.last().map_or(0, |(n, _)| n + 1),
        bytes_read,
    };
    let mut submissions = Vec::with_capacity(parsed.len());
    for (number, result) in parsed {
        match result {
            Ok(line) => {
                submissions.push(Submission {
                    id: line.id,
                    command: line.command,
                });
                chunk.numbers.push(number);
            }
            Err(e) => chunk.unparsed.push(RejectedLine {
                line: number,
                field: e.field,
                rule: None,
                reason: e.reason,
            }),
        }
    }
    (chunk, submissions)
}

fn report_chunk<W: Write, E: std::error::Error + 'static>(
    chunk: &Chunk,
    outcomes: Vec<Outcome>,
    rejections: &mut W,
    report: &mut ImportReport,
) -> Result<(), ImportError<E>> {
    report.read += chunk.read;
    report.rejected += chunk.unparsed.len() as u64;
    for rejected in &chunk.unparsed {
        write_rejection(rejections, rejected)?;
    }
    for (number, outcome) in chunk.numbers.iter().zip(outcomes) {
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
                        line: *number,
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
