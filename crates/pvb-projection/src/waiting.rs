//! The waiting-lists projection (DESIGN.md section 6): who waits for which provider, with which
//! status, since when; each provider's ordered list; per region the count by status, the
//! median wait and the number waiting beyond the Treeknorm.
//!
//! It is not a placement engine: it never decides who is admitted. It follows the events:
//! - `ProviderChosen` puts the client on the provider's list with the urgency as status; a
//!   repeated choice while listed there changes the status and keeps the place and the
//!   original choice date;
//! - `ChoiceWithdrawn` takes the client off that provider's list;
//! - `CareStarted` (anywhere) and `IndicationWithdrawn` (any indication) take the client off
//!   every list. A choice and a start on the same day leave the client off the list at the end
//!   of that day: "unless care starts there that day".
//!
//! A client's region is the region of the last indication granted to it in the view.

use pvb_core::{ClientId, Event, Position, ProviderId, RegionId, Urgency};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::period::ymd;
use crate::Projection;

/// The Treeknorm: 13 weeks. A wait is beyond it when it is strictly longer: 92 days or more.
pub const TREEKNORM_DAYS: i64 = 91;

/// One place on a provider's list, as of a date. CSV columns
/// `provider,position,client,status,since,days_waiting`, in this order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WaitingRow {
    /// The provider.
    pub provider: ProviderId,
    /// 1-based place on the provider's list: urgent first, then by choice date, then by
    /// client id (as text).
    pub position: u32,
    /// The client.
    pub client: ClientId,
    /// The waiting status (the urgency of the latest choice of this provider).
    pub status: Urgency,
    /// The date of the choice that put the client on this list.
    #[serde(with = "ymd")]
    pub since: Date,
    /// The report date minus `since`, in days (0 on the day of the choice).
    pub days_waiting: i64,
}

/// A region's waiting, as of a date. Counts are of places on lists: a client on two lists
/// counts twice (`clients` counts each client once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionWaiting {
    /// The clients' region.
    pub region: RegionId,
    /// Places with status `urgent`.
    pub urgent: u32,
    /// Places with status `active`.
    pub active: u32,
    /// Places with status `preference`.
    pub preference: u32,
    /// Places with status `precaution`.
    pub precaution: u32,
    /// All places.
    pub total: u32,
    /// Distinct clients on at least one list.
    pub clients: u32,
    /// The lower median of the places' waits in days: with `n` waits sorted ascending, the one
    /// at 1-based rank `(n + 1) / 2` (rounded down), so it is always a wait that occurs.
    pub median_days: i64,
    /// Places waiting longer than the Treeknorm: `days_waiting > 91`.
    pub beyond_treeknorm: u32,
}

/// One place on a list, inside the fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Listing {
    provider: ProviderId,
    status: Urgency,
    /// The choice date that put the client on the list; a repeated choice keeps it.
    #[serde(with = "ymd")]
    since: Date,
    /// The date the current status began (for waited client-days).
    #[serde(with = "ymd")]
    status_since: Date,
}

const fn status_index(status: Urgency) -> usize {
    match status {
        Urgency::Urgent => 0,
        Urgency::Active => 1,
        Urgency::Preference => 2,
        Urgency::Precaution => 3,
    }
}

/// Urgent places come first; every other status waits in one queue.
const fn rank(status: Urgency) -> u8 {
    match status {
        Urgency::Urgent => 0,
        Urgency::Active | Urgency::Preference | Urgency::Precaution => 1,
    }
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

/// Waiting lists of every provider. Fold it with [`Projection::apply`]; read it with
/// [`WaitingLists::rows`] and [`WaitingLists::regions`] for a report date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaitingLists {
    /// The region of the last indication granted to each client.
    regions: FxHashMap<ClientId, RegionId>,
    /// The places of each client that is on at least one list.
    listed: FxHashMap<ClientId, Vec<Listing>>,
    /// Per status (in `Urgency::ALL` order): days of places that held the status and lost it.
    closed_days: [i64; 4],
}

impl WaitingLists {
    /// No lists.
    pub fn new() -> WaitingLists {
        WaitingLists::default()
    }

