//! FileLog benchmark: each figure beside the raw disk figure measured in the same run, and the
//! ratio. `cargo bench -p pvb-store --bench filelog` (release profile). Environment:
//! `PVB_BENCH_DIR` (folder to work in; default: the system's temporary folder, which on the
//! team's machines is the workspace's file system), `PVB_BENCH_BATCHES` (batches of 1,000 events;
//! default 2,000), `PVB_BENCH_SINGLE` (single-event appends; default 2,000).
//!
//! Figures:
//! 1. durable append of batches of 1,000 events, events/s, against writing the same framed
//!    bytes with one `write` + `fdatasync` per batch to a plain file;
//! 2. single-event durable append latency p50/p99, against a 100-byte `write` + `fdatasync` on a
//!    growing plain file, interleaved one for one so both see the same disk;
//! 3. sequential read of the whole log (frames, CRC-32C and hash chain checked, payload not
//!    decoded), warm, events/s, against plain sequential 1 MiB reads of the same files.

#![allow(clippy::unwrap_used)]

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pvb_core::{
    seal_batch, CareDelivered, ClientId, Commit, Condition, DeclarationRef, Event, EventId,
    EventLog, Money, NewRecord, Position, ProviderId, RegionId,
};
use pvb_store::FileLog;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(i: u64) -> Event {
    let day = pvb_core::Date::from_julian_day(2_461_042 + (i % 300) as i32).unwrap();
    let until = day.next_day().unwrap();
    Event::CareDelivered(CareDelivered {
        client: ClientId::parse(&format!("c-{}", i % 330_000)).unwrap(),
        provider: ProviderId::new(10_000_000 + (i % 2_000) as u32).unwrap(),
        region: RegionId::new(5501 + (i % 20) as u16).unwrap(),
        from: day,
        until,
        days: 1,
        amount: Money::from_cents(23_000),
        reference: DeclarationRef::parse(&format!("D-{i}")).unwrap(),
    })
}

fn records(first: u64, count: u64) -> Vec<NewRecord> {
    (first..first + count)
        .map(|i| {
            NewRecord::encode(
                EventId::derived(&[7; 32], i),
                1_700_000_000_000_000 + i as i64,
                &event(i),
            )
        })
        .collect()
}

