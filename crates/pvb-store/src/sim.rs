//! `SimStorage`: an in-memory [`Storage`] for tests that knows which bytes are durable.
//!
//! It keeps, per file, the bytes a reader sees now and the bytes that survive a power loss
//! (those covered by a successful `sync_data`/`sync_all`), and, per folder, the entries that
//! survive (those covered by `sync_dir`). [`SimStorage::crash`] builds the image after a power
//! loss: unsynced writes kept, dropped, or torn at a 512-byte or 4 KiB boundary (the rest of a
//! torn write is missing or reads as zeros). It can also stop the "process" after the k-th
//! mutating call ([`SimStorage::crash_after`]) and fail the k-th call with EIO, once or from
//! then on ([`SimStorage::fail_at`]). A failed sync behaves as on Linux after fsyncgate: the
//! unsynced writes stay visible but never become durable.
//!
//! It is not a model of reordering between sectors of one write, of bit rot (tests damage the
//! bytes directly with [`SimStorage::write_file`]), or of more than one folder's durability
//! (folders themselves are durable at once).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::storage::{LockKind, OpenMode, Storage, StorageFile};

/// What happens to writes that were not yet synced when the power goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashMode {
    /// All of them survive (like `kill -9`: the page cache is written later).
    Keep,
    /// None survive.
    Drop,
    /// A random prefix of them survives, the next one torn at a sector boundary (512 B or
    /// 4 KiB, chosen by the seed), its rest missing or zero; folder entries likewise.
    Tear {
        /// Seed of the choices.
        seed: u64,
    },
}

#[derive(Clone, Debug)]
enum Pending {
    Write { offset: u64, data: Vec<u8> },
    SetLen(u64),
}

#[derive(Clone, Debug, Default)]
struct Inode {
    current: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<Pending>,
    /// Byte ranges whose sync failed: they never become durable (fsyncgate).
    lost: Vec<(u64, u64)>,
}

#[derive(Clone, Debug)]
enum NameOp {
    Create { path: PathBuf, inode: u64 },
    Rename { from: PathBuf, to: PathBuf },
    Remove { path: PathBuf },
}

#[derive(Clone, Copy, Debug)]
struct Fault {
    at: u64,
    persistent: bool,
}

#[derive(Debug, Default)]
struct SimState {
    inodes: HashMap<u64, Inode>,
    next_inode: u64,
    names: BTreeMap<PathBuf, u64>,
    durable_names: BTreeMap<PathBuf, u64>,
    name_log: Vec<NameOp>,
    dirs: BTreeSet<PathBuf>,
    locks: HashMap<PathBuf, (LockKind, usize)>,
    calls: u64,
    mutations: u64,
    fault: Option<Fault>,
    crash_after: Option<u64>,
    crashed: bool,
    sites: HashSet<(&'static str, &'static Location<'static>)>,
    failed_sites: HashSet<(&'static str, &'static Location<'static>)>,
}

/// An in-memory storage that can lose power. Clones share the same files.
#[derive(Clone, Debug, Default)]
pub struct SimStorage {
    state: Arc<Mutex<SimState>>,
}

/// A file of [`SimStorage`].
#[derive(Debug)]
pub struct SimFile {
    state: Arc<Mutex<SimState>>,
    inode: u64,
    writable: bool,
}

/// A lock of [`SimStorage`], released on drop.
#[derive(Debug)]
pub struct SimLock {
    state: Arc<Mutex<SimState>>,
    path: PathBuf,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        if let Some(entry) = state.locks.get_mut(&self.path) {
            entry.1 = entry.1.saturating_sub(1);
            if entry.1 == 0 {
                state.locks.remove(&self.path);
            }
        }
    }
}

fn lock(state: &Arc<Mutex<SimState>>) -> MutexGuard<'_, SimState> {
    // A panic in another test thread cannot leave the state half-changed in a way that
    // matters to a test that is failing anyway.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// SplitMix64: small, seedable, good enough for choosing crash outcomes.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn eio() -> io::Error {
    io::Error::other("simulated I/O error (EIO)")
}