    /// Closes the status period of `listing` on `on` (never negative).
    fn close(closed_days: &mut [i64; 4], listing: &Listing, on: Date) {
        let held = days(listing.status_since, on).max(0);
        let slot = &mut closed_days[status_index(listing.status)];
        *slot = slot.saturating_add(held);
    }

    fn choose(&mut self, client: &ClientId, provider: ProviderId, status: Urgency, on: Date) {
        let listings = match self.listed.get_mut(client) {
            Some(listings) => listings,
            None => self.listed.entry(client.clone()).or_default(),
        };
        match listings.iter_mut().find(|l| l.provider == provider) {
            Some(listing) => {
                if listing.status != status {
                    Self::close(&mut self.closed_days, listing, on);
                    listing.status = status;
                    listing.status_since = on;
                }
            }
            None => listings.push(Listing {
                provider,
                status,
                since: on,
                status_since: on,
            }),
        }
    }

    fn withdraw(&mut self, client: &ClientId, provider: Option<ProviderId>, on: Date) {
        let Some(listings) = self.listed.get_mut(client) else {
            return;
        };
        let closed_days = &mut self.closed_days;
        listings.retain(|l| {
            let leaves = provider.is_none_or(|p| p == l.provider);
            if leaves {
                Self::close(closed_days, l, on);
            }
            !leaves
        });
        if listings.is_empty() {
            self.listed.remove(client);
        }
    }

    /// Every place on every list as of `on`, by provider and position.
    pub fn rows(&self, on: Date) -> Vec<WaitingRow> {
        let mut places: Vec<(ProviderId, u8, Date, &ClientId, Urgency)> = self
            .listed
            .iter()
            .flat_map(|(client, listings)| {
                listings
                    .iter()
                    .map(move |l| (l.provider, rank(l.status), l.since, client, l.status))
            })
            .collect();
        places.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        let mut rows = Vec::with_capacity(places.len());
        let mut position = 0u32;
        let mut previous = None;
        for (provider, _, since, client, status) in places {
            position = if previous == Some(provider) {
                position + 1
            } else {
                1
            };
            previous = Some(provider);
            rows.push(WaitingRow {
                provider,
                position,
                client: client.clone(),
                status,
                since,
                days_waiting: days(since, on),
            });
        }
        rows
    }

    /// The list of one provider as of `on`.
    pub fn list(&self, provider: ProviderId, on: Date) -> Vec<WaitingRow> {
        let mut rows = self.rows(on);
        rows.retain(|r| r.provider == provider);
        rows
    }

    /// Per region (the client's region), as of `on`, sorted by region; only regions with at
    /// least one place. A place whose client has no indication in the view has no region and
    /// is counted in no summary.
    pub fn regions(&self, on: Date) -> Vec<RegionWaiting> {
        // (region, client, status, days waiting), one per place.
        let mut places: Vec<(RegionId, &ClientId, Urgency, i64)> = self
            .listed
            .iter()
            .filter_map(|(client, listings)| {
                self.regions
                    .get(client)
                    .map(|region| (*region, client, listings))
            })
            .flat_map(|(region, client, listings)| {
                listings
                    .iter()
                    .map(move |l| (region, client, l.status, days(l.since, on)))
            })
            .collect();
        places.sort_unstable_by(|a, b| (a.0, a.3, a.1).cmp(&(b.0, b.3, b.1)));
        let mut out = Vec::new();
        for group in places.chunk_by(|a, b| a.0 == b.0) {
            let mut summary = RegionWaiting {
                region: group[0].0,
                urgent: 0,
                active: 0,
                preference: 0,
                precaution: 0,
                total: 0,
                clients: 0,
                median_days: 0,
                beyond_treeknorm: 0,
            };
            for (_, _, status, waited) in group {
                match status {
                    Urgency::Urgent => summary.urgent += 1,
                    Urgency::Active => summary.active += 1,
                    Urgency::Preference => summary.preference += 1,
                    Urgency::Precaution => summary.precaution += 1,
                }
                summary.total += 1;
                if *waited > TREEKNORM_DAYS {
                    summary.beyond_treeknorm += 1;
                }
            }
            // Sorted by wait: the lower median is at index (n - 1) / 2.
            summary.median_days = group[(group.len() - 1) / 2].3;
            let mut clients: Vec<&ClientId> = group.iter().map(|p| p.1).collect();
            clients.sort_unstable();
            clients.dedup();
            summary.clients = u32::try_from(clients.len()).unwrap_or(u32::MAX);
            out.push(summary);
        }
        out
    }

