//! pvb-iwlz: reads one iWlz 2.2 message (IO31 indication, AW33 assignment, AW35 start of care,
//! AW39 mutation) and maps it to the pvb commands of DESIGN.md section 8, as IWLZ.md fixes it.
//!
//! The principal functions: [`read_message`] takes the bytes of one message, the ledger's
//! [`State`] and its [`Pseudonymiser`], and answers with a [`Verdict`]: [`Verdict::Mapped`]
//! (one or more commands, each with a deterministic id so that a resent message is a
//! duplicate), [`Verdict::Skipped`] (nothing to record, with the reason) or
//! [`Verdict::Rejected`] (the element path and the reason). [`validate`] is the schema check
//! alone: the message against the official iWlz 2.2 XSD of its type, by libxml2, the same
//! library `xmllint` runs.
//!
//! It is not: a ledger (the caller decides a mapped message's commands with `pvb_core::decide`
//! as one all-or-nothing batch), a writer of iWlz return messages (IO32, AW34, AW36, AW310), or
//! a store of personal data. Names, addresses, birth dates, diagnoses and every other personal
//! field are never read out of the message; only the BSN is, and it becomes a pseudonym at
//! once. No rejection or skip text repeats a BSN or a name.
//!
//! The official XSDs are not part of this crate (their licence, GPL-3.0 in the published
//! repository, does not let us copy them into an EUPL project). [`schema_dir`] finds them:
//! [`set_schema_dir`], else the environment variable [`SCHEMA_DIR_ENV`], else
//! `../shared/iwlz-2.2` beside the workspace this crate was built in.
//!
//! ```no_run
//! use pvb_core::{Pseudonymiser, State};
//! use pvb_iwlz::{read_message, Verdict};
//!
//! let state = State::new();
//! let pseudonymiser = Pseudonymiser::new([7; 32]);
//! let xml = std::fs::read("IO31-0001.xml").expect("a message");
//! match read_message(&xml, &state, &pseudonymiser) {
//!     Verdict::Mapped(mapped) => {
//!         for (id, command) in &mapped.commands {
//!             println!("{id:?} {}", command.kind());
//!         }
//!     }
//!     Verdict::Skipped { kind, reason } => println!("{kind} skipped: {reason}"),
//!     Verdict::Rejected { path, reason } => println!("rejected at {path}: {reason}"),
//! }
//! ```

#![forbid(unsafe_code)]

mod codes;
mod map;
mod redact;
mod schema;
mod scratch;
mod xml;

use std::fmt;

use pvb_core::{Command, Pseudonymiser, State};

pub use schema::{schema_dir, set_schema_dir, validate, SCHEMA_DIR_ENV};

/// The largest message read, in bytes. A real iWlz message of a thousand clients stays far
/// below it; anything larger is rejected before it is parsed.
pub const MESSAGE_BYTES_MAX: usize = 32 * 1024 * 1024;

