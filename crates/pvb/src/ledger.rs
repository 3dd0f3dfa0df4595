//! The `Ledger`: decide, append, apply, over any `EventLog`.
//!
//! `execute` runs one command: the rules decide it against the current state; an accepted
//! command's events are appended durably as one batch and only then folded into the state and
//! the projections. A rejected command leaves the log and the state untouched. `execute_batch`
//! decides many commands one by one (each sees the ones accepted before it) and appends all
//! accepted events in one durable batch.
//!
//! It is not a store (see `pvb-store`) and it does not parse files (see [`crate::import`]).

use std::ops::ControlFlow;
use std::sync::mpsc;

use pvb_core::{
    decide, AppendError, Command, Condition, Event, EventId, EventLog, NewRecord, Policy, Position,
    Pseudonymiser, Rejection, State,
};

use crate::jsonl::command_event_id;
use pvb_projection::{Filter, Projection, Projections};

/// Why the ledger failed (not why a command was refused: that is a [`Rejection`]).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError<E: std::error::Error + 'static> {
    /// The log failed.
    #[error("log: {0}")]
    Log(#[source] E),
    /// An append conflicted: another writer appended first. Reopen to catch up.
    #[error("another writer appended first: the log's head is {actual}, this ledger expected {expected}; reopen it")]
    Conflict {
        /// Head this ledger knew.
        expected: Position,
        /// Head the log has.
        actual: Position,
    },
    /// A batch the log refused as malformed (a bug or a limit).
    #[error("the log refused the batch: {0}")]
    InvalidBatch(String),
    /// A record in the log did not decode: the log holds bytes this build cannot read.
    #[error("record at position {position} does not decode: {reason}")]
    Undecodable {
        /// Its position.
        position: Position,
        /// Why.
        reason: String,
    },
    /// An earlier append failed; the in-memory state may be ahead of the log. Reopen.
    #[error("an earlier append failed; reopen the ledger to continue from what the log holds")]
    Poisoned,
    /// Drawing the random seed for event ids failed.
    #[error("no random seed for event ids: {0}")]
    Random(String),
}

/// What happened to one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted: its events are in the log from `first` on.
    Accepted {
        /// Position of its first event.
        first: Position,
        /// Number of events.
        events: usize,
    },
    /// Its id was already in the log: nothing was appended (an idempotent retry or re-import).
    Duplicate {
        /// Position of its first event, recorded earlier.
        position: Position,
    },
    /// Refused by a rule; nothing was appended.
    Rejected(Rejection),
}

/// Options for opening a ledger.
pub struct Options {
    /// The funding policy.
    pub policy: Policy,
    /// The pseudonymisation key (never stored in the log).
    pub key: [u8; 32],
    /// Transaction-time clock, microseconds since the Unix epoch. Defaults to the system clock.
    pub clock: Box<dyn FnMut() -> i64 + Send>,
}

impl Options {
    /// Options with `policy` and `key` and the system clock.
    pub fn new(policy: Policy, key: [u8; 32]) -> Options {
        Options {
            policy,
            key,
            clock: Box::new(system_clock_us),
        }
    }
}

/// Microseconds since the Unix epoch from the system clock (0 if it is before 1970).
pub fn system_clock_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A command to execute, with the caller's optional id for idempotency.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The caller's id (the JSON line's `"id"`); `None` draws a fresh event id.
    pub id: Option<String>,
    /// The command.
    pub command: Command,
}

/// The answer of [`Ledger::execute_all_or_nothing`]: every outcome, or the index of the first
/// refused submission and why (nothing appended).
pub type AllOrNothing = Result<Vec<Outcome>, (usize, Rejection)>;

/// The ledger over a log `L`.
pub struct Ledger<L: EventLog> {
    log: L,
    /// The projections, folded only from durable batches (on the writing thread).
    views: Projections,
    core: Core,
}

