//! `FileLog`: the embedded default adapter. A folder of segment files, each a header and then
//! framed records (docs/FORMAT.md); one writer, guarded by a lock file; every append written in
//! one call and made durable with `fdatasync` before it returns `Ok`.
//!
//! Opening reads and verifies every segment (frame CRC-32C, record syntax, hash chain, segment
//! continuity), rebuilds the head, the chain head, the event-id index (idempotency) and a sparse
//! index of batch starts (cheap reads from the middle). A torn tail, what a crash leaves, is cut
//! off (a `.broken` copy is kept) and reported in [`OpenReport`]; damage anywhere else is
//! [`Error::Corruption`] and the log does not open. [`verify`] does the same checks read-only and
//! reports the first problem.
//!
//! It is not safe for two processes to write (the lock file prevents it) and it does not
//! compact, delete or rewrite segments: records are never changed once written.

use std::borrow::Cow;
use std::io;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use pvb_core::{
    seal_batch, AppendError, Commit, Condition, Durability, EventLog, NewRecord, Position,
    RecordView,
};

use crate::chain::BatchChain;
use crate::error::{Damage, Error};
use crate::format::{
    broken_name, classify_name, push_frame, segment_name, temp_name, FileKind, HeaderError,
    SegmentHeader, FORMAT_VERSION, LOCK_FILE, SEGMENT_HEADER_BYTES,
};
use crate::id_index::{IdIndex, IdSet};
use crate::scan::{is_torn, may_be_torn, WalkEnd, Walker};
use crate::storage::{FsStorage, LockKind, OpenMode, Storage, StorageFile};

/// Default bound of a segment file, in bytes.
pub const SEGMENT_BYTES_DEFAULT: u64 = 256 << 20;
/// A read from the middle of the log starts at most about this many bytes before its position.
const MARK_BYTES: u64 = 256 << 10;
/// Largest torn tail copied to a `.broken` file (a torn tail is normally one batch or less).
const BROKEN_COPY_BYTES_MAX: u64 = 64 << 20;

/// How to open a [`FileLog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    segment_bytes: u64,
    read_only: bool,
    create: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            segment_bytes: SEGMENT_BYTES_DEFAULT,
            read_only: false,
            create: true,
        }
    }
}

impl Options {
    /// The defaults: 256 MiB segments, writable, create the folder if missing.
    pub fn new() -> Options {
        Options::default()
    }

    /// Bound of a segment file: a new segment starts when the next batch would pass it. A
    /// batch is never split, so a batch larger than the bound gets a segment of its own.
    pub fn segment_bytes(mut self, bytes: u64) -> Options {
        self.segment_bytes = bytes;
        self
    }

    /// Open without writing anything: a shared lock, no repair (a torn tail is reported and
    /// left in place, reads stop before it), appends fail with [`Error::ReadOnly`].
    pub fn read_only(mut self, read_only: bool) -> Options {
        self.read_only = read_only;
        self
    }

    /// Create the folder and an empty log when there is none (default true).
    pub fn create(mut self, create: bool) -> Options {
        self.create = create;
        self
    }
}

/// Reads of at least this many records verify on a second thread, ahead of the caller
/// (`FileLog::read_verified_ahead`); shorter ones on the caller's.
const READ_AHEAD_MIN_RECORDS: u64 = 65_536;

/// A torn tail found on open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The (last) segment.
    pub segment: PathBuf,
    /// Where the cut is: the start of the unfinished batch.
    pub offset: u64,
    /// Bytes after the cut.
    pub bytes: u64,
    /// The position the first cut record had (never acknowledged).
    pub first_position: Position,
    /// The damage that showed the tear (`None`: the data ended inside a batch).
    pub damage: Option<Damage>,
    /// Where a copy of the cut bytes was written (`None` for a read-only open).
    pub broken_copy: Option<PathBuf>,
    /// True if the bytes were cut off; false for a read-only open, which leaves them.
    pub cut: bool,
}

