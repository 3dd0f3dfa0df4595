//! The year, day by day (WORKLOAD.md sections 3 and 4), as a line-at-a-time state machine.
//!
//! [`Generator`] draws every client's ten numbers up front, then produces the preamble and the
//! 365 days one line per call of [`Generator::next_line`], keeping only compact per-client and
//! per-provider state (never the lines themselves). [`write_year`] drives it into a writer.
//! This module is not a ledger: it applies the workload's own admission rule and never checks
//! a command against ledger state.

use std::collections::VecDeque;
use std::io::{self, Write};

use crate::figures::Figures;
use crate::model::{
    date_bytes, provider_agb, provider_pct, provider_places, provider_region, region_code,
    PROFILES, REGIONS, YEAR_DAYS,
};
use crate::rng::SplitMix64;
use crate::scale::Scale;
use crate::text;
use crate::zipf::RegionDraws;

/// The command type of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKind {
    /// `set_tariff` (preamble).
    SetTariff,
    /// `set_region_budget` (preamble).
    SetRegionBudget,
    /// `contract_provider` (preamble).
    ContractProvider,
    /// `grant_indication`, on a client's first day.
    GrantIndication,
    /// `choose_provider`, urgency `active` (first choice) or `preference` (switch target).
    ChooseProvider,
    /// `start_care`, an admission (also the second line of a switch).
    StartCare,
    /// `end_care` with reason `transfer`, the first line of a switch.
    EndCare,
    /// `deliver_care`, one client-day in care.
    DeliverCare,
    /// `withdraw_indication` with reason `deceased`, the day after a death.
    WithdrawIndication,
}

impl LineKind {
    /// Number of command types.
    pub const COUNT: usize = 9;

    /// Every command type, in the order of [`LineKind::index`].
    pub const ALL: [LineKind; LineKind::COUNT] = [
        LineKind::SetTariff,
        LineKind::SetRegionBudget,
        LineKind::ContractProvider,
        LineKind::GrantIndication,
        LineKind::ChooseProvider,
        LineKind::StartCare,
        LineKind::EndCare,
        LineKind::DeliverCare,
        LineKind::WithdrawIndication,
    ];

    /// Position of this type in [`LineKind::ALL`] and [`Figures::per_kind`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The `"type"` tag written in the file.
    pub fn name(self) -> &'static str {
        match self {
            LineKind::SetTariff => "set_tariff",
            LineKind::SetRegionBudget => "set_region_budget",
            LineKind::ContractProvider => "contract_provider",
            LineKind::GrantIndication => "grant_indication",
            LineKind::ChooseProvider => "choose_provider",
            LineKind::StartCare => "start_care",
            LineKind::EndCare => "end_care",
            LineKind::DeliverCare => "deliver_care",
            LineKind::WithdrawIndication => "withdraw_indication",
        }
    }
}

/// "No day" / "no provider" markers in the compact client state.
const NO_DAY: u16 = u16::MAX;
const NO_PROVIDER: u32 = u32::MAX;
/// The last day of the year (2026-12-31).
const LAST_DAY: u16 = YEAR_DAYS - 1;

/// A client's status (section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotYet,
    Waiting,
    InCare,
    SwitchPending,
    Switched,
    Dead,
}

impl Status {
    /// In care somewhere: gets a `deliver_care` per day and holds a place.
    fn in_care(self) -> bool {
        matches!(
            self,
            Status::InCare | Status::SwitchPending | Status::Switched
        )
    }
}

/// Compact state of one client (24 bytes).
#[derive(Debug, Clone)]
struct Client {
    /// Raw draw `u7`, kept until care first starts (fixes the switch day).
    u7: u64,
    /// The first provider while waiting; the provider of care once in care.
    provider: u32,
    /// Switch target, or [`NO_PROVIDER`].
    target: u32,
    /// First day `d0`.
    first_day: u16,
    /// Death day, or [`NO_DAY`].
    death_day: u16,
    /// Switch day once fixed, or [`NO_DAY`].
    switch_day: u16,
    status: Status,
    /// Profile index into [`PROFILES`].
    profile: u8,
}