/// The ledger's rules side: everything but the log and the projections, so that those two can
/// be lent to a second thread (see [`Ledger::execute_pipelined`]) while the rules run on this
/// one.
struct Core {
    policy: Policy,
    state: State,
    pseudonymiser: Pseudonymiser,
    /// The last durable position (folded into the projections).
    head: Position,
    id_seed: [u8; 32],
    next_id: u64,
    clock: Box<dyn FnMut() -> i64 + Send>,
    poisoned: bool,
}

/// A batch decided against the state (and folded into it), not yet in the log.
struct Prepared {
    outcomes: Vec<Outcome>,
    batch: Decided,
}

/// The events of a decided batch with their ids: what the writing side encodes and appends.
struct Decided {
    ids: Vec<EventId>,
    events: Vec<Event>,
    recorded_at: i64,
}

impl Decided {
    fn len(&self) -> usize {
        self.events.len()
    }

    /// The records to append.
    fn encode(&self) -> Vec<NewRecord> {
        self.encode_into(Vec::new())
    }

    /// The records to append, written into the buffers of `spare` (records of an earlier
    /// batch), so that a steady stream of batches allocates nothing per event.
    fn encode_into(&self, mut spare: Vec<NewRecord>) -> Vec<NewRecord> {
        spare.truncate(self.events.len());
        for (record, (id, event)) in spare.iter_mut().zip(self.ids.iter().zip(&self.events)) {
            record.reencode(*id, self.recorded_at, event);
        }
        let done = spare.len();
        spare.extend(
            self.ids
                .iter()
                .zip(&self.events)
                .skip(done)
                .map(|(id, event)| NewRecord::encode(*id, self.recorded_at, event)),
        );
        spare
    }
}

/// Folds a durable batch into the projections.
fn fold<E>(
    views: &mut Projections,
    appended: &Result<Vec<Position>, AppendError<E>>,
    events: &[Event],
) {
    if let Ok(positions) = appended {
        for (position, event) in positions.iter().zip(events) {
            views.apply(*position, event);
        }
    }
}

impl<L: EventLog> Ledger<L> {
    /// Opens `log` and folds every record into the state and the projections.
    pub fn open(log: L, options: Options) -> Result<Ledger<L>, LedgerError<L::Error>> {
        Self::open_with_views(
            log,
            options,
            Projections::new(),
            State::new(),
            Position::EMPTY,
        )
    }

    /// Opens `log` starting from a state and views already folded up to `from` (a snapshot),
    /// folding only the records after it.
    pub(crate) fn open_with_views(
        log: L,
        options: Options,
        views: Projections,
        state: State,
        from: Position,
    ) -> Result<Ledger<L>, LedgerError<L::Error>> {
        let mut id_seed = [0u8; 32];
        getrandom::fill(&mut id_seed).map_err(|e| LedgerError::Random(e.to_string()))?;
        let mut ledger = Ledger {
            log,
            views,
            core: Core {
                head: from,
                policy: options.policy,
                state,
                pseudonymiser: Pseudonymiser::new(options.key),
                id_seed,
                next_id: 0,
                clock: options.clock,
                poisoned: false,
            },
        };
        ledger.catch_up()?;
        Ok(ledger)
    }

