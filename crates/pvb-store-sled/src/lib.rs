//! pvb-store-sled: [`SledLog`], the pvb event log in a sled 0.34.7 database. **Experimental**:
//! FileLog (in `pvb-store`) is the default and the recommended embedded log. sled 0.34.7 is the
//! last stable release (2021); its README calls it beta and its on-disk format unstable, it has
//! open reports of corruption after abrupt stops, and on this project's machines it appends about
//! 30 times slower than FileLog with 2.7 times the bytes (PERF-LIMITS.md, RELIABILITY.md a6 and
//! d). The adapter exists because the card asks for it, and is held to the same conformance
//! suite and kill -9 loop as FileLog (RELIABILITY.md T1, T3, T16).
//!
//! Layout, in three trees of one database:
//! - `records`: key = position as a big-endian `u64`, value = the record bytes exactly as
//!   `pvb_core::seal_batch` made them (the same bytes every adapter stores, so `pvb copy`
//!   moves a log between adapters and the chain head stays the same);
//! - `ids`: key = the 16-byte event id, value = its position (big-endian `u64`), for
//!   idempotent appends and [`EventLog::find`];
//! - `meta`: `format` (one byte, 1), `head` (the last position, big-endian `u64`) and `commit`
//!   (the 32-byte chain head), updated in the same transaction as the records.
//!
//! One append is one sled transaction over the three trees (sled recovers a transaction whole
//! or not at all), followed by `Db::flush()` (write and fsync of sled's log) before `Ok`; sled's
//! own 500 ms background flush is never relied on (RELIABILITY.md a7). Any storage failure
//! during an append poisons the writer: it acknowledges nothing more until the log is opened
//! again. Reads verify the hash chain with `ChainVerifier` from the batch boundary at or
//! before the first position asked for, and hand out a batch's records only after its commit
//! verified. Opening checks that the meta tree, the last record and its commit agree, and
//! verifies the last batch; a full check is a read from position 1 (`pvb verify`).
//!
//! It is not a multi-process log (sled takes an exclusive lock on its database file: one
//! process at a time), not a cache, and not a place for projections.

#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pvb_core::{
    seal_batch, AppendError, ChainVerifier, Commit, Condition, Durability, EventId, EventLog,
    NewRecord, Position, RecordView,
};
use sled::transaction::{TransactionError, Transactional};
use sled::{Batch, IVec, Tree};

/// Format version of the trees, in `meta/format`.
pub const FORMAT_VERSION: u8 = 1;
/// Default size of sled's page cache, in bytes (sled's own default is 1 GiB).
pub const CACHE_BYTES_DEFAULT: u64 = 128 << 20;

const TREE_RECORDS: &str = "records";
const TREE_IDS: &str = "ids";
const TREE_META: &str = "meta";
const META_FORMAT: &[u8] = b"format";
const META_HEAD: &[u8] = b"head";
const META_COMMIT: &[u8] = b"commit";

/// What went wrong in a [`SledLog`]. What the caller should do is written on each variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// sled failed (I/O, its own corruption checks, or another process holds the database).
    /// During an append this poisons the writer; open the log again to go on.
    #[error("sled database {path}: {source}")]
    Sled {
        /// The database folder.
        path: PathBuf,
        /// sled's error.
        #[source]
        source: sled::Error,
    },
    /// The log's contents are inconsistent (a record that does not parse, a broken chain, a
    /// gap, trees that disagree). Stop: replaying past it would give wrong budgets. Restore
    /// from a backup or copy the verified prefix with `pvb copy`.
    #[error("sled log {path} damaged at position {position}: {what}")]
    Corruption {
        /// The database folder.
        path: PathBuf,
        /// The first position that could not be verified.
        position: Position,
        /// What is wrong.
        what: String,
    },
    /// A log written by a later version of this adapter. Upgrade pvb.
    #[error("the sled log at {path} has format version {version}; this build reads version {FORMAT_VERSION}")]
    UnsupportedVersion {
        /// The database folder.
        path: PathBuf,
        /// Its format version.
        version: u8,
    },
    /// An earlier append failed, so this writer acknowledges nothing any more. Drop it and
    /// open the log again.
    #[error("the sled log writer is poisoned since an earlier failure ({cause}); reopen the log")]
    Poisoned {
        /// The first failure.
        cause: String,
    },
    /// No log at the path, and the options did not ask to create one.
    #[error("no sled log at {path}")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
}

/// How to open a [`SledLog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    cache_bytes: u64,
    create: bool,
    lock_wait: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cache_bytes: CACHE_BYTES_DEFAULT,
            create: true,
            lock_wait: Duration::from_secs(2),
        }
    }
}