/// The four iWlz 2.2 message types pvb reads, recognised by the namespace of the root element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// IO31: indication decision (CIZ to zorgkantoor), BerichtCode 388.
    Io31,
    /// AW33: assignment (zorgkantoor to provider), BerichtCode 352.
    Aw33,
    /// AW35: start of care, MAZ (provider to zorgkantoor), BerichtCode 354.
    Aw35,
    /// AW39: mutation, end of care, waiting status (provider to zorgkantoor), BerichtCode 358.
    Aw39,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 4] = [
        MessageKind::Io31,
        MessageKind::Aw33,
        MessageKind::Aw35,
        MessageKind::Aw39,
    ];

    /// The message name: `IO31`, `AW33`, `AW35`, `AW39`.
    pub const fn name(self) -> &'static str {
        match self {
            MessageKind::Io31 => "IO31",
            MessageKind::Aw33 => "AW33",
            MessageKind::Aw35 => "AW35",
            MessageKind::Aw39 => "AW39",
        }
    }

    /// The namespace of the message's root element.
    pub const fn namespace(self) -> &'static str {
        match self {
            MessageKind::Io31 => "http://www.istandaarden.nl/iwlz/2_2/io31/schema",
            MessageKind::Aw33 => "http://www.istandaarden.nl/iwlz/2_2/aw33/schema",
            MessageKind::Aw35 => "http://www.istandaarden.nl/iwlz/2_2/aw35/schema",
            MessageKind::Aw39 => "http://www.istandaarden.nl/iwlz/2_2/aw39/schema",
        }
    }

    /// The kind whose root namespace is `namespace`.
    pub fn from_namespace(namespace: &str) -> Option<MessageKind> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.namespace() == namespace)
    }

    /// The file name of the official XSD: `IO31.xsd`.
    pub const fn xsd_file(self) -> &'static str {
        match self {
            MessageKind::Io31 => "IO31.xsd",
            MessageKind::Aw33 => "AW33.xsd",
            MessageKind::Aw35 => "AW35.xsd",
            MessageKind::Aw39 => "AW39.xsd",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A message that maps to one or more commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    /// The message type.
    pub kind: MessageKind,
    /// `<kind>-<sender>-<Identificatie>-<Dagtekening>`, e.g. `AW35-12345678-M-17-2026-02-03`:
    /// the sender is the header's `Afzender` (CIZ for an IO31, which has none), since
    /// `Identificatie` is unique per sender only. Characters outside printable ASCII (and
    /// spaces) are written as `%XX`.
    pub message_id: String,
    /// The commands in document order, each with its id `<message_id>-<n>` (n from 1): the
    /// `"id"` of a JSON line, so that importing the same message twice appends nothing.
    pub commands: Vec<(Option<String>, Command)>,
    /// The entries of the message that were skipped, each `<element path>: <reason>`.
    pub skipped: Vec<String>,
}

/// What becomes of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// One or more commands, to be decided as one all-or-nothing batch.
    Mapped(Mapped),
    /// Nothing to record: the message repeats what the ledger has, or says something pvb does
    /// not model. Not an error.
    Skipped {
        /// The message type.
        kind: MessageKind,
        /// Why, one `<element path>: <reason>` per skipped entry, separated by `; `.
        reason: String,
    },
    /// The message is refused as a whole; nothing of it may be appended.
    Rejected {
        /// The element at fault, e.g. `/Bericht/Clienten/Client/Bsn`, with `[n]` where an
        /// element has siblings of the same name (`Client[2]`).
        path: String,
        /// Why, in one sentence; never a BSN, a name or another personal value.
        reason: String,
    },
}

impl Verdict {
    fn rejected(path: impl Into<String>, reason: impl Into<String>) -> Verdict {
        Verdict::Rejected {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Reads one message: checks its size, its schema ([`validate`]), the rules of IWLZ.md a
/// schema cannot express, and maps it against `state` (the ledger's state before this
/// message). `pseudonymiser` turns the BSN into the client id the ledger knows.
///
/// Never panics, whatever the bytes.
pub fn read_message(xml: &[u8], state: &State, pseudonymiser: &Pseudonymiser) -> Verdict {
    if xml.len() > MESSAGE_BYTES_MAX {
        return Verdict::rejected(
            "/",
            format!(
                "the message is {} bytes; the limit is {MESSAGE_BYTES_MAX}",
                xml.len()
            ),
        );
    }
    if contains_doctype(xml) {
        return Verdict::rejected(
            "/",
            "a DOCTYPE is not allowed in an iWlz message (no DTD, no entities)",
        );
    }
    let kind = match validate(xml) {
        Ok(kind) => kind,
        Err((path, reason)) => return Verdict::rejected(path, reason),
    };
    let Ok(text) = std::str::from_utf8(xml) else {
        return Verdict::rejected(
            "/",
            "the message is not UTF-8; iWlz messages are read as UTF-8 only",
        );
    };
    match roxmltree::Document::parse(text) {
        Ok(document) => map::map(kind, &document, state, pseudonymiser),
        Err(e) => Verdict::rejected(
            "/",
            format!(
                "the message cannot be read: {}",
                redact::redact_quoted(&e.to_string())
            ),
        ),
    }
}

/// True when the bytes hold `<!DOCTYPE` (in any letter case).
fn contains_doctype(xml: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"<!doctype";
    xml.windows(NEEDLE.len())
        .any(|w| w.eq_ignore_ascii_case(NEEDLE))
}
