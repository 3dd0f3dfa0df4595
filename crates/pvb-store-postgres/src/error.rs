//! The one error type of pvb-store-postgres.
//!
//! Each variant says what the caller should do. It is not an append conflict (that is
//! `pvb_core::AppendError::Conflict`) nor a rejected command.

use pvb_core::Position;

/// What went wrong in a [`crate::PostgresLog`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection string or an option is not valid. Fix it.
    #[error("PostgreSQL log: {0}")]
    Config(String),
    /// The server could not be reached or refused the login. Check the URL, the server and
    /// its `pg_hba.conf`; nothing was written.
    #[error("cannot connect to PostgreSQL at {target}: {}", explain(source))]
    Connect {
        /// Host, port and database (no password).
        target: String,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },
    /// A statement failed or the connection broke. The transaction was rolled back, unless
    /// the failure came during `COMMIT`: then the append's outcome is unknown; retry it with the
    /// same event ids (a committed batch returns its original positions). The next call
    /// connects again.
    #[error("PostgreSQL {op}: {}", explain(source))]
    Database {
        /// What was being done.
        op: &'static str,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },
    /// The server is configured so that a committed transaction can be lost in a crash
    /// (RELIABILITY.md T13). Fix the server's configuration; or, knowingly, open with
    /// `allow_unsafe_durability` (URL parameter `pvb_allow_unsafe_durability=true`).
    #[error(
        "refusing to use this PostgreSQL server: {}; acknowledged appends could be lost in a \
         crash (fix the server configuration, or add pvb_allow_unsafe_durability=true to the URL \
         to accept that)",
        problems.join("; ")
    )]
    UnsafeServer {
        /// Each unsafe setting, explained.
        problems: Vec<String>,
    },
    /// There is no pvb log in that schema and the options did not ask to create one.
    #[error("no pvb log in schema {schema} of this database (pvb import or pvb copy creates one)")]
    NotFound {
        /// The schema.
        schema: String,
    },
    /// The tables were made by a later version of pvb. Upgrade pvb.
    #[error("the pvb log in schema {schema} has schema version {found}; this build reads versions up to {supported}")]
    SchemaVersion {
        /// The schema.
        schema: String,
        /// The version in `pvb_meta`.
        found: String,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The stored log is inconsistent: a record that does not parse, a broken chain, a missing
    /// row, a head row that disagrees with the records. Stop: replaying past it would give
    /// wrong budgets. Restore the database from a backup.
    #[error("PostgreSQL log in schema {schema} damaged at position {position}: {what}")]
    Corruption {
        /// The schema.
        schema: String,
        /// The first position that could not be verified.
        position: Position,
        /// What is wrong.
        what: String,
    },
}

impl Error {
    /// True for damage found in the stored log.
    pub fn is_corruption(&self) -> bool {
        matches!(self, Error::Corruption { .. })
    }
}

/// The driver's error with the server's message (the driver's own text for a server error is
/// only "db error"), its detail and hint, and the SQLSTATE code.
pub(crate) fn explain(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                text.push_str("; ");
                text.push_str(detail);
            }
            if let Some(hint) = db.hint() {
                text.push_str("; hint: ");
                text.push_str(hint);
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text.push_str(": ");
                text.push_str(&inner.to_string());
                source = inner.source();
            }
            text
        }
    }
}