fn crashed() -> io::Error {
    io::Error::other("simulated crash: the process is gone")
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} not found (simulated)", path.display()),
    )
}

fn apply_write(bytes: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let start = offset as usize;
    let end = start + data.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[start..end].copy_from_slice(data);
}

impl SimState {
    /// Counts a call; fails it if the process crashed or a fault is due.
    fn enter(&mut self, op: &'static str, site: &'static Location<'static>) -> io::Result<()> {
        if self.crashed {
            return Err(crashed());
        }
        self.calls += 1;
        let site = (op, site);
        self.sites.insert(site);
        if let Some(fault) = self.fault {
            let due = if fault.persistent {
                self.calls >= fault.at
            } else {
                self.calls == fault.at
            };
            if due {
                self.failed_sites.insert(site);
                return Err(eio());
            }
        }
        Ok(())
    }

    /// Counts a completed mutating call; the process stops after the chosen one.
    fn mutated(&mut self) {
        self.mutations += 1;
        if self.crash_after == Some(self.mutations) {
            self.crashed = true;
        }
    }

    fn inode(&mut self, id: u64) -> &mut Inode {
        self.inodes.entry(id).or_default()
    }

    fn sync(&mut self, id: u64) {
        let inode = self.inode(id);
        let old = std::mem::take(&mut inode.durable);
        let mut durable = inode.current.clone();
        for &(start, len) in &inode.lost {
            for at in start..start + len {
                let at = at as usize;
                if at < durable.len() {
                    durable[at] = old.get(at).copied().unwrap_or(0);
                }
            }
        }
        inode.durable = durable;
        inode.pending.clear();
    }

    fn fail_sync(&mut self, id: u64) {
        let inode = self.inode(id);
        let pending = std::mem::take(&mut inode.pending);
        for op in pending {
            if let Pending::Write { offset, data } = op {
                inode.lost.push((offset, data.len() as u64));
            }
        }
    }
}

impl SimStorage {
    /// An empty storage.
    pub fn new() -> SimStorage {
        SimStorage::default()
    }

