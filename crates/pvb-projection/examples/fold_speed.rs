//! Replay speed of every projection: decodes and folds a synthetic, CareDelivered-heavy log
//! shaped like the pvb-year workload (2,000 providers in 31 regions, every client in care from
//! 1 January with one delivery a day), and prints events per second and the process's memory.
//!
//! It is not the workload generator (crate `pvb-workload`) and measures no storage: payloads
//! are encoded into memory one day at a time (untimed), then decoded and folded (timed).
//!
//! ```text
//! cargo run --release -p pvb-projection --example fold_speed -- [CLIENTS] [DAYS] [ORDER]
//! ```
//! Defaults: 330,000 clients (the whole country) and 30 days (about 10 million events).
//! Times are this thread's CPU time where Linux reports it (a shared machine's other work does
//! not count, though it still competes for the caches).
//! `-- 330000 273` is the national year's 90 million deliveries. ORDER is `workload` (each
//! day's deliveries in client order, a quarter of the clients first seen later and shuffled, as
//! in the pvb-year workload) or `random` (a new random order every day: the worst case).

use std::error::Error;
use std::time::{Duration, Instant};

use pvb_core::*;
use pvb_projection::{Filter, Projections};
use time::macros::date;

const PROVIDERS: u32 = 2_000;
const REGIONS: usize = 31;
const TARIFF: i64 = 23_000;

/// Encoded payloads of one batch, back to back, with their end offsets.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    fn push(&mut self, event: &Event) {
        encode_event(event, &mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn payloads(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.bytes[start..end])
    }
}

struct World {
    regions: Vec<RegionId>,
    clients: Vec<ClientId>,
    /// The order in which clients are first seen (their indications).
    registered: Vec<usize>,
    /// The order of each day's deliveries.
    order: Order,
}

/// How each day's deliveries are ordered against the order clients were first seen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Like the pvb-year workload: deliveries in client order; three in four clients were first
    /// seen in that order, the fourth (those who chose later in the year) later, shuffled.
    Workload,
    /// A new random order every day: the worst case for the register's successor guess.
    Random,
}

/// SplitMix64 (WORKLOAD.md section 2), for shuffles.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

impl World {
    fn provider(&self, client: usize) -> Result<ProviderId, IdError> {
        // Clients of region r choose among the region's providers r, r + 31, ...
        let region = client % REGIONS;
        let rank = (client / REGIONS) % (PROVIDERS as usize / REGIONS);
        ProviderId::new(10_000_000 + (region + REGIONS * rank) as u32)
    }
}

/// Tariff, budgets and contracts.
fn contracts(world: &World, batch: &mut Batch) -> Result<(), Box<dyn Error>> {
    batch.push(&Event::TariffSet(TariffSet {
        year: 2026,
        profile: Profile::parse("5VV")?,
        form: DeliveryForm::Verblijf,
        day_tariff: Money::from_cents(TARIFF),
    }));
    for region in &world.regions {
        batch.push(&Event::RegionBudgetSet(RegionBudgetSet {
            region: *region,
            year: 2026,
            amount: Money::from_cents(200_000_000_000),
        }));
    }
    for p in 0..PROVIDERS {
        batch.push(&Event::ProviderContracted(ProviderContracted {
            provider: ProviderId::new(10_000_000 + p)?,
            region: world.regions[p as usize % REGIONS],
            year: 2026,
            places: 300,
            tariff_bp: 10_000,
        }));
    }
    Ok(())
}

/// Indication, choice, start, reservation and its transfer, for each of `clients`.
fn admissions(world: &World, clients: &[usize], batch: &mut Batch) -> Result<(), Box<dyn Error>> {
    let profile = Profile::parse("5VV")?;
    let first = date!(2026 - 01 - 01);
    for &c in clients {
        let client = &world.clients[c];
        let provider = world.provider(c)?;
        let region = world.regions[c % REGIONS];
        batch.push(&Event::IndicationGranted(IndicationGranted {
            client: client.clone(),
            indication: IndicationId::parse(&format!("I-{c}"))?,
            profile,
            region,
            from: first,
            until: None,
        }));
        batch.push(&Event::ProviderChosen(ProviderChosen {
            client: client.clone(),
            provider,
            form: DeliveryForm::Verblijf,
            on: first,
            urgency: Urgency::Active,
        }));
        batch.push(&Event::CareStarted(CareStarted {
            client: client.clone(),
            provider,
            on: first,
            region,
            profile,
            form: DeliveryForm::Verblijf,
        }));
        let amount = Money::from_cents(TARIFF * 365);
        batch.push(&Event::BudgetReserved(BudgetReserved {
            client: client.clone(),
            provider,
            region,
            year: 2026,
            from: first,
            days: 365,
            amount,
        }));
        batch.push(&Event::BudgetTransferred(BudgetTransferred {
            from: Account::pool(region),
            to: Account::provider(provider, region),
            year: 2026,
            on: first,
            amount,
            reason: TransferReason::FollowsClient,
        }));
    }
    Ok(())
}

/// The order of day `day`'s deliveries.
fn delivery_order(world: &World, day: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..world.clients.len()).collect();
    if world.order == Order::Random {
        Mix(u64::from(day)).shuffle(&mut order);
    }
    order
}

