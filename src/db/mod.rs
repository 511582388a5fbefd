//! Persistence plumbing shared by every capability: one connection type over
//! PostgreSQL and SQLite, the pool, the blocking-pool helper, the write
//! transaction helper and the migrations.
//!
//! Business modules write their queries once against [`DbConn`]; the few
//! places that need backend-specific SQL match on the variant, and stay in
//! the persistence code (`store.rs`) of their module.

pub mod docno;
pub mod migrate;
pub mod schema;
pub mod types;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Which database a URL points at. Anything else is refused at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// URL has no file path (e.g. sqlite://data/custody.db)".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else {
            let scheme = url.split("://").next().unwrap_or(url);
            Err(format!("unsupported database URL scheme `{scheme}`: use sqlite://<path> or postgres://..."))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// How long a PostgreSQL transaction may sit with its client silent before
/// the server ends it (`idle_in_transaction_session_timeout`).
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(5);

/// r2d2 manager that opens the variant named by the URL's scheme and reports
/// the real connection error (the derived `establish` tries every backend in
/// turn and hides why PostgreSQL failed).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    fn open(&self) -> Result<DbConn, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // No transaction of ours waits on anything but the database:
                // one whose client has said nothing for IDLE_IN_TRANSACTION is
                // a process frozen or wedged mid-write, and the server ends it
                // so that its locks (the relay lease's row among them) do not
                // stop everyone else for as long as it stays frozen.
                conn.batch_execute(&format!(
                    "SET TIME ZONE 'UTC'; SET application_name = 'custody'; \
                     SET idle_in_transaction_session_timeout = {}",
                    IDLE_IN_TRANSACTION.as_millis()
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or_else(|| ConnectionError::BadConnection("SQLite path is not valid UTF-8".into()))?;
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout first: switching a new file to WAL takes a
                // lock that the pool's other new connections must wait for.
                // WAL lets readers run beside the one writer.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ManagerError(#[from] ConnectionError);

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConn, ManagerError> {
        Ok(self.open()?)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ManagerError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ManagerError(ConnectionError::CouldntSetupConfiguration(e)))
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The right to run the event relay on a SQLite file, held for as long as
/// the process lives (the operating system lets go of it when the process
/// ends, however it ends).
#[derive(Debug)]
pub struct RelayLock {
    _file: std::fs::File,
}

/// On SQLite, takes the file's relay lock (`<file>.relay.lock`) or says
/// which process holds it: SQLite is one instance, and a second relay on one
/// file must not start (on PostgreSQL several relays share a lease in the
/// database instead: `None`).
pub fn sqlite_relay_lock(url: &str) -> anyhow::Result<Option<RelayLock>> {
    use std::io::{Read, Seek, Write};
    let DatabaseUrl::Sqlite(path) = DatabaseUrl::parse(url).map_err(anyhow::Error::msg)? else {
        return Ok(None);
    };
    let mut name = path.clone().into_os_string();
    name.push(".relay.lock");
    let lock_path = PathBuf::from(name);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| anyhow::anyhow!("cannot open the relay lock {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = if holder.trim().is_empty() { "pid unknown" } else { holder.trim() };
            anyhow::bail!(
                "another process ({}) runs the event relay on {}: SQLite is one instance. \
                 Run one `custody serve` (or one `custody relay`) per SQLite file, or several \
                 instances on PostgreSQL",
                holder,
                path.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", lock_path.display())
        }
    }
    // Who holds it, for the next one's message.
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "pid {}", std::process::id())?;
    file.flush()?;
    Ok(Some(RelayLock { _file: file }))
}

/// Builds the pool, creating the SQLite file (and its folder) on first start.
/// Fails with the real reason when the database cannot be reached.
pub fn connect(url: &str, max_size: u32) -> anyhow::Result<Pool> {
    let parsed = DatabaseUrl::parse(url).map_err(anyhow::Error::msg)?;
    if let DatabaseUrl::Sqlite(path) = &parsed
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create database folder {}: {e}", dir.display()))?;
    }
    let manager = ConnectionManager::new(parsed);
    // Establish once outside r2d2 so that a wrong URL or a stopped server
    // fails start-up with its own message instead of a pool timeout.
    manager.open().map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
    let pool =
        r2d2::Pool::builder().max_size(max_size).connection_timeout(Duration::from_secs(5)).build(manager)?;
    Ok(pool)
}