    fn state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.state)
    }

    /// Fails the `call`-th call from the start (1-based) with EIO; with `persistent`, every
    /// later call fails too.
    pub fn fail_at(&self, call: u64, persistent: bool) {
        self.state().fault = Some(Fault {
            at: call,
            persistent,
        });
    }

    /// Removes a fault set with [`SimStorage::fail_at`].
    pub fn clear_fault(&self) {
        self.state().fault = None;
    }

    /// Stops the process after the `mutation`-th mutating call (1-based) has completed: every
    /// later call fails. Then [`SimStorage::crash`] gives the image after the power loss.
    pub fn crash_after(&self, mutation: u64) {
        self.state().crash_after = Some(mutation);
    }

    /// Calls made so far (every method of the storage and its files).
    pub fn calls(&self) -> u64 {
        self.state().calls
    }

    /// Mutating calls completed so far (writes, syncs, creations, renames, removals).
    pub fn mutations(&self) -> u64 {
        self.state().mutations
    }

    /// True once the process has "crashed" (see [`SimStorage::crash_after`]).
    pub fn is_crashed(&self) -> bool {
        self.state().crashed
    }

    /// The distinct call sites seen, as `"<op> at <file>:<line>"`.
    pub fn sites(&self) -> BTreeSet<String> {
        self.state().sites.iter().map(site_name).collect()
    }

    /// The call sites where an injected fault fired.
    pub fn failed_sites(&self) -> BTreeSet<String> {
        self.state().failed_sites.iter().map(site_name).collect()
    }

    /// The storage as it is after a power loss now: a new, independent storage holding the
    /// durable bytes and entries, plus the unsynced ones `mode` lets survive. No locks, no
    /// faults.
    pub fn crash(&self, mode: CrashMode) -> SimStorage {
        let state = self.state();
        let mut rng = Rng(match mode {
            CrashMode::Tear { seed } => seed ^ 0x5EED_0FC0_FFEE,
            _ => 0,
        });
        let names = match mode {
            CrashMode::Keep => state.names.clone(),
            CrashMode::Drop => state.durable_names.clone(),
            CrashMode::Tear { .. } => {
                let keep = rng.below(state.name_log.len() as u64 + 1) as usize;
                let mut names = state.durable_names.clone();
                for op in &state.name_log[..keep] {
                    apply_name_op(&mut names, op);
                }
                names
            }
        };
        let mut inodes = HashMap::new();
        for &id in names.values() {
            if inodes.contains_key(&id) {
                continue;
            }
            let Some(inode) = state.inodes.get(&id) else {
                continue;
            };
            let bytes = match mode {
                CrashMode::Keep => after_lost(inode, inode.current.clone()),
                CrashMode::Drop => inode.durable.clone(),
                CrashMode::Tear { .. } => tear(inode, &mut rng),
            };
            inodes.insert(
                id,
                Inode {
                    current: bytes.clone(),
                    durable: bytes,
                    pending: Vec::new(),
                    lost: Vec::new(),
                },
            );
        }
        let next_inode = state.next_inode;
        let dirs = state.dirs.clone();
        drop(state);
        SimStorage {
            state: Arc::new(Mutex::new(SimState {
                inodes,
                next_inode,
                durable_names: names.clone(),
                names,
                dirs,
                ..SimState::default()
            })),
        }
    }

    /// The bytes of a file as a reader sees them now.
    pub fn read_file(&self, path: &Path) -> Option<Vec<u8>> {
        let state = self.state();
        let id = state.names.get(path)?;
        state.inodes.get(id).map(|i| i.current.clone())
    }

    /// Replaces a file's bytes, durably (creating it if needed): for damaging a log in tests.
    pub fn write_file(&self, path: &Path, bytes: &[u8]) {
        let mut state = self.state();
        let id = match state.names.get(path) {
            Some(&id) => id,
            None => {
                let id = state.next_inode;
                state.next_inode += 1;
                state.names.insert(path.to_path_buf(), id);
                state.durable_names.insert(path.to_path_buf(), id);
                if let Some(parent) = path.parent() {
                    state.dirs.insert(parent.to_path_buf());
                }
                id
            }
        };
        let inode = state.inode(id);
        inode.current = bytes.to_vec();
        inode.durable = bytes.to_vec();
        inode.pending.clear();
        inode.lost.clear();
    }

    /// Removes a file, durably: for damaging a log in tests.
    pub fn remove_file(&self, path: &Path) {
        let mut state = self.state();
        state.names.remove(path);
        state.durable_names.remove(path);
    }

    /// Renames a file, durably: for damaging a log in tests.
    pub fn rename_file(&self, from: &Path, to: &Path) {
        let mut state = self.state();
        if let Some(id) = state.names.remove(from) {
            state.names.insert(to.to_path_buf(), id);
        }
        if let Some(id) = state.durable_names.remove(from) {
            state.durable_names.insert(to.to_path_buf(), id);
        }
    }

    /// Every file, in name order.
    pub fn files(&self) -> Vec<PathBuf> {
        self.state().names.keys().cloned().collect()
    }
}

