//! Shared by the PostgreSQL tests: the server under test (`PVB_TEST_POSTGRES`), skipping with a
//! reason when there is none, fresh schemas that are dropped afterwards, and test records.

#![allow(dead_code, clippy::unwrap_used)]

/// Writes to the process's stderr directly, past libtest's output capture, so that a skipped
/// test says so in a plain `cargo test` run.
macro_rules! skip_note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

use std::sync::atomic::{AtomicU64, Ordering};

use pvb_core::{EventId, NewRecord, SCHEMA_VERSION};
use pvb_store_postgres::{Options, PostgresLog};

/// The URL of the server under test, or `None` after printing why the test is skipped.
/// With `PVB_REQUIRE_POSTGRES=1` (set by .ci/env) a missing URL fails the test instead.
pub fn server() -> Option<String> {
    match std::env::var("PVB_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("PVB_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PVB_REQUIRE_POSTGRES=1 but PVB_TEST_POSTGRES is not set (see README)");
            }
            skip_note!("skipped: PVB_TEST_POSTGRES is not set (see README)");
            None
        }
    }
}

/// A schema name no other test (or run) uses.
pub fn unique_schema(tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "pvb_t_{tag}_{}_{nanos:x}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Opens (creating) the log in `schema`.
pub fn open(url: &str, schema: &str) -> PostgresLog {
    PostgresLog::open(url.parse().unwrap(), Options::new().schema(schema)).unwrap()
}

/// Drops a schema and everything in it.
pub fn drop_schema(url: &str, schema: &str) {
    if let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
    }
}

/// A schema dropped when this guard is.
pub struct Scratch {
    pub url: String,
    pub schema: String,
}

impl Scratch {
    pub fn new(url: &str, tag: &str) -> Scratch {
        Scratch {
            url: url.to_owned(),
            schema: unique_schema(tag),
        }
    }

    pub fn open(&self) -> PostgresLog {
        open(&self.url, &self.schema)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        drop_schema(&self.url, &self.schema);
    }
}

/// The `n`-th test record of series `series`.
pub fn record(series: u64, n: u64) -> NewRecord {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&series.to_le_bytes());
    seed[8] = 0xa5;
    NewRecord {
        id: EventId::derived(&seed, n),
        recorded_at_us: n as i64,
        schema: SCHEMA_VERSION,
        codec: 1,
        payload: (0..(16 + n % 48)).map(|i| (n + i) as u8).collect(),
    }
}
