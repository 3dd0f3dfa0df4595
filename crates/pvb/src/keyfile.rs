//! The pseudonymisation key: 32 random bytes in a key file beside the log (or where
//! `--key-file` / `PVB_KEY_FILE` points), readable by its owner only, never inside the log.
//!
//! Losing the key means new BSNs can no longer be matched to old clients, so a key is created
//! only for a log that is still empty. It is not a key vault: custody (backups, escrow, dual
//! control) is the office's.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file is missing and the log already holds events.
    #[error("key file {path} is missing but the log already holds events; restore the key from your backup (a new key could not match new BSNs to existing clients, so pvb will not create one)")]
    MissingForExistingLog {
        /// The key file.
        path: PathBuf,
    },
    /// The key file does not hold 64 hex digits.
    #[error("key file {path} does not hold a key (64 hexadecimal digits)")]
    Malformed {
        /// The key file.
        path: PathBuf,
    },
    /// Reading or writing the key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// No randomness for a new key.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the key at `path`; creates one when the file is missing and `log_is_empty`.
pub fn load_or_create(path: &Path, log_is_empty: bool) -> Result<[u8; 32], KeyError> {
    match fs::read_to_string(path) {
        Ok(text) => parse(text.trim()).ok_or_else(|| KeyError::Malformed {
            path: path.to_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !log_is_empty {
                return Err(KeyError::MissingForExistingLog {
                    path: path.to_owned(),
                });
            }
            create(path)
        }
        Err(e) => Err(io(path)(e)),
    }
}

fn parse(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

fn create(path: &Path) -> Result<[u8; 32], KeyError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io(path))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(path))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(parent) {
            dir.sync_all().map_err(io(path))?;
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_read_back() {
        let dir = std::env::temp_dir().join(format!("pvb-key-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("log.key");
        let first = load_or_create(&path, true).expect("created");
        let again = load_or_create(&path, false).expect("read");
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_file(&path).expect("remove");
        assert!(matches!(
            load_or_create(&path, false),
            Err(KeyError::MissingForExistingLog { .. })
        ));
        fs::write(&path, "nothex").expect("write");
        assert!(matches!(
            load_or_create(&path, true),
            Err(KeyError::Malformed { .. })
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}
