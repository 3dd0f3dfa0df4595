//! `PostgresLog`: the `EventLog` adapter over PostgreSQL (design in the crate documentation),
//! its options and what an open reports.
//!
//! It is not a pool: one log is one connection, reconnected on demand; give each thread its
//! own log (they serialise their appends in the database).

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::str::FromStr;
use std::time::Duration;

use fallible_iterator::FallibleIterator;
use postgres::error::SqlState;
use postgres::{Client, NoTls, Row, Statement};
use pvb_core::{
    seal_batch, AppendError, Commit, Condition, Durability, EventId, EventLog, NewRecord, Position,
    RecordView,
};

use crate::chain::BatchBuffer;
use crate::settings::ServerSettings;
use crate::url::{check_identifier, redact, UrlOptions};
use crate::Error;

/// Version of the tables this build writes (in `pvb_meta`, key `schema_version`).
pub const SCHEMA_VERSION: u32 = 1;
/// Rows read by the first query of a read; later queries double it up to [`CHUNK_ROWS_MAX`].
const CHUNK_ROWS_FIRST: u64 = 1024;
/// Most rows one read query fetches.
const CHUNK_ROWS_MAX: u64 = 65_536;

/// How to open a [`PostgresLog`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    schema: String,
    create: bool,
    allow_unsafe_durability: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            schema: "public".to_owned(),
            create: true,
            allow_unsafe_durability: false,
        }
    }
}

impl Options {
    /// The defaults: schema `public`, create the tables when missing, refuse unsafe servers.
    pub fn new() -> Options {
        Options::default()
    }

    /// The PostgreSQL schema holding the tables (checked at open: 1 to 63 of `a-z0-9_`).
    /// Several ledgers can share a database in different schemas.
    pub fn schema(mut self, schema: &str) -> Options {
        schema.clone_into(&mut self.schema);
        self
    }

    /// Create the schema and tables when there are none (default true).
    pub fn create(mut self, create: bool) -> Options {
        self.create = create;
        self
    }

    /// Open even if the server has `fsync` or `synchronous_commit` off (default false). The log
    /// then reports `Durability::None`.
    pub fn allow_unsafe_durability(mut self, allow: bool) -> Options {
        self.allow_unsafe_durability = allow;
        self
    }

    /// The schema.
    pub fn schema_name(&self) -> &str {
        &self.schema
    }
}

/// What opening (and the last reconnection) found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The server's durability settings.
    pub settings: ServerSettings,
    /// Warnings to show the user (and the refused settings, when they were allowed).
    pub warnings: Vec<String>,
    /// True if the schema's tables were created by this open.
    pub created: bool,
    /// True if the server can lose commits and the options allowed it.
    pub unsafe_durability: bool,
}

/// The statements of one connection.
struct Statements {
    lock_head: Statement,
    head: Statement,
    find_ids: Statement,
    insert: Statement,
    batch_before: Statement,
    read_range: Statement,
    find_one: Statement,
    tail: Statement,
}

struct Conn {
    client: Client,
    st: Statements,
}

/// The pvb event log in PostgreSQL. See the crate documentation.
pub struct PostgresLog {
    config: postgres::Config,
    target: String,
    options: Options,
    /// `"schema"`, quoted, for statements.
    qualified: String,
    conn: Option<Conn>,
    report: OpenReport,
}

impl std::fmt::Debug for PostgresLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLog")
            .field("target", &self.target)
            .field("schema", &self.options.schema)
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}

fn db(op: &'static str) -> impl FnOnce(postgres::Error) -> Error {
    move |source| Error::Database { op, source }
}

fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "{}:{} database {}",
        hosts.join(","),
        if ports.is_empty() {
            "5432".to_owned()
        } else {
            ports.join(",")
        },
        config
            .get_dbname()
            .or(config.get_user())
            .unwrap_or("(default)")
    )
}

