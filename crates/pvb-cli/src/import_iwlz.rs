//! `pvb import-iwlz FILE|DIR --log PATH`: iWlz 2.2 messages (IO31, AW33, AW35, AW39) into a
//! log. A folder is read in file-name order; each message is mapped to commands (which go
//! through the same rules as any import, as one all-or-nothing batch), skipped with a reason, or
//! rejected with the element path and the reason. The counts add up to the messages read.
//!
//! It is not the reader (that is `pvb-iwlz`, which validates against the official XSDs and drops
//! every personal field but the BSN, which it pseudonymises).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use pvb::{Outcome, Submission};
use pvb_iwlz::{read_message, Verdict};

use crate::import::{open_ledger, PolicyArg};
use crate::logs::LogSpec;
use crate::{progress, Failure};

/// Arguments of `pvb import-iwlz`.
#[derive(clap::Args)]
pub struct Args {
    /// A message file, or a folder of them (read in file-name order).
    input: PathBuf,
    /// The log.
    #[arg(long)]
    log: String,
    /// Funding policy.
    #[arg(long, value_enum, default_value = "person-following")]
    policy: PolicyArg,
    /// Where rejected messages go (default: <log>.rejections.jsonl).
    #[arg(long)]
    rejections: Option<PathBuf>,
    /// Pseudonymisation key file (default: PVB_KEY_FILE, or <log>.key beside the log).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

#[derive(serde::Serialize)]
struct RejectedMessage<'a> {
    message: u64,
    file: &'a str,
    path: Option<&'a str>,
    rule: Option<&'a str>,
    reason: &'a str,
}

fn files(input: &Path) -> Result<Vec<PathBuf>, Failure> {
    if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| Failure::new(format!("cannot read folder {}: {e}", input.display())))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(files)
    } else if input.is_file() {
        Ok(vec![input.to_path_buf()])
    } else {
        Err(Failure::new(format!(
            "{} is not a file or folder",
            input.display()
        )))
    }
}

/// Runs `pvb import-iwlz`.
pub fn run(args: Args) -> Result<(), Failure> {
    let spec = LogSpec::parse(&args.log)?;
    let messages = files(&args.input)?;
    let rejections_path = args
        .rejections
        .clone()
        .unwrap_or_else(|| spec.default_rejections());
    let mut ledger = open_ledger(&spec, args.policy.into(), args.key_file.as_deref())?;
    let report = File::create(&rejections_path)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", rejections_path.display())))?;
    let mut report = BufWriter::new(report);
    let (mut mapped, mut skipped, mut rejected, mut events) = (0u64, 0u64, 0u64, 0u64);
    let bar = progress::bar(messages.len() as u64, "messages", messages.len() < 200);
    for (i, path) in messages.iter().enumerate() {
        let number = i as u64 + 1;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
        let mut reject = |path_in: Option<&str>, rule: Option<&str>, reason: &str| {
            let line = serde_json::to_string(&RejectedMessage {
                message: number,
                file: &name,
                path: path_in,
                rule,
                reason,
            })
            .unwrap_or_default();
            writeln!(report, "{line}")
        };
        let verdict = read_message(&bytes, ledger.state(), ledger.pseudonymiser());
        match verdict {
            Verdict::Skipped { .. } => skipped += 1,
            Verdict::Rejected { path: at, reason } => {
                rejected += 1;
                reject(Some(&at), None, &reason).map_err(|e| {
                    Failure::new(format!("writing {}: {e}", rejections_path.display()))
                })?;
            }
            Verdict::Mapped(message) => {
                let submissions: Vec<Submission> = message
                    .commands
                    .into_iter()
                    .map(|(id, command)| Submission { id, command })
                    .collect();
                let kinds: Vec<&'static str> =
                    submissions.iter().map(|s| s.command.kind()).collect();
                match ledger
                    .execute_all_or_nothing(submissions)
                    .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?
                {
                    Ok(outcomes) => {
                        let appended: usize = outcomes
                            .iter()
                            .map(|o| match o {
                                Outcome::Accepted { events, .. } => *events,
                                _ => 0,
                            })
                            .sum();
                        if appended == 0 {
                            // Every command was already in the log: a resent message.
                            skipped += 1;
                        } else {
                            mapped += 1;
                            events += appended as u64;
                        }
                    }
                    Err((index, rejection)) => {
                        rejected += 1;
                        let reason = format!(
                            "command {} ({}) refused: {}",
                            index + 1,
                            kinds.get(index).copied().unwrap_or("?"),
                            pvb::jsonl::redact_bsns(&rejection.to_string())
                        );
                        reject(None, Some(rejection.rule()), &reason).map_err(|e| {
                            Failure::new(format!("writing {}: {e}", rejections_path.display()))
                        })?;
                    }
                }
            }
        }
        bar.set_position(number);
    }
    bar.finish_and_clear();
    report
        .flush()
        .map_err(|e| Failure::new(format!("writing {}: {e}", rejections_path.display())))?;
    println!(
        "{}: read {} messages: {mapped} mapped ({events} events), {skipped} skipped, {rejected} rejected{}",
        args.input.display(),
        messages.len(),
        if rejected > 0 {
            format!(" (see {})", rejections_path.display())
        } else {
            String::new()
        }
    );
    Ok(())
}