/// What an open found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Segment files.
    pub segments: usize,
    /// Batches verified.
    pub batches: u64,
    /// The last position.
    pub head: Position,
    /// The chain head.
    pub head_commit: Commit,
    /// A torn tail, if there was one.
    pub torn_tail: Option<TornTail>,
    /// Temporary segment files left by a crash during segment creation, removed.
    pub removed_temp_files: Vec<PathBuf>,
}

/// What [`verify`] found.
#[derive(Debug)]
pub struct VerifyReport {
    /// Segment files.
    pub segments: usize,
    /// Batches verified.
    pub batches: u64,
    /// The last verified position (before the problem, if any).
    pub head: Position,
    /// The last verified commit.
    pub head_commit: Commit,
    /// A torn tail (what a crash leaves; a writable open cuts it off).
    pub torn_tail: Option<TornTail>,
    /// The first problem: [`Error::Corruption`] with segment, offset and position, or
    /// [`Error::UnsupportedVersion`], or [`Error::StrayFile`].
    pub problem: Option<Error>,
}

impl VerifyReport {
    /// True if the log verified without a problem (a torn tail is not a problem).
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

#[derive(Clone, Debug)]
struct Segment {
    path: PathBuf,
    first: Position,
    previous: Commit,
    /// Bytes of verified data (header included).
    end: u64,
}

/// A batch start, kept every `MARK_BYTES` or so, to start reads and chain checks there.
#[derive(Clone, Copy, Debug)]
struct Mark {
    first: Position,
    segment: usize,
    offset: u64,
    previous: Commit,
}

/// A segmented, framed, fsynced event log in one folder. See the module documentation.
///
/// Invariants (between calls):
/// - `segments` are contiguous: each starts at the position after the previous one's last;
/// - every byte of every segment up to its `end` verified (frames, records, chain);
/// - the last segment's `end` is a batch boundary, and `head`/`head_commit` are its last
///   position and commit;
/// - `ids` maps the id of every record up to `head` to its (first) position;
/// - `marks` is sorted by position and starts with the first segment's start.
pub struct FileLog<S: Storage = FsStorage> {
    storage: S,
    dir: PathBuf,
    options: Options,
    _lock: Option<S::Lock>,
    segments: Vec<Segment>,
    current: Option<S::File>,
    head: Position,
    head_commit: Commit,
    ids: IdIndex,
    marks: Vec<Mark>,
    poisoned: Option<String>,
    report: OpenReport,
    walker: Walker,
    frames: Vec<u8>,
    seen: IdSet,
}

impl<S: Storage> std::fmt::Debug for FileLog<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileLog")
            .field("dir", &self.dir)
            .field("segments", &self.segments.len())
            .field("head", &self.head)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

fn io_error<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn corruption(segment: &Path, offset: u64, position: Position, damage: Damage) -> Error {
    Error::Corruption {
        segment: segment.to_path_buf(),
        offset,
        position,
        damage,
    }
}

/// What `load` found: the verified state of a log folder.
struct Loaded<F> {
    segments: Vec<Segment>,
    last_file: Option<F>,
    head: Position,
    head_commit: Commit,
    ids: IdIndex,
    marks: Vec<Mark>,
    batches: u64,
    torn: Option<(TornTail, u64)>,
    removed: Vec<PathBuf>,
    problem: Option<Error>,
}

/// Reads and verifies every segment of `dir`. I/O failures are `Err`; damage stops the scan
/// and is returned in `problem`, with everything before it verified.
fn load<S: Storage>(
    storage: &S,
    dir: &Path,
    writable: bool,
    build_index: bool,
    walker: &mut Walker,
) -> Result<Loaded<S::File>, Error> {
    let mut loaded = Loaded {
        segments: Vec::new(),
        last_file: None,
        head: Position::EMPTY,
        head_commit: Commit::GENESIS,
        ids: IdIndex::default(),
        marks: Vec::new(),
        batches: 0,
        torn: None,
        removed: Vec::new(),
        problem: None,
    };
    let names = storage.list(dir).map_err(io_error("list", dir))?;
    let mut found = Vec::new();
    for name in names {
        match classify_name(&name) {
            FileKind::Segment(first) => found.push((first, dir.join(&name))),
            FileKind::Temp => {
                let path = dir.join(&name);
                if writable {
                    storage.remove(&path).map_err(io_error("remove", &path))?;
                    loaded.removed.push(path);
                }
            }
            FileKind::Stray => {
                loaded.problem = Some(Error::StrayFile {
                    path: dir.join(&name),
                });
                return Ok(loaded);
            }
            FileKind::Other => {}
        }
    }
    found.sort();
    let mut chain = BatchChain::new(Commit::GENESIS, Position(1));
    let count = found.len();
    for (index, (named_first, path)) in found.into_iter().enumerate() {
        let last = index + 1 == count;
        let mode = if last && writable {
            OpenMode::ReadWrite
        } else {
            OpenMode::Read
        };
        let file = storage.open(&path, mode).map_err(io_error("open", &path))?;
        let len = file.len().map_err(io_error("stat", &path))?;
        let expected = chain.next();
        if len < SEGMENT_HEADER_BYTES {
            loaded.problem = Some(corruption(
                &path,
                0,
                expected,
                Damage::Header("the file is shorter than a segment header"),
            ));
            break;
        }
        let mut header = [0u8; SEGMENT_HEADER_BYTES as usize];
        file.read_exact_at(0, &mut header)
            .map_err(io_error("read", &path))?;
        let header = match SegmentHeader::decode(&header) {
            Ok(header) => header,
            Err(HeaderError::Version(version)) => {
                loaded.problem = Some(Error::UnsupportedVersion {
                    segment: path,
                    version,
                });
                break;
            }
            Err(e) => {
                loaded.problem = Some(corruption(&path, 0, expected, Damage::Header(e.text())));
                break;
            }
        };
        if header.first != named_first {
            loaded.problem = Some(corruption(
                &path,
                0,
                expected,
                Damage::Header("the first position differs from the file name"),
            ));
            break;
        }
        if header.first != expected {
            loaded.problem = Some(corruption(
                &path,
                0,
                expected,
                Damage::SegmentGap {
                    expected,
                    first: header.first,
                },
            ));
            break;
        }
        if header.previous != chain.commit() {
            loaded.problem = Some(corruption(&path, 0, expected, Damage::PreviousCommit));
            break;
        }
        let segment_index = loaded.segments.len();
        loaded.marks.push(Mark {
            first: header.first,
            segment: segment_index,
            offset: SEGMENT_HEADER_BYTES,
            previous: header.previous,
        });
        let mut last_mark = SEGMENT_HEADER_BYTES;
        let ids = &mut loaded.ids;
        let marks = &mut loaded.marks;
        let batches = &mut loaded.batches;
        let walked = walker
            .walk(&file, SEGMENT_HEADER_BYTES, len, &mut chain, &mut |batch| {
                *batches += 1;
                if batch.offset - last_mark >= MARK_BYTES {
                    marks.push(Mark {
                        first: batch.first,
                        segment: segment_index,
                        offset: batch.offset,
                        previous: batch.previous,
                    });
                    last_mark = batch.offset;
                }
                if build_index {
                    for record in batch.records() {
                        ids.get_or_insert(record.id.0, record.position.0);
                    }
                }
                ControlFlow::Continue(())
            })
            .map_err(io_error("read", &path))?;
        let mut segment = Segment {
            path: path.clone(),
            first: header.first,
            previous: header.previous,
            end: len,
        };
        match walked {
            WalkEnd::Clean | WalkEnd::Stopped => {}
            WalkEnd::Incomplete {
                batch_offset,
                first,
            } if last => {
                chain.discard_batch();
                segment.end = batch_offset;
                loaded.torn = Some((
                    TornTail {
                        segment: path.clone(),
                        offset: batch_offset,
                        bytes: len - batch_offset,
                        first_position: first,
                        damage: None,
                        broken_copy: None,
                        cut: false,
                    },
                    len,
                ));
            }
            WalkEnd::Incomplete {
                batch_offset,
                first,
            } => {
                loaded.problem = Some(corruption(
                    &path,
                    batch_offset,
                    first,
                    Damage::IncompleteBatch { first },
                ));
                break;
            }
            WalkEnd::Bad {
                offset,
                batch_offset,
                position,
                damage,
            } => {
                let last_good = Position(position.0.saturating_sub(1));
                let torn = last
                    && may_be_torn(&damage)
                    && is_torn(&file, offset, len, last_good).map_err(io_error("read", &path))?;
                if !torn {
                    loaded.problem = Some(corruption(&path, offset, position, damage));
                    break;
                }
                let first = chain.batch_first();
                chain.discard_batch();
                segment.end = batch_offset;
                loaded.torn = Some((
                    TornTail {
                        segment: path.clone(),
                        offset: batch_offset,
                        bytes: len - batch_offset,
                        first_position: first,
                        damage: Some(damage),
                        broken_copy: None,
                        cut: false,
                    },
                    len,
                ));
            }
        }
        loaded.segments.push(segment);
        if last {
            loaded.last_file = Some(file);
        }
    }
    loaded.head = Position(chain.next().0.saturating_sub(1));
    loaded.head_commit = chain.commit();
    Ok(loaded)
}

/// Verifies the log in `dir` read-only (the `pvb verify` path): every segment, frame, record
/// and the hash chain. Damage is reported in [`VerifyReport::problem`] with segment, offset and
/// position; I/O failures are `Err`. Does not take the writer's lock, so it can run beside a
/// writer (a tail being written at that moment may show as a torn tail).
pub fn verify(dir: &Path) -> Result<VerifyReport, Error> {
    verify_in(&FsStorage, dir)
}

/// [`verify`] on any storage.
pub fn verify_in<S: Storage>(storage: &S, dir: &Path) -> Result<VerifyReport, Error> {
    if !storage.exists(dir).map_err(io_error("stat", dir))? {
        return Err(Error::NotFound {
            path: dir.to_path_buf(),
        });
    }
    let mut walker = Walker::default();
    let loaded = load(storage, dir, false, false, &mut walker)?;
    Ok(VerifyReport {
        segments: loaded.segments.len(),
        batches: loaded.batches,
        head: loaded.head,
        head_commit: loaded.head_commit,
        torn_tail: loaded.torn.map(|(t, _)| t),
        problem: loaded.problem,
    })
}

impl FileLog<FsStorage> {
    /// Opens (or creates) the log in folder `dir` for writing, with default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileLog<FsStorage>, Error> {
        FileLog::open_in(FsStorage, dir.as_ref(), Options::default())
    }

