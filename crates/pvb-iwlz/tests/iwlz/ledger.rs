//! A small ledger for the tests: the pvb-core rules over an in-memory state, with the
//! preamble of an office (budget, contracts, tariffs), and an import of one message that does
//! what the `import-iwlz` verb does: read it, then decide its commands as one all-or-nothing
//! batch, dropping a command whose id was appended before (the log's idempotent retry).

use std::collections::BTreeSet;
use std::path::PathBuf;

use pvb_core::{decide, Bsn, ClientId, Command, Event, Policy, Pseudonymiser, Rejection, State};
use pvb_iwlz::{read_message, Verdict};

use crate::catalogue::{bsn, P1, P2, P3, ZK};

/// The key of the tests' pseudonymiser.
pub const KEY: [u8; 32] = [42; 32];

/// What importing one message did.
#[derive(Debug)]
pub enum Outcome {
    /// Commands decided and appended (those whose id was new), with the skipped entries.
    Mapped {
        commands: Vec<Command>,
        skipped: Vec<String>,
    },
    /// Nothing to record.
    Skipped(String),
    /// Refused by the importer.
    Rejected { path: String, reason: String },
    /// Mapped, but the ledger refused command `index`: nothing appended.
    Refused { index: usize, rejection: Rejection },
}

pub struct Ledger {
    pub state: State,
    pub pseudonymiser: Pseudonymiser,
    pub ids: BTreeSet<String>,
    pub events: Vec<Event>,
}

/// A command from a JSON line as DESIGN.md section 8 writes it, `"bsn"` pseudonymised.
pub fn command(line: &str, pseudonymiser: &Pseudonymiser) -> Command {
    let mut value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
    if let Some(map) = value.as_object_mut() {
        if let Some(serde_json::Value::String(text)) = map.remove("bsn") {
            let bsn = Bsn::parse(&text).expect("a valid BSN in the test");
            let id = pseudonymiser.client_id(&bsn);
            map.insert("client".into(), serde_json::Value::String(id.to_string()));
        }
    }
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// The preamble of the tests' office, as JSON lines.
pub fn preamble() -> Vec<String> {
    let mut lines = vec![format!(
        r#"{{"type":"set_region_budget","region":{ZK},"year":2026,"amount":10000000000}}"#
    )];
    for provider in [P1, P2, P3] {
        lines.push(format!(
            r#"{{"type":"contract_provider","provider":"{provider}","region":{ZK},"year":2026,"places":40,"tariff_bp":9700}}"#
        ));
    }
    for profile in ["5VV", "6VV", "4VV", "9VV A", "3VV", "7VV"] {
        for form in ["verblijf", "vpt", "mpt", "pgb", "dtv"] {
            lines.push(format!(
                r#"{{"type":"set_tariff","year":2026,"profile":"{profile}","form":"{form}","day_tariff":23000}}"#
            ));
        }
    }
    lines
}

impl Ledger {
    /// A ledger holding the preamble.
    pub fn new() -> Ledger {
        let mut ledger = Ledger {
            state: State::new(),
            pseudonymiser: Pseudonymiser::new(KEY),
            ids: BTreeSet::new(),
            events: Vec::new(),
        };
        for line in preamble() {
            let c = command(&line, &ledger.pseudonymiser);
            ledger
                .decide_all(&[(None, c)])
                .expect("the preamble is accepted");
        }
        ledger
    }

    /// The client id of test client `letter`.
    pub fn client(&self, letter: char) -> ClientId {
        let bsn = Bsn::parse(bsn(letter)).expect("a test BSN");
        self.pseudonymiser.client_id(&bsn)
    }

    /// A command from a JSON line.
    pub fn line(&self, line: &str) -> Command {
        command(line, &self.pseudonymiser)
    }

    /// Reads a message against the current state, appending nothing.
    pub fn read(&self, xml: &[u8]) -> Verdict {
        read_message(xml, &self.state, &self.pseudonymiser)
    }

    /// Imports a message: read, then decide its commands as one batch.
    pub fn import(&mut self, xml: &[u8]) -> Outcome {
        match self.read(xml) {
            Verdict::Skipped { reason, .. } => Outcome::Skipped(reason),
            Verdict::Rejected { path, reason } => Outcome::Rejected { path, reason },
            Verdict::Mapped(mapped) => {
                let fresh: Vec<(Option<String>, Command)> = mapped
                    .commands
                    .into_iter()
                    .filter(|(id, _)| id.as_ref().is_none_or(|id| !self.ids.contains(id)))
                    .collect();
                let commands = fresh.iter().map(|(_, c)| c.clone()).collect();
                match self.decide_all(&fresh) {
                    Ok(()) => Outcome::Mapped {
                        commands,
                        skipped: mapped.skipped,
                    },
                    Err((index, rejection)) => Outcome::Refused { index, rejection },
                }
            }
        }
    }

    /// Imports the sample `name` from `tests/messages/valid/`.
    pub fn import_sample(&mut self, name: &str) -> Outcome {
        self.import(sample(name).as_bytes())
    }

    /// Decides commands one by one on a copy; commits the copy only when all are accepted.
    pub fn decide_all(
        &mut self,
        commands: &[(Option<String>, Command)],
    ) -> Result<(), (usize, Rejection)> {
        let mut state = self.state.clone();
        let mut events = Vec::new();
        for (index, (_, c)) in commands.iter().enumerate() {
            let decided = decide(&state, c, Policy::PersonFollowing).map_err(|r| (index, r))?;
            for event in &decided {
                state.apply(event);
            }
            events.extend(decided);
        }
        self.state = state;
        self.events.extend(events);
        self.ids
            .extend(commands.iter().filter_map(|(id, _)| id.clone()));
        Ok(())
    }
}

/// The folder of the sample messages.
pub fn messages_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("messages")
}

/// The text of the valid sample `name`.
pub fn sample(name: &str) -> String {
    let path = messages_dir().join("valid").join(format!("{name}.xml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write the samples with PVB_IWLZ_WRITE_SAMPLES=1 cargo test -p pvb-iwlz",
            path.display()
        )
    })
}
