//! Records: the envelope around an event payload, and the hash chain over batches.
//!
//! A record is the unit every adapter stores, byte for byte the same in a file, a sled tree or a
//! PostgreSQL `bytea`, so logs can be copied between adapters and verify the same. Layout
//! (little-endian; docs/FORMAT.md has the full description):
//!
//! ```text
//!  0  u64       position (gapless, from 1)
//!  8  [u8; 16]  event id
//! 24  i64       recorded at, microseconds since 1970-01-01T00:00:00Z (transaction time)
//! 32  u8        schema version (1)
//! 33  u8        codec (1 = bincode 2.0.1 standard)
//! 34  u8        flags: bit 0 = last record of its batch (a commit follows); others 0
//! 35  u32       payload length N (at most PAYLOAD_BYTES_MAX)
//! 39  N bytes   payload
//! 39+N [u8; 32] commit, only when flag bit 0 is set
//! ```
//!
//! The commit of a batch is `BLAKE3(previous commit || the bytes of the batch's records, each
//! without its commit field)`; the commit before the first batch is 32 zero bytes. One hash per
//! batch costs about 17 ns an event instead of about 140 ns for one per record (PERF-LIMITS.md),
//! and still pins every byte: a change anywhere breaks its batch's commit and every later one.
//!
//! It is not the framing of a file (length and CRC-32C belong to `FileLog`).

use crate::codec::{self, PayloadError, PAYLOAD_BYTES_MAX};
use crate::event::Event;
use crate::ids::{EventId, Position};

/// Schema version written by this code.
pub const SCHEMA_VERSION: u8 = 1;
/// Bytes before the payload.
pub const HEADER_BYTES: usize = 39;
/// Bytes of a commit.
pub const COMMIT_BYTES: usize = 32;
/// Largest record, in bytes.
pub const RECORD_BYTES_MAX: usize = HEADER_BYTES + PAYLOAD_BYTES_MAX + COMMIT_BYTES;
/// Most records in one batch (one commit, one durable sync).
pub const BATCH_RECORDS_MAX: usize = 100_000;

const FLAG_BATCH_END: u8 = 1;

const _: () = assert!(HEADER_BYTES == 8 + 16 + 8 + 1 + 1 + 1 + 4);
const _: () = assert!(RECORD_BYTES_MAX < u32::MAX as usize);

/// A batch commit: the head of the hash chain after a batch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Commit(pub [u8; 32]);

impl Commit {
    /// The commit before the first batch.
    pub const GENESIS: Commit = Commit([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for Commit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Commit({})", self.to_hex())
    }
}

impl std::fmt::Display for Commit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An event to append: its id, its recording time and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    /// The event id (idempotency key).
    pub id: EventId,
    /// Transaction time, microseconds since the Unix epoch (UTC).
    pub recorded_at_us: i64,
    /// Schema version of the payload.
    pub schema: u8,
    /// Codec of the payload.
    pub codec: u8,
    /// The encoded event.
    pub payload: Vec<u8>,
}

impl NewRecord {
    /// Encodes `event` with the current codec.
    pub fn encode(id: EventId, recorded_at_us: i64, event: &Event) -> NewRecord {
        NewRecord {
            id,
            recorded_at_us,
            schema: SCHEMA_VERSION,
            codec: codec::CODEC_BINCODE_2,
            payload: codec::event_to_vec(event),
        }
    }

    /// Makes this record the encoding of `event` in place, reusing its payload buffer (for
    /// writers that encode batch after batch without allocating per event).
    pub fn reencode(&mut self, id: EventId, recorded_at_us: i64, event: &Event) {
        self.id = id;
        self.recorded_at_us = recorded_at_us;
        self.schema = SCHEMA_VERSION;
        self.codec = codec::CODEC_BINCODE_2;
        self.payload.clear();
        codec::encode_event(event, &mut self.payload);
    }

    /// The same record as stored, ready to append again (for copying a log).
    pub fn from_view(view: &RecordView<'_>) -> NewRecord {
        NewRecord {
            id: view.id,
            recorded_at_us: view.recorded_at_us,
            schema: view.schema,
            codec: view.codec,
            payload: view.payload.to_vec(),
        }
    }
}