    /// Opens the log in folder `dir` with `options`.
    pub fn open_with(dir: impl AsRef<Path>, options: Options) -> Result<FileLog<FsStorage>, Error> {
        FileLog::open_in(FsStorage, dir.as_ref(), options)
    }
}

impl<S: Storage> FileLog<S> {
    /// Opens the log in folder `dir` of `storage`.
    pub fn open_in(storage: S, dir: &Path, options: Options) -> Result<FileLog<S>, Error> {
        let dir = dir.to_path_buf();
        let writable = !options.read_only;
        if !storage.exists(&dir).map_err(io_error("stat", &dir))? {
            if !(writable && options.create) {
                return Err(Error::NotFound { path: dir });
            }
            storage
                .create_dir_all(&dir)
                .map_err(io_error("create_dir_all", &dir))?;
        }
        let lock_path = dir.join(LOCK_FILE);
        let kind = if writable {
            LockKind::Exclusive
        } else {
            LockKind::Shared
        };
        let lock = match storage.try_lock(&lock_path, kind) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                return Err(Error::Locked {
                    path: dir,
                    lock: lock_path,
                })
            }
            // A read-only open of a log that never had a writer lock file.
            Err(e) if !writable && e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("lock", &lock_path)(e)),
        };
        let mut walker = Walker::default();
        // A read-only open builds no id index: replays and reports stay lean.
        let loaded = load(&storage, &dir, writable, writable, &mut walker)?;
        if let Some(problem) = loaded.problem {
            return Err(problem);
        }
        let mut log = FileLog {
            storage,
            dir,
            options,
            _lock: lock,
            segments: loaded.segments,
            current: loaded.last_file,
            head: loaded.head,
            head_commit: loaded.head_commit,
            ids: loaded.ids,
            marks: loaded.marks,
            poisoned: None,
            report: OpenReport {
                segments: 0,
                batches: loaded.batches,
                head: loaded.head,
                head_commit: loaded.head_commit,
                torn_tail: None,
                removed_temp_files: loaded.removed,
            },
            walker,
            frames: Vec::new(),
            seen: IdSet::default(),
        };
        if let Some((mut torn, file_len)) = loaded.torn {
            if writable {
                torn.broken_copy = Some(log.cut_tail(&torn, file_len)?);
                torn.cut = true;
            }
            log.report.torn_tail = Some(torn);
        }
        if writable && log.segments.is_empty() {
            log.new_segment(Position(1), Commit::GENESIS)?;
        }
        log.report.segments = log.segments.len();
        Ok(log)
    }

    /// Copies the torn tail to a `.broken` file, then cuts it off durably.
    fn cut_tail(&mut self, torn: &TornTail, file_len: u64) -> Result<PathBuf, Error> {
        let segment = &torn.segment;
        let name = segment
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("segment");
        let broken = self.dir.join(broken_name(name, torn.offset));
        let file = self.current.as_mut().ok_or_else(|| {
            corruption(
                segment,
                torn.offset,
                torn.first_position,
                Damage::Header("no open segment"),
            )
        })?;
        let copy_len = (file_len - torn.offset).min(BROKEN_COPY_BYTES_MAX);
        let mut bytes = vec![0u8; copy_len as usize];
        file.read_exact_at(torn.offset, &mut bytes)
            .map_err(io_error("read", segment))?;
        let mut copy = self
            .storage
            .open(&broken, OpenMode::CreateTruncate)
            .map_err(io_error("create", &broken))?;
        copy.write_all_at(0, &bytes)
            .map_err(io_error("write", &broken))?;
        copy.sync_all().map_err(io_error("sync_all", &broken))?;
        drop(copy);
        file.set_len(torn.offset)
            .map_err(io_error("set_len", segment))?;
        file.sync_all().map_err(io_error("sync_all", segment))?;
        self.storage
            .sync_dir(&self.dir)
            .map_err(io_error("sync_dir", &self.dir))?;
        Ok(broken)
    }

    /// Creates the segment starting at `first`: written under a temporary name, synced,
    /// renamed, and the folder synced, so that it exists whole or not at all.
    fn new_segment(&mut self, first: Position, previous: Commit) -> Result<(), Error> {
        let path = self.dir.join(segment_name(first));
        let temp = self.dir.join(temp_name(first));
        let header = SegmentHeader {
            version: FORMAT_VERSION,
            first,
            previous,
        };
        let mut file = self
            .storage
            .open(&temp, OpenMode::CreateTruncate)
            .map_err(io_error("create", &temp))?;
        file.write_all_at(0, &header.encode())
            .map_err(io_error("write", &temp))?;
        file.sync_all().map_err(io_error("sync_all", &temp))?;
        self.storage
            .rename(&temp, &path)
            .map_err(io_error("rename", &temp))?;
        self.storage
            .sync_dir(&self.dir)
            .map_err(io_error("sync_dir", &self.dir))?;
        self.marks.push(Mark {
            first,
            segment: self.segments.len(),
            offset: SEGMENT_HEADER_BYTES,
            previous,
        });
        self.segments.push(Segment {
            path,
            first,
            previous,
            end: SEGMENT_HEADER_BYTES,
        });
        self.current = Some(file);
        Ok(())
    }

    /// What the open found and did.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The log folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The segment files, in order.
    pub fn segment_paths(&self) -> Vec<PathBuf> {
        self.segments.iter().map(|s| s.path.clone()).collect()
    }

    /// The first failure since open, if the writer is poisoned.
    pub fn poisoned(&self) -> Option<&str> {
        self.poisoned.as_deref()
    }

    /// The storage (for tests on a simulated one).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// About how many bytes of memory the event-id index holds.
    pub fn index_bytes(&self) -> usize {
        self.ids.bytes()
    }

    fn poison(&mut self, error: &Error) {
        if self.poisoned.is_none() {
            self.poisoned = Some(error.to_string());
        }
    }

    /// Writes the frames in `self.frames` (the batch starting at `first`) and syncs them.
    fn write_frames(&mut self, first: Position) -> Result<u64, Error> {
        let bytes = self.frames.len() as u64;
        let needs_segment = match self.segments.last() {
            None => true,
            Some(last) => {
                last.end > SEGMENT_HEADER_BYTES && last.end + bytes > self.options.segment_bytes
            }
        };
        if needs_segment {
            self.new_segment(first, self.head_commit)?;
        }
        let (Some(segment), Some(file)) = (self.segments.last(), self.current.as_mut()) else {
            return Err(Error::Poisoned {
                cause: "no segment is open for writing".into(),
            });
        };
        let offset = segment.end;
        let written = file
            .write_all_at(offset, &self.frames)
            .map_err(io_error("write", &segment.path))
            .and_then(|()| {
                file.sync_data()
                    .map_err(io_error("sync_data", &segment.path))
            });
        if let Err(error) = written {
            // Best effort: take the unacknowledged bytes out of the file again, so that a reopen
            // in this process does not build on bytes whose write or sync failed (their data
            // may never reach the disk). If this fails too, a crash leaves them as a torn tail.
            let _ = file.set_len(offset);
            return Err(error);
        }
        Ok(offset)
    }
}

