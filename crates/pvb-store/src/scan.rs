//! Reading segments: the frame walk that checks every frame's CRC-32C, every record's syntax and
//! the hash chain, and hands out whole verified batches; and the torn-tail classifier.
//!
//! A batch is handed out only after its commit verified, so no caller ever sees a record of a
//! batch that is damaged or incomplete. The walk reads a segment in chunks (128 KiB first,
//! doubling to 8 MiB) into one reused buffer and allocates nothing per record. Where the buffer
//! holds many whole batches it verifies them a batch at a time, and hands two thirds of a large
//! run to a second thread when the machine has more than one core (`PVB_SCAN_THREADS=1` turns
//! that off); the frame-by-frame path takes over at the first batch that does not verify, so
//! damage is found and reported the same way on both paths (`tests::the_fast_path_finds_what_
//! the_frame_by_frame_path_finds`).
//!
//! It is not the policy of what to do with a torn tail or with damage (that is `file_log.rs`),
//! and it never writes.

use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pvb_core::{ChainError, Commit, EventId, Position, RecordError, RecordView, HEADER_BYTES};
use pvb_core::{COMMIT_BYTES, PAYLOAD_BYTES_MAX, RECORD_BYTES_MAX, SCHEMA_VERSION};

use crate::chain::BatchChain;
use crate::error::Damage;
use crate::format::{frame_crc, le_u32, FRAME_BYTES_MAX, FRAME_HEADER_BYTES};
use crate::storage::StorageFile;

/// Bytes read from a segment at a time, at most.
const CHUNK_BYTES: usize = 8 << 20;
/// Bytes of the first read of a walk (then doubling up to `CHUNK_BYTES`).
const FIRST_READ_BYTES: usize = 128 << 10;
/// Sector size assumed by the torn-write rule: a write is torn only at such a boundary.
pub(crate) const SECTOR_BYTES: u64 = 512;

/// A batch that verified, as the walk hands it out.
pub(crate) struct Batch<'a> {
    /// Offset of its first frame in the segment.
    pub offset: u64,
    /// Its first position.
    pub first: Position,
    /// The commit before it.
    pub previous: Commit,
    buffer: &'a [u8],
    buffer_offset: u64,
    spans: &'a [(u64, u32)],
}

impl<'a> Batch<'a> {
    /// Its records, in order.
    pub fn records(&self) -> impl Iterator<Item = RecordView<'a>> + '_ {
        let buffer = self.buffer;
        let base = self.buffer_offset;
        self.spans.iter().filter_map(move |&(at, len)| {
            let start = (at - base) as usize;
            view_of(buffer.get(start..start + len as usize)?)
        })
    }
}

/// A record's view, built field by field in place (cheaper than returning one from
/// `RecordView::parse`). Only for bytes that `check_record` accepted.
#[inline(always)]
fn view_of(record: &[u8]) -> Option<RecordView<'_>> {
    let payload_end = HEADER_BYTES + le_u32(record, 35) as usize;
    let commit = if *record.get(34)? & 1 != 0 {
        Some(Commit(
            record
                .get(payload_end..payload_end + COMMIT_BYTES)?
                .try_into()
                .ok()?,
        ))
    } else {
        None
    };
    Some(RecordView {
        position: Position(u64::from_le_bytes(record.get(0..8)?.try_into().ok()?)),
        id: EventId(record.get(8..24)?.try_into().ok()?),
        recorded_at_us: i64::from_le_bytes(record.get(24..32)?.try_into().ok()?),
        schema: *record.get(32)?,
        codec: *record.get(33)?,
        payload: record.get(HEADER_BYTES..payload_end)?,
        commit,
        bytes: record,
    })
}

