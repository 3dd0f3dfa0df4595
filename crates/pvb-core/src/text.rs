//! Free text the office writes in an event: the reason of a withdrawn choice or a reversal.
//!
//! It is not for personal data: the text is stored in the log as is, so the office's
//! software must not put names or BSNs in it (the importers never do).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest note, in bytes.
pub const NOTE_BYTES_MAX: usize = 256;

/// Why a note was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "reason must be at most {NOTE_BYTES_MAX} bytes without control characters (got {len} bytes)"
)]
pub struct NoteError {
    /// Length of the refused text in bytes.
    pub len: usize,
}

/// A short free text: at most 256 bytes, no control characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Note(String);

impl Note {
    /// Checks and wraps `text`.
    pub fn new(text: &str) -> Result<Note, NoteError> {
        if text.len() <= NOTE_BYTES_MAX && !text.chars().any(char::is_control) {
            Ok(Note(text.to_owned()))
        } else {
            Err(NoteError { len: text.len() })
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl Serialize for Note {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Note {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Note::new(&text).map_err(serde::de::Error::custom)
    }
}
