//! The event payload codec: codec byte 1 is bincode 2.0.1 (pinned) with its `standard()`
//! configuration (little-endian, variable-length integers), fields in the order written here.
//!
//! This module is the only place that knows the payload bytes. Golden vectors in
//! `tests/golden_records.rs` (one sealed record per event kind) freeze them: a change here that alters a byte fails that test.
//! It is not the record envelope or the hash chain (see [`crate::record`]).
//!
//! Field encodings: integers and `Money` as bincode varints (zig-zag for signed); a date as its
//! Julian day number (`i32`); a text id as a bincode string (varint length, UTF-8 bytes), at most
//! 64 bytes; a note at most 256 bytes; an `Option` as a `0`/`1` byte then the value; a profile
//! as its COD163 code (`u16`); a delivery form as its COD578 code (`u8`); other enums as a `u8`
//! index (documented in docs/FORMAT.md).

use bincode::enc::Encoder;
use bincode::error::EncodeError;
use bincode::Encode;
use compact_str::CompactString;
use time::Date;

use crate::event::*;
use crate::ids::{ClientId, DeclarationRef, IndicationId, ProviderId, RegionId, TEXT_ID_BYTES_MAX};
use crate::money::Money;
use crate::profile::{DeliveryForm, Profile};
use crate::text::{Note, NOTE_BYTES_MAX};

/// The codec byte of this codec in every record.
pub const CODEC_BINCODE_2: u8 = 1;

/// Largest encoded payload accepted, in bytes (the biggest event is far below it).
pub const PAYLOAD_BYTES_MAX: usize = 4096;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<PAYLOAD_BYTES_MAX>()
}

/// Why a payload did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The codec byte names a codec this version does not have.
    #[error("unknown codec {0}")]
    UnknownCodec(u8),
    /// The bytes are not a valid event.
    #[error("payload does not decode: {0}")]
    Malformed(String),
    /// Bytes were left after the event.
    #[error("payload has {0} bytes after the event")]
    TrailingBytes(usize),
}

/// Appends the payload bytes of `event` to `out`.
pub fn encode_event(event: &Event, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, and every event is far below the limit.
    let result = bincode::encode_into_std_write(WireEvent(event), out, config());
    debug_assert!(result.is_ok(), "encoding into a Vec failed: {result:?}");
}

/// The payload bytes of `event`.
pub fn event_to_vec(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_event(event, &mut out);
    out
}

/// Decodes a payload written with codec `codec`.
pub fn decode_event(codec: u8, bytes: &[u8]) -> Result<Event, PayloadError> {
    if codec != CODEC_BINCODE_2 {
        return Err(PayloadError::UnknownCodec(codec));
    }
    if bytes.len() > PAYLOAD_BYTES_MAX {
        return Err(PayloadError::Malformed(format!(
            "{} bytes is above the limit of {PAYLOAD_BYTES_MAX}",
            bytes.len()
        )));
    }
    let mut reader = Reader { bytes, at: 0 };
    let event = read_event(&mut reader).map_err(|e| PayloadError::Malformed(e.0.to_owned()))?;
    if reader.at != bytes.len() {
        return Err(PayloadError::TrailingBytes(bytes.len() - reader.at));
    }
    Ok(event)
}

/// Why the reader stopped.
#[derive(Debug)]
struct Bad(&'static str);

/// A reader of bincode 2's `standard()` format over a byte slice: the decoding half of this
/// codec, written by hand because it is the hot path of every replay (about four times faster
/// than bincode's generic decoder). It accepts exactly the canonical encodings bincode writes
/// (a property test compares the two), and never reads past the slice or allocates more than
/// a field's limit.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let end = self.at.checked_add(n).ok_or(Bad("length overflows"))?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or(Bad("payload ends early"))?;
        self.at = end;
        Ok(slice)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Bad> {
        let b = *self.bytes.get(self.at).ok_or(Bad("payload ends early"))?;
        self.at += 1;
        Ok(b)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Bad> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// An unsigned variable-length integer: one byte below 251, else a marker (251: u16,
    /// 252: u32, 253: u64) and the little-endian value, in its shortest form.
    #[inline]
    fn varint(&mut self) -> Result<u64, Bad> {
        let first = self.byte()?;
        let (value, least) = match first {
            0..=250 => return Ok(u64::from(first)),
            251 => (u64::from(u16::from_le_bytes(self.array()?)), 251),
            252 => (u64::from(u32::from_le_bytes(self.array()?)), 1 << 16),
            253 => (u64::from_le_bytes(self.array()?), 1 << 32),
            _ => return Err(Bad("invalid integer marker")),
        };
        if value < least {
            return Err(Bad("integer not in its shortest form"));
        }
        Ok(value)
    }

    #[inline]
    fn signed(&mut self) -> Result<i64, Bad> {
        let n = self.varint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }
}

/// One field on the wire./// One field on the wire: written through bincode's encoder, read by [`Reader`].
trait Wire: Sized {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError>;
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad>;
}

impl Wire for u8 {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        Encode::encode(self, e)
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        r.byte()
    }
}

