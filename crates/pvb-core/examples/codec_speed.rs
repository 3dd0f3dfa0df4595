//! Encode and decode speed of the payload codec on a delivery-heavy mix (prints ns/event).
use pvb_core::*;
use std::time::Instant;
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = 2_000_000usize;
    let region = RegionId::new(5531)?;
    let provider = ProviderId::parse("10000017")?;
    let mut payloads = Vec::with_capacity(n);
    let start = date!(2026 - 01 - 01);
    for i in 0..n {
        let from = start + time::Duration::days((i % 365) as i64);
        let event = Event::CareDelivered(CareDelivered {
            client: ClientId::parse(&format!("c-{}", i % 330_000))?,
            provider,
            region,
            from,
            until: from + time::Duration::days(1),
            days: 1,
            amount: Money::from_cents(22_310),
            reference: DeclarationRef::parse(&format!("D-{}-{}", i % 330_000, i % 365))?,
        });
        payloads.push(event_to_vec(&event));
    }
    for round in 0..3 {
        let started = Instant::now();
        let mut sum = 0u64;
        for p in &payloads {
            let e = decode_event(CODEC_BINCODE_2, p)?;
            if let Event::CareDelivered(d) = e {
                sum += d.days as u64;
            }
        }
        let ns = started.elapsed().as_nanos() as f64 / n as f64;
        println!("round {round}: decode {ns:.1} ns/event ({sum})");
    }
    let event = decode_event(CODEC_BINCODE_2, &payloads[0])?;
    let started = Instant::now();
    let mut out = Vec::with_capacity(64);
    for _ in 0..n {
        out.clear();
        encode_event(&event, &mut out);
    }
    println!(
        "encode {:.1} ns/event, {} bytes",
        started.elapsed().as_nanos() as f64 / n as f64,
        out.len()
    );
    Ok(())
}