impl<S: Storage> EventLog for FileLog<S> {
    type Error = Error;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Error>> {
        if self.options.read_only {
            return Err(AppendError::Storage(Error::ReadOnly {
                path: self.dir.clone(),
            }));
        }
        if let Some(cause) = &self.poisoned {
            return Err(AppendError::Storage(Error::Poisoned {
                cause: cause.clone(),
            }));
        }
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.seen.clear();
        for record in batch {
            if !self.seen.insert(record.id.0) {
                return Err(AppendError::InvalidBatch(format!(
                    "event id {} appears twice in the batch",
                    record.id
                )));
            }
        }
        // One probe of the id index per record (the index is far larger than the caches, so a
        // probe is a memory access): a known id gives its position; a new one is entered at
        // once with the position it will have, and taken out again if the append fails.
        let first = self.head.next();
        let mut positions = Vec::with_capacity(batch.len());
        let mut next = first;
        for record in batch {
            match self.ids.get_or_insert(record.id.0, next.0) {
                Some(known) => positions.push(Position(known)),
                None => {
                    positions.push(next);
                    next = next.next();
                }
            }
        }
        let fresh = (next.0 - first.0) as usize;
        if fresh == 0 {
            return Ok(positions);
        }
        if let Err(error) = self.write_batch(batch, &positions, first, condition) {
            for (record, position) in batch.iter().zip(&positions).rev() {
                if *position >= first {
                    self.ids.remove(&record.id.0);
                }
            }
            return Err(error);
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
        if from > self.head {
            return Ok(());
        }
        let long = self.head.0 - from.0 >= READ_AHEAD_MIN_RECORDS;
        let result = if long && crate::scan::parallel_ok() {
            self.read_verified_ahead(from, visit)
        } else {
            self.read_verified(from, visit)
        };
        if let Err(error) = &result {
            if error.is_corruption() {
                self.poison(error);
            }
        }
        result
    }

    fn durability(&self) -> Durability {
        Durability::Fsync
    }

    /// Answered from the id index of a writable log; a read-only log (which builds no index,
    /// to keep replays lean) scans.
    fn find(&mut self, id: &pvb_core::EventId) -> Result<Option<Position>, Error> {
        if !self.options.read_only {
            return Ok(self.ids.get(&id.0).map(Position));
        }
        let mut found = None;
        self.read(Position(1), &mut |record| {
            if record.id == *id {
                found = Some(record.position);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(found)
    }
}

impl<S: Storage> FileLog<S> {
    /// Checks the condition, seals the new records of `batch` (those whose position is at or
    /// after `first`), writes and syncs them, and moves the head. Nothing changes on an error.
    fn write_batch(
        &mut self,
        batch: &[NewRecord],
        positions: &[Position],
        first: Position,
        condition: Condition,
    ) -> Result<(), AppendError<Error>> {
        if let Condition::Head(expected) = condition {
            if expected != self.head {
                return Err(AppendError::Conflict {
                    expected,
                    actual: self.head,
                });
            }
        }
        let fresh = positions.iter().filter(|p| **p >= first).count();
        let records: Cow<'_, [NewRecord]> = if fresh == batch.len() {
            Cow::Borrowed(batch)
        } else {
            Cow::Owned(
                batch
                    .iter()
                    .zip(positions)
                    .filter(|(_, p)| **p >= first)
                    .map(|(r, _)| r.clone())
                    .collect(),
            )
        };
        self.frames.clear();
        let frames = &mut self.frames;
        let commit = seal_batch(self.head_commit, first, &records, |_, bytes| {
            push_frame(frames, bytes)
        })?;
        let offset = match self.write_frames(first) {
            Ok(offset) => offset,
            Err(error) => {
                self.poison(&error);
                return Err(AppendError::Storage(error));
            }
        };
        // Durable: now make it visible.
        let written = self.frames.len() as u64;
        let segment_index = self.segments.len() - 1;
        let last_mark = self.marks.last().map_or(0, |m| m.offset);
        let mark_due = self
            .marks
            .last()
            .is_none_or(|m| m.segment != segment_index || offset - last_mark >= MARK_BYTES);
        if mark_due {
            self.marks.push(Mark {
                first,
                segment: segment_index,
                offset,
                previous: self.head_commit,
            });
        }
        if let Some(segment) = self.segments.last_mut() {
            segment.end = offset + written;
        }
        self.head = Position(first.0 + fresh as u64 - 1);
        self.head_commit = commit;
        Ok(())
    }

    /// [`read_verified`](Self::read_verified) on a second thread: it reads and verifies the
    /// segments and passes the verified records, copied into chunks of about 1 MiB, to this
    /// thread, which only parses the record headers again and calls `visit`. Reading and
    /// verifying the next chunk thus overlaps the caller's work on this one (decoding and
    /// folding, in a replay). Only verified records cross over, in order, exactly as the
    /// one-thread read hands them out; an error comes after every record before it.
    fn read_verified_ahead(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        const CHUNK: usize = 1 << 20;
        let dir = self.dir.clone();
        let stop = AtomicBool::new(false);
        let (chunks, received) = mpsc::sync_channel::<Vec<u8>>(2);
        let (give_back, returned) = mpsc::channel::<Vec<u8>>();
        std::thread::scope(|scope| {
            let stop = &stop;
            let reader = scope.spawn(move || {
                let mut out: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
                let result = self.read_verified(from, &mut |record| {
                    if stop.load(Ordering::Relaxed) {
                        return ControlFlow::Break(());
                    }
                    out.extend_from_slice(&(record.bytes.len() as u32).to_le_bytes());
                    out.extend_from_slice(record.bytes);
                    if out.len() >= CHUNK {
                        let next = returned
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 4096));
                        if chunks.send(std::mem::replace(&mut out, next)).is_err() {
                            return ControlFlow::Break(());
                        }
                    }
                    ControlFlow::Continue(())
                });
                if !out.is_empty() && !stop.load(Ordering::Relaxed) {
                    let _ = chunks.send(out);
                }
                result
            });
            let mut failure = None;
            'chunks: for mut chunk in received {
                let mut at = 0;
                while let Some(len) = chunk.get(at..at + 4) {
                    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    let bytes = chunk.get(at + 4..at + 4 + len).unwrap_or(&[]);
                    at += 4 + len;
                    match RecordView::parse(bytes) {
                        Ok(record) => {
                            if visit(&record).is_break() {
                                stop.store(true, Ordering::Relaxed);
                                break 'chunks;
                            }
                        }
                        Err(e) => {
                            // Cannot happen: the reader parsed these very bytes.
                            failure = Some(Error::Io {
                                op: "read",
                                path: dir.clone(),
                                source: std::io::Error::other(e.to_string()),
                            });
                            stop.store(true, Ordering::Relaxed);
                            break 'chunks;
                        }
                    }
                }
                chunk.clear();
                let _ = give_back.send(chunk);
            }
            let read = reader.join().unwrap_or_else(|_| {
                Err(Error::Io {
                    op: "read",
                    path: dir.clone(),
                    source: std::io::Error::other("the reading thread panicked"),
                })
            });
            match failure {
                Some(e) => Err(e),
                None => read,
            }
        })
    }

