//! The FileLog on-disk format: segment names, the segment header and the record frame.
//! docs/FORMAT.md describes the same bytes for people; this module is the code.
//!
//! ```text
//! segment header (64 bytes, little-endian)
//!  0  [u8; 8]   magic 89 50 56 42 4C 4F 47 0A  ("\x89PVBLOG\n")
//!  8  u16       format version (1)
//! 10  u16       header length (64)
//! 12  u32       flags (0)
//! 16  u64       first position of the segment
//! 24  [u8; 32]  previous commit: the chain head before the segment's first record
//! 56  u32       reserved (0)
//! 60  u32       CRC-32C of bytes 0..60
//!
//! frame (one per record, back to back after the header)
//!  0  u32       record length L (HEADER_BYTES..=RECORD_BYTES_MAX)
//!  4  u32       CRC-32C of the L record bytes
//!  8  L bytes   the record, as pvb_core::seal_batch wrote it
//! ```
//!
//! The length is not under the checksum, and need not be: the record's own header says how
//! long it is (payload length and the batch-end flag), and a frame whose length differs from
//! that is refused. One checksum call per record over contiguous bytes is also the cheapest.
//!
//! It is not the scanning or the recovery rule (see `scan.rs`) and not the record envelope
//! (pvb-core `record.rs`).

use pvb_core::{Commit, Position, HEADER_BYTES, RECORD_BYTES_MAX};

/// The format version this build writes (and the highest it reads).
pub const FORMAT_VERSION: u16 = 1;
/// Bytes of a segment header.
pub const SEGMENT_HEADER_BYTES: u64 = 64;
/// Bytes of a frame header (length and checksum).
pub const FRAME_HEADER_BYTES: usize = 8;
/// Largest frame, in bytes.
pub const FRAME_BYTES_MAX: usize = FRAME_HEADER_BYTES + RECORD_BYTES_MAX;
/// The first bytes of every segment.
pub const SEGMENT_MAGIC: [u8; 8] = [0x89, b'P', b'V', b'B', b'L', b'O', b'G', b'\n'];
/// Name of the lock file in the log folder.
pub const LOCK_FILE: &str = "LOCK";

const _: () = assert!(HEADER_BYTES <= RECORD_BYTES_MAX);
const _: () = assert!(RECORD_BYTES_MAX <= u32::MAX as usize);
const _: () = assert!(SEGMENT_HEADER_BYTES as usize == 8 + 2 + 2 + 4 + 8 + 32 + 4 + 4);

/// The parsed header of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Format version.
    pub version: u16,
    /// Position of the segment's first record.
    pub first: Position,
    /// The chain head before `first`.
    pub previous: Commit,
}

/// Why a header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Not the magic bytes.
    Magic,
    /// The checksum does not match.
    Checksum,
    /// A header length, flags or reserved field this version does not know.
    Fields,
    /// A later format version (the checksum matched).
    Version(u16),
}

impl HeaderError {
    /// Human text for `Damage::Header`.
    pub fn text(self) -> &'static str {
        match self {
            HeaderError::Magic => "magic bytes are not \\x89PVBLOG\\n",
            HeaderError::Checksum => "header checksum does not match",
            HeaderError::Fields => "header length, flags or reserved bytes are not as written",
            HeaderError::Version(_) => "unsupported format version",
        }
    }
}

#[inline]
fn le_u16(bytes: &[u8], at: usize) -> u16 {
    let mut b = [0u8; 2];
    if let Some(s) = bytes.get(at..at + 2) {
        b.copy_from_slice(s);
    }
    u16::from_le_bytes(b)
}

/// Reads a little-endian `u32` at `at`; 0 when out of range (callers check lengths first).
#[inline]
pub fn le_u32(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = bytes.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    u32::from_le_bytes(b)
}

#[inline]
fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = bytes.get(at..at + 8) {
        b.copy_from_slice(s);
    }
    u64::from_le_bytes(b)
}