fn site_name(site: &(&'static str, &'static Location<'static>)) -> String {
    format!("{} at {}:{}", site.0, site.1.file(), site.1.line())
}

fn apply_name_op(names: &mut BTreeMap<PathBuf, u64>, op: &NameOp) {
    match op {
        NameOp::Create { path, inode } => {
            names.insert(path.clone(), *inode);
        }
        NameOp::Rename { from, to } => {
            if let Some(id) = names.remove(from) {
                names.insert(to.clone(), id);
            }
        }
        NameOp::Remove { path } => {
            names.remove(path);
        }
    }
}

/// Current bytes, except ranges whose sync failed (they are gone after a power loss).
fn after_lost(inode: &Inode, mut bytes: Vec<u8>) -> Vec<u8> {
    for &(start, len) in &inode.lost {
        for at in start..start + len {
            let at = at as usize;
            if at < bytes.len() {
                bytes[at] = inode.durable.get(at).copied().unwrap_or(0);
            }
        }
    }
    bytes
}

/// The durable bytes plus a prefix of the pending operations, the next write torn.
fn tear(inode: &Inode, rng: &mut Rng) -> Vec<u8> {
    let mut bytes = inode.durable.clone();
    let keep = rng.below(inode.pending.len() as u64 + 1) as usize;
    for op in &inode.pending[..keep] {
        match op {
            Pending::Write { offset, data } => apply_write(&mut bytes, *offset, data),
            Pending::SetLen(len) => bytes.resize(*len as usize, 0),
        }
    }
    if let Some(Pending::Write { offset, data }) = inode.pending.get(keep) {
        let sector: u64 = if rng.below(2) == 0 { 512 } else { 4096 };
        let start = *offset;
        let end = start + data.len() as u64;
        // Sector boundaries strictly inside the write, or its start (nothing written).
        let first_boundary = (start / sector + 1) * sector;
        let mut cuts = vec![start];
        let mut b = first_boundary;
        while b < end {
            cuts.push(b);
            b += sector;
        }
        let cut = cuts[rng.below(cuts.len() as u64) as usize];
        let kept = (cut - start) as usize;
        apply_write(&mut bytes, start, &data[..kept]);
        // The size may have reached the write's end while its data did not: zeros.
        if rng.below(2) == 0 && (bytes.len() as u64) < end {
            bytes.resize(end as usize, 0);
        }
    }
    bytes
}

impl Storage for SimStorage {
    type File = SimFile;
    type Lock = SimLock;

    #[track_caller]
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.enter("create_dir_all", Location::caller())?;
        for ancestor in dir.ancestors() {
            if !ancestor.as_os_str().is_empty() {
                state.dirs.insert(ancestor.to_path_buf());
            }
        }
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn exists(&self, path: &Path) -> io::Result<bool> {
        let mut state = self.state();
        state.enter("exists", Location::caller())?;
        Ok(state.names.contains_key(path) || state.dirs.contains(path))
    }

    #[track_caller]
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut state = self.state();
        state.enter("list", Location::caller())?;
        if !state.dirs.contains(dir) {
            return Err(not_found(dir));
        }
        Ok(state
            .names
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect())
    }

    #[track_caller]
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<SimFile> {
        let mut state = self.state();
        state.enter("open", Location::caller())?;
        let existing = state.names.get(path).copied();
        let inode = match (mode, existing) {
            (OpenMode::Read | OpenMode::ReadWrite, Some(id)) => id,
            (OpenMode::Read | OpenMode::ReadWrite, None) => return Err(not_found(path)),
            (OpenMode::CreateTruncate, Some(id)) => {
                let inode = state.inode(id);
                inode.current.clear();
                inode.pending.push(Pending::SetLen(0));
                state.mutated();
                id
            }
            (OpenMode::CreateTruncate, None) => {
                if !path.parent().is_some_and(|p| state.dirs.contains(p)) {
                    return Err(not_found(path));
                }
                let id = state.next_inode;
                state.next_inode += 1;
                state.inodes.insert(id, Inode::default());
                state.names.insert(path.to_path_buf(), id);
                state.name_log.push(NameOp::Create {
                    path: path.to_path_buf(),
                    inode: id,
                });
                state.mutated();
                id
            }
        };
        Ok(SimFile {
            state: Arc::clone(&self.state),
            inode,
            writable: mode != OpenMode::Read,
        })
    }

    #[track_caller]
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.enter("rename", Location::caller())?;
        let Some(id) = state.names.remove(from) else {
            return Err(not_found(from));
        };
        state.names.insert(to.to_path_buf(), id);
        state.name_log.push(NameOp::Rename {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        });
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.enter("remove", Location::caller())?;
        if state.names.remove(path).is_none() {
            return Err(not_found(path));
        }
        state.name_log.push(NameOp::Remove {
            path: path.to_path_buf(),
        });
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.enter("sync_dir", Location::caller())?;
        let in_dir = |p: &PathBuf| p.parent() == Some(dir);
        let log = std::mem::take(&mut state.name_log);
        let mut rest = Vec::new();
        for op in log {
            let ours = match &op {
                NameOp::Create { path, .. } | NameOp::Remove { path } => in_dir(path),
                NameOp::Rename { from, to } => in_dir(from) || in_dir(to),
            };
            if ours {
                apply_name_op(&mut state.durable_names, &op);
            } else {
                rest.push(op);
            }
        }
        state.name_log = rest;
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn try_lock(&self, path: &Path, kind: LockKind) -> io::Result<Option<SimLock>> {
        let mut state = self.state();
        state.enter("try_lock", Location::caller())?;
        if kind == LockKind::Shared && !state.names.contains_key(path) {
            return Err(not_found(path));
        }
        if kind == LockKind::Exclusive && !state.names.contains_key(path) {
            // Creating the lock file: its entry need not be durable.
            let id = state.next_inode;
            state.next_inode += 1;
            state.inodes.insert(id, Inode::default());
            state.names.insert(path.to_path_buf(), id);
            state.name_log.push(NameOp::Create {
                path: path.to_path_buf(),
                inode: id,
            });
        }
        let held = state.locks.get(path).copied();
        let granted = matches!(
            (kind, held),
            (_, None) | (LockKind::Shared, Some((LockKind::Shared, _)))
        );
        if !granted {
            return Ok(None);
        }
        let entry = state.locks.entry(path.to_path_buf()).or_insert((kind, 0));
        entry.1 += 1;
        Ok(Some(SimLock {
            state: Arc::clone(&self.state),
            path: path.to_path_buf(),
        }))
    }
}