impl PostgresLog {
    /// Opens the log a `postgres://` URL names (with pvb's URL parameters `pvb_schema` and
    /// `pvb_allow_unsafe_durability`); `create` makes the tables when missing.
    pub fn open_url(url: &str, create: bool) -> Result<PostgresLog, Error> {
        let parsed = UrlOptions::parse(url)?;
        let config = postgres::Config::from_str(&parsed.connection)
            .map_err(|e| Error::Config(format!("{}: {e}", redact(url))))?;
        let mut options = Options::new()
            .create(create)
            .allow_unsafe_durability(parsed.allow_unsafe_durability);
        if let Some(schema) = &parsed.schema {
            options = options.schema(schema);
        }
        PostgresLog::open(config, options)
    }

    /// Connects with `config`, checks the server's durability settings, creates or checks the
    /// tables, and checks the head row against the last batch.
    pub fn open(mut config: postgres::Config, options: Options) -> Result<PostgresLog, Error> {
        check_identifier(&options.schema)?;
        if config.get_application_name().is_none() {
            config.application_name("pvb");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let target = describe(&config);
        let qualified = format!("\"{}\"", options.schema);
        let mut log = PostgresLog {
            config,
            target,
            options,
            qualified,
            conn: None,
            report: OpenReport::default(),
        };
        let mut client = log.connect_checked()?;
        log.report.created = log.ensure_tables(&mut client)?;
        let st = log.prepare(&mut client)?;
        log.conn = Some(Conn { client, st });
        log.check_tail()?;
        Ok(log)
    }

    /// What the open found: settings, warnings, whether the tables were created.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The schema holding the tables.
    pub fn schema(&self) -> &str {
        &self.options.schema
    }

    /// Drops the ledger's three tables (and its schema, unless it is `public`), for tests and
    /// benchmarks. Irreversible.
    pub fn drop_tables(mut self) -> Result<(), Error> {
        let q = self.qualified.clone();
        let schema = self.options.schema.clone();
        let conn = self.conn()?;
        let sql = if schema == "public" {
            format!("DROP TABLE IF EXISTS {q}.pvb_records, {q}.pvb_head, {q}.pvb_meta")
        } else {
            format!("DROP SCHEMA IF EXISTS {q} CASCADE")
        };
        conn.client.batch_execute(&sql).map_err(db("drop tables"))
    }

    /// Bytes the records table takes with its indexes and TOAST (`pg_total_relation_size`), for
    /// benchmarks.
    pub fn table_bytes(&mut self) -> Result<u64, Error> {
        let table = format!("{}.pvb_records", self.qualified);
        let result = self.conn().and_then(|conn| {
            conn.client
                .query_one("SELECT pg_total_relation_size(to_regclass($1))", &[&table])
                .and_then(|row| row.try_get::<_, i64>(0))
                .map_err(db("measure the table"))
        });
        self.after(result)
            .map(|bytes| u64::try_from(bytes).unwrap_or(0))
    }

    /// Connects and checks the durability settings.
    fn connect_checked(&mut self) -> Result<Client, Error> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|source| Error::Connect {
                target: self.target.clone(),
                source,
            })?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version'), current_setting('fsync'), \
                 current_setting('synchronous_commit'), current_setting('full_page_writes'), \
                 current_setting('data_checksums')",
                &[],
            )
            .map_err(db("read the server's settings"))?;
        let text = |i: usize| row.try_get::<_, String>(i).map_err(db("read a setting"));
        let settings = ServerSettings {
            server_version: text(0)?,
            fsync: text(1)?,
            synchronous_commit: text(2)?,
            full_page_writes: text(3)?,
            data_checksums: text(4)?,
        };
        let assessment = settings.assess();
        if !assessment.refusals.is_empty() && !self.options.allow_unsafe_durability {
            return Err(Error::UnsafeServer {
                problems: assessment.refusals,
            });
        }
        self.report.unsafe_durability = !assessment.refusals.is_empty();
        self.report.warnings = assessment
            .refusals
            .into_iter()
            .map(|r| format!("{r} (allowed by pvb_allow_unsafe_durability)"))
            .chain(assessment.warnings)
            .collect();
        self.report.settings = settings;
        Ok(client)
    }

    /// Creates the tables (under an advisory lock, so that two first opens do not race) or
    /// checks their version. Returns true if it created them.
    fn ensure_tables(&self, client: &mut Client) -> Result<bool, Error> {
        let schema = &self.options.schema;
        let q = &self.qualified;
        let mut tx = client.transaction().map_err(db("begin"))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&format!("pvb-store-postgres:{schema}")],
        )
        .map_err(db("take the schema lock"))?;
        let exists: Option<String> = tx
            .query_one("SELECT to_regclass($1)::text", &[&format!("{q}.pvb_meta")])
            .and_then(|row| row.try_get(0))
            .map_err(db("look for the tables"))?;
        if exists.is_some() {
            let version: Option<String> = tx
                .query_opt(
                    &format!("SELECT value FROM {q}.pvb_meta WHERE key = 'schema_version'"),
                    &[],
                )
                .map_err(db("read the schema version"))?
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(db("read the schema version"))?;
            let found = version.unwrap_or_default();
            return match found.parse::<u32>() {
                Ok(v) if (1..=SCHEMA_VERSION).contains(&v) => Ok(false),
                _ => Err(Error::SchemaVersion {
                    schema: schema.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                }),
            };
        }
        if !self.options.create {
            return Err(Error::NotFound {
                schema: schema.clone(),
            });
        }
        let schema_exists = tx
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[schema])
            .map_err(db("look for the schema"))?
            .is_some();
        if !schema_exists {
            tx.batch_execute(&format!("CREATE SCHEMA {q}"))
                .map_err(db("create the schema"))?;
        }
        let genesis: String = Commit::GENESIS.to_hex();
        tx.batch_execute(&format!(
            "CREATE TABLE {q}.pvb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE {q}.pvb_head (
                 only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
                 position BIGINT NOT NULL CHECK (position >= 0),
                 head_commit BYTEA NOT NULL CHECK (octet_length(head_commit) = 32));
             CREATE TABLE {q}.pvb_records (
                 position BIGINT PRIMARY KEY CHECK (position > 0),
                 event_id BYTEA NOT NULL CHECK (octet_length(event_id) = 16),
                 record BYTEA NOT NULL,
                 batch_end BOOLEAN NOT NULL,
                 CONSTRAINT {EVENT_ID_UNIQUE} UNIQUE (event_id));
             CREATE INDEX pvb_records_batch_ends ON {q}.pvb_records (position) WHERE batch_end;
             INSERT INTO {q}.pvb_meta (key, value) VALUES
                 ('schema_version', '{SCHEMA_VERSION}'),
                 ('created_by', 'pvb-store-postgres {}');
             INSERT INTO {q}.pvb_head (position, head_commit) VALUES (0, '\\x{genesis}');",
            env!("CARGO_PKG_VERSION")
        ))
        .map_err(db("create the tables"))?;
        tx.commit().map_err(db("commit the new tables"))?;
        Ok(true)
    }

    fn prepare(&self, client: &mut Client) -> Result<Statements, Error> {
        let q = &self.qualified;
        let mut prepare = |sql: String| client.prepare(&sql).map_err(db("prepare a statement"));
        Ok(Statements {
            lock_head: prepare(format!(
                "SELECT position, head_commit FROM {q}.pvb_head FOR UPDATE"
            ))?,
            head: prepare(format!("SELECT position, head_commit FROM {q}.pvb_head"))?,
            find_ids: prepare(format!(
                "SELECT event_id, position FROM {q}.pvb_records WHERE event_id = ANY($1)"
            ))?,
            // The rows and the head row in one statement (one round trip); the head moves
            // only if every row went in.
            insert: prepare(format!(
                "WITH inserted AS (\
                     INSERT INTO {q}.pvb_records (position, event_id, record, batch_end) \
                     SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::boolean[]) \
                     RETURNING 1) \
                 UPDATE {q}.pvb_head SET position = $5, head_commit = $6 \
                 WHERE (SELECT count(*) FROM inserted) = $7"
            ))?,
            batch_before: prepare(format!(
                "SELECT position, record FROM {q}.pvb_records \
                 WHERE batch_end AND position < $1 ORDER BY position DESC LIMIT 1"
            ))?,
            // `>=` with LIMIT, not BETWEEN: with a range the planner (on a table whose
            // statistics are not current) may pick a bitmap scan and a sort, which sends
            // nothing until the whole chunk is sorted; this keeps an ordered index scan
            // that streams.
            read_range: prepare(format!(
                "SELECT record FROM {q}.pvb_records \
                 WHERE position >= $1 ORDER BY position LIMIT $2"
            ))?,
            find_one: prepare(format!(
                "SELECT position, record FROM {q}.pvb_records WHERE event_id = $1"
            ))?,
            tail: prepare(format!(
                "SELECT h.position, h.head_commit, r.position, r.record FROM {q}.pvb_head h \
                 LEFT JOIN LATERAL (SELECT position, record FROM {q}.pvb_records \
                 ORDER BY position DESC LIMIT 1) r ON TRUE"
            ))?,
        })
    }

    /// The open connection, connecting (and checking the server) again if it broke.
    fn conn(&mut self) -> Result<&mut Conn, Error> {
        if self.conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            self.conn = None;
            let mut client = self.connect_checked()?;
            let st = self.prepare(&mut client)?;
            self.conn = Some(Conn { client, st });
        }
        match self.conn.as_mut() {
            Some(conn) => Ok(conn),
            None => Err(Error::Config("no connection".to_owned())),
        }
    }

    /// Drops the connection after a database error, so the next call connects afresh.
    fn after<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if matches!(result, Err(Error::Database { .. })) {
            self.conn = None;
        }
        result
    }

    /// The head row: last position and chain head.
    fn head_row(&mut self) -> Result<(Position, Commit), Error> {
        let schema = self.options.schema.clone();
        let result = self.conn().and_then(|conn| {
            let row = conn
                .client
                .query_one(&conn.st.head, &[])
                .map_err(db("read the head row"))?;
            parse_head(&row, &schema)
        });
        self.after(result)
    }

    /// Checks that the head row, the last record and its commit agree (read in one statement,
    /// so one snapshot, while other writers may be appending), and verifies the last batch.
    fn check_tail(&mut self) -> Result<(), Error> {
        let schema = self.options.schema.clone();
        let result = self.conn().and_then(|conn| {
            let row = conn
                .client
                .query_one(&conn.st.tail, &[])
                .map_err(db("read the head row and the last record"))?;
            let (head, commit) = parse_head(&row, &schema)?;
            let last: Option<i64> = row.try_get(2).map_err(db("read the last record"))?;
            let record: Option<&[u8]> = row.try_get(3).map_err(db("read the last record"))?;
            let damaged = |position: Position, what: String| Error::Corruption {
                schema: schema.clone(),
                position,
                what,
            };
            match (last, record) {
                (None, _) | (_, None) if head == Position::EMPTY && commit == Commit::GENESIS => {
                    return Ok(())
                }
                (Some(at), Some(bytes)) => {
                    let at = Position(u64::try_from(at).unwrap_or(0));
                    if at != head {
                        return Err(damaged(
                            Position(head.0.min(at.0) + 1),
                            format!("the head row says {head}, the last record is at {at}"),
                        ));
                    }
                    let view = RecordView::parse(bytes)
                        .map_err(|e| damaged(at, format!("record does not parse: {e}")))?;
                    if view.position != at || view.commit != Some(commit) {
                        return Err(damaged(
                            at,
                            "the last record does not end a batch with the head row's commit"
                                .to_owned(),
                        ));
                    }
                }
                _ => {
                    return Err(damaged(
                        Position(1),
                        format!("the head row says {head}, but there are no records"),
                    ))
                }
            }
            // Verify the last batch: a read of it alone.
            let mut count = 0u64;
            read_in(conn, &schema, head, head, &mut |_| {
                count += 1;
                ControlFlow::Continue(())
            })?;
            if count != 1 {
                return Err(damaged(
                    head,
                    "the last batch does not read back".to_owned(),
                ));
            }
            Ok(())
        });
        self.after(result)
    }
}

