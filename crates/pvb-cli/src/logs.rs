//! Opening the log a `--log` argument names: a folder (FileLog, the default), `memory:` (for
//! benchmarks), `sled:PATH` (SledLog, experimental; feature `sled`) and `postgres://...` or
//! `postgresql://...` (PostgresLog; feature `postgres`); plus the pseudonymisation key file
//! (beside a folder or sled log; for PostgreSQL only `--key-file` or `PVB_KEY_FILE`).
//!
//! It is not an adapter: it only dispatches to the adapters of `pvb-store*` behind one type.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use pvb::keyfile;
use pvb_core::{
    AppendError, Commit, Condition, Durability, EventId, EventLog, NewRecord, Position, RecordView,
};
use pvb_store::{FileLog, MemoryLog};

use crate::Failure;

/// Where a log lives.
#[derive(Clone, Debug)]
pub enum LogSpec {
    /// A FileLog folder.
    File(PathBuf),
    /// An in-memory log (nothing survives the process).
    Memory,
    /// A SledLog folder (`sled:PATH`).
    #[cfg(feature = "sled")]
    Sled(PathBuf),
    /// A PostgreSQL database (`postgres://...`, with pvb's `pvb_schema=` and
    /// `pvb_allow_unsafe_durability=` parameters).
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl LogSpec {
    /// Parses a `--log` argument.
    pub fn parse(text: &str) -> Result<LogSpec, Failure> {
        if text == "memory:" {
            return Ok(LogSpec::Memory);
        }
        if let Some(rest) = text.strip_prefix("file:") {
            return Ok(LogSpec::File(PathBuf::from(rest)));
        }
        if let Some(rest) = text.strip_prefix("sled:") {
            if rest.is_empty() {
                return Err(Failure::new("--log sled: needs a folder, as in sled:PATH"));
            }
            #[cfg(feature = "sled")]
            return Ok(LogSpec::Sled(PathBuf::from(rest)));
            #[cfg(not(feature = "sled"))]
            return Err(Failure::new(format!(
                "--log {text}: this build has no sled adapter (it is experimental; build pvb-cli with --features sled)"
            )));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            {
                // Refuse a malformed URL or an unknown pvb_ parameter here, before anything
                // is opened.
                pvb_store_postgres::UrlOptions::parse(text)
                    .map_err(|e| Failure::new(format!("--log {}: {e}", redact_url(text))))?;
                return Ok(LogSpec::Postgres(text.to_owned()));
            }
            #[cfg(not(feature = "postgres"))]
            return Err(Failure::new(format!(
                "--log {}: this build has no PostgreSQL adapter (build pvb-cli with --features postgres)",
                redact_url(text)
            )));
        }
        Ok(LogSpec::File(PathBuf::from(text)))
    }

    /// A name for messages.
    pub fn describe(&self) -> String {
        match self {
            LogSpec::File(path) => path.display().to_string(),
            LogSpec::Memory => "memory:".to_owned(),
            #[cfg(feature = "sled")]
            LogSpec::Sled(path) => format!("sled:{}", path.display()),
            #[cfg(feature = "postgres")]
            LogSpec::Postgres(url) => redact_url(url),
        }
    }

    /// True for a FileLog (the only adapter with frames and CRC-32C to check on their own).
    pub fn is_file(&self) -> bool {
        matches!(self, LogSpec::File(_))
    }

    /// The default key file: `<log>.key` beside a folder log.
    pub fn default_key_file(&self) -> Option<PathBuf> {
        match self {
            LogSpec::File(path) => Some(sibling(path, "key")),
            LogSpec::Memory => None,
            #[cfg(feature = "sled")]
            LogSpec::Sled(path) => Some(sibling(path, "key")),
            // The key never lives in the database: --key-file or PVB_KEY_FILE.
            #[cfg(feature = "postgres")]
            LogSpec::Postgres(_) => None,
        }
    }

    /// The default rejections report: `<log>.rejections.jsonl`.
    pub fn default_rejections(&self) -> PathBuf {
        match self {
            LogSpec::File(path) => sibling(path, "rejections.jsonl"),
            LogSpec::Memory => PathBuf::from("rejections.jsonl"),
            #[cfg(feature = "sled")]
            LogSpec::Sled(path) => sibling(path, "rejections.jsonl"),
            #[cfg(feature = "postgres")]
            LogSpec::Postgres(_) => PathBuf::from("rejections.jsonl"),
        }
    }

    /// Opens the log for writing (creating a folder log when missing).
    pub fn open(&self) -> Result<AnyLog, Failure> {
        match self {
            LogSpec::File(path) => FileLog::open(path)
                .map(AnyLog::File)
                .map_err(|e| Failure::new(format!("cannot open log {}: {e}", path.display()))),
            LogSpec::Memory => Ok(AnyLog::Memory(MemoryLog::new())),
            #[cfg(feature = "sled")]
            LogSpec::Sled(path) => pvb_store_sled::SledLog::open(path)
                .map(AnyLog::Sled)
                .map_err(|e| Failure::new(format!("cannot open log sled:{}: {e}", path.display()))),
            #[cfg(feature = "postgres")]
            LogSpec::Postgres(url) => open_postgres(url, true),
        }
    }

    /// Opens an existing log for reading; a missing folder is an error.
    pub fn open_existing(&self) -> Result<AnyLog, Failure> {
        if let LogSpec::File(path) = self {
            if !path.is_dir() {
                return Err(Failure::new(format!(
                    "log {} does not exist (a FileLog is a folder; create one with pvb import)",
                    path.display()
                )));
            }
            let options = pvb_store::Options::new().read_only(true).create(false);
            return FileLog::open_with(path, options)
                .map(AnyLog::File)
                .map_err(|e| Failure::new(format!("cannot open log {}: {e}", path.display())));
        }
        #[cfg(feature = "sled")]
        if let LogSpec::Sled(path) = self {
            let options = pvb_store_sled::Options::new().create(false);
            return pvb_store_sled::SledLog::open_with(path, options)
                .map(AnyLog::Sled)
                .map_err(|e| {
                    Failure::new(format!("cannot open log sled:{}: {e}", path.display()))
                });
        }
        #[cfg(feature = "postgres")]
        if let LogSpec::Postgres(url) = self {
            return open_postgres(url, false);
        }
        self.open()
    }
}

/// Opens a PostgresLog; its warnings (data checksums off, ...) go to stderr.
#[cfg(feature = "postgres")]
fn open_postgres(url: &str, create: bool) -> Result<AnyLog, Failure> {
    let log = pvb_store_postgres::PostgresLog::open_url(url, create)
        .map_err(|e| Failure::new(format!("cannot open log {}: {e}", redact_url(url))))?;
    for warning in &log.open_report().warnings {
        eprintln!("pvb: warning: log {}: {warning}", redact_url(url));
    }
    Ok(AnyLog::Postgres(Box::new(log)))
}

/// Hides a password in a connection string.
pub fn redact_url(text: &str) -> String {
    #[cfg(feature = "postgres")]
    return pvb_store_postgres::redact(text);
    #[cfg(not(feature = "postgres"))]
    match (text.find("://"), text.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &text[..scheme], &text[at..])
        }
        _ => text.to_owned(),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let trimmed = path.components().as_path();
    let mut name = trimmed
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "log".into());
    name.push(".");
    name.push(suffix);
    trimmed.with_file_name(name)
}

