//! pvb-store-postgres: [`PostgresLog`], the pvb event log in a PostgreSQL database, for offices
//! that outgrow one machine: several application servers can write one ledger, and the
//! database's commit makes an append durable.
//!
//! Tables, in one PostgreSQL schema (`public` unless [`Options::schema`] names another, so one
//! database can hold several ledgers):
//!
//! ```text
//! pvb_records (position BIGINT PRIMARY KEY, event_id BYTEA NOT NULL UNIQUE,
//!              record BYTEA NOT NULL, batch_end BOOLEAN NOT NULL)
//! pvb_head    (one row: position BIGINT, head_commit BYTEA): the last position and the chain head
//! pvb_meta    (key TEXT PRIMARY KEY, value TEXT): schema_version = 1
//! ```
//!
//! `record` holds exactly the bytes `pvb_core::seal_batch` makes, one row per record, so a log
//! copied between adapters (`pvb copy`) keeps its chain head. `batch_end` repeats the record's
//! batch-end flag so a read from the middle finds its batch boundary through a small partial
//! index; a wrong flag only makes the chain check fail, never pass.
//!
//! **Appends** are one transaction each, in the database's default READ COMMITTED isolation:
//! `SELECT ... FROM pvb_head FOR UPDATE` takes the ledger's write lock and reads the head; the
//! batch's ids are looked up (idempotent retries return the original positions); the `Head(p)`
//! condition is checked against the locked head (so of two application servers appending
//! under the same expected head, exactly one wins and the other gets `Conflict` with the new
//! head); the records are sealed against the locked chain head and inserted with one
//! multi-row `INSERT ... SELECT FROM unnest(...)`; the head row is updated; `COMMIT`. Nothing
//! relies on the isolation level for correctness (RELIABILITY.md a4, the PostgreSQL 12.3
//! G2-item finding): the row lock serialises writers and the constraints back it up.
//!
//! **Positions are gapless and a tailing reader never skips or repeats an event**: positions
//! come from the locked head row, not from a sequence, so a rolled-back append consumes none;
//! and because the lock is held until commit, the transaction that writes positions p+1..q
//! starts only after the one that wrote p became visible. Every snapshot therefore sees a
//! gapless prefix of the log, in position order. A read takes the head first and then reads
//! rows up to it by position range, in chunks; a missing row is damage, reported, never
//! skipped.
//!
//! **Durability**: an append returns `Ok` only after `COMMIT` returned, and [`PostgresLog`]
//! refuses to open against a server with `fsync=off` or `synchronous_commit=off` (either lets
//! a crash lose acknowledged appends) unless [`Options::allow_unsafe_durability`] says so, in
//! which case [`pvb_core::EventLog::durability`] reports `Durability::None`.
//! `full_page_writes=off` and data checksums off are reported as warnings in [`OpenReport`]
//! (RELIABILITY.md T13). The settings are checked again on every reconnection.
//!
//! **Failures**: a failed statement rolls its transaction back; a broken connection is
//! dropped and the next call connects again. The outcome of an append whose `COMMIT` got no
//! answer is unknown: retry it with the same event ids, which returns the original positions
//! if it was committed. There is no writer to poison: the state lives in the database, and
//! every append re-reads it under the lock.
//!
//! **Reads** verify the hash chain (the check of `ChainVerifier`, a batch at a time) from the batch boundary at or before
//! the first position asked for, and hand out a batch's records only after its commit
//! verified. Opening checks that the head row, the last record and its commit agree, and
//! verifies the last batch.
//!
//! It is not: a connection pool, a TLS client (this build connects without TLS: use a local
//! socket, 127.0.0.1 or a tunnel; `sslmode=require` fails to connect rather than fall back),
//! or a schema migration tool for anything but its own three tables.

#![forbid(unsafe_code)]

mod chain;
mod error;
mod log;
mod settings;
mod url;

pub use error::Error;
pub use log::{OpenReport, Options, PostgresLog, SCHEMA_VERSION};
pub use settings::{Assessment, ServerSettings};
pub use url::{redact, UrlOptions};
