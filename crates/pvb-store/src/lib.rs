//! pvb-store: the storage adapters of pvb. [`MemoryLog`] keeps the log in memory (the oracle of
//! the tests; not durable). [`FileLog`] keeps it in a folder of segment files, framed with
//! length and CRC-32C, hash-chained by pvb-core, and made durable with `fdatasync` before an
//! append returns: the embedded default. Both implement [`pvb_core::EventLog`] and store the
//! same record bytes. The format is in docs/FORMAT.md.
//!
//! With the `conformance` feature, [`conformance::run`] checks any adapter against the
//! `EventLog` contract (model-based tests against `MemoryLog`, plus focused checks), and
//! [`kill_loop`] runs the kill -9 loop of RELIABILITY.md T3 against any durable adapter.
//!
//! It is not: a projection, a cache, a network service, or a place for domain rules.
//!
//! ```
//! use pvb_core::{Condition, EventId, EventLog, NewRecord, Position, SCHEMA_VERSION};
//! use pvb_store::FileLog;
//!
//! let dir = tempfile::tempdir()?;
//! let mut log = FileLog::open(dir.path())?;
//! let record = NewRecord {
//!     id: EventId([1; 16]),
//!     recorded_at_us: 0,
//!     schema: SCHEMA_VERSION,
//!     codec: 1,
//!     payload: b"any payload".to_vec(),
//! };
//! assert_eq!(log.append(&[record.clone()], Condition::Head(Position(0)))?, vec![Position(1)]);
//! // A retry with the same id is not appended again.
//! assert_eq!(log.append(&[record], Condition::Any)?, vec![Position(1)]);
//! drop(log);
//! let report = pvb_store::verify(dir.path())?;
//! assert!(report.is_ok() && report.head == Position(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod chain;
mod error;
mod file_log;
mod format;
mod id_index;
mod memory_log;
mod scan;
mod sim;
mod storage;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod kill_loop;

pub use error::{Damage, Error};
pub use file_log::{
    verify, verify_in, FileLog, OpenReport, Options, TornTail, VerifyReport, SEGMENT_BYTES_DEFAULT,
};
pub use format::{
    segment_name, FORMAT_VERSION, FRAME_HEADER_BYTES, LOCK_FILE, SEGMENT_HEADER_BYTES,
    SEGMENT_MAGIC,
};
pub use memory_log::MemoryLog;
pub use sim::{CrashMode, SimFile, SimLock, SimStorage};
pub use storage::{FsFile, FsLock, FsStorage, LockKind, OpenMode, Storage, StorageFile};
