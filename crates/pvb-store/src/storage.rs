//! The I/O seam of `FileLog`: a small [`Storage`] trait over files and one folder, with the real
//! implementation [`FsStorage`] (`std::fs`, `fdatasync`, `flock` through `fs4`).
//!
//! `FileLog` does all of its I/O through this trait, so that tests can swap in
//! [`crate::SimStorage`], which remembers which bytes are durable, crashes on request and fails
//! chosen calls. It is not a general virtual file system: it has exactly the calls FileLog makes.

use std::io;
use std::path::Path;

/// How to open a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read an existing file.
    Read,
    /// Read and write an existing file.
    ReadWrite,
    /// Create the file (emptying it if it exists), read and write.
    CreateTruncate,
}

/// Which lock to take on the lock file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// One writer; creates the lock file if needed.
    Exclusive,
    /// Readers; never creates the lock file (`NotFound` when there is none).
    Shared,
}

/// File and folder operations, as FileLog uses them. Every call may fail; a failure of a write
/// or sync is treated by FileLog as fatal for its writer.
///
/// Methods are `#[track_caller]` so that a simulated storage can tell call sites apart.
pub trait Storage: Send + 'static {
    /// An open file.
    type File: StorageFile;
    /// A held lock; dropping it releases the lock.
    type Lock: Send;

    /// Creates `dir` and its parents if missing.
    #[track_caller]
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// True if `path` exists.
    #[track_caller]
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// The names of the files in `dir` (not recursive).
    #[track_caller]
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Opens a file.
    #[track_caller]
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Self::File>;
    /// Renames a file, replacing `to` if it exists.
    #[track_caller]
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    #[track_caller]
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Makes the folder's entries (creations, renames, removals) durable.
    #[track_caller]
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Tries to take a lock on the file `path`. `Ok(None)`: someone else holds it.
    #[track_caller]
    fn try_lock(&self, path: &Path, kind: LockKind) -> io::Result<Option<Self::Lock>>;
}

/// An open file.
#[allow(clippy::len_without_is_empty)] // `len` is a system call that can fail, not a container.
pub trait StorageFile: Send {
    /// The file's length in bytes.
    #[track_caller]
    fn len(&self) -> io::Result<u64>;
    /// Fills `buf` from `offset`; `UnexpectedEof` if the file ends first.
    #[track_caller]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Writes all of `data` at `offset`.
    #[track_caller]
    fn write_all_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()>;
    /// Sets the length (truncates or extends with zeros).
    #[track_caller]
    fn set_len(&mut self, len: u64) -> io::Result<()>;
    /// Makes the data (and the length) durable: `fdatasync`.
    #[track_caller]
    fn sync_data(&mut self) -> io::Result<()>;
    /// Makes data and all metadata durable: `fsync`.
    #[track_caller]
    fn sync_all(&mut self) -> io::Result<()>;
}

/// The real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsStorage;

/// A file of [`FsStorage`].
#[derive(Debug)]
pub struct FsFile(std::fs::File);

/// A lock of [`FsStorage`]: the open lock file; closing it releases the `flock`.
#[derive(Debug)]
pub struct FsLock(#[allow(dead_code)] std::fs::File);

impl Storage for FsStorage {
    type File = FsFile;
    type Lock = FsLock;

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            // Names that are not UTF-8 cannot be ours.
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<FsFile> {
        let mut options = std::fs::OpenOptions::new();
        match mode {
            OpenMode::Read => options.read(true),
            OpenMode::ReadWrite => options.read(true).write(true),
            OpenMode::CreateTruncate => options.read(true).write(true).create(true).truncate(true),
        };
        options.open(path).map(FsFile)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        sync_dir(dir)
    }

    fn try_lock(&self, path: &Path, kind: LockKind) -> io::Result<Option<FsLock>> {
        use fs4::fs_std::FileExt;
        let file = match kind {
            LockKind::Exclusive => std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?,
            LockKind::Shared => std::fs::OpenOptions::new().read(true).open(path)?,
        };
        // Named in full: std's inherent `File::try_lock_shared` (Rust 1.89) has another type.
        let acquired = match kind {
            LockKind::Exclusive => FileExt::try_lock_exclusive(&file)?,
            LockKind::Shared => FileExt::try_lock_shared(&file)?,
        };
        Ok(acquired.then_some(FsLock(file)))
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Folders cannot be opened for syncing on this platform; NTFS journals its metadata.
    Ok(())
}

impl StorageFile for FsFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_exact_at(&self.0, offset, buf)
    }

    fn write_all_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        write_all_at(&self.0, offset, data)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.0.sync_data()
    }

    fn sync_all(&mut self) -> io::Result<()> {
        self.0.sync_all()
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_all_at(file: &std::fs::File, offset: u64, data: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(not(unix))]
fn write_all_at(file: &std::fs::File, offset: u64, data: &[u8]) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(data)
}