    fn read_verified(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let start = self.marks.partition_point(|m| m.first <= from);
        let Some(mark) = start
            .checked_sub(1)
            .and_then(|i| self.marks.get(i))
            .copied()
        else {
            return Ok(());
        };
        let mut chain = BatchChain::new(mark.previous, mark.first);
        let last_index = self.segments.len() - 1;
        for index in mark.segment..self.segments.len() {
            let segment = &self.segments[index];
            let opened;
            let file: &S::File = if index == last_index {
                match self.current.as_ref() {
                    Some(file) => file,
                    None => return Ok(()),
                }
            } else {
                opened = self
                    .storage
                    .open(&segment.path, OpenMode::Read)
                    .map_err(io_error("open", &segment.path))?;
                &opened
            };
            let start = if index == mark.segment {
                mark.offset
            } else {
                SEGMENT_HEADER_BYTES
            };
            check_segment_again(file, segment, start, &chain)?;
            let walked = self
                .walker
                .walk(file, start, segment.end, &mut chain, &mut |batch| {
                    for record in batch.records() {
                        if record.position >= from && visit(&record).is_break() {
                            return ControlFlow::Break(());
                        }
                    }
                    ControlFlow::Continue(())
                })
                .map_err(io_error("read", &segment.path))?;
            match walked {
                WalkEnd::Clean => {}
                WalkEnd::Stopped => return Ok(()),
                WalkEnd::Incomplete {
                    batch_offset,
                    first,
                } => {
                    return Err(corruption(
                        &segment.path,
                        batch_offset,
                        first,
                        Damage::IncompleteBatch { first },
                    ))
                }
                WalkEnd::Bad {
                    offset,
                    position,
                    damage,
                    ..
                } => return Err(corruption(&segment.path, offset, position, damage)),
            }
        }
        Ok(())
    }
}