/// What the walk needs of a record: its position and the length of its chained bytes.
/// Refuses exactly what `RecordView::parse` refuses, with the same errors (the unit test
/// `check_record_agrees_with_parse` holds them together).
#[inline(always)]
pub(crate) fn check_record(bytes: &[u8]) -> Result<(Position, usize, bool), RecordError> {
    if bytes.len() < HEADER_BYTES {
        return Err(RecordError::Truncated {
            got: bytes.len(),
            needed: HEADER_BYTES,
        });
    }
    let flags = bytes[34];
    if flags & !1 != 0 {
        return Err(RecordError::UnknownFlags(flags));
    }
    if bytes[32] != SCHEMA_VERSION {
        return Err(RecordError::UnknownSchema(bytes[32]));
    }
    let payload_len = le_u32(bytes, 35);
    if payload_len as usize > PAYLOAD_BYTES_MAX {
        return Err(RecordError::PayloadTooLong(payload_len));
    }
    let chained = HEADER_BYTES + payload_len as usize;
    let batch_end = flags & 1 != 0;
    let end = chained + if batch_end { COMMIT_BYTES } else { 0 };
    if bytes.len() < end {
        return Err(RecordError::Truncated {
            got: bytes.len(),
            needed: end,
        });
    }
    if bytes.len() > end {
        return Err(RecordError::TrailingBytes(bytes.len() - end));
    }
    let mut position = [0u8; 8];
    position.copy_from_slice(&bytes[0..8]);
    Ok((Position(u64::from_le_bytes(position)), chained, batch_end))
}

/// How the walk of a segment ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WalkEnd {
    /// Everything up to the end verified; the end is a batch boundary.
    Clean,
    /// The visitor asked to stop.
    Stopped,
    /// The data ended inside a batch that starts at `batch_offset`.
    Incomplete { batch_offset: u64, first: Position },
    /// The frame at `offset` is bad. Its batch starts at `batch_offset`.
    Bad {
        offset: u64,
        batch_offset: u64,
        position: Position,
        damage: Damage,
    },
}

/// Reusable buffers of the walk.
#[derive(Default)]
pub(crate) struct Walker {
    buffer: Vec<u8>,
    spans: Vec<(u64, u32)>,
    ahead: Ahead,
    /// Only the frame-by-frame path (for tests that hold the fast path to it).
    frame_by_frame: bool,
}

/// Buffers of the batch-at-a-time fast path (`verify_ahead`).
#[derive(Default)]
struct Ahead {
    /// Frames found ahead: offset in the slice, record length.
    frames: Vec<(usize, u32)>,
    /// For each batch found ahead: index one past its last frame.
    ends: Vec<usize>,
    gathers: [Vec<u8>; 2],
}

/// The fast path runs when at least this many bytes are in the buffer ahead of a batch start.
const AHEAD_MIN_BYTES: usize = 64 << 10;
/// ... and hands half of the batches to a second thread when at least this many.
const AHEAD_PARALLEL_BYTES: usize = 1 << 20;

/// True when a second thread can help: more than one core, and `PVB_SCAN_THREADS` is not 1.
pub(crate) fn parallel_ok() -> bool {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        if std::env::var("PVB_SCAN_THREADS").is_ok_and(|v| v == "1") {
            return 1;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }) > 1
}

enum Frame {
    /// A good record of this many bytes.
    Good(u32),
    /// Fewer bytes in the buffer than the frame needs.
    NeedMore(usize),
    Bad(Damage),
}

/// Checks the frame at the start of `bytes`. `available`: bytes left in the segment from here.
#[inline]
fn check_frame(bytes: &[u8], available: u64) -> Frame {
    if available < FRAME_HEADER_BYTES as u64 {
        return Frame::Bad(Damage::Truncated {
            needed: FRAME_HEADER_BYTES as u64,
            available,
        });
    }
    if bytes.len() < FRAME_HEADER_BYTES {
        return Frame::NeedMore(FRAME_HEADER_BYTES);
    }
    let len = le_u32(bytes, 0);
    if (len as usize) < HEADER_BYTES || len as usize > RECORD_BYTES_MAX {
        return Frame::Bad(Damage::FrameLength(len));
    }
    let needed = FRAME_HEADER_BYTES + len as usize;
    if available < needed as u64 {
        return Frame::Bad(Damage::Truncated {
            needed: needed as u64,
            available,
        });
    }
    let Some(frame) = bytes.get(..needed) else {
        return Frame::NeedMore(needed);
    };
    let record = &frame[FRAME_HEADER_BYTES..];
    let stored = le_u32(frame, 4);
    let computed = frame_crc(record);
    if stored != computed {
        return Frame::Bad(Damage::Checksum { stored, computed });
    }
    Frame::Good(len)
}