impl Options {
    /// The defaults: a 128 MiB page cache, create the database when missing, wait up to 2 s
    /// for the database lock.
    pub fn new() -> Options {
        Options::default()
    }

    /// How long an open waits for sled's lock on the database file. sled's background threads
    /// can hold it for a moment after the last handle of a database was dropped, so an open
    /// right after a close may find it taken; another process holding the log keeps it.
    pub fn lock_wait(mut self, wait: Duration) -> Options {
        self.lock_wait = wait;
        self
    }

    /// Size of sled's page cache in bytes.
    pub fn cache_bytes(mut self, bytes: u64) -> Options {
        self.cache_bytes = bytes;
        self
    }

    /// Create the database when there is none (default true).
    pub fn create(mut self, create: bool) -> Options {
        self.create = create;
        self
    }
}

/// The pvb event log in a sled database. See the crate documentation.
///
/// Invariants (between calls): `head` and `head_commit` equal `meta/head` and `meta/commit`,
/// the key of the last record and that record's commit; every record up to `head` has its id
/// in `ids`; `poisoned` is set after any failed write or flush.
pub struct SledLog {
    path: PathBuf,
    set_aside: Vec<PathBuf>,
    db: sled::Db,
    records: Tree,
    ids: Tree,
    meta: Tree,
    head: Position,
    head_commit: Commit,
    poisoned: Option<String>,
}

impl std::fmt::Debug for SledLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledLog")
            .field("path", &self.path)
            .field("head", &self.head)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

fn key(position: Position) -> [u8; 8] {
    position.0.to_be_bytes()
}

fn position_of(bytes: &[u8]) -> Option<Position> {
    <[u8; 8]>::try_from(bytes)
        .ok()
        .map(|b| Position(u64::from_be_bytes(b)))
}