/// Runs database work on actix's blocking pool: takes a pooled connection
/// there (so waiting for one never stalls the executor) and keeps the
/// caller's tracing span.
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(AppError::pool)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// The one way to write: a transaction that is always outermost and, on
/// SQLite, starts with `BEGIN IMMEDIATE` so that a transaction which reads
/// before it writes takes the write lock up front (a deferred one would fail
/// with "database is locked" when it tries to upgrade).
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConn::Pg(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN")?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Transactions run again after a conflict (`custody_db_retries_total`):
/// with one lock order for the whole program, this stays at zero.
pub static RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// [`run`] and [`write_tx`] together: the usual way a handler writes.
///
/// A transaction the database aborts for a conflict (SQLSTATE 40001; see
/// [`AppError::is_retryable`]) is run again, up to three times: it had no
/// effect, and the other one has gone through. Every write path goes
/// through here, the Idempotency-Key path included.
pub async fn transact<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: Fn(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| transact_blocking(conn, &f)).await
}

/// [`transact`] on a connection the caller holds, on a thread that may
/// block (not the async executor).
///
/// A transaction that made stock available ([`wake_after_commit`]) runs the
/// hook set with [`on_wake`] once it has committed, on the same connection,
/// outside its locks.
pub fn transact_blocking<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: Fn(&mut DbConn) -> Result<T, AppError>,
{
    WOKE.with(|w| w.set(false));
    let mut attempt = 0u64;
    loop {
        match write_tx(conn, &f) {
            Ok(value) => {
                if WOKE.with(|w| w.replace(false))
                    && let Some(hook) = AFTER_WAKE.get()
                {
                    hook(conn);
                }
                return Ok(value);
            }
            Err(e) if attempt < 3 && e.is_retryable() => {
                attempt += 1;
                RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(attempt, "conflict (serialization failure); running the transaction again");
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            result => return result,
        }
    }
}

thread_local! {
    static WOKE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static AFTER_WAKE: std::sync::OnceLock<fn(&mut DbConn)> = std::sync::OnceLock::new();

/// Called inside a transaction that made stock available (the stock
/// module, which also records a wake-up row in the same transaction): once
/// [`transact_blocking`] has committed it, it runs the [`on_wake`] hook.
pub fn wake_after_commit() {
    WOKE.with(|w| w.set(true));
}

/// Sets what runs after a transaction that made stock available commits:
/// filling the orders waiting for it. Set once, by the composition root
/// (`http::AppState`), so that neither this module nor stock depends on
/// outbound. Without it, the background sweep fills them.
pub fn on_wake(hook: fn(&mut DbConn)) {
    let _ = AFTER_WAKE.set(hook);
}

/// Serialises transactions that touch the same thing: on PostgreSQL a
/// transaction-scoped advisory lock on `key` (released at commit or
/// rollback); on SQLite nothing is needed, `BEGIN IMMEDIATE` already admits
/// one writer at a time.
pub fn lock_key(tx: &mut DbConn, key: &str) -> diesel::QueryResult<()> {
    lock_keys(tx, &[key.to_owned()])
}

/// [`lock_key`] for several keys, taken in the order given, in one
/// statement. The one lock order of the whole program: an order's key
/// first (`order-id\n…`), then every stock key (`stock\n<sku>`) the
/// transaction will need, sorted, in one call; other keys of a document
/// (`pick\n…`) after those. Nothing takes an order's key while holding a
/// stock key.
pub fn lock_keys(tx: &mut DbConn, keys: &[String]) -> diesel::QueryResult<()> {
    if let DbConn::Pg(pg) = tx
        && !keys.is_empty()
    {
        LockKeys(keys).execute(pg)?;
    }
    Ok(())
}

/// `pg_advisory_xact_lock` over an array of keys, as a statement diesel
/// prepares once per connection (a `sql_query` is parsed anew every time;
/// this runs in every intake, pick and pack).
struct LockKeys<'a>(&'a [String]);

impl diesel::query_builder::QueryId for LockKeys<'_> {
    type QueryId = LockKeys<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for LockKeys<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(LOCK_KEYS_SQL);
        out.push_bind_param::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(self.0)?;
        out.push_sql(LOCK_KEYS_END);
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for LockKeys<'_> {}

/// The start of the statement that locks the keys of an array given next,
/// in the array's order (`custody_lock_keys`, migration 000014: the
/// transaction-scoped advisory locks, with a deadlock reported as a
/// serialization failure, SQLSTATE 40001, which every write path retries).
pub(crate) const LOCK_KEYS_SQL: &str = "SELECT custody_lock_keys(";
/// ... and its end.
pub(crate) const LOCK_KEYS_END: &str = ") AS locked";

/// Whether a diesel error is a unique-constraint violation (both backends).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Whether the database answers a trivial query (for `/readyz`).
pub fn ping(conn: &mut DbConn) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_scheme_chooses_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert!(matches!(DatabaseUrl::parse("postgres://u@h/db").unwrap(), DatabaseUrl::Postgres(_)));
        let err = DatabaseUrl::parse("mysql://h/db").unwrap_err();
        assert!(err.contains("unsupported database URL scheme `mysql`"), "{err}");
        assert!(DatabaseUrl::parse("data/x.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