    /// Folds every record after the ledger's head (another writer's appends, or the whole log).
    pub fn catch_up(&mut self) -> Result<(), LedgerError<L::Error>> {
        let mut failure = None;
        let core = &mut self.core;
        let (state, views) = (&mut core.state, &mut self.views);
        let mut head = core.head;
        self.log
            .read(head.next(), &mut |record| match record.event() {
                Ok(event) => {
                    state.apply(&event);
                    views.apply(record.position, &event);
                    head = record.position;
                    ControlFlow::Continue(())
                }
                Err(e) => {
                    failure = Some(undecodable(record.position, &e));
                    ControlFlow::Break(())
                }
            })
            .map_err(LedgerError::Log)?;
        core.head = head;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The funding policy.
    pub fn policy(&self) -> Policy {
        self.core.policy
    }

    /// The write-side state (what `decide` sees).
    pub fn state(&self) -> &State {
        &self.core.state
    }

    /// The projections of the whole log (every day, as known now), kept up to date as the
    /// ledger appends.
    pub fn projections(&self) -> &Projections {
        &self.views
    }

    /// Folds the log again under `filter` (an as-of date, a known-at position, or both).
    pub fn replay(&mut self, filter: Filter) -> Result<Projections, LedgerError<L::Error>> {
        self.replay_with(filter, ())
    }

    /// Folds the log under `filter` with a projection of the caller's own, in the same pass as
    /// the built-in ones.
    pub fn replay_with<X: Projection + Send>(
        &mut self,
        filter: Filter,
        extra: X,
    ) -> Result<Projections<X>, LedgerError<L::Error>> {
        replay_log(&mut self.log, filter, extra)
    }

    /// The pseudonymiser of this ledger (for callers that parse BSNs themselves).
    pub fn pseudonymiser(&self) -> &Pseudonymiser {
        &self.core.pseudonymiser
    }

    /// The last position the ledger has folded.
    pub fn head(&self) -> Position {
        self.core.head
    }

    /// The log.
    pub fn log_mut(&mut self) -> &mut L {
        &mut self.log
    }

    /// Gives the log back.
    pub fn into_log(self) -> L {
        self.log
    }

    /// Executes one command.
    pub fn execute(&mut self, command: Command) -> Result<Outcome, LedgerError<L::Error>> {
        let mut outcomes = self.execute_batch(vec![Submission { id: None, command }])?;
        Ok(outcomes
            .pop()
            .unwrap_or(Outcome::Rejected(Rejection::AmountOverflow {
                what: "empty batch",
            })))
    }

    /// Executes `submissions` all or nothing: if any is refused, nothing is appended and the
    /// refusal is returned with the index of the refused submission. Used for messages whose
    /// commands belong together (an iWlz message). Submissions whose ids are all already in
    /// the log come back as duplicates.
    pub fn execute_all_or_nothing(
        &mut self,
        submissions: Vec<Submission>,
    ) -> Result<AllOrNothing, LedgerError<L::Error>> {
        if submissions.len() > 1 {
            // Decide on a scratch copy first; only a batch that is accepted whole goes on.
            let mut scratch = self.core.state.clone();
            for (index, submission) in submissions.iter().enumerate() {
                if let Some(id) = &submission.id {
                    if self
                        .log
                        .find(&command_event_id(id, 0))
                        .map_err(LedgerError::Log)?
                        .is_some()
                    {
                        continue;
                    }
                }
                match decide(&scratch, &submission.command, self.core.policy) {
                    Ok(events) => events.iter().for_each(|e| scratch.apply(e)),
                    Err(rejection) => return Ok(Err((index, rejection))),
                }
            }
        }
        let outcomes = self.execute_batch(submissions)?;
        if let Some((index, Outcome::Rejected(rejection))) = outcomes
            .iter()
            .enumerate()
            .find(|(_, o)| matches!(o, Outcome::Rejected(_)))
        {
            // A single submission refused: nothing was appended.
            return Ok(Err((index, rejection.clone())));
        }
        Ok(Ok(outcomes))
    }

    /// Executes commands one by one and appends the events of every accepted one in one durable
    /// batch. Returns one outcome per submission, in order.
    pub fn execute_batch(
        &mut self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<Outcome>, LedgerError<L::Error>> {
        if self.core.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let log = &mut self.log;
        let base = self.core.head;
        let prepared = self.core.prepare(submissions, base, &mut |id| {
            log.find(id).map_err(LedgerError::Log)
        })?;
        if prepared.batch.len() == 0 {
            return Ok(prepared.outcomes);
        }
        let records = prepared.batch.encode();
        let appended = self.log.append(&records, Condition::Head(base));
        fold(&mut self.views, &appended, &prepared.batch.events);
        self.core.commit(appended)?;
        Ok(prepared.outcomes)
    }

    /// Executes a stream of batches like [`execute_batch`](Self::execute_batch) each, with the
    /// durable append of one batch (on a second thread) overlapping the decisions of the next
    /// (on this one). `done` receives each batch's tag and outcomes in order, only once the
    /// batch is durable; returning [`ControlFlow::Break`] stops after that batch.
    ///
    /// The next batch is decided against a state that already holds the batch being written.
    /// If that write fails, the ledger is poisoned (as after a failed `execute_batch`), the
    /// error is returned, and no later batch is written or reported. A batch with caller ids
    /// waits for the batch before it to be durable first, so the log can say which ids it holds.
    /// Stopping with `Break` poisons the ledger when a batch was already decided after the
    /// stopping one (it is in the state but not in the log); when none was (the stopping batch
    /// was the last, or the next carries caller ids and so waited), the ledger goes on as
    /// usual. The log must be `Send`: it is lent to the thread.
    pub fn execute_pipelined<T, I, F>(
        &mut self,
        batches: I,
        mut done: F,
    ) -> Result<(), LedgerError<L::Error>>
    where
        L: Send,
        L::Error: Send,
        I: IntoIterator<Item = (T, Vec<Submission>)>,
        F: FnMut(T, Vec<Outcome>) -> ControlFlow<()>,
    {
        if self.core.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let Ledger { log, views, core } = self;
        std::thread::scope(|scope| {
            let (requests, log_side) = mpsc::sync_channel::<Request>(1);
            let (log_answers, answers) = mpsc::sync_channel::<Answer<L::Error>>(1);
            scope.spawn(move || {
                for request in log_side {
                    let answer = match request {
                        Request::Append { batch, spare, head } => {
                            let records = batch.encode_into(spare);
                            let appended = log.append(&records, Condition::Head(head));
                            Answer::Appended(appended, records, batch.events)
                        }
                        Request::Find(ids) => Answer::Found(
                            ids.iter()
                                .map(|id| log.find(id))
                                .collect::<Result<Vec<_>, _>>(),
                        ),
                    };
                    if log_answers.send(answer).is_err() {
                        return;
                    }
                }
            });
            let lost = || LedgerError::InvalidBatch("the log thread stopped".to_owned());
            // The batch on the log thread: its tag, its outcomes, and whether it has events.
            let mut pending: Option<(T, Vec<Outcome>, bool)> = None;
            // Records of the last written batch, whose buffers the next batch reuses.
            let mut spare: Vec<NewRecord> = Vec::new();
            let mut finish = |core: &mut Core,
                              pending: &mut Option<(T, Vec<Outcome>, bool)>,
                              spare: &mut Vec<NewRecord>|
             -> Result<ControlFlow<()>, LedgerError<L::Error>> {
                let Some((tag, outcomes, written)) = pending.take() else {
                    return Ok(ControlFlow::Continue(()));
                };
                if written {
                    match answers.recv().map_err(|_| lost())? {
                        Answer::Appended(appended, records, events) => {
                            *spare = records;
                            fold(views, &appended, &events);
                            core.commit(appended)?;
                        }
                        Answer::Found(_) => return Err(lost()),
                    }
                }
                Ok(done(tag, outcomes))
            };
            let mut base = core.head;
            for (tag, submissions) in batches {
                let ids: Vec<EventId> = submissions
                    .iter()
                    .filter_map(|s| s.id.as_deref().map(|id| command_event_id(id, 0)))
                    .collect();
                let mut known = Vec::new();
                if !ids.is_empty() {
                    if finish(core, &mut pending, &mut spare)?.is_break() {
                        return Ok(());
                    }
                    requests
                        .send(Request::Find(ids.clone()))
                        .map_err(|_| lost())?;
                    match answers.recv().map_err(|_| lost())? {
                        Answer::Found(found) => known = found.map_err(LedgerError::Log)?,
                        Answer::Appended(..) => return Err(lost()),
                    }
                }
                let known: std::collections::HashMap<EventId, Option<Position>> =
                    ids.into_iter().zip(known).collect();
                let prepared = core.prepare(submissions, base, &mut |id| {
                    Ok(known.get(id).copied().flatten())
                })?;
                let head = base;
                let written = prepared.batch.len() > 0;
                base = Position(base.0 + prepared.batch.len() as u64);
                if finish(core, &mut pending, &mut spare)?.is_break() {
                    // This batch was decided into the state but is not written: if it accepted
                    // anything, the state is ahead of the log.
                    core.poisoned |= written;
                    return Ok(());
                }
                if written {
                    requests
                        .send(Request::Append {
                            batch: prepared.batch,
                            spare: std::mem::take(&mut spare),
                            head,
                        })
                        .map_err(|_| lost())?;
                }
                pending = Some((tag, prepared.outcomes, written));
            }
            finish(core, &mut pending, &mut spare).map(|_| ())
        })
    }
}

/// Answers where a caller id's first event is in the log, if it is.
type KnownIds<'a, E> = dyn FnMut(&EventId) -> Result<Option<Position>, LedgerError<E>> + 'a;

enum Request {
    /// Encode `batch` into the buffers of `spare`, append it after `head`.
    Append {
        batch: Decided,
        spare: Vec<NewRecord>,
        head: Position,
    },
    Find(Vec<EventId>),
}

enum Answer<E> {
    /// The append's result, the records given back for their buffers, and the events to fold.
    Appended(
        Result<Vec<Position>, AppendError<E>>,
        Vec<NewRecord>,
        Vec<Event>,
    ),
    Found(Result<Vec<Option<Position>>, E>),
}

impl Core {
    fn fresh_id(&mut self) -> EventId {
        let id = EventId::derived(&self.id_seed, self.next_id);
        self.next_id += 1;
        id
    }

    /// Decides `submissions` one by one against the state, folding each accepted one into it,
    /// and encodes their events as records that will follow `base`. `known` answers whether a
    /// caller id's first event is in the log already.
    fn prepare<E: std::error::Error + 'static>(
        &mut self,
        submissions: Vec<Submission>,
        base: Position,
        known: &mut KnownIds<'_, E>,
    ) -> Result<Prepared, LedgerError<E>> {
        let recorded_at = (self.clock)();
        let mut outcomes = Vec::with_capacity(submissions.len());
        let mut ids: Vec<EventId> = Vec::with_capacity(submissions.len() + 16);
        let mut events: Vec<Event> = Vec::with_capacity(submissions.len() + 16);
        let mut batch_ids: Vec<(String, usize)> = Vec::new();
        for submission in submissions {
            if let Some(id) = &submission.id {
                let first_id = command_event_id(id, 0);
                if let Some(&(_, index)) = batch_ids.iter().find(|(seen, _)| seen == id) {
                    outcomes.push(Outcome::Duplicate {
                        position: Position(base.0 + 1 + index as u64),
                    });
                    continue;
                }
                if let Some(position) = known(&first_id)? {
                    outcomes.push(Outcome::Duplicate { position });
                    continue;
                }
            }
            match decide(&self.state, &submission.command, self.policy) {
                Err(rejection) => outcomes.push(Outcome::Rejected(rejection)),
                Ok(new_events) => {
                    let first = Position(base.0 + 1 + events.len() as u64);
                    match submission.id {
                        Some(id) => {
                            ids.extend((0..new_events.len()).map(|i| command_event_id(&id, i)));
                            batch_ids.push((id, events.len()));
                        }
                        None => {
                            for _ in 0..new_events.len() {
                                let fresh = self.fresh_id();
                                ids.push(fresh);
                            }
                        }
                    }
                    outcomes.push(Outcome::Accepted {
                        first,
                        events: new_events.len(),
                    });
                    for event in &new_events {
                        self.state.apply(event);
                    }
                    events.extend(new_events);
                }
            }
        }
        Ok(Prepared {
            outcomes,
            batch: Decided {
                ids,
                events,
                recorded_at,
            },
        })
    }

    /// Moves the head past a written batch, or poisons the ledger if the write failed (the
    /// state already holds the batch; only a reopen brings it back in line).
    fn commit<E: std::error::Error + 'static>(
        &mut self,
        appended: Result<Vec<Position>, AppendError<E>>,
    ) -> Result<(), LedgerError<E>> {
        match appended {
            Ok(positions) => {
                self.head = positions.last().copied().unwrap_or(self.head);
                Ok(())
            }
            Err(e) => {
                self.poisoned = true;
                Err(match e {
                    AppendError::Conflict { expected, actual } => {
                        LedgerError::Conflict { expected, actual }
                    }
                    AppendError::InvalidBatch(why) => LedgerError::InvalidBatch(why),
                    AppendError::Record(r) => LedgerError::InvalidBatch(r.to_string()),
                    AppendError::Storage(s) => LedgerError::Log(s),
                })
            }
        }
    }
}