/// State of one provider (section 4).
#[derive(Debug, Clone)]
struct Provider {
    places: u32,
    occupied: u32,
    /// Places that become free tomorrow.
    freed: u32,
    queue: VecDeque<u32>,
}

/// Where the state machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Tariffs,
    Budgets,
    Contracts,
    DayBegin,
    Choices,
    Admissions,
    Deliveries,
    Deaths,
    Done,
}

/// The second line of a two-line step, written on the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// `choose_provider` (active) after a `grant_indication`.
    ActiveChoice(u32),
    /// `start_care` at the target after the `end_care` of a switch.
    SwitchStart(u32),
}

/// Running counts behind [`Figures`].
#[derive(Debug, Clone, Default)]
struct Counters {
    per_kind: [u64; LineKind::COUNT],
    consumed: u64,
    consumed_per_provider: Vec<u64>,
    waited: u64,
    /// Clients on a list with status `active` right now.
    waiting_now: u64,
    /// Clients on a list with status `preference` right now.
    pending_now: u64,
    waiting_at_year_end: u64,
    pending_at_year_end: u64,
}

/// The deterministic generator of one year: seed and scale in, lines out.
///
/// Call [`Generator::next_line`] until it returns `None`; then [`Generator::figures`] holds the
/// year's figures.
#[derive(Debug, Clone)]
pub struct Generator {
    scale: Scale,
    n_providers: u32,
    clients: Vec<Client>,
    providers: Vec<Provider>,
    /// Clients choosing on each day (first choices, then switch choices as days get fixed);
    /// sorted by id when the day begins.
    choices_by_day: Vec<Vec<u32>>,
    /// Clients dying on each day, ascending id.
    deaths_by_day: Vec<Vec<u32>>,
    /// Today's sorted choices.
    today: Vec<u32>,
    /// `YYYY-MM-DD` of days 0..=365.
    dates: Vec<[u8; 10]>,
    phase: Phase,
    day: u16,
    cursor: usize,
    pending: Pending,
    counters: Counters,
}

impl Generator {
    /// Sets up the year for `seed` and `scale`: draws the ten numbers of every client
    /// (section 3). Takes time and memory linear in the number of clients.
    pub fn new(seed: u64, scale: Scale) -> Self {
        // Scale::new guarantees both counts fit in u32.
        let n_providers = u32::try_from(scale.providers()).unwrap_or(u32::MAX);
        let n_clients = u32::try_from(scale.clients()).unwrap_or(u32::MAX);
        let draws = RegionDraws::new(n_providers);
        let mut rng = SplitMix64::new(seed);
        let mut choices_by_day = vec![Vec::new(); usize::from(YEAR_DAYS)];
        let mut deaths_by_day = vec![Vec::new(); usize::from(YEAR_DAYS)];
        let mut clients = Vec::with_capacity(n_clients as usize);
        for c in 0..n_clients {
            let client = draw_client(c, &mut rng, &draws);
            choices_by_day[usize::from(client.first_day)].push(c);
            if client.death_day != NO_DAY {
                deaths_by_day[usize::from(client.death_day)].push(c);
            }
            clients.push(client);
        }
        let providers = (0..n_providers)
            .map(|p| Provider {
                places: provider_places(p),
                occupied: 0,
                freed: 0,
                queue: VecDeque::new(),
            })
            .collect();
        Self {
            scale,
            n_providers,
            clients,
            providers,
            choices_by_day,
            deaths_by_day,
            today: Vec::new(),
            dates: (0..=YEAR_DAYS).map(date_bytes).collect(),
            phase: Phase::Tariffs,
            day: 0,
            cursor: 0,
            pending: Pending::None,
            counters: Counters {
                consumed_per_provider: vec![0; n_providers as usize],
                ..Counters::default()
            },
        }
    }

    /// The scale this year was generated for.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Days completed so far (0..=365): every line of day `d` has been produced once this
    /// exceeds `d`.
    pub fn days_done(&self) -> u64 {
        match self.phase {
            Phase::Tariffs | Phase::Budgets | Phase::Contracts => 0,
            _ => u64::from(self.day),
        }
    }

