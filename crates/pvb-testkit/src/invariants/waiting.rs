//! INV-15, the Rosa Spier invariant, judged at the end of every day.
//!
//! At the end of day `E` a listed client *could have started* at a provider when: it chose the
//! provider on or before `E`, is not in care there, holds a valid indication on `E`; the
//! provider's contract for `E`'s year has more places than clients in care on `E`; and the
//! region's pool covers the reservation a start on `E` would make in every year it would make
//! one (`E`'s year, and every later year the region already has a budget for), with a tariff
//! for each.
//!
//! When is a day over? The log has no wall clock, only business dates, and an event may be
//! recorded days after the date it carries (a back-dated indication, a budget dated 1
//! January). The auditor's *today* is the latest date of the client events seen (indications,
//! choices, starts, ends, withdrawals). When an event dated `D'` later than today arrives, the
//! day `D' - 1` is over: the lists are judged as they stand just before that event. Everything
//! recorded since the previous client event may have been recorded as late as `D'`, so this is
//! the most lenient reading the log allows.
//!
//! Some events say nothing of the day they were recorded: an office's budget, contract, tariff
//! or transfer, and a client event dated before today (back-dated). A judgement after such an
//! event may hold facts recorded later than the day it judges, so it starts no streak (it does
//! continue one that was running): what such an event makes possible counts from the next
//! judgement on.
//!
//! A client who could have started at two judgements in a row, on different days, and after
//! every event in between (the auditor checks the clients of a running streak after each
//! event, so a place taken and given back, or a pool drained and refilled, breaks it), waited
//! at least one whole day with a free place and pool money: a violation, reported once per
//! streak.
//! The day of grace is the pvb-year workload's: a place given up on day `d` is taken on day
//! `d + 1`. The last day of the log is not judged: it is not known to be over.

use pvb_core::{january_first, Account, Money, ProviderId, RegionId, Year};
use time::Date;

use super::auditor::{days_between, Auditor, Contract};

/// A client who could have started at a provider since the end of `since`, without a break.
#[derive(Clone, Copy, Debug)]
pub(super) struct Streak {
    since: Date,
    reported: bool,
}

/// Why a client could have started: the numbers for the explanation.
struct Startable {
    since: Date,
    region: RegionId,
    year: Year,
    needed: i128,
    pool: i128,
}

impl Auditor {
    /// Judges the waiting lists at the end of `day`.
    pub(super) fn end_of_day(&mut self, day: Date) {
        if !self.inv15_enabled() {
            return;
        }
        let mut startable = Vec::new();
        for (provider, books) in &self.providers {
            if books.listed.is_empty() {
                continue;
            }
            let Some(free) = self.free_place(*provider, day) else {
                continue;
            };
            for &client in &books.listed {
                if let Some(s) = self.could_start(client, *provider, day) {
                    startable.push(((client, *provider), free, s));
                }
            }
        }
        self.evaluated = Some(day);
        // After an event of unknown recording day, this judgement may hold facts recorded
        // later: it continues streaks but starts none.
        let may_start = !std::mem::take(&mut self.uncertain);
        let mut running = std::mem::take(&mut self.streaks);
        for (key, free, s) in startable {
            match running.remove(&key) {
                Some(mut streak) if streak.since < day => {
                    if !streak.reported {
                        streak.reported = true;
                        let explanation = explain(
                            &self.clients[key.0 as usize].id.to_string(),
                            key.1,
                            free,
                            (streak.since, day),
                            &s,
                        );
                        self.report_inv15(explanation);
                    }
                    self.streaks.insert(key, streak);
                }
                Some(streak) => {
                    self.streaks.insert(key, streak);
                }
                None if may_start => {
                    self.streaks.insert(
                        key,
                        Streak {
                            since: day,
                            reported: false,
                        },
                    );
                }
                None => {}
            }
        }
    }

    /// After an event: a streak whose client could no longer start (today) is broken.
    pub(super) fn recheck_streaks(&mut self) {
        let Some(today) = self.clock else {
            return;
        };
        let keys: Vec<(u32, ProviderId)> = self.streaks.keys().copied().collect();
        for key in keys {
            let holds = self.free_place(key.1, today).is_some()
                && self.could_start(key.0, key.1, today).is_some();
            if !holds {
                self.streaks.remove(&key);
            }
        }
    }

    /// `(in care, contract)` when the provider has a free place on `day`.
    fn free_place(&self, provider: ProviderId, day: Date) -> Option<(u32, Contract)> {
        let books = self.providers.get(&provider)?;
        let contract = books.contracts.get(&day.year()).copied()?;
        let in_care = books.occupancy(day);
        (in_care < contract.places).then_some((in_care, contract))
    }

    fn could_start(&self, c: u32, provider: ProviderId, day: Date) -> Option<Startable> {
        let client = self.clients.get(c as usize)?;
        let choice = client
            .choices
            .iter()
            .find(|x| x.provider == provider && x.listed && x.on <= day)?;
        if client.in_care_at(provider, day) {
            return None;
        }
        let indication = client.indication_on(day)?;
        let region = indication.region;
        let first = day.year();
        if !self.budgets.contains(&(region, first)) {
            return None;
        }
        let last = self
            .budgets
            .range((region, Year::MIN)..=(region, Year::MAX))
            .next_back()
            .map_or(first, |(_, y)| *y)
            .max(first);
        let mut tightest: Option<(Year, i128, i128)> = None;
        for year in first..=last {
            if year != first && !self.budgets.contains(&(region, year)) {
                continue;
            }
            let rate = self
                .day_tariff(provider, year, indication.profile, choice.form)
                .ok()?;
            let start = day.max(january_first(year));
            let needed = rate * i128::from(days_between(start, january_first(year + 1)));
            let pool = self.balance(Account::pool(region), year);
            if pool < needed {
                return None;
            }
            if tightest.is_none_or(|(_, n, p)| pool - needed < p - n) {
                tightest = Some((year, needed, pool));
            }
        }
        let (year, needed, pool) = tightest?;
        Some(Startable {
            since: choice.on,
            region,
            year,
            needed,
            pool,
        })
    }
}

fn money(cents: i128) -> Money {
    Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX))
}

fn explain(
    client: &str,
    provider: ProviderId,
    (in_care, contract): (u32, Contract),
    (earlier, day): (Date, Date),
    s: &Startable,
) -> String {
    format!(
        "client {client} has waited at provider {provider} since {} while from the end of {earlier} to the end of {day} the provider had a free place ({in_care} in care, {} places) and the pool of region {} for {} held {} against the {} the start needs",
        s.since,
        contract.places,
        s.region,
        s.year,
        money(s.pool),
        money(s.needed),
    )
}