impl SledLog {
    /// Opens (or creates) the log in folder `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<SledLog, Error> {
        SledLog::open_with(path, Options::default())
    }

    /// Opens the log in folder `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<SledLog, Error> {
        let path = path.as_ref().to_path_buf();
        if !options.create && !path.join("conf").exists() {
            return Err(Error::NotFound { path });
        }
        let sled_error = |source| Error::Sled {
            path: path.clone(),
            source,
        };
        let config = sled::Config::new()
            .path(&path)
            .cache_capacity(options.cache_bytes);
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        let mut set_aside = Vec::new();
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && started.elapsed() < options.lock_wait =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                // sled 0.34.7 reads the newest `snap.*` file on open, including one a crash
                // left half-written as `snap.<lsn>.generating` (it only ever renames a
                // finished one into place), and then refuses to open with a checksum error
                // (upstream issue #1527; seen here in the T16 kill loop). Such a file was never
                // part of the database: move it aside (kept, renamed) and open again, once. sled held the lock while it
                // failed, so no other process was generating that snapshot.
                Err(sled::Error::Corruption { .. }) if set_aside.is_empty() => {
                    set_aside = set_aside_half_written_snapshots(&path)
                        .map_err(|e| sled_error(sled::Error::Io(e)))?;
                    if set_aside.is_empty() {
                        return Err(sled_error(sled::Error::Corruption { at: None, bt: () }));
                    }
                }
                Err(e) => return Err(sled_error(e)),
            }
        };
        let records = db.open_tree(TREE_RECORDS).map_err(sled_error)?;
        let ids = db.open_tree(TREE_IDS).map_err(sled_error)?;
        let meta = db.open_tree(TREE_META).map_err(sled_error)?;
        let mut log = SledLog {
            path,
            set_aside,
            db,
            records,
            ids,
            meta,
            head: Position::EMPTY,
            head_commit: Commit::GENESIS,
            poisoned: None,
        };
        log.load()?;
        Ok(log)
    }

    /// The database folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Half-written sled snapshot files (`snap.<lsn>.generating`, left by a crash) this open
    /// moved aside, renamed to `set-aside.snap.<lsn>.generating`, so that sled could open
    /// (empty normally).
    pub fn set_aside(&self) -> &[PathBuf] {
        &self.set_aside
    }

    fn sled(&self, source: sled::Error) -> Error {
        Error::Sled {
            path: self.path.clone(),
            source,
        }
    }

    fn corruption(&self, position: Position, what: impl Into<String>) -> Error {
        Error::Corruption {
            path: self.path.clone(),
            position,
            what: what.into(),
        }
    }

    /// Reads `meta`, checks it against the last record, verifies the last batch.
    fn load(&mut self) -> Result<(), Error> {
        let format = self.meta.get(META_FORMAT).map_err(|e| self.sled(e))?;
        let Some(format) = format else {
            let empty = self.records.is_empty() && self.ids.is_empty() && self.meta.is_empty();
            if !empty {
                return Err(self.corruption(
                    Position(1),
                    "the database has records or ids but no meta/format",
                ));
            }
            // A new log: the format first, made durable before anything else is written.
            let mut batch = Batch::default();
            batch.insert(META_FORMAT, &[FORMAT_VERSION]);
            batch.insert(META_HEAD, &0u64.to_be_bytes());
            batch.insert(META_COMMIT, &Commit::GENESIS.0);
            self.meta.apply_batch(batch).map_err(|e| self.sled(e))?;
            self.db.flush().map_err(|e| self.sled(e))?;
            return Ok(());
        };
        match format.as_ref() {
            [FORMAT_VERSION] => {}
            [version] => {
                return Err(Error::UnsupportedVersion {
                    path: self.path.clone(),
                    version: *version,
                })
            }
            _ => return Err(self.corruption(Position(1), "meta/format is not one byte")),
        }
        let head = self
            .meta
            .get(META_HEAD)
            .map_err(|e| self.sled(e))?
            .and_then(|v| position_of(&v))
            .ok_or_else(|| self.corruption(Position(1), "meta/head is missing or malformed"))?;
        let commit = self
            .meta
            .get(META_COMMIT)
            .map_err(|e| self.sled(e))?
            .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok())
            .map(Commit)
            .ok_or_else(|| self.corruption(head, "meta/commit is missing or malformed"))?;
        let last = self.records.last().map_err(|e| self.sled(e))?;
        match last {
            None if head == Position::EMPTY && commit == Commit::GENESIS => {}
            None => {
                return Err(self.corruption(
                    Position(1),
                    format!("meta says the head is {head}, but there are no records"),
                ))
            }
            Some((k, v)) => {
                let at = position_of(&k)
                    .ok_or_else(|| self.corruption(head, "a record key is not 8 bytes"))?;
                if at != head {
                    return Err(self.corruption(
                        Position(head.0.min(at.0).saturating_add(1)),
                        format!("meta says the head is {head}, the last record is at {at}"),
                    ));
                }
                let view = RecordView::parse(&v)
                    .map_err(|e| self.corruption(at, format!("record does not parse: {e}")))?;
                if view.position != at || view.commit != Some(commit) {
                    return Err(self.corruption(
                        at,
                        "the last record does not end a batch with the commit in meta/commit",
                    ));
                }
            }
        }
        self.head = head;
        self.head_commit = commit;
        // Verify the last batch (a full check is a read from position 1).
        let (first, previous) = self.batch_start(head)?;
        let mut verifier = ChainVerifier::new(previous, first);
        for item in self.records.range(key(first)..=key(head)) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            self.check(&mut verifier, &k, &v)?;
        }
        if verifier.commit() != commit || !verifier.at_batch_boundary() {
            return Err(self.corruption(first, "the last batch does not verify"));
        }
        Ok(())
    }

    /// The first position of the batch holding `position`, and the commit before it.
    fn batch_start(&self, position: Position) -> Result<(Position, Commit), Error> {
        if position.0 <= 1 {
            return Ok((Position(1), Commit::GENESIS));
        }
        for item in self.records.range(..key(position)).rev() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let at = position_of(&k).unwrap_or(Position::EMPTY);
            let view = RecordView::parse(&v)
                .map_err(|e| self.corruption(at, format!("record does not parse: {e}")))?;
            if let Some(commit) = view.commit {
                return Ok((view.position.next(), commit));
            }
        }
        Ok((Position(1), Commit::GENESIS))
    }

    /// Parses one stored record and feeds it to the chain verifier.
    fn check<'a>(
        &self,
        verifier: &mut ChainVerifier,
        k: &[u8],
        v: &'a [u8],
    ) -> Result<RecordView<'a>, Error> {
        let expected = verifier.next_position();
        let view = RecordView::parse(v)
            .map_err(|e| self.corruption(expected, format!("record does not parse: {e}")))?;
        if position_of(k) != Some(view.position) {
            return Err(self.corruption(
                expected,
                format!(
                    "the record stored under key {k:02x?} says position {}",
                    view.position
                ),
            ));
        }
        verifier
            .push(&view)
            .map_err(|e| self.corruption(expected, e.to_string()))?;
        Ok(view)
    }

    fn poison(&mut self, error: Error) -> AppendError<Error> {
        self.poisoned = Some(error.to_string());
        AppendError::Storage(error)
    }
}

/// Renames every `snap.*.generating` file in `path` to `set-aside.snap.*.generating`; returns
/// the new names.
fn set_aside_half_written_snapshots(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut moved = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("snap.") && name.ends_with(".generating") {
            // Out of the `snap.` name space: sled reads every file whose name starts so.
            let to = path.join(format!("set-aside.{name}"));
            std::fs::rename(entry.path(), &to)?;
            moved.push(to);
        }
    }
    if !moved.is_empty() {
        // The renames are durable before sled writes anything new.
        std::fs::File::open(path)?.sync_all()?;
    }
    Ok(moved)
}