/// Re-checks a segment's header and length before reading it: the files may have changed
/// under the log since it opened.
fn check_segment_again<F: StorageFile>(
    file: &F,
    segment: &Segment,
    start: u64,
    chain: &BatchChain,
) -> Result<(), Error> {
    let path = &segment.path;
    let len = file.len().map_err(io_error("stat", path))?;
    if len < segment.end {
        return Err(corruption(
            path,
            len.min(segment.end),
            chain.next(),
            Damage::Shrunk {
                len,
                expected: segment.end,
            },
        ));
    }
    let mut bytes = [0u8; SEGMENT_HEADER_BYTES as usize];
    file.read_exact_at(0, &mut bytes)
        .map_err(io_error("read", path))?;
    let header = match SegmentHeader::decode(&bytes) {
        Ok(header) => header,
        Err(e) => return Err(corruption(path, 0, segment.first, Damage::Header(e.text()))),
    };
    if header.first != segment.first || header.previous != segment.previous {
        return Err(corruption(
            path,
            0,
            segment.first,
            Damage::Header("the header changed since the log was opened"),
        ));
    }
    if start == SEGMENT_HEADER_BYTES
        && (header.first != chain.next() || header.previous != chain.commit())
    {
        return Err(corruption(path, 0, chain.next(), Damage::PreviousCommit));
    }
    Ok(())
}