/// Folds every record of `log` under `filter`, with `extra` beside the built-in projections.
///
/// With two cores or more the work is spread over threads, with the result of one thread's
/// fold: records come in chunks of [`REPLAY_CHUNK`]; this thread decodes the even chunks and
/// copies the payloads of the odd ones to a second thread, which decodes them; a third folds
/// the decoded chunks in log order. The first record that does not decode (by position) is the
/// error, as on one thread. `PVB_SCAN_THREADS=1` keeps everything on this thread, as it keeps a
/// FileLog's verification on one.
pub fn replay_log<L: EventLog, X: Projection + Send>(
    log: &mut L,
    filter: Filter,
    extra: X,
) -> Result<Projections<X>, LedgerError<L::Error>> {
    let projections = Projections::with_filter(filter).with_extra(extra);
    if !second_thread_helps() {
        return replay_here(log, filter, projections);
    }
    type Decoded<E> = Result<Vec<(Position, Event)>, LedgerError<E>>;
    // Set by the folder when it meets an error: reading stops.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| {
        // Decoded chunks from this thread (even) and from the decoder (odd), to the folder.
        let (to_folder, from_here) = mpsc::sync_channel::<Decoded<L::Error>>(2);
        let (decoded, from_decoder) = mpsc::sync_channel::<Decoded<L::Error>>(2);
        // Payloads of odd chunks, to the decoder.
        let (to_decoder, raw_chunks) = mpsc::sync_channel::<RawChunk>(2);
        let folder = scope.spawn(move || {
            let mut projections = projections;
            for index in 0usize.. {
                let next = if index % 2 == 0 {
                    from_here.recv()
                } else {
                    from_decoder.recv()
                };
                match next {
                    Ok(Ok(chunk)) => {
                        for (position, event) in &chunk {
                            projections.apply(*position, event);
                        }
                    }
                    Ok(Err(e)) => {
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                        return Err(e);
                    }
                    Err(_) => break,
                }
            }
            Ok(projections)
        });
        scope.spawn(move || {
            for raw in raw_chunks {
                if decoded.send(raw.decode()).is_err() {
                    return;
                }
            }
        });
        let mut index = 0usize;
        let mut here: Vec<(Position, Event)> = Vec::with_capacity(REPLAY_CHUNK);
        let mut raw = RawChunk::default();
        let mut failed = false;
        let read = log.read(Position(1), &mut |record| {
            if filter.known_at.is_some_and(|last| record.position > last)
                || stop.load(std::sync::atomic::Ordering::Relaxed)
            {
                return ControlFlow::Break(());
            }
            let full = if index % 2 == 0 {
                match record.event() {
                    Ok(event) => here.push((record.position, event)),
                    Err(e) => {
                        // Everything before it in this chunk, then the error, in order.
                        let _ = to_folder.send(Err(undecodable(record.position, &e)));
                        failed = true;
                        return ControlFlow::Break(());
                    }
                }
                here.len() >= REPLAY_CHUNK
            } else {
                raw.push(record.position, record.codec, record.payload);
                raw.len() >= REPLAY_CHUNK
            };
            if full {
                let sent = if index % 2 == 0 {
                    let chunk = std::mem::replace(&mut here, Vec::with_capacity(REPLAY_CHUNK));
                    to_folder.send(Ok(chunk)).is_ok()
                } else {
                    to_decoder.send(std::mem::take(&mut raw)).is_ok()
                };
                index += 1;
                if !sent {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        if !failed {
            // The chunk being filled, if any.
            if index % 2 == 0 && !here.is_empty() {
                let _ = to_folder.send(Ok(here));
            } else if index % 2 == 1 && raw.len() > 0 {
                let _ = to_decoder.send(raw);
            }
        }
        drop((to_folder, to_decoder));
        let folded = folder
            .join()
            .map_err(|_| LedgerError::InvalidBatch("the folding thread panicked".to_owned()))?;
        read.map_err(LedgerError::Log)?;
        folded
    })
}

/// Records per chunk of a threaded replay.
const REPLAY_CHUNK: usize = 4096;

/// The payloads of a chunk of records, copied for another thread to decode.
#[derive(Default)]
struct RawChunk {
    bytes: Vec<u8>,
    /// Position, codec and end offset in `bytes` of each record.
    records: Vec<(Position, u8, usize)>,
}

impl RawChunk {
    fn push(&mut self, position: Position, codec: u8, payload: &[u8]) {
        self.bytes.extend_from_slice(payload);
        self.records.push((position, codec, self.bytes.len()));
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    /// Decodes every record; the first that does not decode is the error (the chunk's records
    /// before it are then dropped: the folder stops at the error either way).
    fn decode<E: std::error::Error + 'static>(
        &self,
    ) -> Result<Vec<(Position, Event)>, LedgerError<E>> {
        let mut start = 0;
        let mut out = Vec::with_capacity(self.records.len());
        for &(position, codec, end) in &self.records {
            let payload = self.bytes.get(start..end).unwrap_or(&[]);
            start = end;
            match pvb_core::decode_event(codec, payload) {
                Ok(event) => out.push((position, event)),
                Err(e) => return Err(undecodable(position, &e)),
            }
        }
        Ok(out)
    }
}

/// The error for a record at `position` that does not decode.
fn undecodable<E: std::error::Error + 'static>(
    position: Position,
    e: &pvb_core::PayloadError,
) -> LedgerError<E> {
    LedgerError::Undecodable {
        position,
        reason: e.to_string(),
    }
}

/// True when a second thread can fold while this one decodes: more than one core, and
/// `PVB_SCAN_THREADS` is not 1.
fn second_thread_helps() -> bool {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        if std::env::var("PVB_SCAN_THREADS").is_ok_and(|v| v == "1") {
            return 1;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }) > 1
}

/// [`replay_log`] on this thread alone.
fn replay_here<L: EventLog, X: Projection>(
    log: &mut L,
    filter: Filter,
    mut projections: Projections<X>,
) -> Result<Projections<X>, LedgerError<L::Error>> {
    let mut failure = None;
    log.read(Position(1), &mut |record| {
        if filter.known_at.is_some_and(|last| record.position > last) {
            return ControlFlow::Break(());
        }
        match projections.apply_record(record) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failure = Some(undecodable(record.position, &e));
                ControlFlow::Break(())
            }
        }
    })
    .map_err(LedgerError::Log)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(projections),
    }
}