fn parse_head(row: &Row, schema: &str) -> Result<(Position, Commit), Error> {
    let position: i64 = row.try_get(0).map_err(db("read the head row"))?;
    let commit: &[u8] = row.try_get(1).map_err(db("read the head row"))?;
    let damaged = |what: &str| Error::Corruption {
        schema: schema.to_owned(),
        position: Position::EMPTY,
        what: what.to_owned(),
    };
    let position = u64::try_from(position).map_err(|_| damaged("negative head position"))?;
    let commit = <[u8; 32]>::try_from(commit).map_err(|_| damaged("head commit not 32 bytes"))?;
    Ok((Position(position), Commit(commit)))
}

fn position_and_record(row: &Row) -> Result<(Position, &[u8]), Error> {
    let position: i64 = row.try_get(0).map_err(db("read a record"))?;
    let record: &[u8] = row.try_get(1).map_err(db("read a record"))?;
    Ok((Position(u64::try_from(position).unwrap_or(0)), record))
}

fn to_i64(position: Position) -> Result<i64, Error> {
    i64::try_from(position.0)
        .map_err(|_| Error::Config(format!("position {position} is beyond PostgreSQL's BIGINT")))
}

/// Name of the unique constraint on `event_id` (a violation of it sends an append to the path
/// that looks ids up).
const EVENT_ID_UNIQUE: &str = "pvb_records_event_id_unique";