    /// Client-days with `status` up to and including `on`: for every place, the days from the
    /// date it took the status to the date of the event that ended it (a new status, a
    /// withdrawal, a start of care), and for a place that still has it, the days from that
    /// date through `on`. With business dates in log order (as in the pvb-year workload) this
    /// is the sum over every date up to `on` of the places with `status` on that date:
    /// WORKLOAD.md checksum (b) for `Active` as of 2026-12-31.
    pub fn waited_client_days(&self, status: Urgency, on: Date) -> i64 {
        let closed = self.closed_days[status_index(status)];
        self.listed
            .values()
            .flatten()
            .filter(|l| l.status == status)
            .fold(closed, |sum, l| {
                sum.saturating_add((days(l.status_since, on) + 1).max(0))
            })
    }

    /// The number of places on all lists.
    pub fn len(&self) -> usize {
        self.listed.values().map(Vec::len).sum()
    }

    /// True when nobody is on any list.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The region of the last indication granted to `client`.
    pub fn region_of(&self, client: &ClientId) -> Option<RegionId> {
        self.regions.get(client).copied()
    }
}

impl Projection for WaitingLists {
    #[inline]
    fn apply(&mut self, _position: Position, event: &Event) {
        match event {
            Event::ProviderChosen(e) => self.choose(&e.client, e.provider, e.urgency, e.on),
            Event::ChoiceWithdrawn(e) => self.withdraw(&e.client, Some(e.provider), e.on),
            Event::CareStarted(e) => self.withdraw(&e.client, None, e.on),
            Event::IndicationWithdrawn(e) => self.withdraw(&e.client, None, e.on),
            Event::IndicationGranted(e) => match self.regions.get_mut(&e.client) {
                Some(region) => *region = e.region,
                None => {
                    self.regions.insert(e.client.clone(), e.region);
                }
            },
            Event::RegionBudgetSet(_)
            | Event::ProviderContracted(_)
            | Event::TariffSet(_)
            | Event::CareEnded(_)
            | Event::CareDelivered(_)
            | Event::DeliveryReversed(_)
            | Event::BudgetTransferred(_)
            | Event::BudgetReserved(_)
            | Event::BudgetReleased(_) => {}
        }
    }
}

/// The serialized form: one entry per client, sorted by client id.
#[derive(Serialize, Deserialize)]
struct WaitingData {
    clients: Vec<ClientEntry>,
    closed_days: [i64; 4],
}

#[derive(Serialize, Deserialize)]
struct ClientEntry {
    client: ClientId,
    #[serde(default)]
    region: Option<RegionId>,
    #[serde(default)]
    listings: Vec<Listing>,
}

impl Serialize for WaitingLists {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut clients: Vec<ClientEntry> = self
            .regions
            .iter()
            .map(|(client, region)| ClientEntry {
                client: client.clone(),
                region: Some(*region),
                listings: self.listed.get(client).cloned().unwrap_or_default(),
            })
            .collect();
        clients.extend(
            self.listed
                .iter()
                .filter(|(client, _)| !self.regions.contains_key(*client))
                .map(|(client, listings)| ClientEntry {
                    client: client.clone(),
                    region: None,
                    listings: listings.clone(),
                }),
        );
        clients.sort_unstable_by(|a, b| a.client.cmp(&b.client));
        for entry in &mut clients {
            entry.listings.sort_unstable_by_key(|l| l.provider);
        }
        WaitingData {
            clients,
            closed_days: self.closed_days,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WaitingLists {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = WaitingData::deserialize(deserializer)?;
        let mut lists = WaitingLists {
            closed_days: data.closed_days,
            ..WaitingLists::default()
        };
        for entry in data.clients {
            if let Some(region) = entry.region {
                lists.regions.insert(entry.client.clone(), region);
            }
            if !entry.listings.is_empty() {
                lists.listed.insert(entry.client, entry.listings);
            }
        }
        Ok(lists)
    }
}
