//! [`SqliteStore`]: session records in an SQLite file (created if missing),
//! through sqlx's pooled driver in WAL mode — sessions that survive a
//! restart with no server to run.
//!
//! The table and the compare-and-set are the PostgreSQL store's (see
//! [`SqlConfig`]); SQLite runs each statement atomically and serialises
//! writers (a writer waits up to the timeout for another, then the
//! operation answers 503). `expiry` is stored as SQLAlchemy stores a
//! `DateTime` on SQLite: UTC text, `YYYY-MM-DD HH:MM:SS.fff`, which sorts
//! as it should.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::sql::{SqlConfig, Statements, sql_store_common, within};
use super::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};
use crate::error::{ConfigError, StoreError};

const NOW: &str = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

/// `now + ?n seconds`.
fn later(n: u8) -> String {
    format!("strftime('%Y-%m-%d %H:%M:%f', 'now', '+' || ?{n} || ' seconds')")
}

fn statements(table: &str, index: &str) -> Statements {
    let expired = format!("(expiry IS NULL OR expiry <= {NOW})");
    let live = format!("expiry > {NOW}");
    let expiry = later(3);
    let upsert = format!(
        "INSERT INTO {table} (session_id, data, expiry, sessionkit_user) \
         VALUES (?1, ?2, {expiry}, ?4) ON CONFLICT (session_id) DO UPDATE SET \
         data = excluded.data, expiry = excluded.expiry, \
         sessionkit_user = excluded.sessionkit_user"
    );
    Statements {
        load: format!("SELECT data FROM {table} WHERE session_id = ?1 AND {live}"),
        load_refresh: format!(
            "SELECT data, expiry < {} FROM {table} WHERE session_id = ?1 AND {live}",
            later(2)
        ),
        renew: format!(
            "UPDATE {table} SET expiry = {} WHERE session_id = ?1",
            later(2)
        ),
        delete_if_expired: format!("DELETE FROM {table} WHERE session_id = ?1 AND {expired}"),
        update: format!(
            "UPDATE {table} SET data = ?2, expiry = {expiry}, sessionkit_user = ?4 \
             WHERE session_id = ?1 AND data = ?5 AND {live}"
        ),
        insert: format!("{upsert} WHERE {table}.expiry IS NULL OR {table}.expiry <= {NOW}"),
        upsert,
        delete: format!("DELETE FROM {table} WHERE session_id = ?1"),
        delete_user: format!("DELETE FROM {table} WHERE sessionkit_user = ?1"),
        delete_expired: format!("DELETE FROM {table} WHERE {expired}"),
        migrate: vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY, \
                 session_id VARCHAR(255) UNIQUE, data BLOB, expiry DATETIME, \
                 sessionkit_user TEXT)"
            ),
            format!("CREATE INDEX IF NOT EXISTS {index} ON {table} (sessionkit_user)"),
        ],
    }
}

/// Session records in an SQLite file: the embedded, persistent store for
/// one machine. The file is created if missing; run
/// [`SqliteStore::migrate`] once before serving.
///
/// # Examples
///
/// ```
/// use sessionkit::SessionConfig;
/// use sessionkit::store::{ServerSideSessionInterface, SqlConfig, SqliteStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("sessionkit-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("sessions.db");
/// let store = SqliteStore::new(SqlConfig::new(format!("sqlite://{}", path.display())))?;
/// store.migrate().await?;
/// let interface = ServerSideSessionInterface::new(SessionConfig::default(), store)?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    config: std::sync::Arc<SqlConfig>,
    sql: std::sync::Arc<Statements>,
}

impl SqliteStore {
    /// A store for `config` (`sqlite://path`); call it inside a tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Store`] for a URL sqlx cannot read or a table name
    /// that is not an identifier.
    pub fn new(config: SqlConfig) -> Result<Self, ConfigError> {
        let (table, index) = config.checked_table()?;
        let options = SqliteConnectOptions::from_str(&config.url)
            .map_err(|e| ConfigError::Store(format!("the SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(config.timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.timeout)
            .connect_lazy_with(options);
        Ok(SqliteStore {
            pool,
            sql: std::sync::Arc::new(statements(&table, &index)),
            config: std::sync::Arc::new(config),
        })
    }
}

sql_store_common!(SqliteStore, SqlitePool);