/// Day `day`'s delivery for each of `clients`.
fn deliveries(
    world: &World,
    day: u32,
    clients: &[usize],
    batch: &mut Batch,
) -> Result<(), Box<dyn Error>> {
    let from = date!(2026 - 01 - 01) + time::Duration::days(i64::from(day));
    let until = from + time::Duration::days(1);
    for &c in clients {
        let client = &world.clients[c];
        batch.push(&Event::CareDelivered(CareDelivered {
            client: client.clone(),
            provider: world.provider(c)?,
            region: world.regions[c % REGIONS],
            from,
            until,
            days: 1,
            amount: Money::from_cents(TARIFF),
            reference: DeclarationRef::parse(&format!("D-{c}-{day}"))?,
        }));
    }
    Ok(())
}

/// The time this thread has run on a CPU (Linux: /proc/thread-self/schedstat), so that other
/// processes on a shared machine do not count; elsewhere the wall clock.
struct Clock {
    wall: Instant,
    cpu: Option<u64>,
}

fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: cpu_ns(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, cpu_ns()) {
            (Some(start), Some(now)) => Duration::from_nanos(now.saturating_sub(start)),
            _ => self.wall.elapsed(),
        }
    }
}

/// Decodes every payload and folds it; returns the time taken.
fn fold(
    projections: &mut Projections,
    batch: &Batch,
    position: &mut u64,
) -> Result<Duration, Box<dyn Error>> {
    let clock = Clock::start();
    for payload in batch.payloads() {
        *position += 1;
        let event = decode_event(CODEC_BINCODE_2, payload)?;
        projections.apply(Position(*position), &event);
    }
    Ok(clock.elapsed())
}

/// Decodes every payload and drops it; returns the time taken.
fn decode_only(batch: &Batch) -> Result<Duration, Box<dyn Error>> {
    let clock = Clock::start();
    let mut days = 0u64;
    for payload in batch.payloads() {
        if let Event::CareDelivered(e) = decode_event(CODEC_BINCODE_2, payload)? {
            days += u64::from(e.days);
        }
    }
    std::hint::black_box(days);
    Ok(clock.elapsed())
}

/// A line of /proc/self/status in MiB (Linux only; 0 elsewhere).
fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().map_or(Ok(330_000), |a| a.parse())?;
    let days: u32 = args.next().map_or(Ok(30), |a| a.parse())?;
    let order = match args.next().as_deref() {
        None | Some("workload") => Order::Workload,
        Some("random") => Order::Random,
        Some(other) => return Err(format!("order '{other}' is not workload or random").into()),
    };
    let mut late: Vec<usize> = (0..clients).filter(|c| c % 4 == 3).collect();
    Mix(42).shuffle(&mut late);
    let registered = (0..clients).filter(|c| c % 4 != 3).chain(late).collect();
    let world = World {
        registered,
        order,
        regions: RegionId::all().take(REGIONS).collect(),
        clients: (0..clients)
            .map(|c| ClientId::parse(&format!("c-{c}")))
            .collect::<Result<_, _>>()?,
    };

    let mut batch = Batch::default();
    let mut projections = Projections::with_filter(Filter::ALL);
    let mut position = 0u64;

    // Encoded 10,000 clients at a time, so the buffer stays small beside the projections.
    const CHUNK: usize = 10_000;
    let start = memory_mib("VmRSS:");
    contracts(&world, &mut batch)?;
    let mut preamble_events = batch.ends.len() as u64;
    let mut preamble_time = fold(&mut projections, &batch, &mut position)?;
    for clients in world.registered.chunks(CHUNK) {
        batch.clear();
        admissions(&world, clients, &mut batch)?;
        preamble_events += batch.ends.len() as u64;
        preamble_time += fold(&mut projections, &batch, &mut position)?;
    }
    let mut delivered = 0u64;
    let mut folding = Duration::ZERO;
    let mut decoding = Duration::ZERO;
    for day in 0..days {
        for clients in delivery_order(&world, day).chunks(CHUNK) {
            batch.clear();
            deliveries(&world, day, clients, &mut batch)?;
            delivered += batch.ends.len() as u64;
            decoding += decode_only(&batch)?;
            folding += fold(&mut projections, &batch, &mut position)?;
        }
    }
    drop(batch);

    let events = preamble_events + delivered;
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64() / 1e6;
    let ns = |n: u64, d: Duration| d.as_nanos() as f64 / n as f64;
    println!("events:           {events} ({clients} clients, {days} days; {delivered} deliveries)");
    let all = preamble_time + folding;
    println!(
        "decode + fold:    {:.2} M events/s ({:.1} ns/event), all events",
        rate(events, all),
        ns(events, all)
    );
    println!(
        "deliveries:       {:.2} M events/s decode + fold ({:.1} ns), {:.2} M/s decode only ({:.1} ns): the fold adds {:.1} ns",
        rate(delivered, folding),
        ns(delivered, folding),
        rate(delivered, decoding),
        ns(delivered, decoding),
        ns(delivered, folding.saturating_sub(decoding))
    );
    println!(
        "preamble:         {:.2} M events/s ({preamble_events} events: indications, choices, starts, reservations)",
        rate(preamble_events, preamble_time)
    );
    let end = memory_mib("VmRSS:");
    println!(
        "memory:           {:.0} MiB resident at the end, {:.0} MiB peak; the projections about {:.0} MiB ({:.0} bytes a client)",
        end,
        memory_mib("VmHWM:"),
        end - start,
        (end - start) * 1024.0 * 1024.0 / clients.max(1) as f64
    );
    let total = projections.budgets().consumed_total(2026);
    println!(
        "check:            consumed {total} over {} accounts, {} clients in the register",
        projections.budget_rows().len(),
        projections.register().len()
    );
    Ok(())
}