impl SegmentHeader {
    /// The 64 header bytes.
    pub fn encode(&self) -> [u8; SEGMENT_HEADER_BYTES as usize] {
        let mut out = [0u8; SEGMENT_HEADER_BYTES as usize];
        out[0..8].copy_from_slice(&SEGMENT_MAGIC);
        out[8..10].copy_from_slice(&self.version.to_le_bytes());
        out[10..12].copy_from_slice(&(SEGMENT_HEADER_BYTES as u16).to_le_bytes());
        // 12..16 flags and 56..60 reserved stay zero.
        out[16..24].copy_from_slice(&self.first.0.to_le_bytes());
        out[24..56].copy_from_slice(&self.previous.0);
        let crc = crc32c::crc32c(&out[0..60]);
        out[60..64].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Parses and checks a header.
    pub fn decode(bytes: &[u8]) -> Result<SegmentHeader, HeaderError> {
        let Some(bytes) = bytes.get(..SEGMENT_HEADER_BYTES as usize) else {
            return Err(HeaderError::Checksum);
        };
        if bytes[0..8] != SEGMENT_MAGIC {
            return Err(HeaderError::Magic);
        }
        if crc32c::crc32c(&bytes[0..60]) != le_u32(bytes, 60) {
            return Err(HeaderError::Checksum);
        }
        let version = le_u16(bytes, 8);
        if version == 0 || version > FORMAT_VERSION {
            return Err(HeaderError::Version(version));
        }
        let fields_ok = le_u16(bytes, 10) == SEGMENT_HEADER_BYTES as u16
            && le_u32(bytes, 12) == 0
            && le_u32(bytes, 56) == 0;
        if !fields_ok {
            return Err(HeaderError::Fields);
        }
        let mut previous = [0u8; 32];
        previous.copy_from_slice(&bytes[24..56]);
        Ok(SegmentHeader {
            version,
            first: Position(le_u64(bytes, 16)),
            previous: Commit(previous),
        })
    }
}

/// The checksum of a frame: CRC-32C of its record.
#[inline]
pub fn frame_crc(record: &[u8]) -> u32 {
    crc32c::crc32c(record)
}

/// Appends the frame of `record` to `out`.
#[inline]
pub fn push_frame(out: &mut Vec<u8>, record: &[u8]) {
    // Records come from seal_batch, which caps them far below u32::MAX.
    let len = (record.len() as u32).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&frame_crc(record).to_le_bytes());
    out.extend_from_slice(record);
}

/// The file name of the segment whose first position is `first`.
pub fn segment_name(first: Position) -> String {
    format!("segment-{:020}.pvb", first.0)
}

/// The temporary name a segment is written under before its rename.
pub fn temp_name(first: Position) -> String {
    format!("segment-{:020}.pvb.tmp", first.0)
}

/// The name of the copy of a torn tail cut from `segment` at `offset`.
pub fn broken_name(segment: &str, offset: u64) -> String {
    format!("{segment}.{offset}.broken")
}

/// What a file name in the log folder is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A segment starting at this position.
    Segment(Position),
    /// A segment being created (left by a crash; removed by a writable open).
    Temp,
    /// A name that looks like a segment and is not a valid one.
    Stray,
    /// Anything else (the lock file, `.broken` copies, other files): ignored.
    Other,
}

/// Classifies a file name of the log folder.
pub fn classify_name(name: &str) -> FileKind {
    if let Some(rest) = name.strip_prefix("segment-") {
        if name.ends_with(".pvb.tmp") {
            return FileKind::Temp;
        }
        if let Some(digits) = rest.strip_suffix(".pvb") {
            if digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(first) = digits.parse::<u64>() {
                    return FileKind::Segment(Position(first));
                }
            }
            return FileKind::Stray;
        }
    }
    FileKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_checks() {
        let header = SegmentHeader {
            version: FORMAT_VERSION,
            first: Position(42),
            previous: Commit([7; 32]),
        };
        let bytes = header.encode();
        assert_eq!(SegmentHeader::decode(&bytes), Ok(header));
        for i in 0..bytes.len() {
            let mut damaged = bytes;
            damaged[i] ^= 0x10;
            assert!(SegmentHeader::decode(&damaged).is_err(), "byte {i}");
        }
        assert!(SegmentHeader::decode(&bytes[..63]).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(
            segment_name(Position(1)),
            "segment-00000000000000000001.pvb"
        );
        assert_eq!(
            classify_name("segment-00000000000000000001.pvb"),
            FileKind::Segment(Position(1))
        );
        assert_eq!(
            classify_name("segment-00000000000000000001.pvb.tmp"),
            FileKind::Temp
        );
        assert_eq!(classify_name("segment-1.pvb"), FileKind::Stray);
        assert_eq!(classify_name("LOCK"), FileKind::Other);
        assert_eq!(
            classify_name("segment-00000000000000000001.pvb.64.broken"),
            FileKind::Other
        );
    }
}