macro_rules! wire_unsigned {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                Encode::encode(self, e)
            }
            #[inline]
            fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
                <$t>::try_from(r.varint()?).map_err(|_| Bad(concat!("value too large for ", stringify!($t))))
            }
        }
    )*};
}
wire_unsigned!(u16, u32);

macro_rules! wire_signed {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                Encode::encode(self, e)
            }
            #[inline]
            fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
                <$t>::try_from(r.signed()?).map_err(|_| Bad(concat!("value out of range for ", stringify!($t))))
            }
        }
    )*};
}
wire_signed!(i32, i64);

impl Wire for Money {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.cents().put(e)
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        i64::get(r).map(Money::from_cents)
    }
}

impl Wire for Date {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.to_julian_day().put(e)
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Date::from_julian_day(i32::get(r)?).map_err(|_| Bad("date out of range"))
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        match self {
            None => 0u8.put(e),
            Some(v) => {
                1u8.put(e)?;
                v.put(e)
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::get(r).map(Some),
            _ => Err(Bad("option tag is not 0 or 1")),
        }
    }
}

/// A string of at most `max` bytes: its varint length, then the bytes.
#[inline]
fn get_text<'a>(r: &mut Reader<'a>, max: usize) -> Result<&'a str, Bad> {
    let len = usize::try_from(r.varint()?).map_err(|_| Bad("text length"))?;
    if len > max {
        return Err(Bad("text longer than its limit"));
    }
    std::str::from_utf8(r.take(len)?).map_err(|_| Bad("text is not UTF-8"))
}

/// A text id: 1 to 64 printable ASCII characters.
#[inline]
fn get_short_text(r: &mut Reader<'_>) -> Result<CompactString, Bad> {
    let text = get_text(r, TEXT_ID_BYTES_MAX)?;
    // Without an early exit the check compiles to vector instructions.
    let printable = text
        .bytes()
        .fold(true, |ok, b| ok & (0x21..=0x7e).contains(&b));
    if text.is_empty() || !printable {
        return Err(Bad("text id is not 1..64 printable ASCII characters"));
    }
    Ok(CompactString::from(text))
}

macro_rules! wire_text_id {
    ($t:ty) => {
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                Encode::encode(self.as_str(), e)
            }
            #[inline]
            fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
                get_short_text(r).map(<$t>::from_trusted)
            }
        }
    };
}
wire_text_id!(ClientId);
wire_text_id!(IndicationId);
wire_text_id!(DeclarationRef);

impl Wire for Note {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        Encode::encode(self.as_str(), e)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Note::new(get_text(r, NOTE_BYTES_MAX)?).map_err(|_| Bad("note has control characters"))
    }
}

impl Wire for ProviderId {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.get().put(e)
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        ProviderId::new(u32::get(r)?).map_err(|_| Bad("provider above 99999999"))
    }
}

impl Wire for RegionId {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.get().put(e)
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        RegionId::new(u16::get(r)?).map_err(|_| Bad("region not in COD001"))
    }
}

impl Wire for Profile {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.code().put(e)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Profile::from_code(u16::get(r)?).ok_or(Bad("profile not in COD163"))
    }
}

impl Wire for DeliveryForm {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.code().put(e)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        DeliveryForm::from_code(r.byte()?).map_err(|_| Bad("form not in COD578"))
    }
}

macro_rules! wire_index_enum {
    ($t:ty { $($variant:ident = $index:literal),* $(,)? }) => {
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                let index: u8 = match self { $(<$t>::$variant => $index),* };
                index.put(e)
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
                match r.byte()? {
                    $($index => Ok(<$t>::$variant),)*
                    _ => Err(Bad(concat!("unknown ", stringify!($t)))),
                }
            }
        }
    };
}
wire_index_enum!(Urgency { Urgent = 0, Active = 1, Preference = 2, Precaution = 3 });
wire_index_enum!(EndReason { Transfer = 0, Deceased = 1, Ended = 2 });
wire_index_enum!(WithdrawalReason { Deceased = 0, Reassessed = 1, Negative = 2, Moved = 3 });
wire_index_enum!(TransferReason {
    FollowsClient = 0,
    ProductionAgreement = 1,
    Reallocation = 2,
    Release = 3,
});

