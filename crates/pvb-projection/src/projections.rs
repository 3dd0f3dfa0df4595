//! The fold: the [`Projection`] trait, and [`Projections`], which folds the built-in read
//! models and a user's own in one pass over the events a [`Filter`] lets through.
//!
//! It is not a reader of logs: the caller hands it events (or records) in position order.
//! It does not check positions: an event at a position it already folded is folded again.

use pvb_core::{Event, PayloadError, Position, RecordView, Urgency};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::budgets::{BudgetRow, Budgets, PoolRow};
use crate::filter::{Filter, Latest, Seen};
use crate::register::ClientRegister;
use crate::waiting::{RegionWaiting, WaitingLists, WaitingRow};
use crate::SNAPSHOT_VERSION;

/// A read model folded from events, one at a time, in position order.
///
/// `apply` cannot fail: the events were accepted by `decide`, and a projection only records
/// what they say. Inside [`Projections`] a projection sees the events of its [`Filter`]'s view,
/// a delivery crossing the as-of day already cut at that day.
pub trait Projection {
    /// Folds the event at `position`.
    fn apply(&mut self, position: Position, event: &Event);
}

/// No projection: the default extra of [`Projections`].
impl Projection for () {
    #[inline]
    fn apply(&mut self, _position: Position, _event: &Event) {}
}

impl<A: Projection, B: Projection> Projection for (A, B) {
    #[inline]
    fn apply(&mut self, position: Position, event: &Event) {
        self.0.apply(position, event);
        self.1.apply(position, event);
    }
}

impl<P: Projection + ?Sized> Projection for Box<P> {
    #[inline]
    fn apply(&mut self, position: Position, event: &Event) {
        (**self).apply(position, event);
    }
}

impl<P: Projection + ?Sized> Projection for &mut P {
    #[inline]
    fn apply(&mut self, position: Position, event: &Event) {
        (**self).apply(position, event);
    }
}

/// A set chosen at run time, e.g. `Vec<Box<dyn Projection + Send>>`, folded in order.
impl<P: Projection> Projection for Vec<P> {
    #[inline]
    fn apply(&mut self, position: Position, event: &Event) {
        for projection in self.iter_mut() {
            projection.apply(position, event);
        }
    }
}

/// The budgets, the waiting lists and the client register, plus a user's own projection `X`,
/// folded together in one pass over the view of a [`Filter`].
///
/// Serialized (for snapshots) it holds [`SNAPSHOT_VERSION`], the filter, the last position
/// folded and the three built-in projections, in a deterministic order: the same events give
/// the same bytes. `X` is not part of a snapshot: attach it again with
/// [`Projections::with_extra`] after loading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projections<X = ()> {
    filter: Filter,
    head: Position,
    latest: Latest,
    budgets: Budgets,
    waiting: WaitingLists,
    register: ClientRegister,
    extra: X,
}

impl Projections<()> {
    /// Empty projections of the whole log, every day.
    pub fn new() -> Projections<()> {
        Projections::default()
    }

    /// Empty projections of the view of `filter`.
    pub fn with_filter(filter: Filter) -> Projections<()> {
        Projections {
            filter,
            ..Projections::default()
        }
    }

    /// Folds `events` (in position order) in the view of `filter`. Stops at the first event
    /// after `filter.known_at`.
    pub fn fold<'e, I>(filter: Filter, events: I) -> Projections<()>
    where
        I: IntoIterator<Item = (Position, &'e Event)>,
    {
        Projections::fold_with(filter, (), events)
    }
}

impl<X: Projection> Projections<X> {
    /// Folds `events` (in position order) in the view of `filter`, with `extra` folded in the
    /// same pass. Stops at the first event after `filter.known_at`.
    pub fn fold_with<'e, I>(filter: Filter, extra: X, events: I) -> Projections<X>
    where
        I: IntoIterator<Item = (Position, &'e Event)>,
    {
        let mut projections = Projections::with_filter(filter).with_extra(extra);
        for (position, event) in events {
            if !filter.knows(position) {
                break;
            }
            projections.apply(position, event);
        }
        projections
    }

    /// Folds the event at `position`, if the filter's view holds it.
    #[inline]
    pub fn apply(&mut self, position: Position, event: &Event) {
        if !self.filter.knows(position) {
            return;
        }
        self.head = position;
        match self.filter.see_known(event) {
            Seen::Whole(event) => self.fold_seen(position, event),
            Seen::Clipped(event) => self.fold_seen(position, &event),
            Seen::Unknown | Seen::Later => {}
        }
    }

    /// Decodes a record and folds its event.
    pub fn apply_record(&mut self, record: &RecordView<'_>) -> Result<(), PayloadError> {
        if !self.filter.knows(record.position) {
            return Ok(());
        }
        let event = record.event()?;
        self.apply(record.position, &event);
        Ok(())
    }

    #[inline]
    fn fold_seen(&mut self, position: Position, event: &Event) {
        self.latest.note(event);
        self.budgets.apply(position, event);
        self.waiting.apply(position, event);
        self.register.apply(position, event);
        self.extra.apply(position, event);
    }

    /// The same projections with `extra` in place of the current extra.
    pub fn with_extra<Y: Projection>(self, extra: Y) -> Projections<Y> {
        Projections {
            filter: self.filter,
            head: self.head,
            latest: self.latest,
            budgets: self.budgets,
            waiting: self.waiting,
            register: self.register,
            extra,
        }
    }
}

impl<X> Projections<X> {
    /// The view being folded.
    pub fn filter(&self) -> Filter {
        self.filter
    }