/// Why record bytes were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Fewer bytes than a header, or than the header says.
    #[error("record is {got} bytes, needs {needed}")]
    Truncated {
        /// Bytes present.
        got: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// More bytes than the header accounts for.
    #[error("record has {0} bytes after its end")]
    TrailingBytes(usize),
    /// A payload length above the cap.
    #[error("payload length {0} is above the limit {PAYLOAD_BYTES_MAX}")]
    PayloadTooLong(u32),
    /// Unknown flag bits.
    #[error("unknown flag bits {0:#04x}")]
    UnknownFlags(u8),
    /// A schema version this code does not read.
    #[error("schema version {0} is not supported (this build reads 1)")]
    UnknownSchema(u8),
    /// A batch too large to seal.
    #[error("batch of {0} records is above the limit {BATCH_RECORDS_MAX}")]
    BatchTooLarge(usize),
    /// A payload too large to seal.
    #[error("payload of {0} bytes is above the limit {PAYLOAD_BYTES_MAX}")]
    PayloadTooLarge(usize),
}

/// A record read back: borrowed from the adapter's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// Position.
    pub position: Position,
    /// Event id.
    pub id: EventId,
    /// Transaction time (µs since the Unix epoch).
    pub recorded_at_us: i64,
    /// Schema version.
    pub schema: u8,
    /// Codec.
    pub codec: u8,
    /// Payload bytes.
    pub payload: &'a [u8],
    /// The batch commit, on the last record of a batch.
    pub commit: Option<Commit>,
    /// All bytes of the record.
    pub bytes: &'a [u8],
}

fn take<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(slice) = bytes.get(at..at + N) {
        out.copy_from_slice(slice);
    }
    out
}

impl<'a> RecordView<'a> {
    /// Parses exactly one record. Never panics; never allocates.
    pub fn parse(bytes: &'a [u8]) -> Result<RecordView<'a>, RecordError> {
        if bytes.len() < HEADER_BYTES {
            return Err(RecordError::Truncated {
                got: bytes.len(),
                needed: HEADER_BYTES,
            });
        }
        let flags = bytes[34];
        if flags & !FLAG_BATCH_END != 0 {
            return Err(RecordError::UnknownFlags(flags));
        }
        let schema = bytes[32];
        if schema != SCHEMA_VERSION {
            return Err(RecordError::UnknownSchema(schema));
        }
        let payload_len = u32::from_le_bytes(take(bytes, 35));
        if payload_len as usize > PAYLOAD_BYTES_MAX {
            return Err(RecordError::PayloadTooLong(payload_len));
        }
        let payload_end = HEADER_BYTES + payload_len as usize;
        let end = payload_end
            + if flags & FLAG_BATCH_END != 0 {
                COMMIT_BYTES
            } else {
                0
            };
        if bytes.len() < end {
            return Err(RecordError::Truncated {
                got: bytes.len(),
                needed: end,
            });
        }
        if bytes.len() > end {
            return Err(RecordError::TrailingBytes(bytes.len() - end));
        }
        Ok(RecordView {
            position: Position(u64::from_le_bytes(take(bytes, 0))),
            id: EventId(take(bytes, 8)),
            recorded_at_us: i64::from_le_bytes(take(bytes, 24)),
            schema,
            codec: bytes[33],
            payload: &bytes[HEADER_BYTES..payload_end],
            commit: (flags & FLAG_BATCH_END != 0).then(|| Commit(take(bytes, payload_end))),
            bytes,
        })
    }

    /// The bytes the chain hashes: the record without its commit.
    pub fn chained_bytes(&self) -> &'a [u8] {
        let end = HEADER_BYTES + self.payload.len();
        self.bytes.get(..end).unwrap_or(self.bytes)
    }

    /// True on the last record of a batch.
    pub fn is_batch_end(&self) -> bool {
        self.commit.is_some()
    }

    /// Decodes the payload.
    pub fn event(&self) -> Result<Event, PayloadError> {
        codec::decode_event(self.codec, self.payload)
    }
}