impl Walker {
    /// Walks the frames of one segment from `start` to `end`, verifying them and the chain, and
    /// calls `on_batch` for each batch that verified.
    pub(crate) fn walk<F: StorageFile>(
        &mut self,
        file: &F,
        start: u64,
        end: u64,
        chain: &mut BatchChain,
        on_batch: &mut dyn FnMut(&Batch<'_>) -> ControlFlow<()>,
    ) -> io::Result<WalkEnd> {
        // Small segments need a small buffer; it grows when a batch needs more.
        let want = CHUNK_BYTES
            .min(end.saturating_sub(start) as usize)
            .max(4096);
        if self.buffer.len() < want {
            self.buffer.resize(want, 0);
        }
        self.spans.clear();
        // The buffer holds the segment's bytes [buffer_offset, buffer_offset + filled).
        let mut buffer_offset = start;
        let mut filled = 0usize;
        let mut pos = start;
        let mut batch_offset = start;
        let mut batch_previous = chain.commit();
        let mut batch_first = chain.next();
        // Reads start small and double: a read that stops after a few records (or starts near
        // the end) does not verify megabytes it will not hand out.
        let mut read_size = FIRST_READ_BYTES;
        loop {
            if pos >= end {
                return Ok(if self.spans.is_empty() {
                    WalkEnd::Clean
                } else {
                    WalkEnd::Incomplete {
                        batch_offset,
                        first: batch_first,
                    }
                });
            }
            let at = (pos - buffer_offset) as usize;
            if self.spans.is_empty() && !self.frame_by_frame && filled - at >= AHEAD_MIN_BYTES {
                // At a batch start with much in the buffer: verify whole batches at once.
                let ahead = self.ahead(at, filled, pos, buffer_offset, chain, on_batch);
                if let Some(ahead) = ahead {
                    if ahead.stopped {
                        return Ok(WalkEnd::Stopped);
                    }
                    pos = ahead.pos;
                    batch_offset = pos;
                    batch_previous = chain.commit();
                    batch_first = chain.next();
                    continue;
                }
            }
            let len = match check_frame(&self.buffer[at..filled], end - pos) {
                Frame::Good(len) => len,
                Frame::NeedMore(needed) => {
                    // Keep the batch being gathered, drop what is before it, read more.
                    let keep_from = if self.spans.is_empty() {
                        pos
                    } else {
                        batch_offset
                    };
                    let keep_at = (keep_from - buffer_offset) as usize;
                    self.buffer.copy_within(keep_at..filled, 0);
                    filled -= keep_at;
                    buffer_offset = keep_from;
                    // Room for the frame, and for a read of a useful size (no more than the
                    // segment has left).
                    let wanted = (pos - buffer_offset) as usize + needed;
                    let left = (end - (buffer_offset + filled as u64)) as usize;
                    let size = wanted.max(filled + left.min(CHUNK_BYTES / 2));
                    if self.buffer.len() < size {
                        let grow = (self.buffer.len() * 2).max(size);
                        self.buffer.resize(grow, 0);
                    }
                    let room = (self.buffer.len() - filled) as u64;
                    let read_at = buffer_offset + filled as u64;
                    let short = (pos - buffer_offset) as usize + needed - filled;
                    let count = room.min(end - read_at).min(read_size.max(short) as u64) as usize;
                    read_size = (read_size * 2).min(CHUNK_BYTES);
                    file.read_exact_at(read_at, &mut self.buffer[filled..filled + count])?;
                    filled += count;
                    continue;
                }
                Frame::Bad(damage) => {
                    return Ok(WalkEnd::Bad {
                        offset: pos,
                        batch_offset,
                        position: chain.next(),
                        damage,
                    })
                }
            };
            let frame_start = pos;
            let record_at = at + FRAME_HEADER_BYTES;
            let record = &self.buffer[record_at..record_at + len as usize];
            let (position, chained, batch_end) = match check_record(record) {
                Ok(checked) => checked,
                Err(e) => {
                    return Ok(WalkEnd::Bad {
                        offset: frame_start,
                        batch_offset,
                        position: chain.next(),
                        damage: Damage::Record(e),
                    })
                }
            };
            let commit = match chain.push_raw(
                position,
                &record[..chained],
                batch_end.then(|| &record[chained..]),
            ) {
                Ok(commit) => commit,
                Err(e) => {
                    let (offset, position) = match e {
                        ChainError::Gap { expected, .. } => (frame_start, expected),
                        ChainError::Mismatch { first, .. } => (batch_offset, first),
                    };
                    return Ok(WalkEnd::Bad {
                        offset,
                        batch_offset,
                        position,
                        damage: Damage::Chain(e),
                    });
                }
            };
            self.spans
                .push((frame_start + FRAME_HEADER_BYTES as u64, len));
            pos += (FRAME_HEADER_BYTES + len as usize) as u64;
            if let Some(commit) = commit {
                let batch = Batch {
                    offset: batch_offset,
                    first: batch_first,
                    previous: batch_previous,
                    buffer: &self.buffer[..filled],
                    buffer_offset,
                    spans: &self.spans,
                };
                let flow = on_batch(&batch);
                self.spans.clear();
                batch_offset = pos;
                batch_previous = commit;
                batch_first = chain.next();
                if flow.is_break() {
                    return Ok(WalkEnd::Stopped);
                }
            }
        }
    }
}

/// The commit stored in the record of the frame at `offset` (zeros if it has none).
fn stored_commit(bytes: &[u8], offset: usize, len: u32) -> Commit {
    let start = offset + FRAME_HEADER_BYTES;
    let record = bytes.get(start..start + len as usize).unwrap_or(&[]);
    match check_record(record) {
        Ok((_, chained, true)) => record
            .get(chained..chained + COMMIT_BYTES)
            .and_then(|c| c.try_into().ok())
            .map_or(Commit::GENESIS, Commit),
        _ => Commit::GENESIS,
    }
}

/// What the fast path did.
struct AheadDone {
    /// Offset after the last batch it verified and handed out.
    pos: u64,
    /// The visitor asked to stop.
    stopped: bool,
}

impl Walker {
    /// The fast path of the walk, at a batch boundary with `buffer[at..filled]` ahead (file
    /// offset `pos`): verifies the whole batches found there, a batch at a time, and hands out
    /// each verified batch in order. It stops at the first batch that does not verify (or is not
    /// wholly in the buffer) without reporting anything: the frame-by-frame path takes over
    /// there and finds the damage exactly as it would have without the fast path.
    ///
    /// Each batch's commit needs only the commit stored at the end of the batch before it, so
    /// batches verify independently (the run is good if every batch is). A large run is split
    /// at a batch boundary: a second thread verifies the later two thirds while this one
    /// verifies the first third and hands it out. Returns `None` when not one batch verified.
    fn ahead(
        &mut self,
        at: usize,
        filled: usize,
        pos: u64,
        buffer_offset: u64,
        chain: &mut BatchChain,
        on_batch: &mut dyn FnMut(&Batch<'_>) -> ControlFlow<()>,
    ) -> Option<AheadDone> {
        let Walker {
            buffer,
            spans,
            ahead,
            ..
        } = self;
        let bytes = &buffer[at..filled];
        let Ahead {
            frames,
            ends,
            gathers,
        } = ahead;
        find_frames(bytes, frames, ends);
        let batches = ends.len();
        if batches == 0 {
            return None;
        }
        let (frames, ends) = (&frames[..], &ends[..]);
        let [gather_main, gather_helper] = gathers;
        let start_commit = chain.commit();
        let start_next = chain.next();
        // Hands out batches `from..to` (verified), in order; true if the visitor stopped.
        let mut hand_out = |from: usize, to: usize, first: Position, previous: Commit| {
            let mut first = first;
            let mut previous = previous;
            let mut first_frame = if from == 0 { 0 } else { ends[from - 1] };
            for &batch_end in &ends[from..to] {
                spans.clear();
                for &(offset, len) in &frames[first_frame..batch_end] {
                    spans.push((pos + (offset + FRAME_HEADER_BYTES) as u64, len));
                }
                let batch = Batch {
                    offset: pos + frames[first_frame].0 as u64,
                    first,
                    previous,
                    buffer: &buffer[..filled],
                    buffer_offset,
                    spans,
                };
                let flow = on_batch(&batch);
                let (last_offset, last_len) = frames[batch_end - 1];
                previous = stored_commit(bytes, last_offset, last_len);
                first = Position(first.0 + (batch_end - first_frame) as u64);
                first_frame = batch_end;
                if flow.is_break() {
                    return (true, first, previous);
                }
            }
            (false, first, previous)
        };
        let total = frames[ends[batches - 1] - 1].0;
        if total < AHEAD_PARALLEL_BYTES || !parallel_ok() {
            let (n, _) = verify_batches(
                bytes,
                frames,
                ends,
                0,
                start_next,
                start_commit,
                gather_main,
            );
            let (stopped, next, commit) = hand_out(0, n, start_next, start_commit);
            spans.clear();
            return finish(n, stopped, next, commit, frames, ends, chain, pos);
        }
        // Units of work: runs of whole batches of about UNIT_BYTES, each with the position and
        // the (stored) commit it starts after. Both threads take units from one counter; this
        // one also hands the verified units out in order, so it never waits while there is work
        // left, and a second core that is busy elsewhere costs little.
        let units = units_of(bytes, frames, ends, start_next, start_commit);
        let taken = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let verified: Vec<AtomicUsize> = (0..units.len())
            .map(|_| AtomicUsize::new(PENDING))
            .collect();
        let work = |gather: &mut Vec<u8>| -> bool {
            let i = taken.fetch_add(1, Ordering::AcqRel);
            let Some(unit) = units.get(i) else {
                return false;
            };
            if failed.load(Ordering::Acquire) {
                verified[i].store(0, Ordering::Release);
                return true;
            }
            let (n, _) = verify_batches(
                bytes,
                frames,
                &ends[unit.batches.clone()],
                unit.first_frame,
                unit.first,
                unit.previous,
                gather,
            );
            if n < unit.batches.len() {
                failed.store(true, Ordering::Release);
            }
            verified[i].store(n, Ordering::Release);
            true
        };
        let (done, stopped, next, commit) = std::thread::scope(|scope| {
            scope.spawn(|| while work(gather_helper) {});
            let (mut next, mut commit) = (start_next, start_commit);
            let mut done = 0;
            for (i, unit) in units.iter().enumerate() {
                // Work while the unit to hand out is not verified yet; wait only when every
                // unit is taken (the other thread is finishing this one).
                while verified[i].load(Ordering::Acquire) == PENDING {
                    if !work(gather_main) {
                        std::thread::yield_now();
                    }
                }
                let n = verified[i].load(Ordering::Acquire);
                let from = unit.batches.start;
                let (stopped, next_after, commit_after) = hand_out(from, from + n, next, commit);
                next = next_after;
                commit = commit_after;
                done = from + n;
                if stopped || n < unit.batches.len() {
                    failed.store(true, Ordering::Release);
                    return (done, stopped, next, commit);
                }
            }
            (done, false, next, commit)
        });
        spans.clear();
        finish(done, stopped, next, commit, frames, ends, chain, pos)
    }
}

/// Bytes of verification work in one unit of the fast path.
const UNIT_BYTES: usize = 128 << 10;
/// A unit not verified yet.
const PENDING: usize = usize::MAX;

/// A run of whole batches verified as one piece of work.
struct Unit {
    batches: std::ops::Range<usize>,
    first_frame: usize,
    first: Position,
    previous: Commit,
}

/// Cuts the batches found ahead into units of about `UNIT_BYTES`.
fn units_of(
    bytes: &[u8],
    frames: &[(usize, u32)],
    ends: &[usize],
    first: Position,
    previous: Commit,
) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut start = 0usize;
    let mut unit = Unit {
        batches: 0..0,
        first_frame: 0,
        first,
        previous,
    };
    for (b, &end) in ends.iter().enumerate() {
        let (last_offset, last_len) = frames[end - 1];
        let end_offset = last_offset + FRAME_HEADER_BYTES + last_len as usize;
        if end_offset - start >= UNIT_BYTES || b + 1 == ends.len() {
            unit.batches.end = b + 1;
            let next = Unit {
                batches: b + 1..b + 1,
                first_frame: end,
                first: Position(first.0 + end as u64),
                previous: stored_commit(bytes, last_offset, last_len),
            };
            units.push(std::mem::replace(&mut unit, next));
            start = end_offset;
        }
    }
    units
}

/// Moves the chain past the `done` batches handed out by the fast path.
#[allow(clippy::too_many_arguments)]
fn finish(
    done: usize,
    stopped: bool,
    next: Position,
    commit: Commit,
    frames: &[(usize, u32)],
    ends: &[usize],
    chain: &mut BatchChain,
    pos: u64,
) -> Option<AheadDone> {
    if done == 0 {
        return None;
    }
    let (last_offset, last_len) = frames[ends[done - 1] - 1];
    chain.advance(commit, next);
    Some(AheadDone {
        pos: pos + (last_offset + FRAME_HEADER_BYTES + last_len as usize) as u64,
        stopped,
    })
}

/// Finds the frames at the start of `bytes` whose length is plausible and that lie wholly in
/// `bytes`, and the batch ends among them (by the batch-end flag, not yet verified: a wrong one
/// only makes its batch fail verification).
fn find_frames(bytes: &[u8], frames: &mut Vec<(usize, u32)>, ends: &mut Vec<usize>) {
    frames.clear();
    ends.clear();
    let mut at = 0usize;
    while at + FRAME_HEADER_BYTES + HEADER_BYTES <= bytes.len() {
        let len = le_u32(bytes, at) as usize;
        if !(HEADER_BYTES..=RECORD_BYTES_MAX).contains(&len)
            || at + FRAME_HEADER_BYTES + len > bytes.len()
        {
            break;
        }
        frames.push((at, len as u32));
        if bytes[at + FRAME_HEADER_BYTES + 34] & 1 != 0 {
            ends.push(frames.len());
        }
        at += FRAME_HEADER_BYTES + len;
    }
    frames.truncate(ends.last().copied().unwrap_or(0));
}

/// Verifies the batches ending at `ends` (frame indices), the first starting at frame `from`
/// with position `position` after commit `previous`. Returns how many verified, in order, and
/// the last verified commit.
fn verify_batches(
    bytes: &[u8],
    frames: &[(usize, u32)],
    ends: &[usize],
    from: usize,
    mut position: Position,
    mut previous: Commit,
    gather: &mut Vec<u8>,
) -> (usize, Commit) {
    let mut frame = from;
    for (done, &end) in ends.iter().enumerate() {
        gather.clear();
        gather.extend_from_slice(&previous.0);
        let mut stored = None;
        while frame < end {
            let (offset, len) = frames[frame];
            let start = offset + FRAME_HEADER_BYTES;
            let record = &bytes[start..start + len as usize];
            if frame_crc(record) != le_u32(bytes, offset + 4) {
                return (done, previous);
            }
            match check_record(record) {
                Ok((p, chained, last)) if p == position && last == (frame + 1 == end) => {
                    gather.extend_from_slice(&record[..chained]);
                    if last {
                        stored = record.get(chained..chained + COMMIT_BYTES);
                    }
                }
                _ => return (done, previous),
            }
            position = position.next();
            frame += 1;
        }
        let computed = blake3::hash(gather);
        match stored {
            Some(stored) if computed.as_bytes()[..] == *stored => {
                previous = Commit(*computed.as_bytes());
            }
            _ => return (done, previous),
        }
    }
    (ends.len(), previous)
}

/// True when damage of this kind can be a torn write (a frame cut short); a frame whose
/// checksum matches is never torn.
pub(crate) fn may_be_torn(damage: &Damage) -> bool {
    matches!(
        damage,
        Damage::Checksum { .. } | Damage::FrameLength(_) | Damage::Truncated { .. }
    )
}

/// The bytes `[from, to)` of a file, read in one piece (used for tails, which are short).
fn read_range<F: StorageFile>(file: &F, from: u64, to: u64, out: &mut Vec<u8>) -> io::Result<()> {
    out.clear();
    out.resize((to - from) as usize, 0);
    file.read_exact_at(from, out)
}

/// The record length a record's own header implies, if its header is sane.
fn implied_record_len(record: &[u8]) -> Option<usize> {
    if record.len() < HEADER_BYTES {
        return None;
    }
    let flags = record[34];
    if record[32] != SCHEMA_VERSION || flags > 1 {
        return None;
    }
    let payload = le_u32(record, 35) as usize;
    if payload > PAYLOAD_BYTES_MAX {
        return None;
    }
    Some(HEADER_BYTES + payload + if flags == 1 { COMMIT_BYTES } else { 0 })
}

/// True if a complete, valid frame with a position after `after` starts at the beginning of
/// `bytes` (which must hold the whole frame if it is there).
fn valid_frame_at(bytes: &[u8], after: Position) -> bool {
    let len = le_u32(bytes, 0) as usize;
    if !(HEADER_BYTES..=RECORD_BYTES_MAX).contains(&len) || bytes.len() < FRAME_HEADER_BYTES + len {
        return false;
    }
    let record = &bytes[FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + len];
    if implied_record_len(record) != Some(len) {
        return false;
    }
    if frame_crc(record) != le_u32(bytes, 4) {
        return false;
    }
    matches!(RecordView::parse(record), Ok(v) if v.position > after)
}

/// Classifies the bad frame at `offset` of the last segment, whose data ends at `end`: true if
/// it is a torn write (see docs/FORMAT.md, "Recovery"):
/// - no valid frame with a later position starts anywhere after it, and
/// - the frame is incomplete: its bytes run past the end, or from a 512-byte boundary inside
///   the frame everything up to the end is zero (the size reached the disk, the data did not),
///   or everything from the frame on is zero;
/// - and it is not a whole frame with only its length field changed.
pub(crate) fn is_torn<F: StorageFile>(
    file: &F,
    offset: u64,
    end: u64,
    last_good: Position,
) -> io::Result<bool> {
    if valid_frame_follows(file, offset + 1, end, last_good)? {
        return Ok(false);
    }
    if end - offset < FRAME_HEADER_BYTES as u64 {
        return Ok(true);
    }
    let mut head = Vec::new();
    let head_end = end.min(offset + FRAME_BYTES_MAX as u64);
    read_range(file, offset, head_end, &mut head)?;
    let len = le_u32(&head, 0) as usize;
    // A whole record behind a changed length field is damage, not a tear.
    if let Some(implied) = implied_record_len(&head[FRAME_HEADER_BYTES..]) {
        if let Some(record) = head.get(FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + implied) {
            if implied != len && frame_crc(record) == le_u32(&head, 4) {
                return Ok(false);
            }
        }
    }
    let len_ok = (HEADER_BYTES..=RECORD_BYTES_MAX).contains(&len);
    let claimed_end = offset + FRAME_HEADER_BYTES as u64 + if len_ok { len as u64 } else { 0 };
    if len_ok && claimed_end > end {
        return Ok(true);
    }
    let zeros_from = trailing_zeros_start(file, offset, end)?;
    if zeros_from <= offset {
        return Ok(true);
    }
    let boundary = zeros_from.div_ceil(SECTOR_BYTES) * SECTOR_BYTES;
    Ok(boundary < end && boundary < claimed_end)
}

/// The start of the run of zero bytes that ends at `end` (`end` if the last byte is not zero),
/// looking no further back than `from`.
fn trailing_zeros_start<F: StorageFile>(file: &F, from: u64, end: u64) -> io::Result<u64> {
    let mut chunk = Vec::new();
    let mut hi = end;
    while hi > from {
        let lo = hi.saturating_sub(1 << 20).max(from);
        read_range(file, lo, hi, &mut chunk)?;
        match chunk.iter().rposition(|b| *b != 0) {
            Some(i) => return Ok(lo + i as u64 + 1),
            None => hi = lo,
        }
    }
    Ok(from)
}

/// True if a valid frame with a position after `after` starts anywhere in `[from, end)`.
fn valid_frame_follows<F: StorageFile>(
    file: &F,
    from: u64,
    end: u64,
    after: Position,
) -> io::Result<bool> {
    const STEP: u64 = 1 << 20;
    let mut bytes = Vec::new();
    let mut start = from;
    while start + (FRAME_HEADER_BYTES + HEADER_BYTES) as u64 <= end {
        let stop = end.min(start + STEP + FRAME_BYTES_MAX as u64);
        read_range(file, start, stop, &mut bytes)?;
        let candidates = (STEP as usize).min(bytes.len());
        for i in 0..candidates {
            // Most bytes fail the first test; zeros fail it at once.
            if le_u32(&bytes, i) as usize >= HEADER_BYTES && valid_frame_at(&bytes[i..], after) {
                return Ok(true);
            }
        }
        start += STEP;
    }
    Ok(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::format::{push_frame, SegmentHeader, FORMAT_VERSION, SEGMENT_HEADER_BYTES};
    use crate::sim::SimStorage;
    use crate::storage::{OpenMode, Storage};
    use pvb_core::{seal_batch, NewRecord};
    use std::path::Path;

    /// A segment of about `bytes` bytes with batches of 1 to 400 records.
    fn segment(bytes: usize, seed: u64) -> (Vec<u8>, Vec<usize>) {
        let mut out = SegmentHeader {
            version: FORMAT_VERSION,
            first: Position(1),
            previous: Commit::GENESIS,
        }
        .encode()
        .to_vec();
        let mut rng = seed;
        let mut commit = Commit::GENESIS;
        let mut next = 1u64;
        let mut frame_starts = Vec::new();
        while out.len() < bytes {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let count = 1 + (rng >> 33) % 400;
            let batch: Vec<NewRecord> = (0..count)
                .map(|i| NewRecord {
                    id: pvb_core::EventId::derived(&[3; 32], next + i),
                    recorded_at_us: i as i64,
                    schema: SCHEMA_VERSION,
                    codec: 1,
                    payload: vec![(i % 251) as u8; ((rng >> 20) % 90) as usize],
                })
                .collect();
            commit = seal_batch(commit, Position(next), &batch, |_, r| {
                frame_starts.push(out.len());
                push_frame(&mut out, r);
            })
            .unwrap();
            next += count;
        }
        (out, frame_starts)
    }

    /// Walks `bytes` as a segment; returns the positions visited and how the walk ended.
    fn walk_all(bytes: &[u8], frame_by_frame: bool) -> (Vec<u64>, WalkEnd) {
        let sim = SimStorage::new();
        sim.write_file(Path::new("/s/seg"), bytes);
        let file = sim.open(Path::new("/s/seg"), OpenMode::Read).unwrap();
        let mut walker = Walker {
            frame_by_frame,
            ..Walker::default()
        };
        let mut chain = crate::chain::BatchChain::new(Commit::GENESIS, Position(1));
        let mut seen = Vec::new();
        let end = walker
            .walk(
                &file,
                SEGMENT_HEADER_BYTES,
                bytes.len() as u64,
                &mut chain,
                &mut |batch| {
                    seen.extend(batch.records().map(|r| r.position.0));
                    ControlFlow::Continue(())
                },
            )
            .unwrap();
        (seen, end)
    }

    #[test]
    fn the_fast_path_finds_what_the_frame_by_frame_path_finds() {
        let (good, frames) = segment(3 << 20, 1);
        let (all, end) = walk_all(&good, false);
        assert_eq!(end, WalkEnd::Clean);
        assert_eq!(all, (1..=all.len() as u64).collect::<Vec<_>>());
        assert_eq!(walk_all(&good, true), (all.clone(), WalkEnd::Clean));
        let mut rng = 99u64;
        for case in 0..60 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut bad = good.clone();
            let at = SEGMENT_HEADER_BYTES as usize + (rng >> 20) as usize % (good.len() - 64);
            match case % 3 {
                0 => bad[at] ^= 1 + (rng >> 8) as u8 % 255,
                1 => bad.truncate(at),
                _ => {
                    // A changed payload byte with its checksum recomputed: only the chain sees it.
                    let frame = frames[frames.partition_point(|&f| f <= at) - 1];
                    let len = le_u32(&bad, frame) as usize;
                    bad[frame + 8 + HEADER_BYTES] ^= 0x40;
                    let crc = frame_crc(&bad[frame + 8..frame + 8 + len]);
                    bad[frame + 4..frame + 8].copy_from_slice(&crc.to_le_bytes());
                }
            }
            let fast = walk_all(&bad, false);
            let slow = walk_all(&bad, true);
            assert_eq!(fast, slow, "case {case} at {at}");
            assert_ne!(fast.1, WalkEnd::Clean, "case {case} at {at} was not found");
        }
    }

    #[test]
    fn check_record_agrees_with_parse() {
        let batch: Vec<NewRecord> = (0..3u8)
            .map(|i| NewRecord {
                id: EventId([i; 16]),
                recorded_at_us: -5,
                schema: SCHEMA_VERSION,
                codec: 1,
                payload: vec![i; 3 * i as usize],
            })
            .collect();
        let mut records = Vec::new();
        seal_batch(Commit::GENESIS, Position(9), &batch, |_, r| {
            records.push(r.to_vec())
        })
        .unwrap();
        let mut seed = 1u64;
        for record in &records {
            for cut in 0..=record.len() + 2 {
                for flip in 0..record.len() + 1 {
                    let mut bytes = record.clone();
                    bytes.resize(cut, 0xEE);
                    if flip < bytes.len() {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        bytes[flip] ^= (seed >> 56) as u8 | 1;
                    }
                    let parsed = RecordView::parse(&bytes);
                    let checked = check_record(&bytes);
                    match (&parsed, &checked) {
                        (Ok(view), Ok((position, chained, end))) => {
                            assert_eq!(view.position, *position);
                            assert_eq!(view.chained_bytes().len(), *chained);
                            assert_eq!(view.is_batch_end(), *end);
                            assert_eq!(view_of(&bytes), Some(*view));
                        }
                        (Err(a), Err(b)) => assert_eq!(a, b),
                        _ => panic!("parse {parsed:?} but check {checked:?}"),
                    }
                }
            }
        }
    }
}
