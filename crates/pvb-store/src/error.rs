//! The one error type of pvb-store, and the description of damage found in a log.
//!
//! Every message names the file, the byte offset and the position it is about. It is not a
//! rejection of a command (that is `pvb_core::Rejection`) nor an append conflict (that is
//! `pvb_core::AppendError::Conflict`).

use std::io;
use std::path::PathBuf;

use pvb_core::{ChainError, Position, RecordError};

use crate::format::FORMAT_VERSION;

/// What went wrong in a storage adapter.
///
/// What the caller should do is written on each variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O call failed. If it happened during an append, the writer is poisoned (see
    /// [`Error::Poisoned`]); reopen the log to go on. Nothing unacknowledged was acknowledged.
    #[error("{op} {path}: {source}")]
    Io {
        /// The operation, e.g. `sync_data`.
        op: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The log is damaged before its tail (or in a way a crash cannot explain). Stop: the log
    /// refuses to open for writing, and replaying past this point would give wrong budgets.
    /// Restore the segment from a backup or a replica; `pvb verify` shows the same place.
    #[error("log damaged in {segment} at byte {offset} (position {position}): {damage}")]
    Corruption {
        /// The segment file.
        segment: PathBuf,
        /// Byte offset in the segment of the damaged frame (or batch, or header).
        offset: u64,
        /// The first position that could not be verified.
        position: Position,
        /// What is wrong.
        damage: Damage,
    },
    /// A segment written by a later version of pvb. Upgrade pvb; do not edit the file.
    #[error(
        "{segment} is log format version {version}; this build reads versions 1..={FORMAT_VERSION}"
    )]
    UnsupportedVersion {
        /// The segment file.
        segment: PathBuf,
        /// Its format version.
        version: u16,
    },
    /// Another writer (this process or another) holds the log's lock file. Close the other
    /// writer first; two writers would corrupt the log.
    #[error("the log at {path} is locked by another writer (lock file {lock})")]
    Locked {
        /// The log folder.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// An earlier write or sync failed, so this writer acknowledges nothing any more (a retried
    /// fsync can report success for data that is gone). Drop it and open the log again.
    #[error("the log writer is poisoned since an earlier failure ({cause}); reopen the log")]
    Poisoned {
        /// The first failure.
        cause: String,
    },
    /// An append on a log opened read-only.
    #[error("the log at {path} is open read-only")]
    ReadOnly {
        /// The log folder.
        path: PathBuf,
    },
    /// No log at the path (and the options did not ask to create one).
    #[error("no log at {path}")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// A file in the log folder whose name looks like a segment but is not one. Move it away.
    #[error("{path} looks like a segment file but its name is not segment-<20 digits>.pvb")]
    StrayFile {
        /// The file.
        path: PathBuf,
    },
}

impl Error {
    /// True for damage found in the log's bytes (as opposed to an I/O failure or misuse).
    pub fn is_corruption(&self) -> bool {
        matches!(self, Error::Corruption { .. })
    }

    /// True when the damage is a hash-chain mismatch behind valid checksums: the bytes were
    /// changed and their checksums recomputed (tampering, or a misdirected write).
    pub fn is_chain_mismatch(&self) -> bool {
        matches!(
            self,
            Error::Corruption {
                damage: Damage::Chain(ChainError::Mismatch { .. }),
                ..
            }
        )
    }
}

/// What is wrong at a damaged place of a log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Damage {
    /// A frame whose CRC-32C does not match its bytes.
    #[error("frame checksum stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// The checksum in the frame.
        stored: u32,
        /// The checksum of the bytes.
        computed: u32,
    },
    /// A frame length no record can have.
    #[error("frame length {0} is not a record length")]
    FrameLength(u32),
    /// A frame that runs past the end of the segment's data.
    #[error("frame needs {needed} bytes, the segment has {available} left")]
    Truncated {
        /// Bytes the frame needs.
        needed: u64,
        /// Bytes left in the segment.
        available: u64,
    },
    /// A frame whose checksum matches but whose record does not parse.
    #[error("record does not parse: {0}")]
    Record(RecordError),
    /// The hash chain does not verify: records were changed, removed or reordered.
    #[error("{0}")]
    Chain(ChainError),
    /// A segment header that is not valid.
    #[error("segment header: {0}")]
    Header(&'static str),
    /// A segment that does not start where the previous one ended.
    #[error("segment starts at position {first}, expected {expected}: a segment is missing, extra or out of place")]
    SegmentGap {
        /// Position the segment should start at.
        expected: Position,
        /// Position its header says.
        first: Position,
    },
    /// A segment header whose previous commit is not the chain's commit at that point.
    #[error("segment header's previous commit does not match the commit of the log before it")]
    PreviousCommit,
    /// A segment (not the last) that ends inside a batch, or data that ends inside a batch.
    #[error("the segment ends inside the batch starting at position {first}")]
    IncompleteBatch {
        /// First position of the unfinished batch.
        first: Position,
    },
    /// A segment file shorter than the data the log had already verified in it.
    #[error("the segment is {len} bytes, shorter than the {expected} bytes verified before")]
    Shrunk {
        /// Length now.
        len: u64,
        /// Length verified at open or append.
        expected: u64,
    },
}
