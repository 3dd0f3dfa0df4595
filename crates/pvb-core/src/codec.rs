//! The event payload codec: codec byte 1 is bincode 2.0.1 (pinned) with its `standard()`
//! configuration (little-endian, variable-length integers), fields in the order written here.
//!
//! This module is the only place that knows the payload bytes. Golden vectors in
//! `tests/golden_payloads.rs` freeze them: a change here that alters a byte fails that test.
//! It is not the record envelope or the hash chain (see [`crate::record`]).
//!
//! Field encodings: integers and `Money` as bincode varints (zig-zag for signed); a date as its
//! Julian day number (`i32`); a text id as a bincode string (varint length, UTF-8 bytes), at most
//! 64 bytes; a note at most 256 bytes; an `Option` as a `0`/`1` byte then the value; a profile
//! as its COD163 code (`u16`); a delivery form as its COD578 code (`u8`); other enums as a `u8`
//! index (documented in docs/FORMAT.md).

use bincode::de::read::Reader;
use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use bincode::{Decode, Encode};
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
    let (event, used): (OwnedEvent, usize) = bincode::decode_from_slice(bytes, config())
        .map_err(|e| PayloadError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(PayloadError::TrailingBytes(bytes.len() - used));
    }
    Ok(event.0)
}

/// One field on the wire.
trait Wire: Sized {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError>;
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError>;
}

macro_rules! wire_via_bincode {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                Encode::encode(self, e)
            }
            fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
                <$t>::decode(d)
            }
        }
    )*};
}
wire_via_bincode!(u8, u16, u32, i32, i64);

fn invalid(what: &'static str) -> DecodeError {
    DecodeError::OtherString(what.to_owned())
}

impl Wire for Money {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.cents().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        i64::get(d).map(Money::from_cents)
    }
}

impl Wire for Date {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.to_julian_day().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        Date::from_julian_day(i32::get(d)?).map_err(|_| invalid("date out of range"))
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
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        match u8::get(d)? {
            0 => Ok(None),
            1 => T::get(d).map(Some),
            _ => Err(invalid("option tag is not 0 or 1")),
        }
    }
}

/// Reads a bincode string of at most `N` bytes into a stack buffer, without allocating.
fn get_short_text<D: Decoder, const N: usize>(d: &mut D) -> Result<CompactString, DecodeError> {
    let len = u64::decode(d)?;
    let len = usize::try_from(len).map_err(|_| invalid("text length"))?;
    if len > N {
        return Err(invalid("text longer than its limit"));
    }
    d.claim_bytes_read(len)?;
    let mut buffer = [0u8; N];
    let slot = buffer
        .get_mut(..len)
        .ok_or_else(|| invalid("text length"))?;
    d.reader().read(slot)?;
    if len == 0 || !slot.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(invalid("text id is not 1..64 printable ASCII characters"));
    }
    let text = std::str::from_utf8(slot).map_err(|_| invalid("text is not UTF-8"))?;
    Ok(CompactString::from(text))
}

macro_rules! wire_text_id {
    ($t:ty) => {
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                Encode::encode(self.as_str(), e)
            }
            fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
                get_short_text::<D, TEXT_ID_BYTES_MAX>(d).map(<$t>::from_trusted)
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
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        let len = u64::decode(d)?;
        let len = usize::try_from(len).map_err(|_| invalid("note length"))?;
        if len > NOTE_BYTES_MAX {
            return Err(invalid("note longer than 256 bytes"));
        }
        d.claim_bytes_read(len)?;
        let mut buffer = [0u8; NOTE_BYTES_MAX];
        let slot = buffer
            .get_mut(..len)
            .ok_or_else(|| invalid("note length"))?;
        d.reader().read(slot)?;
        let text = std::str::from_utf8(slot).map_err(|_| invalid("note is not UTF-8"))?;
        Note::new(text).map_err(|_| invalid("note has control characters"))
    }
}

impl Wire for ProviderId {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.get().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        ProviderId::new(u32::get(d)?).map_err(|_| invalid("provider above 99999999"))
    }
}

impl Wire for RegionId {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.get().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        RegionId::new(u16::get(d)?).map_err(|_| invalid("region not in COD001"))
    }
}

impl Wire for Profile {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.code().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        Profile::from_code(u16::get(d)?).ok_or_else(|| invalid("profile not in COD163"))
    }
}

impl Wire for DeliveryForm {
    fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.code().put(e)
    }
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        DeliveryForm::from_code(u8::get(d)?).map_err(|_| invalid("form not in COD578"))
    }
}

macro_rules! wire_index_enum {
    ($t:ty { $($variant:ident = $index:literal),* $(,)? }) => {
        impl Wire for $t {
            fn put<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
                let index: u8 = match self { $(<$t>::$variant => $index),* };
                index.put(e)
            }
            fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
                match u8::get(d)? {
                    $($index => Ok(<$t>::$variant),)*
                    _ => Err(invalid(concat!("unknown ", stringify!($t)))),
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
    fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
        match u8::get(d)? {
            0 => Ok(Account::Pool {
                pool: <RegionId as Wire>::get(d)?,
            }),
            1 => Ok(Account::Provider {
                provider: <ProviderId as Wire>::get(d)?,
                region: <RegionId as Wire>::get(d)?,
            }),
            _ => Err(invalid("unknown account kind")),
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
            fn get<D: Decoder>(d: &mut D) -> Result<Self, DecodeError> {
                Ok($t { $($field: Wire::get(d)?),* })
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
struct OwnedEvent(Event);

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

impl<Context> Decode<Context> for OwnedEvent {
    fn decode<D: Decoder<Context = Context>>(d: &mut D) -> Result<Self, DecodeError> {
        let event = match u8::get(d)? {
            1 => Event::RegionBudgetSet(Wire::get(d)?),
            2 => Event::ProviderContracted(Wire::get(d)?),
            3 => Event::TariffSet(Wire::get(d)?),
            4 => Event::IndicationGranted(Wire::get(d)?),
            5 => Event::IndicationWithdrawn(Wire::get(d)?),
            6 => Event::ProviderChosen(Wire::get(d)?),
            7 => Event::ChoiceWithdrawn(Wire::get(d)?),
            8 => Event::CareStarted(Wire::get(d)?),
            9 => Event::CareEnded(Wire::get(d)?),
            10 => Event::CareDelivered(Wire::get(d)?),
            11 => Event::DeliveryReversed(Wire::get(d)?),
            12 => Event::BudgetTransferred(Wire::get(d)?),
            13 => Event::BudgetReserved(Wire::get(d)?),
            14 => Event::BudgetReleased(Wire::get(d)?),
            tag => return Err(DecodeError::OtherString(format!("unknown event tag {tag}"))),
        };
        Ok(OwnedEvent(event))
    }
}