impl SimFile {
    fn state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.state)
    }
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "file opened read-only")
}

impl StorageFile for SimFile {
    #[track_caller]
    fn len(&self) -> io::Result<u64> {
        let mut state = self.state();
        state.enter("len", Location::caller())?;
        Ok(state.inode(self.inode).current.len() as u64)
    }

    #[track_caller]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut state = self.state();
        state.enter("read_exact_at", Location::caller())?;
        let bytes = &state.inode(self.inode).current;
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(buf.len());
        match bytes.get(start..end) {
            Some(slice) => {
                buf.copy_from_slice(slice);
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of the file (simulated)",
            )),
        }
    }

    #[track_caller]
    fn write_all_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut state = self.state();
        let entered = state.enter("write_all_at", Location::caller());
        if !self.writable {
            return Err(read_only());
        }
        if let Err(e) = entered {
            if !state.crashed {
                // A failed write may still have changed part of the file.
                let half = &data[..data.len() / 2];
                let inode = state.inode(self.inode);
                apply_write(&mut inode.current, offset, half);
                inode.pending.push(Pending::Write {
                    offset,
                    data: half.to_vec(),
                });
            }
            return Err(e);
        }
        let inode = state.inode(self.inode);
        apply_write(&mut inode.current, offset, data);
        inode.pending.push(Pending::Write {
            offset,
            data: data.to_vec(),
        });
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        let mut state = self.state();
        state.enter("set_len", Location::caller())?;
        if !self.writable {
            return Err(read_only());
        }
        let inode = state.inode(self.inode);
        inode.current.resize(len as usize, 0);
        inode.pending.push(Pending::SetLen(len));
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn sync_data(&mut self) -> io::Result<()> {
        let mut state = self.state();
        if let Err(e) = state.enter("sync_data", Location::caller()) {
            if !state.crashed {
                state.fail_sync(self.inode);
            }
            return Err(e);
        }
        state.sync(self.inode);
        state.mutated();
        Ok(())
    }

    #[track_caller]
    fn sync_all(&mut self) -> io::Result<()> {
        let mut state = self.state();
        if let Err(e) = state.enter("sync_all", Location::caller()) {
            if !state.crashed {
                state.fail_sync(self.inode);
            }
            return Err(e);
        }
        state.sync(self.inode);
        state.mutated();
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        PathBuf::from("/log")
    }

    #[test]
    fn unsynced_writes_are_lost_on_drop_and_kept_on_keep() {
        let sim = SimStorage::new();
        sim.create_dir_all(&dir()).unwrap();
        let path = dir().join("a");
        let mut f = sim.open(&path, OpenMode::CreateTruncate).unwrap();
        f.write_all_at(0, b"hello").unwrap();
        f.sync_data().unwrap();
        sim.sync_dir(&dir()).unwrap();
        f.write_all_at(5, b" world").unwrap();
        assert_eq!(
            sim.crash(CrashMode::Drop).read_file(&path).unwrap(),
            b"hello"
        );
        assert_eq!(
            sim.crash(CrashMode::Keep).read_file(&path).unwrap(),
            b"hello world"
        );
    }

    #[test]
    fn a_file_without_a_synced_folder_entry_may_vanish() {
        let sim = SimStorage::new();
        sim.create_dir_all(&dir()).unwrap();
        let path = dir().join("a");
        let mut f = sim.open(&path, OpenMode::CreateTruncate).unwrap();
        f.write_all_at(0, b"x").unwrap();
        f.sync_all().unwrap();
        assert!(sim.crash(CrashMode::Drop).read_file(&path).is_none());
        sim.sync_dir(&dir()).unwrap();
        assert!(sim.crash(CrashMode::Drop).read_file(&path).is_some());
    }

    #[test]
    fn torn_writes_keep_a_sector_prefix() {
        let sim = SimStorage::new();
        sim.create_dir_all(&dir()).unwrap();
        let path = dir().join("a");
        let mut f = sim.open(&path, OpenMode::CreateTruncate).unwrap();
        sim.sync_dir(&dir()).unwrap();
        f.write_all_at(0, &[1u8; 10_000]).unwrap();
        for seed in 0..200 {
            let bytes = sim
                .crash(CrashMode::Tear { seed })
                .read_file(&path)
                .unwrap();
            let ones = bytes.iter().take_while(|b| **b == 1).count();
            assert!(ones == 0 || ones % 512 == 0 || ones == 10_000, "{ones}");
            assert!(bytes[ones..].iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn a_failed_sync_never_makes_the_write_durable() {
        let sim = SimStorage::new();
        sim.create_dir_all(&dir()).unwrap();
        let path = dir().join("a");
        let mut f = sim.open(&path, OpenMode::CreateTruncate).unwrap();
        sim.sync_dir(&dir()).unwrap();
        f.write_all_at(0, b"abc").unwrap();
        let next = sim.calls() + 1;
        sim.fail_at(next, false);
        assert!(f.sync_data().is_err());
        // The retry "succeeds", as on Linux, but the bytes are gone after a power loss.
        f.sync_data().unwrap();
        assert_eq!(f.len().unwrap(), 3);
        assert_eq!(
            sim.crash(CrashMode::Keep).read_file(&path).unwrap(),
            vec![0, 0, 0]
        );
    }

    #[test]
    fn the_process_stops_after_the_chosen_mutation() {
        let sim = SimStorage::new();
        sim.crash_after(2);
        sim.create_dir_all(&dir()).unwrap();
        let mut f = sim
            .open(&dir().join("a"), OpenMode::CreateTruncate)
            .unwrap();
        assert!(f.write_all_at(0, b"x").is_err());
        assert!(sim.is_crashed());
    }

    #[test]
    fn locks_exclude_each_other() {
        let sim = SimStorage::new();
        sim.create_dir_all(&dir()).unwrap();
        let path = dir().join("LOCK");
        let a = sim.try_lock(&path, LockKind::Exclusive).unwrap();
        assert!(a.is_some());
        assert!(sim.try_lock(&path, LockKind::Exclusive).unwrap().is_none());
        assert!(sim.try_lock(&path, LockKind::Shared).unwrap().is_none());
        drop(a);
        let b = sim.try_lock(&path, LockKind::Shared).unwrap();
        assert!(b.is_some());
        assert!(sim.try_lock(&path, LockKind::Shared).unwrap().is_some());
    }
}
