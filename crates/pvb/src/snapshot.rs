//! Snapshots: the ledger's state and projections at a position, so that opening a large log
//! folds only the records after it.
//!
//! A snapshot records the code that made it (the crate version, `RULES_VERSION`,
//! `SNAPSHOT_VERSION` and a fingerprint of the rule and projection sources), the funding
//! policy, the position and the chain commit there. It is used only when all of these match
//! the running code and the log; otherwise it is ignored (with the reason) and the log is
//! replayed, so a snapshot can never go stale. The file ends with a BLAKE3 hash of its bytes
//! and is written atomically (temporary file, fsync, rename, fsync of the folder).
//!
//! It is not a backup: it holds derived data only, and can always be deleted.

use std::fs;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

use pvb_core::{Commit, EventLog, Policy, Position, State, RULES_VERSION};
use pvb_projection::{Projections, SNAPSHOT_VERSION};
use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, LedgerError, Options};

const MAGIC: &[u8; 8] = b"PVBSNAP1";

/// The code that made (or reads) a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeVersion {
    /// The pvb crate version.
    pub crate_version: String,
    /// `pvb_core::RULES_VERSION`.
    pub rules_version: u32,
    /// `pvb_projection::SNAPSHOT_VERSION`.
    pub projection_version: u32,
    /// Fingerprint of the pvb-core and pvb-projection sources at build time.
    pub fingerprint: String,
}

impl CodeVersion {
    /// The running code.
    pub fn current() -> CodeVersion {
        CodeVersion {
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
            rules_version: RULES_VERSION,
            projection_version: SNAPSHOT_VERSION,
            fingerprint: env!("PVB_CODE_FINGERPRINT").to_owned(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    code: CodeVersion,
    policy: String,
    position: u64,
    commit: [u8; 32],
}

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading or writing the file failed.
    #[error("snapshot {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a snapshot, or is damaged.
    #[error("snapshot {0} is damaged or not a snapshot")]
    Damaged(String),
    /// Made by other code.
    #[error("snapshot was made by other code ({0:?}); rebuilding from the log")]
    OtherCode(CodeVersion),
    /// Made under the other policy.
    #[error("snapshot was made under the {0} policy")]
    OtherPolicy(String),
    /// The log does not hold the snapshot's commit at its position.
    #[error(
        "the log does not match the snapshot at position {0} (another log, or a restored one)"
    )]
    LogMismatch(u64),
}

/// What opening with a snapshot did.
#[derive(Debug)]
pub enum SnapshotUse {
    /// No snapshot file.
    Absent,
    /// Loaded; only records after `position` were folded.
    Used {
        /// The snapshot's position.
        position: Position,
    },
    /// Present but ignored; the whole log was folded.
    Ignored(SnapshotError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes the ledger's state and projections at its head to `path`.
pub fn write<L: EventLog>(ledger: &mut Ledger<L>, path: &Path) -> Result<Position, SnapshotError> {
    let commit = ledger
        .log_mut()
        .head_commit()
        .map_err(|e| SnapshotError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
    let header = Header {
        code: CodeVersion::current(),
        policy: ledger.policy().name().to_owned(),
        position: ledger.head().0,
        commit: commit.0,
    };
    let config = bincode::config::standard();
    let damaged = |_| SnapshotError::Damaged(path.display().to_string());
    let mut bytes = MAGIC.to_vec();
    bytes.extend(bincode::serde::encode_to_vec(&header, config).map_err(damaged)?);
    bytes.extend(
        bincode::serde::encode_to_vec((ledger.state(), ledger.projections()), config)
            .map_err(damaged)?,
    );
    let hash = blake3::hash(&bytes);
    bytes.extend_from_slice(hash.as_bytes());
    let temp = path.with_extension("snapshot-tmp");
    {
        let mut file = fs::File::create(&temp).map_err(io(&temp))?;
        file.write_all(&bytes).map_err(io(&temp))?;
        file.sync_all().map_err(io(&temp))?;
    }
    fs::rename(&temp, path).map_err(io(path))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io(parent))?;
    }
    Ok(Position(header.position))
}

fn load(path: &Path, policy: Policy) -> Result<(Header, State, Projections), SnapshotError> {
    let bytes = fs::read(path).map_err(io(path))?;
    let damaged = || SnapshotError::Damaged(path.display().to_string());
    if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(damaged());
    }
    let (body, hash) = bytes.split_at(bytes.len() - 32);
    if blake3::hash(body).as_bytes() != hash {
        return Err(damaged());
    }
    let config = bincode::config::standard();
    let (header, used): (Header, usize) =
        bincode::serde::decode_from_slice(&body[MAGIC.len()..], config).map_err(|_| damaged())?;
    if header.code != CodeVersion::current() {
        return Err(SnapshotError::OtherCode(header.code));
    }
    if header.policy != policy.name() {
        return Err(SnapshotError::OtherPolicy(header.policy));
    }
    let ((mut state, projections), _): ((State, Projections), usize) =
        bincode::serde::decode_from_slice(&body[MAGIC.len() + used..], config)
            .map_err(|_| damaged())?;
    state.reindex();
    Ok((header, state, projections))
}

/// Opens a ledger over `log`, starting from the snapshot at `path` when it matches the code,
/// the policy and the log; otherwise folding the whole log.
pub fn open<L: EventLog>(
    mut log: L,
    options: Options,
    path: &Path,
) -> Result<(Ledger<L>, SnapshotUse), LedgerError<L::Error>> {
    if !path.exists() {
        return Ok((Ledger::open(log, options)?, SnapshotUse::Absent));
    }
    let attempt = load(path, options.policy).and_then(|(header, state, projections)| {
        let mut found: Option<Option<Commit>> = None;
        log.read(Position(header.position), &mut |record| {
            found = Some(record.commit);
            ControlFlow::Break(())
        })
        .map_err(|_| SnapshotError::LogMismatch(header.position))?;
        match found {
            Some(Some(commit)) if commit.0 == header.commit => Ok((header, state, projections)),
            _ if header.position == 0 => Ok((header, state, projections)),
            _ => Err(SnapshotError::LogMismatch(header.position)),
        }
    });
    match attempt {
        Ok((header, state, projections)) => {
            let position = Position(header.position);
            let ledger = Ledger::open_with_views(log, options, projections, state, position)?;
            Ok((ledger, SnapshotUse::Used { position }))
        }
        Err(reason) => Ok((Ledger::open(log, options)?, SnapshotUse::Ignored(reason))),
    }
}