/// Loads (or, for an empty log, creates) the pseudonymisation key.
pub fn key(
    spec: &LogSpec,
    key_file: Option<&Path>,
    log_is_empty: bool,
) -> Result<[u8; 32], Failure> {
    let path = key_file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PVB_KEY_FILE").map(PathBuf::from))
        .or_else(|| spec.default_key_file());
    match path {
        Some(path) => {
            keyfile::load_or_create(&path, log_is_empty).map_err(|e| Failure::new(e.to_string()))
        }
        #[cfg(feature = "postgres")]
        None if matches!(spec, LogSpec::Postgres(_)) => Err(Failure::new(format!(
            "log {}: a PostgreSQL log needs a pseudonymisation key file: give --key-file FILE or set PVB_KEY_FILE (the key never lives in the database)",
            spec.describe()
        ))),
        // A memory log lives and dies with the process: a process-local key serves it.
        None => {
            let mut key = [0u8; 32];
            for (i, b) in key.iter_mut().enumerate() {
                *b = i as u8 ^ 0x5a;
            }
            Ok(key)
        }
    }
}

/// The error of [`AnyLog`]: the adapter's message.
#[derive(Debug)]
pub struct AnyLogError(String);

impl std::fmt::Display for AnyLogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnyLogError {}

fn wrap<E: std::fmt::Display>(e: E) -> AnyLogError {
    AnyLogError(e.to_string())
}

fn wrap_append<E: std::fmt::Display>(e: AppendError<E>) -> AppendError<AnyLogError> {
    match e {
        AppendError::Conflict { expected, actual } => AppendError::Conflict { expected, actual },
        AppendError::InvalidBatch(s) => AppendError::InvalidBatch(s),
        AppendError::Record(r) => AppendError::Record(r),
        AppendError::Storage(s) => AppendError::Storage(wrap(s)),
    }
}

/// Any adapter the command can open.
// One per command, never in a collection: the size of the FileLog variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum AnyLog {
    /// A FileLog.
    File(FileLog),
    /// A MemoryLog.
    Memory(MemoryLog),
    /// A SledLog (experimental).
    #[cfg(feature = "sled")]
    Sled(pvb_store_sled::SledLog),
    /// A PostgresLog.
    #[cfg(feature = "postgres")]
    Postgres(Box<pvb_store_postgres::PostgresLog>),
}

macro_rules! each {
    ($self:ident, $log:ident => $body:expr) => {
        match $self {
            AnyLog::File($log) => $body,
            AnyLog::Memory($log) => $body,
            #[cfg(feature = "sled")]
            AnyLog::Sled($log) => $body,
            #[cfg(feature = "postgres")]
            AnyLog::Postgres($log) => $body,
        }
    };
}

impl EventLog for AnyLog {
    type Error = AnyLogError;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<AnyLogError>> {
        each!(self, log => log.append(batch, condition).map_err(wrap_append))
    }

    fn head(&mut self) -> Result<Position, AnyLogError> {
        each!(self, log => log.head().map_err(wrap))
    }

    fn head_commit(&mut self) -> Result<Commit, AnyLogError> {
        each!(self, log => log.head_commit().map_err(wrap))
    }

    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), AnyLogError> {
        each!(self, log => log.read(from, visit).map_err(wrap))
    }

    fn durability(&self) -> Durability {
        each!(self, log => log.durability())
    }

    fn find(&mut self, id: &EventId) -> Result<Option<Position>, AnyLogError> {
        each!(self, log => log.find(id).map_err(wrap))
    }
}
