//! PostgresLog beside what the server does without pvb, measured in the same run (the raw
//! references of docs/BENCHMARKS.md, "Storage adapters"):
//!
//! - batched durable append (`PostgresLog::append`, batches of 1,000) beside a bare multi-row
//!   `INSERT ... SELECT FROM unnest(...)` of the same bytes into a table with the same columns
//!   and indexes, one transaction per batch;
//! - single-event durable append beside a bare one-row `INSERT` (autocommit);
//! - a whole-log read (`PostgresLog::read`: chain checked) beside a bare streamed
//!   `SELECT record ... ORDER BY position` that only counts bytes.
//!
//! It is not a test. Usage: `PVB_TEST_POSTGRES=postgres://... cargo run --release -p
//! pvb-store-postgres --example ceiling [EVENTS]` (default 500,000). It works in two fresh
//! schemas and drops them.

#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use fallible_iterator::FallibleIterator;
use pvb_core::{Condition, EventId, EventLog, NewRecord, Position, SCHEMA_VERSION};
use pvb_store_postgres::{Options, PostgresLog};

fn record(k: u64) -> NewRecord {
    NewRecord {
        id: EventId::derived(&[0x3c; 32], k),
        recorded_at_us: k as i64,
        schema: SCHEMA_VERSION,
        codec: 1,
        payload: (0..48).map(|i| (k + i) as u8).collect(),
    }
}

fn quantiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let q = |x: f64| times[((times.len() - 1) as f64 * x).round() as usize].as_secs_f64() * 1e6;
    (q(0.5), q(0.99))
}

fn main() {
    let url = std::env::var("PVB_TEST_POSTGRES").expect("set PVB_TEST_POSTGRES");
    let events: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(500_000);
    let schema = format!("pvb_ceiling_{}", std::process::id());
    let raw_schema = format!("{schema}_raw");
    let mut log = PostgresLog::open(url.parse().unwrap(), Options::new().schema(&schema)).unwrap();
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    raw.batch_execute(&format!(
        "CREATE SCHEMA {raw_schema};
         CREATE TABLE {raw_schema}.r (position BIGINT PRIMARY KEY, event_id BYTEA NOT NULL UNIQUE,
             record BYTEA NOT NULL, batch_end BOOLEAN NOT NULL);
         CREATE INDEX ON {raw_schema}.r (position) WHERE batch_end;"
    ))
    .unwrap();
    let insert = raw
        .prepare(&format!(
            "INSERT INTO {raw_schema}.r SELECT * FROM unnest($1::bigint[], $2::bytea[], \
             $3::bytea[], $4::boolean[])"
        ))
        .unwrap();

    // Batched durable append, interleaved batch for batch.
    let (mut pvb_time, mut raw_time) = (Duration::ZERO, Duration::ZERO);
    let mut next = 0u64;
    while next < events {
        let batch: Vec<NewRecord> = (next..(next + 1000).min(events)).map(record).collect();
        let t = Instant::now();
        log.append(&batch, Condition::Any).unwrap();
        pvb_time += t.elapsed();
        let positions: Vec<i64> = (next..next + batch.len() as u64)
            .map(|p| p as i64 + 1)
            .collect();
        let ids: Vec<&[u8]> = batch.iter().map(|r| &r.id.0[..]).collect();
        let bytes: Vec<Vec<u8>> = batch
            .iter()
            .map(|r| {
                let mut b = vec![0u8; 39];
                b.extend_from_slice(&r.payload);
                b
            })
            .collect();
        let ends: Vec<bool> = (0..batch.len()).map(|i| i + 1 == batch.len()).collect();
        let t = Instant::now();
        let mut tx = raw.transaction().unwrap();
        tx.execute(&insert, &[&positions, &ids, &bytes, &ends])
            .unwrap();
        tx.commit().unwrap();
        raw_time += t.elapsed();
        next += batch.len() as u64;
    }
    println!(
        "batched durable append (1,000): PostgresLog {:.0} events/s, bare INSERT {:.0} events/s",
        events as f64 / pvb_time.as_secs_f64(),
        events as f64 / raw_time.as_secs_f64()
    );

    // Single-event durable append, interleaved.
    let single = raw
        .prepare(&format!(
            "INSERT INTO {raw_schema}.r VALUES ($1, $2, $3, true)"
        ))
        .unwrap();
    let (mut pvb_times, mut raw_times) = (Vec::new(), Vec::new());
    for k in 0..1000u64 {
        let r = record(events + k);
        let t = Instant::now();
        log.append(std::slice::from_ref(&r), Condition::Any)
            .unwrap();
        pvb_times.push(t.elapsed());
        let t = Instant::now();
        raw.execute(
            &single,
            &[&((events + k) as i64 + 1), &&r.id.0[..], &r.payload],
        )
        .unwrap();
        raw_times.push(t.elapsed());
    }
    let (p50, p99) = quantiles(pvb_times);
    let (r50, r99) = quantiles(raw_times);
    println!(
        "single-event durable append: PostgresLog p50 {p50:.0} µs p99 {p99:.0} µs, bare INSERT \
         p50 {r50:.0} µs p99 {r99:.0} µs"
    );

    // Whole-log read, warm, 3 passes each, interleaved; best pass.
    let read_raw = raw
        .prepare(&format!(
            "SELECT record FROM {schema}.pvb_records ORDER BY position"
        ))
        .unwrap();
    let total = events + 1000;
    let (mut best_pvb, mut best_raw) = (0f64, 0f64);
    for _ in 0..3 {
        let t = Instant::now();
        let mut count = 0u64;
        log.read(Position(1), &mut |_| {
            count += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(count, total);
        best_pvb = best_pvb.max(count as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut count = 0u64;
        let mut bytes = 0usize;
        let no_params: [i64; 0] = [];
        let mut rows = raw.query_raw(&read_raw, no_params).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let b: &[u8] = row.get(0);
            bytes += b.len();
            count += 1;
        }
        assert!(bytes > 0);
        best_raw = best_raw.max(count as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "whole-log read ({total} events): PostgresLog {best_pvb:.0} events/s, bare streamed \
         SELECT {best_raw:.0} rows/s"
    );
    raw.batch_execute(&format!("DROP SCHEMA {raw_schema} CASCADE"))
        .unwrap();
    log.drop_tables().unwrap();
}