fn storage(op: &'static str) -> impl FnOnce(postgres::Error) -> AppendError<Error> {
    move |e| AppendError::Storage(db(op)(e))
}

/// One append (see the crate documentation). The common case, new ids under a condition that
/// holds, takes one transaction without looking the ids up: the unique constraint on
/// `event_id` refuses a known id, and only then does the append run again, looking them up.
fn append_in(
    conn: &mut Conn,
    schema: &str,
    batch: &[NewRecord],
    condition: Condition,
) -> Result<Vec<Position>, AppendError<Error>> {
    if let Some(positions) = append_fresh(conn, schema, batch, condition)? {
        return Ok(positions);
    }
    append_looking_up(conn, schema, batch, condition)
}

/// Locks the head row: the ledger's write lock until the transaction ends.
fn lock_head(
    tx: &mut postgres::Transaction<'_>,
    st: &Statements,
    schema: &str,
) -> Result<(Position, Commit), AppendError<Error>> {
    let row = tx
        .query_one(&st.lock_head, &[])
        .map_err(storage("lock the head row"))?;
    parse_head(&row, schema).map_err(AppendError::Storage)
}

/// The fast path: `None` when the condition fails or an id is already in the log (nothing
/// was appended; the caller looks the ids up).
fn append_fresh(
    conn: &mut Conn,
    schema: &str,
    batch: &[NewRecord],
    condition: Condition,
) -> Result<Option<Vec<Position>>, AppendError<Error>> {
    let Conn { client, st } = conn;
    let mut tx = client.transaction().map_err(storage("begin"))?;
    let (head, previous) = lock_head(&mut tx, st, schema)?;
    if matches!(condition, Condition::Head(expected) if expected != head) {
        return Ok(None);
    }
    match insert(&mut tx, st, schema, batch, head, previous) {
        Ok(positions) => {
            tx.commit().map_err(storage("commit"))?;
            Ok(Some(positions))
        }
        Err(AppendError::Storage(Error::Database { source, .. }))
            if source.as_db_error().is_some_and(|e| {
                *e.code() == SqlState::UNIQUE_VIOLATION && e.constraint() == Some(EVENT_ID_UNIQUE)
            }) =>
        {
            Ok(None)
        }
        // A record refused by `seal_batch` may be one whose id is known (then it is not
        // appended at all): the full path decides.
        Err(AppendError::Record(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The full path: looks the ids up (idempotent retries), checks the condition, appends the
/// new records.
fn append_looking_up(
    conn: &mut Conn,
    schema: &str,
    batch: &[NewRecord],
    condition: Condition,
) -> Result<Vec<Position>, AppendError<Error>> {
    let Conn { client, st } = conn;
    let mut tx = client.transaction().map_err(storage("begin"))?;
    let (head, previous) = lock_head(&mut tx, st, schema)?;
    let ids: Vec<&[u8]> = batch.iter().map(|r| &r.id.0[..]).collect();
    let mut known: HashMap<[u8; 16], Position> = HashMap::new();
    for row in tx
        .query(&st.find_ids, &[&ids])
        .map_err(storage("look up the event ids"))?
    {
        let id: &[u8] = row.try_get(0).map_err(storage("read an event id"))?;
        let position: i64 = row.try_get(1).map_err(storage("read an event id"))?;
        let (Ok(id), Ok(position)) = (<[u8; 16]>::try_from(id), u64::try_from(position)) else {
            return Err(AppendError::Storage(Error::Corruption {
                schema: schema.to_owned(),
                position: Position::EMPTY,
                what: "an event id that is not 16 bytes or a negative position".to_owned(),
            }));
        };
        known.insert(id, Position(position));
    }
    if batch.iter().all(|r| known.contains_key(&r.id.0)) {
        tx.commit()
            .map_err(storage("end a read-only transaction"))?;
        return Ok(batch
            .iter()
            .filter_map(|r| known.get(&r.id.0).copied())
            .collect());
    }
    if let Condition::Head(expected) = condition {
        if expected != head {
            return Err(AppendError::Conflict {
                expected,
                actual: head,
            });
        }
    }
    let fresh: Vec<NewRecord> = batch
        .iter()
        .filter(|r| !known.contains_key(&r.id.0))
        .cloned()
        .collect();
    let appended = insert(&mut tx, st, schema, &fresh, head, previous)?;
    tx.commit().map_err(storage("commit"))?;
    let mut appended = appended.into_iter();
    Ok(batch
        .iter()
        .map(|r| match known.get(&r.id.0) {
            Some(&position) => position,
            None => appended.next().unwrap_or(Position::EMPTY),
        })
        .collect())
}

/// Seals `records` after `head` and inserts them, moving the head row, in one statement.
/// Returns their positions.
fn insert(
    tx: &mut postgres::Transaction<'_>,
    st: &Statements,
    schema: &str,
    records: &[NewRecord],
    head: Position,
    previous: Commit,
) -> Result<Vec<Position>, AppendError<Error>> {
    let mut positions: Vec<Position> = Vec::with_capacity(records.len());
    let mut bytes: Vec<Vec<u8>> = Vec::with_capacity(records.len());
    let first = head.next();
    let commit = seal_batch(previous, first, records, |position, record| {
        positions.push(position);
        bytes.push(record.to_vec());
    })?;
    let Some(&last) = positions.last() else {
        return Ok(positions);
    };
    let too_far = |_| AppendError::InvalidBatch("positions beyond PostgreSQL's BIGINT".to_owned());
    let positions_sql: Vec<i64> = positions
        .iter()
        .map(|p| i64::try_from(p.0))
        .collect::<Result<_, _>>()
        .map_err(too_far)?;
    let last_sql = i64::try_from(last.0).map_err(too_far)?;
    let mut ends = vec![false; records.len()];
    if let Some(end) = ends.last_mut() {
        *end = true;
    }
    let ids: Vec<&[u8]> = records.iter().map(|r| &r.id.0[..]).collect();
    let count = records.len() as i64;
    let updated = tx
        .execute(
            &st.insert,
            &[
                &positions_sql,
                &ids,
                &bytes,
                &ends,
                &last_sql,
                &&commit.0[..],
                &count,
            ],
        )
        .map_err(storage("insert the records"))?;
    if updated != 1 {
        return Err(AppendError::Storage(Error::Corruption {
            schema: schema.to_owned(),
            position: first,
            what: "the records did not all go in; nothing was appended".to_owned(),
        }));
    }
    Ok(positions)
}

impl EventLog for PostgresLog {
    type Error = Error;

    fn append(
        &mut self,
        batch: &[NewRecord],
        condition: Condition,
    ) -> Result<Vec<Position>, AppendError<Error>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen = HashSet::with_capacity(batch.len());
        if let Some(twice) = batch.iter().find(|r| !seen.insert(r.id)) {
            return Err(AppendError::InvalidBatch(format!(
                "event id {} appears twice in the batch",
                twice.id
            )));
        }
        let schema = self.options.schema.clone();
        let conn = self.conn().map_err(AppendError::Storage)?;
        let result = append_in(conn, &schema, batch, condition);
        if matches!(result, Err(AppendError::Storage(Error::Database { .. }))) {
            self.conn = None;
        }
        result
    }

    fn head(&mut self) -> Result<Position, Error> {
        self.head_row().map(|(head, _)| head)
    }

    fn head_commit(&mut self) -> Result<Commit, Error> {
        self.head_row().map(|(_, commit)| commit)
    }

    fn read(
        &mut self,
        from: Position,
        visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let from = Position(from.0.max(1));
        let (head, _) = self.head_row()?;
        if from > head {
            return Ok(());
        }
        let schema = self.options.schema.clone();
        let result = self
            .conn()
            .and_then(|conn| read_in(conn, &schema, from, head, visit));
        self.after(result)
    }

    fn durability(&self) -> Durability {
        if self.report.unsafe_durability {
            Durability::None
        } else {
            Durability::DatabaseCommit
        }
    }

    fn find(&mut self, id: &EventId) -> Result<Option<Position>, Error> {
        let schema = self.options.schema.clone();
        let result = self.conn().and_then(|conn| {
            let row = conn
                .client
                .query_opt(&conn.st.find_one, &[&&id.0[..]])
                .map_err(db("look up an event id"))?;
            let Some(row) = row else {
                return Ok(None);
            };
            let (position, bytes) = position_and_record(&row)?;
            match RecordView::parse(bytes) {
                Ok(view) if view.id == *id && view.position == position => Ok(Some(position)),
                _ => Err(Error::Corruption {
                    schema,
                    position,
                    what: format!("the row of event id {id} does not hold that event's record"),
                }),
            }
        });
        self.after(result)
    }
}

/// Reads positions `from..=head`, verifying the chain from the batch boundary at or before
/// `from`, in chunks of rows by position, each streamed as the server sends it.
fn read_in(
    conn: &mut Conn,
    schema: &str,
    from: Position,
    head: Position,
    visit: &mut dyn FnMut(&RecordView<'_>) -> ControlFlow<()>,
) -> Result<(), Error> {
    let damaged = |position: Position, what: String| Error::Corruption {
        schema: schema.to_owned(),
        position,
        what,
    };
    let Conn { client, st } = conn;
    let (first, previous) = if from.0 <= 1 {
        (Position(1), Commit::GENESIS)
    } else {
        let row = client
            .query_opt(&st.batch_before, &[&to_i64(from)?])
            .map_err(db("find the batch boundary"))?;
        match row {
            None => (Position(1), Commit::GENESIS),
            Some(row) => {
                let (at, bytes) = position_and_record(&row)?;
                let view = RecordView::parse(bytes)
                    .map_err(|e| damaged(at, format!("record does not parse: {e}")))?;
                match view.commit {
                    Some(commit) if view.position == at => (at.next(), commit),
                    _ => {
                        return Err(damaged(
                            at,
                            "a row marked batch_end does not end a batch".to_owned(),
                        ))
                    }
                }
            }
        }
    };
    let mut batch = BatchBuffer::new(previous, first);
    let mut at = first;
    let mut chunk = CHUNK_ROWS_FIRST;
    while at <= head {
        let end = Position(head.0.min(at.0.saturating_add(chunk - 1)));
        let count = to_i64(Position(end.0 - at.0 + 1))?;
        let mut rows = client
            .query_raw(&st.read_range, [to_i64(at)?, count])
            .map_err(db("read records"))?;
        // The record's own position is checked: a missing, extra or misplaced row breaks the
        // sequence.
        while let Some(row) = rows.next().map_err(db("read records"))? {
            let bytes: &[u8] = row.try_get(0).map_err(db("read a record"))?;
            let next = batch.next_position();
            let ended = batch
                .push(bytes)
                .map_err(|e| damaged(next, e.to_string()))?;
            if ended {
                for record in batch.records() {
                    let view = RecordView::parse(record)
                        .map_err(|e| damaged(next, format!("record changed: {e}")))?;
                    if view.position >= from && visit(&view).is_break() {
                        return Ok(());
                    }
                }
            }
        }
        if batch.next_position() != end.next() {
            return Err(damaged(
                batch.next_position(),
                format!(
                    "positions {at} to {end} should all be there; the rows end at {}",
                    Position(batch.next_position().0 - 1)
                ),
            ));
        }
        at = end.next();
        chunk = (chunk * 2).min(CHUNK_ROWS_MAX);
    }
    if batch.committed_head() != head {
        return Err(damaged(
            batch.committed_head().next(),
            format!("the head row says {head}, but the batch there does not end"),
        ));
    }
    Ok(())
}