impl EventLog for SledLog {
    type Error = Error;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Error>> {
        if let Some(cause) = &self.poisoned {
            return Err(AppendError::Storage(Error::Poisoned {
                cause: cause.clone(),
            }));
        }
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen = HashSet::with_capacity(batch.len());
        if let Some(twice) = batch.iter().find(|r| !seen.insert(r.id)) {
            return Err(AppendError::InvalidBatch(format!(
                "event id {} appears twice in the batch",
                twice.id
            )));
        }
        let mut known = Vec::with_capacity(batch.len());
        for record in batch {
            match self.find(&record.id) {
                Ok(found) => known.push(found),
                Err(e) => return Err(self.poison(e)),
            }
        }
        if known.iter().all(Option::is_some) {
            return Ok(known.into_iter().flatten().collect());
        }
        if let Condition::Head(expected) = condition {
            if expected != self.head {
                return Err(AppendError::Conflict {
                    expected,
                    actual: self.head,
                });
            }
        }
        let fresh: Vec<&NewRecord> = batch
            .iter()
            .zip(&known)
            .filter(|(_, k)| k.is_none())
            .map(|(r, _)| r)
            .collect();
        let owned: Vec<NewRecord> = fresh.iter().map(|r| (*r).clone()).collect();
        let first = self.head.next();
        let mut records = Batch::default();
        let mut ids = Batch::default();
        let mut last = self.head;
        let mut index = 0usize;
        let commit = seal_batch(self.head_commit, first, &owned, |position, bytes| {
            records.insert(&key(position), bytes);
            if let Some(record) = owned.get(index) {
                ids.insert(&record.id.0, &key(position));
            }
            index += 1;
            last = position;
        })?;
        let mut meta = Batch::default();
        meta.insert(META_HEAD, &key(last));
        meta.insert(META_COMMIT, &commit.0);
        let written = (&self.records, &self.ids, &self.meta).transaction(|(r, i, m)| {
            r.apply_batch(&records)?;
            i.apply_batch(&ids)?;
            m.apply_batch(&meta)?;
            Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
        });
        match written {
            Ok(()) => {}
            Err(TransactionError::Storage(e)) => {
                let e = self.sled(e);
                return Err(self.poison(e));
            }
            Err(TransactionError::Abort(())) => {
                let e = self.corruption(first, "the append transaction aborted");
                return Err(self.poison(e));
            }
        }
        if let Err(e) = self.db.flush() {
            let e = self.sled(e);
            return Err(self.poison(e));
        }
        self.head = last;
        self.head_commit = commit;
        let mut next = first;
        let mut positions = Vec::with_capacity(batch.len());
        for found in known {
            match found {
                Some(position) => positions.push(position),
                None => {
                    positions.push(next);
                    next = next.next();
                }
            }
        }
        Ok(positions)
    }

    fn head(&mut self) -> Result<Position, Error> {
        Ok(self.head)
    }

    fn head_commit(&mut self) -> Result<Commit, Error> {
        Ok(self.head_commit)
    }

    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let from = Position(from.0.max(1));
        let head = self.head;
        if from > head {
            return Ok(());
        }
        let (first, previous) = self.batch_start(from)?;
        let mut verifier = ChainVerifier::new(previous, first);
        // The records of the batch being verified: handed out only once its commit matched.
        let mut pending: Vec<IVec> = Vec::new();
        for item in self.records.range(key(first)..=key(head)) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let ends = self.check(&mut verifier, &k, &v)?.is_batch_end();
            pending.push(v);
            if ends {
                for bytes in pending.drain(..) {
                    let view = RecordView::parse(&bytes).map_err(|e| {
                        self.corruption(verifier.committed_head(), format!("record changed: {e}"))
                    })?;
                    if view.position >= from && visit(&view).is_break() {
                        return Ok(());
                    }
                }
            }
        }
        if verifier.committed_head() != head || !pending.is_empty() {
            return Err(self.corruption(
                verifier.next_position(),
                format!(
                    "the records end at position {} before the head {head}",
                    verifier.committed_head()
                ),
            ));
        }
        Ok(())
    }

    fn durability(&self) -> Durability {
        Durability::Fsync
    }

    fn find(&mut self, id: &EventId) -> Result<Option<Position>, Error> {
        match self.ids.get(id.0).map_err(|e| self.sled(e))? {
            None => Ok(None),
            Some(v) => position_of(&v).map(Some).ok_or_else(|| {
                self.corruption(
                    Position::EMPTY,
                    format!("the id {id} maps to a malformed position"),
                )
            }),
        }
    }
}