fn frame(out: &mut Vec<u8>, record: &[u8]) {
    let len = (record.len() as u32).to_le_bytes();
    out.extend_from_slice(&len);
    let crc = crc32c::crc32c(record);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(record);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let batches = env_or("PVB_BENCH_BATCHES", 2_000) as u64;
    let singles = env_or("PVB_BENCH_SINGLE", 2_000) as u64;
    let base = std::env::var("PVB_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    std::fs::create_dir_all(&base).unwrap();
    let work = tempfile::tempdir_in(&base).unwrap();
    let root = work.path();
    println!("FileLog benchmark in {}", root.display());
    println!(
        "machine: {} cpus; batches: {batches} x 1,000 events; single appends: {singles}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // The events, built outside every timed section.
    let batch_records: Vec<Vec<NewRecord>> =
        (0..batches).map(|b| records(b * 1000, 1000)).collect();
    let events = batches * 1000;

    // ----- 1. batched durable append -----
    // The same framed bytes FileLog writes, one buffer per batch.
    let mut raw_batches = Vec::with_capacity(batches as usize);
    let mut commit = Commit::GENESIS;
    let mut next = Position(1);
    for batch in &batch_records {
        let mut buffer = Vec::new();
        commit = seal_batch(commit, next, batch, |_, r| frame(&mut buffer, r)).unwrap();
        next = Position(next.0 + batch.len() as u64);
        raw_batches.push(buffer);
    }
    let bytes: usize = raw_batches.iter().map(Vec::len).sum();
    let raw_path = root.join("raw-batches");
    let mut raw = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&raw_path)
        .unwrap();
    let start = Instant::now();
    for buffer in &raw_batches {
        raw.write_all(buffer).unwrap();
        raw.sync_data().unwrap();
    }
    let raw_batch_time = start.elapsed();
    drop(raw);
    std::fs::remove_file(&raw_path).unwrap();
    drop(raw_batches);

    let log_dir = root.join("log-batches");
    let mut log = FileLog::open(&log_dir).unwrap();
    let start = Instant::now();
    for batch in &batch_records {
        log.append(batch, Condition::Any).unwrap();
    }
    let log_batch_time = start.elapsed();
    assert_eq!(log.head().unwrap(), Position(events));
    assert_eq!(log.head_commit().unwrap(), commit);
    let index_bytes = log.index_bytes();
    drop(log);
    drop(batch_records);

    let raw_rate = events as f64 / raw_batch_time.as_secs_f64();
    let log_rate = events as f64 / log_batch_time.as_secs_f64();
    println!();
    println!(
        "1. durable append, batches of 1,000 events ({} bytes/event framed)",
        bytes as u64 / events
    );
    println!(
        "   raw write+fdatasync of the same bytes: {:>12.0} events/s ({:.2} s)",
        raw_rate,
        raw_batch_time.as_secs_f64()
    );
    println!(
        "   FileLog::append:                       {:>12.0} events/s ({:.2} s)",
        log_rate,
        log_batch_time.as_secs_f64()
    );
    println!("   ratio FileLog / raw: {:.2}", log_rate / raw_rate);
    println!(
        "   event-id index: {:.1} bytes/event",
        index_bytes as f64 / events as f64
    );

    // ----- 2. single-event durable append latency -----
    let single_dir = root.join("log-single");
    let mut log = FileLog::open(&single_dir).unwrap();
    let raw_path = root.join("raw-single");
    let mut raw = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&raw_path)
        .unwrap();
    let payload = [0x5Au8; 100];
    let singles_records = records(10_000_000, singles);
    let mut raw_times = Vec::with_capacity(singles as usize);
    let mut log_times = Vec::with_capacity(singles as usize);
    let mut single_bytes = 0u64;
    for record in &singles_records {
        let start = Instant::now();
        raw.write_all(&payload).unwrap();
        raw.sync_data().unwrap();
        raw_times.push(start.elapsed());
        let start = Instant::now();
        log.append(std::slice::from_ref(record), Condition::Any)
            .unwrap();
        log_times.push(start.elapsed());
        single_bytes += 8 + 39 + record.payload.len() as u64 + 32;
    }
    drop(raw);
    std::fs::remove_file(&raw_path).unwrap();
    drop(log);
    raw_times.sort();
    log_times.sort();
    let (raw50, raw99) = (percentile(&raw_times, 0.5), percentile(&raw_times, 0.99));
    let (log50, log99) = (percentile(&log_times, 0.5), percentile(&log_times, 0.99));
    println!();
    println!(
        "2. single-event durable append ({} bytes/append framed), interleaved",
        single_bytes / singles
    );
    println!(
        "   raw 100 B write+fdatasync: p50 {:>8.0} us  p99 {:>8.0} us",
        micros(raw50),
        micros(raw99)
    );
    println!(
        "   FileLog::append (1 event): p50 {:>8.0} us  p99 {:>8.0} us",
        micros(log50),
        micros(log99)
    );
    println!(
        "   ratio FileLog / raw: p50 {:.2}  p99 {:.2}",
        micros(log50) / micros(raw50),
        micros(log99) / micros(raw99)
    );

    // ----- 3. sequential read of the whole log, warm -----
    let start = Instant::now();
    let mut log = FileLog::open(&log_dir).unwrap();
    let open_time = start.elapsed();
    let mut log_reads = Vec::new();
    let cpu_before = cpu_time();
    let wall_before = Instant::now();
    for _ in 0..5 {
        let mut count = 0u64;
        let start = Instant::now();
        log.read(Position(1), &mut |r| {
            count += 1;
            std::hint::black_box(r.payload);
            ControlFlow::Continue(())
        })
        .unwrap();
        log_reads.push(start.elapsed());
        assert_eq!(count, events);
    }
    let read_wall = wall_before.elapsed();
    let read_cpu = cpu_time().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
    drop(log);
    let segments: Vec<PathBuf> = {
        let mut s: Vec<PathBuf> = std::fs::read_dir(&log_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pvb"))
            .collect();
        s.sort();
        s
    };
    let mut raw_reads = Vec::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    for _ in 0..5 {
        total = 0;
        let start = Instant::now();
        for path in &segments {
            total += read_file(path, &mut buffer);
        }
        raw_reads.push(start.elapsed());
    }
    log_reads.sort();
    raw_reads.sort();
    let log_read = log_reads[log_reads.len() / 2];
    let raw_read = raw_reads[raw_reads.len() / 2];
    let log_read_rate = events as f64 / log_read.as_secs_f64();
    let raw_read_rate = events as f64 / raw_read.as_secs_f64();
    println!();
    println!(
        "3. sequential read of the whole log ({events} events, {total} bytes), warm, median of 5"
    );
    println!(
        "   raw 1 MiB reads of the same files: {:>12.0} events/s ({:.1} GB/s)",
        raw_read_rate,
        total as f64 / raw_read.as_secs_f64() / 1e9
    );
    println!(
        "   FileLog::read (CRC + chain):      {:>12.0} events/s",
        log_read_rate
    );
    println!(
        "   ratio FileLog / raw: {:.2}",
        log_read_rate / raw_read_rate
    );
    if let Some(cpu) = read_cpu {
        println!(
            "   FileLog::read used {:.2} s of CPU (both threads) in {:.2} s of wall time: {:.0} events per CPU-second",
            cpu.as_secs_f64(),
            read_wall.as_secs_f64(),
            5.0 * events as f64 / cpu.as_secs_f64()
        );
    }
    println!(
        "   open (scan, verify, rebuild id index): {:.2} s = {:.0} events/s",
        open_time.as_secs_f64(),
        events as f64 / open_time.as_secs_f64()
    );
}

/// CPU time of this process (user + system, all threads), from /proc/self/stat on Linux; 10 ms
/// resolution. Beside wall time it shows how much a busy machine slowed a run down.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn read_file(path: &Path, buffer: &mut [u8]) -> u64 {
    let mut file = File::open(path).unwrap();
    let mut total = 0u64;
    loop {
        let n = file.read(buffer).unwrap();
        if n == 0 {
            return total;
        }
        std::hint::black_box(&buffer[..n]);
        total += n as u64;
    }
}
