//! The conformance suite of pvb-store (`pvb_store::conformance::run`), unchanged, against
//! PostgresLog on the server `PVB_TEST_POSTGRES` names (RELIABILITY.md T1). The first fresh log
//! creates its tables in a new schema; every later one is the same tables emptied (a new schema
//! per case would spend most of the run creating and dropping tables).

#![allow(clippy::unwrap_used)]

mod common;

use common::{drop_schema, open, server, unique_schema};
use pvb_core::Commit;
use pvb_store::conformance::{run, Harness};
use pvb_store_postgres::PostgresLog;

struct Postgres {
    url: String,
    schema: Option<String>,
    admin: postgres::Client,
}

impl Harness for Postgres {
    type Log = PostgresLog;
    fn fresh(&mut self) -> PostgresLog {
        match &self.schema {
            Some(schema) => {
                self.admin
                    .batch_execute(&format!(
                        "BEGIN; DELETE FROM {schema}.pvb_records; \
                         UPDATE {schema}.pvb_head SET position = 0, head_commit = '\\x{}'; \
                         COMMIT",
                        Commit::GENESIS.to_hex()
                    ))
                    .unwrap();
                let log = open(&self.url, schema);
                assert!(!log.open_report().created);
                log
            }
            None => {
                let schema = unique_schema("conf");
                let log = open(&self.url, &schema);
                assert!(log.open_report().created);
                self.schema = Some(schema);
                log
            }
        }
    }
    fn reopen(&mut self, log: PostgresLog) -> PostgresLog {
        let schema = log.schema().to_owned();
        drop(log);
        let log = open(&self.url, &schema);
        assert!(!log.open_report().created);
        log
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(old) = self.schema.take() {
            drop_schema(&self.url, &old);
        }
    }
}

#[test]
fn postgres_log_keeps_the_event_log_contract() {
    let Some(url) = server() else { return };
    let admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    run(Postgres {
        url,
        schema: None,
        admin,
    });
}