    /// The last position folded (`Position(0)` before the first); an event hidden by `as_of`
    /// counts as folded.
    pub fn head(&self) -> Position {
        self.head
    }

    /// The date reports are as of: the filter's `as_of`, or without one the latest business
    /// date in the view (a delivery counting its last day); `None` for an empty view without
    /// `as_of`.
    pub fn reference_date(&self) -> Option<Date> {
        self.filter.as_of.or_else(|| self.latest.day())
    }

    /// The budgets.
    pub fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The waiting lists.
    pub fn waiting(&self) -> &WaitingLists {
        &self.waiting
    }

    /// The client register.
    pub fn register(&self) -> &ClientRegister {
        &self.register
    }

    /// The user's own projection.
    pub fn extra(&self) -> &X {
        &self.extra
    }

    /// The user's own projection, to change it.
    pub fn extra_mut(&mut self) -> &mut X {
        &mut self.extra
    }

    /// The user's own projection, taken out.
    pub fn into_extra(self) -> X {
        self.extra
    }

    /// The budgets report: every provider account, sorted by provider, region and year.
    pub fn budget_rows(&self) -> Vec<BudgetRow> {
        self.budgets.rows()
    }

    /// Every pool, sorted by region and year.
    pub fn pool_rows(&self) -> Vec<PoolRow> {
        self.budgets.pools()
    }

    /// The waiting report as of [`Projections::reference_date`], by provider and position.
    pub fn waiting_rows(&self) -> Vec<WaitingRow> {
        self.reference_date()
            .map(|day| self.waiting.rows(day))
            .unwrap_or_default()
    }

    /// Per-region waiting as of [`Projections::reference_date`], sorted by region.
    pub fn region_waiting(&self) -> Vec<RegionWaiting> {
        self.reference_date()
            .map(|day| self.waiting.regions(day))
            .unwrap_or_default()
    }

    /// Client-days with `status` through [`Projections::reference_date`] (see
    /// [`WaitingLists::waited_client_days`]); 0 for an empty view.
    pub fn waited_client_days(&self, status: Urgency) -> i64 {
        self.reference_date()
            .map(|day| self.waiting.waited_client_days(status, day))
            .unwrap_or(0)
    }
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    snapshot_version: u32,
    filter: &'a Filter,
    head: Position,
    latest: &'a Latest,
    budgets: &'a Budgets,
    waiting: &'a WaitingLists,
    register: &'a ClientRegister,
}

#[derive(Deserialize)]
struct SnapshotData {
    snapshot_version: u32,
    filter: Filter,
    head: Position,
    latest: Latest,
    budgets: Budgets,
    waiting: WaitingLists,
    register: ClientRegister,
}

impl<X> Serialize for Projections<X> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SnapshotRef {
            snapshot_version: SNAPSHOT_VERSION,
            filter: &self.filter,
            head: self.head,
            latest: &self.latest,
            budgets: &self.budgets,
            waiting: &self.waiting,
            register: &self.register,
        }
        .serialize(serializer)
    }
}

/// Refuses a snapshot written by another [`SNAPSHOT_VERSION`]: rebuild from the log instead.
impl<'de> Deserialize<'de> for Projections<()> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = SnapshotData::deserialize(deserializer)?;
        if data.snapshot_version != SNAPSHOT_VERSION {
            return Err(D::Error::custom(format!(
                "snapshot version {} is not this version's {SNAPSHOT_VERSION}; rebuild the \
                 projections from the log",
                data.snapshot_version
            )));
        }
        Ok(Projections {
            filter: data.filter,
            head: data.head,
            latest: data.latest,
            budgets: data.budgets,
            waiting: data.waiting,
            register: data.register,
            extra: (),
        })
    }
}