    /// Appends the next line (with its trailing `\n`) to `out` and returns its type, or
    /// returns `None` (appending nothing) once the year is complete.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        let kind = self.produce(out)?;
        self.counters.per_kind[kind.index()] += 1;
        Some(kind)
    }

    /// The figures so far; complete once [`Generator::next_line`] has returned `None`.
    pub fn figures(&self) -> Figures {
        let counters = &self.counters;
        let count = |kind: LineKind| counters.per_kind[kind.index()];
        let per_provider = (0..self.n_providers)
            .map(|p| {
                (
                    provider_agb(p).to_string(),
                    region_code(provider_region(p)),
                    counters.consumed_per_provider[p as usize],
                )
            })
            .collect();
        Figures {
            lines: counters.per_kind.iter().sum(),
            per_kind: counters.per_kind,
            care_days: count(LineKind::DeliverCare),
            care_starts: count(LineKind::StartCare) - count(LineKind::EndCare),
            switches: count(LineKind::EndCare),
            deaths: count(LineKind::WithdrawIndication),
            waiting_at_year_end: counters.waiting_at_year_end,
            switch_pending_at_year_end: counters.pending_at_year_end,
            consumed_cents: counters.consumed,
            waited_client_days: counters.waited,
            per_provider,
        }
    }

    /// The state machine: runs steps until one writes a line.
    fn produce(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        loop {
            let written = match self.phase {
                Phase::Tariffs => self.tariff(out),
                Phase::Budgets => self.budget(out),
                Phase::Contracts => self.contract(out),
                Phase::DayBegin => {
                    self.begin_day();
                    None
                }
                Phase::Choices => self.choice(out),
                Phase::Admissions => self.admission(out),
                Phase::Deliveries => self.delivery(out),
                Phase::Deaths => self.death(out),
                Phase::Done => return None,
            };
            if written.is_some() {
                return written;
            }
        }
    }

    /// Moves to `phase` with the cursor at its start.
    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.cursor = 0;
    }

    fn tariff(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        let Some(&(code, tariff)) = PROFILES.get(self.cursor) else {
            self.enter(Phase::Budgets);
            return None;
        };
        self.cursor += 1;
        text::set_tariff(out, code, tariff);
        Some(LineKind::SetTariff)
    }

    fn budget(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        if self.cursor >= REGIONS as usize {
            self.enter(Phase::Contracts);
            return None;
        }
        self.cursor += 1;
        let region = self.cursor as u32;
        text::set_region_budget(out, region_code(region), self.scale.region_budget_cents());
        Some(LineKind::SetRegionBudget)
    }

    fn contract(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        if self.cursor >= self.n_providers as usize {
            self.enter(Phase::DayBegin);
            return None;
        }
        let p = self.cursor as u32;
        self.cursor += 1;
        let region = region_code(provider_region(p));
        let bp = provider_pct(p) * 100;
        text::contract_provider(out, provider_agb(p), region, provider_places(p), bp);
        Some(LineKind::ContractProvider)
    }

    /// Step 1 (places free) and the sorting of today's choices.
    fn begin_day(&mut self) {
        for provider in &mut self.providers {
            provider.occupied -= provider.freed;
            provider.freed = 0;
        }
        let mut today = std::mem::take(&mut self.choices_by_day[usize::from(self.day)]);
        today.sort_unstable();
        self.today = today;
        self.enter(Phase::Choices);
    }

    /// Step 2: first choices (two lines each) and switch choices, ascending client id.
    fn choice(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        let day = self.day;
        let on = &self.dates[usize::from(day)];
        if let Pending::ActiveChoice(c) = self.pending {
            self.pending = Pending::None;
            let first = self.clients[c as usize].provider;
            text::choose_provider(out, c, provider_agb(first), on, "active");
            return Some(LineKind::ChooseProvider);
        }
        while let Some(&c) = self.today.get(self.cursor) {
            self.cursor += 1;
            let client = &mut self.clients[c as usize];
            if client.first_day == day && client.status == Status::NotYet {
                client.status = Status::Waiting;
                self.providers[client.provider as usize].queue.push_back(c);
                self.counters.waiting_now += 1;
                self.pending = Pending::ActiveChoice(c);
                let (code, _) = PROFILES[usize::from(client.profile)];
                text::grant_indication(out, c, code, region_code(1 + c % REGIONS), on);
                return Some(LineKind::GrantIndication);
            }
            if client.switch_day == day && client.status == Status::InCare {
                client.status = Status::SwitchPending;
                self.providers[client.target as usize].queue.push_back(c);
                self.counters.pending_now += 1;
                text::choose_provider(out, c, provider_agb(client.target), on, "preference");
                return Some(LineKind::ChooseProvider);
            }
            // Otherwise the client died before its switch day: skipped.
        }
        self.enter(Phase::Admissions);
        None
    }

    /// Step 3: admissions, providers in ascending id, each while it has room and a queue.
    fn admission(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        let day = self.day;
        let on = &self.dates[usize::from(day)];
        if let Pending::SwitchStart(c) = self.pending {
            self.pending = Pending::None;
            let target = self.clients[c as usize].provider;
            text::start_care(out, c, provider_agb(target), on);
            return Some(LineKind::StartCare);
        }
        while self.cursor < self.n_providers as usize {
            let p = self.cursor;
            let provider = &mut self.providers[p];
            if provider.occupied >= provider.places {
                self.cursor += 1;
                continue;
            }
            let Some(c) = provider.queue.pop_front() else {
                self.cursor += 1;
                continue;
            };
            let client = &mut self.clients[c as usize];
            match client.status {
                Status::Waiting => {
                    provider.occupied += 1;
                    client.status = Status::InCare;
                    self.counters.waiting_now -= 1;
                    if client.target != NO_PROVIDER && day < LAST_DAY {
                        let span = u64::from(LAST_DAY - day);
                        // u7 % span < span <= 364, so the day fits in u16.
                        let offset = u16::try_from(client.u7 % span).unwrap_or(0);
                        let switch_day = day + 1 + offset;
                        client.switch_day = switch_day;
                        self.choices_by_day[usize::from(switch_day)].push(c);
                    }
                    text::start_care(out, c, provider_agb(p as u32), on);
                    return Some(LineKind::StartCare);
                }
                Status::SwitchPending => {
                    provider.occupied += 1;
                    let old = client.provider;
                    client.provider = p as u32;
                    client.status = Status::Switched;
                    self.providers[old as usize].freed += 1;
                    self.counters.pending_now -= 1;
                    self.pending = Pending::SwitchStart(c);
                    text::end_care_transfer(out, c, provider_agb(old), on);
                    return Some(LineKind::EndCare);
                }
                // Dead (or, never, any other status): the entry is dropped and takes no place.
                _ => continue,
            }
        }
        // End of admissions: the waiting lists as they stand on date `day`.
        self.counters.waited += self.counters.waiting_now;
        if day == LAST_DAY {
            self.counters.waiting_at_year_end = self.counters.waiting_now;
            self.counters.pending_at_year_end = self.counters.pending_now;
        }
        self.enter(Phase::Deliveries);
        None
    }

    /// Step 4: one `deliver_care` per client in care, ascending client id.
    fn delivery(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        while let Some(client) = self.clients.get(self.cursor) {
            let c = self.cursor as u32;
            self.cursor += 1;
            if !client.status.in_care() {
                continue;
            }
            let p = client.provider;
            let amount = PROFILES[usize::from(client.profile)].1 * provider_pct(p) / 100;
            self.counters.consumed += amount;
            self.counters.consumed_per_provider[p as usize] += amount;
            let day = usize::from(self.day);
            let delivery = text::Delivery {
                client: c,
                agb: provider_agb(p),
                day: self.day,
                from: &self.dates[day],
                until: &self.dates[day + 1],
                amount,
            };
            text::deliver_care(out, &delivery);
            return Some(LineKind::DeliverCare);
        }
        self.enter(Phase::Deaths);
        None
    }

    /// Step 5: deaths of the day, ascending client id, withdrawn the next day.
    fn death(&mut self, out: &mut Vec<u8>) -> Option<LineKind> {
        let day = usize::from(self.day);
        if let Some(&c) = self.deaths_by_day[day].get(self.cursor) {
            self.cursor += 1;
            let client = &mut self.clients[c as usize];
            match client.status {
                Status::InCare | Status::Switched => {
                    self.providers[client.provider as usize].freed += 1;
                }
                Status::SwitchPending => {
                    self.providers[client.provider as usize].freed += 1;
                    self.counters.pending_now -= 1;
                }
                Status::Waiting => self.counters.waiting_now -= 1,
                Status::NotYet | Status::Dead => {}
            }
            client.status = Status::Dead;
            text::withdraw_indication_deceased(out, c, &self.dates[day + 1]);
            return Some(LineKind::WithdrawIndication);
        }
        self.deaths_by_day[day] = Vec::new();
        self.day += 1;
        if self.day == YEAR_DAYS {
            self.enter(Phase::Done);
        } else {
            self.enter(Phase::DayBegin);
        }
        None
    }
}