/// Seals a batch: assigns positions from `first`, writes each record, and chains the batch to
/// `previous`. `emit` receives each record's bytes in order; the last one carries the commit.
/// Returns the new commit.
pub fn seal_batch(
    previous: Commit,
    first: Position,
    batch: &[NewRecord],
    mut emit: impl FnMut(Position, &[u8]),
) -> Result<Commit, RecordError> {
    if batch.len() > BATCH_RECORDS_MAX {
        return Err(RecordError::BatchTooLarge(batch.len()));
    }
    if let Some(r) = batch.iter().find(|r| r.payload.len() > PAYLOAD_BYTES_MAX) {
        return Err(RecordError::PayloadTooLarge(r.payload.len()));
    }
    // A record `RecordView::parse` would refuse must never be written: the log could not be
    // read back past it.
    if let Some(r) = batch.iter().find(|r| r.schema != SCHEMA_VERSION) {
        return Err(RecordError::UnknownSchema(r.schema));
    }
    // The hashed bytes are gathered and hashed in large pieces: BLAKE3 fed one ~100-byte record
    // at a time runs on its one-block path (about 100 ns a record); fed the batch, on its SIMD
    // path (about 17 ns a record). The hash is the same.
    let mut hasher = blake3::Hasher::new();
    let mut chained = Vec::with_capacity(COMMIT_BYTES + batch.len().min(1024) * 96);
    chained.extend_from_slice(&previous.0);
    let mut buffer = Vec::with_capacity(HEADER_BYTES + 64 + COMMIT_BYTES);
    let mut commit = previous;
    for (i, record) in batch.iter().enumerate() {
        let position = Position(first.0 + i as u64);
        let last = i + 1 == batch.len();
        buffer.clear();
        buffer.extend_from_slice(&position.0.to_le_bytes());
        buffer.extend_from_slice(&record.id.0);
        buffer.extend_from_slice(&record.recorded_at_us.to_le_bytes());
        buffer.push(record.schema);
        buffer.push(record.codec);
        buffer.push(if last { FLAG_BATCH_END } else { 0 });
        // The length was checked against PAYLOAD_BYTES_MAX above.
        buffer.extend_from_slice(&(record.payload.len() as u32).to_le_bytes());
        buffer.extend_from_slice(&record.payload);
        chained.extend_from_slice(&buffer);
        if chained.len() >= 1 << 20 {
            hasher.update(&chained);
            chained.clear();
        }
        if last {
            hasher.update(&chained);
            commit = Commit(*hasher.finalize().as_bytes());
            buffer.extend_from_slice(&commit.0);
        }
        emit(position, &buffer);
    }
    Ok(commit)
}

/// Why the chain did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A record whose position is not the next one.
    #[error("record at position {got} where position {expected} was expected")]
    Gap {
        /// Position expected.
        expected: Position,
        /// Position found.
        got: Position,
    },
    /// A batch whose stored commit is not the hash of its bytes.
    #[error("batch ending at position {position} (first position {first}) does not match its commit: the log was changed")]
    Mismatch {
        /// First position of the batch.
        first: Position,
        /// Last position of the batch.
        position: Position,
    },
}

/// Recomputes the chain record by record. Feed it every record from a batch boundary on.
#[derive(Clone)]
pub struct ChainVerifier {
    hasher: blake3::Hasher,
    commit: Commit,
    next: Position,
    batch_first: Position,
}

impl ChainVerifier {
    /// A verifier that starts after `previous` (the commit before position `next`).
    pub fn new(previous: Commit, next: Position) -> ChainVerifier {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&previous.0);
        ChainVerifier {
            hasher,
            commit: previous,
            next,
            batch_first: next,
        }
    }

    /// A verifier for a log from its first record.
    pub fn from_start() -> ChainVerifier {
        ChainVerifier::new(Commit::GENESIS, Position(1))
    }

    /// Checks one record. Returns the new commit when the record ends a batch.
    pub fn push(&mut self, record: &RecordView<'_>) -> Result<Option<Commit>, ChainError> {
        if record.position != self.next {
            return Err(ChainError::Gap {
                expected: self.next,
                got: record.position,
            });
        }
        self.hasher.update(record.chained_bytes());
        self.next = self.next.next();
        match record.commit {
            None => Ok(None),
            Some(stored) => {
                let computed = Commit(*self.hasher.finalize().as_bytes());
                if computed != stored {
                    return Err(ChainError::Mismatch {
                        first: self.batch_first,
                        position: record.position,
                    });
                }
                self.commit = computed;
                self.hasher.reset();
                self.hasher.update(&computed.0);
                self.batch_first = self.next;
                Ok(Some(computed))
            }
        }
    }

    /// The last verified commit.
    pub fn commit(&self) -> Commit {
        self.commit
    }

    /// The position the next record must have.
    pub fn next_position(&self) -> Position {
        self.next
    }

    /// The last position covered by a verified commit.
    pub fn committed_head(&self) -> Position {
        Position(self.batch_first.0 - 1)
    }

    /// True when every record pushed so far is covered by a verified commit.
    pub fn at_batch_boundary(&self) -> bool {
        self.batch_first == self.next
    }
}
