//! RELIABILITY.md T3 for the PostgreSQL client: the kill -9 loop of `pvb_store::kill_loop`. A
//! child process appends to a PostgresLog and reports each acknowledgement after `Ok` (after
//! `COMMIT` returned); the parent kills it with SIGKILL at a random moment within 80 ms of its
//! start (so some kills land while it connects and checks the server, most while a transaction
//! is open or committing), then opens the log and checks every acknowledged event and the
//! chain. The server rolls back what a killed client left uncommitted. 200 cycles by default
//! (`PVB_KILL_CYCLES` for more); the server-side crash is T11 in `server.rs`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{drop_schema, server};
use pvb_store::kill_loop::{child, KillLoop, DIR_VARIABLE};
use pvb_store_postgres::{Error, Options, PostgresLog};

/// The log of a kill-loop folder: a schema named after the folder (the loop hands the child
/// and the parent the same folder).
fn schema_of(dir: &Path) -> String {
    let hash = blake3::hash(dir.as_os_str().as_encoded_bytes());
    format!("pvb_kill_{}", &hash.to_hex()[..16])
}

fn open(dir: &Path) -> Result<PostgresLog, Error> {
    let url = std::env::var("PVB_TEST_POSTGRES").unwrap_or_default();
    let config = url
        .parse()
        .map_err(|e| Error::Config(format!("PVB_TEST_POSTGRES: {e}")))?;
    PostgresLog::open(config, Options::new().schema(&schema_of(dir)))
}

/// The parent's open: first waits for the killed child's last transaction to end. A killed
/// client does not stop its server session at once: a `COMMIT` it sent just before the kill
/// still commits, a moment later. Taking and releasing the write lock (the head row) waits for
/// that; after it nothing more of the child's can commit (it sends no more statements).
fn settle_and_open(dir: &Path) -> Result<PostgresLog, Error> {
    let url = std::env::var("PVB_TEST_POSTGRES").unwrap_or_default();
    let schema = schema_of(dir);
    if let Ok(mut client) = postgres::Client::connect(&url, postgres::NoTls) {
        let exists: Option<String> = client
            .query_one(
                "SELECT to_regclass($1)::text",
                &[&format!("{schema}.pvb_head")],
            )
            .map(|row| row.get(0))
            .unwrap_or(None);
        if exists.is_some() {
            let _ = client.batch_execute(&format!(
                "BEGIN; SELECT 1 FROM {schema}.pvb_head FOR UPDATE; COMMIT"
            ));
        }
    }
    open(dir)
}

/// The child: does nothing unless run by the loop below.
#[test]
fn kill_child() {
    child(open);
}

#[test]
fn t3_client_killed_at_random_moments_loses_no_acknowledged_event() {
    if std::env::var_os(DIR_VARIABLE).is_some() {
        return;
    }
    let Some(url) = server() else { return };
    let folder = std::env::temp_dir().join(format!("pvb-pg-kill-{}", std::process::id()));
    let mut kill = KillLoop::new("kill_child");
    kill.kill_within = Duration::from_millis(80);
    kill.dir = Some(folder.clone());
    let report = kill.run(settle_and_open);
    drop_schema(&url, &schema_of(&folder));
    let _ = std::fs::remove_dir_all(&folder);
    println!("T3 kill -9 of the PostgresLog client: {report}");
    assert!(report.is_clean(), "T3 on PostgresLog failed: {report}");
}