/// Draws the ten numbers of client `c` (section 3); all ten are always taken.
fn draw_client(c: u32, rng: &mut SplitMix64, draws: &RegionDraws) -> Client {
    let u: [u64; 10] = std::array::from_fn(|_| rng.next_u64());
    let region = 1 + c % REGIONS;
    // Every value below is reduced modulo at most 364 first, so the casts cannot truncate.
    let small = |v: u64| u16::try_from(v).unwrap_or(NO_DAY);
    let first_day = if u[0] % 100 < 75 {
        0
    } else {
        small(1 + u[1] % 364)
    };
    let group = u[2] % 100;
    let profile = if group < 70 {
        u[3] % 7
    } else if group < 90 {
        7 + u[3] % 5
    } else {
        12 + u[3] % 5
    };
    // Every region has at least one provider (P >= 31), so the first draw always succeeds.
    let first = draws.draw(region, u[4], None).unwrap_or(c % REGIONS);
    let target = if u[5] % 100 < 5 {
        draws.draw(region, u[6], Some(first)).unwrap_or(NO_PROVIDER)
    } else {
        NO_PROVIDER
    };
    let death_day = if u[8] % 100 < 8 && first_day < LAST_DAY {
        let span = u64::from(LAST_DAY - first_day);
        first_day + 1 + small(u[9] % span)
    } else {
        NO_DAY
    };
    Client {
        u7: u[7],
        provider: first,
        target,
        first_day,
        death_day,
        switch_day: NO_DAY,
        status: Status::NotYet,
        profile: u8::try_from(profile).unwrap_or(0),
    }
}

/// Size of the chunks handed to the writer by [`write_year`].
const WRITE_CHUNK: usize = 1 << 16;

/// Generates the whole year for `seed` and `scale` into `writer` and returns its figures.
///
/// Lines are collected in a reused 64 KiB buffer and written in chunks; the writer is flushed
/// at the end. `progress` is called once per day `d = 0..=364`, with `d`, as soon as every
/// line of that day has been generated (possibly before it has reached the writer).
pub fn write_year<W: Write>(
    seed: u64,
    scale: Scale,
    mut writer: W,
    mut progress: impl FnMut(u64),
) -> io::Result<Figures> {
    let mut generator = Generator::new(seed, scale);
    let mut buffer = Vec::with_capacity(WRITE_CHUNK + 512);
    let mut reported = 0u64;
    loop {
        let more = generator.next_line(&mut buffer).is_some();
        while reported < generator.days_done() {
            progress(reported);
            reported += 1;
        }
        if buffer.len() >= WRITE_CHUNK || (!more && !buffer.is_empty()) {
            writer.write_all(&buffer)?;
            buffer.clear();
        }
        if !more {
            break;
        }
    }
    writer.flush()?;
    Ok(generator.figures())
}