impl Wire for Account {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        match self {
            Account::Pool { pool } => {
                0u8.put(e)?;
                pool.put(e)
            }
            Account::Provider { provider, region } => {
                1u8.put(e)?;
                provider.put(e)?;
                region.put(e)
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
        match r.byte()? {
            0 => Ok(Account::Pool {
                pool: <RegionId as Wire>::get(r)?,
            }),
            1 => Ok(Account::Provider {
                provider: <ProviderId as Wire>::get(r)?,
                region: <RegionId as Wire>::get(r)?,
            }),
            _ => Err(Bad("unknown account kind")),
        }
    }
}

macro_rules! wire_struct {
    ($t:ident { $($field:ident),* $(,)? }) => {
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                $(self.$field.put(e)?;)*
                Ok(())
            }
            #[inline]
            fn get(r: &mut Reader<'_>) -> Result<Self, Bad> {
                Ok($t { $($field: Wire::get(r)?),* })
            }
        }
    };
}
wire_struct!(RegionBudgetSet {
    region,
    year,
    amount
});
wire_struct!(ProviderContracted {
    provider,
    region,
    year,
    places,
    tariff_bp
});
wire_struct!(TariffSet {
    year,
    profile,
    form,
    day_tariff
});
wire_struct!(IndicationGranted {
    client,
    indication,
    profile,
    region,
    from,
    until
});
wire_struct!(IndicationWithdrawn {
    client,
    indication,
    on,
    reason
});
wire_struct!(ProviderChosen {
    client,
    provider,
    form,
    on,
    urgency
});
wire_struct!(ChoiceWithdrawn {
    client,
    provider,
    on,
    reason
});
wire_struct!(CareStarted {
    client,
    provider,
    on,
    region,
    profile,
    form
});
wire_struct!(CareEnded {
    client,
    provider,
    on,
    reason
});
wire_struct!(CareDelivered {
    client,
    provider,
    region,
    from,
    until,
    days,
    amount,
    reference
});
wire_struct!(DeliveryReversed {
    reference,
    reason,
    client,
    provider,
    region,
    from,
    until,
    days,
    amount
});
wire_struct!(BudgetTransferred {
    from,
    to,
    year,
    on,
    amount,
    reason
});
wire_struct!(BudgetReserved {
    client,
    provider,
    region,
    year,
    from,
    days,
    amount
});
wire_struct!(BudgetReleased {
    client,
    provider,
    region,
    year,
    from,
    days,
    amount
});

struct WireEvent<'a>(&'a Event);

impl Encode for WireEvent<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.0.tag().put(e)?;
        match self.0 {
            Event::RegionBudgetSet(x) => x.put(e),
            Event::ProviderContracted(x) => x.put(e),
            Event::TariffSet(x) => x.put(e),
            Event::IndicationGranted(x) => x.put(e),
            Event::IndicationWithdrawn(x) => x.put(e),
            Event::ProviderChosen(x) => x.put(e),
            Event::ChoiceWithdrawn(x) => x.put(e),
            Event::CareStarted(x) => x.put(e),
            Event::CareEnded(x) => x.put(e),
            Event::CareDelivered(x) => x.put(e),
            Event::DeliveryReversed(x) => x.put(e),
            Event::BudgetTransferred(x) => x.put(e),
            Event::BudgetReserved(x) => x.put(e),
            Event::BudgetReleased(x) => x.put(e),
        }
    }
}

#[inline]
fn read_event(r: &mut Reader<'_>) -> Result<Event, Bad> {
    Ok(match r.byte()? {
        10 => Event::CareDelivered(Wire::get(r)?),
        1 => Event::RegionBudgetSet(Wire::get(r)?),
        2 => Event::ProviderContracted(Wire::get(r)?),
        3 => Event::TariffSet(Wire::get(r)?),
        4 => Event::IndicationGranted(Wire::get(r)?),
        5 => Event::IndicationWithdrawn(Wire::get(r)?),
        6 => Event::ProviderChosen(Wire::get(r)?),
        7 => Event::ChoiceWithdrawn(Wire::get(r)?),
        8 => Event::CareStarted(Wire::get(r)?),
        9 => Event::CareEnded(Wire::get(r)?),
        11 => Event::DeliveryReversed(Wire::get(r)?),
        12 => Event::BudgetTransferred(Wire::get(r)?),
        13 => Event::BudgetReserved(Wire::get(r)?),
        14 => Event::BudgetReleased(Wire::get(r)?),
        _ => return Err(Bad("unknown event tag")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written reader agrees with bincode's own decoder on every integer encoding.
    #[test]
    fn reader_agrees_with_bincode_on_integers() {
        let config = bincode::config::standard();
        let samples: Vec<u64> = vec![
            0,
            1,
            250,
            251,
            252,
            255,
            256,
            65_535,
            65_536,
            1 << 20,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
            u64::MAX / 3,
            u64::MAX,
        ];
        for value in samples {
            let bytes = bincode::encode_to_vec(value, config).expect("encode");
            let mut r = Reader {
                bytes: &bytes,
                at: 0,
            };
            assert_eq!(r.varint().expect("read"), value);
            assert_eq!(r.at, bytes.len());
        }
        for value in [
            0i64,
            1,
            -1,
            125,
            -126,
            1 << 40,
            -(1 << 40),
            i64::MAX,
            i64::MIN,
        ] {
            let bytes = bincode::encode_to_vec(value, config).expect("encode");
            let mut r = Reader {
                bytes: &bytes,
                at: 0,
            };
            assert_eq!(r.signed().expect("read"), value);
            let (back, _): (i64, usize) =
                bincode::decode_from_slice(&bytes, config).expect("bincode");
            assert_eq!(back, value);
        }
        // A non-canonical encoding (251 marker for a small value) is refused.
        let mut r = Reader {
            bytes: &[251, 5, 0],
            at: 0,
        };
        assert!(r.varint().is_err());
    }
}
