//! Export: a log written back out as JSON Lines commands (DESIGN.md section 8), one per fact
//! the office recorded, each with its event id as `"id"`.
//!
//! Events the ledger derives itself (reservations, releases, transfers that follow a client, the
//! end of care a withdrawal causes) are left out: importing the export into an empty ledger under
//! the same policy produces them again. Clients appear as their pseudonyms; no BSN is in a log,
//! so none can be exported.

use std::io::Write;
use std::ops::ControlFlow;

use pvb_core::{Event, EventLog, Position};

use crate::jsonl::{command_to_line, event_to_command};

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E: std::error::Error + 'static> {
    /// The log failed.
    #[error("log: {0}")]
    Log(E),
    /// A record did not decode.
    #[error("record at position {0} does not decode: {1}")]
    Undecodable(Position, String),
    /// Writing failed.
    #[error("writing: {0}")]
    Write(std::io::Error),
}

/// Writes every office-recorded fact of `log` to `out`; returns the lines written.
pub fn export_log<L: EventLog, W: Write>(
    log: &mut L,
    out: &mut W,
) -> Result<u64, ExportError<L::Error>> {
    let mut lines = 0u64;
    let mut failure = None;
    let mut previous: Option<Event> = None;
    log.read(Position(1), &mut |record| {
        let event = match record.event() {
            Ok(event) => event,
            Err(e) => {
                failure = Some(ExportError::Undecodable(record.position, e.to_string()));
                return ControlFlow::Break(());
            }
        };
        let caused_by_withdrawal = matches!(
            (&previous, &event),
            (Some(Event::IndicationWithdrawn(w)), Event::CareEnded(c))
                if w.client == c.client && w.on == c.on
        );
        if !caused_by_withdrawal {
            if let Some(command) = event_to_command(&event) {
                let line = command_to_line(&command, Some(&record.id.to_string()));
                if let Err(e) = out
                    .write_all(line.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                {
                    failure = Some(ExportError::Write(e));
                    return ControlFlow::Break(());
                }
                lines += 1;
            }
        }
        previous = Some(event);
        ControlFlow::Continue(())
    })
    .map_err(ExportError::Log)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(lines),
    }
}
