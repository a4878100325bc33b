//! [`PostgresStore`]: session records in a PostgreSQL table, through sqlx's
//! pooled asynchronous driver (prepared statements, cached per connection).
//!
//! One statement per operation: a read is a `SELECT` by the unique key
//! (plus an `UPDATE` of the expiry when it is due, see [`SqlConfig`], and a
//! `DELETE` when the row found expired); a save is one
//! `UPDATE` (or `INSERT … ON CONFLICT`) that compares the stored bytes — see
//! the [SQL stores' table and compare-and-set](SqlConfig). Only a conflict
//! costs a second statement (reading the row as it is now). The session's
//! user index is a column of the same row, written by the same statement,
//! so "log out everywhere" is one `DELETE … WHERE sessionkit_user = $1`.
//!
//! Timestamps are Flask-Session's: naive UTC (`timestamp without time
//! zone`), computed by the database (`now() AT TIME ZONE 'UTC'`), so app
//! servers with skewed clocks agree.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::sql::{SqlConfig, Statements, sql_store_common, within};
use super::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};
use crate::error::{ConfigError, StoreError};

const NOW: &str = "(now() AT TIME ZONE 'UTC')";

fn statements(table: &str, index: &str) -> Statements {
    let expired = format!("(expiry IS NULL OR expiry <= {NOW})");
    let live = format!("expiry > {NOW}");
    let expiry = format!("{NOW} + make_interval(secs => $3)");
    let upsert = format!(
        "INSERT INTO {table} (session_id, data, expiry, sessionkit_user) \
         VALUES ($1, $2, {expiry}, $4) ON CONFLICT (session_id) DO UPDATE SET \
         data = EXCLUDED.data, expiry = EXCLUDED.expiry, \
         sessionkit_user = EXCLUDED.sessionkit_user"
    );
    Statements {
        load: format!("SELECT data FROM {table} WHERE session_id = $1 AND {live}"),
        load_refresh: format!(
            "SELECT data, expiry < {NOW} + make_interval(secs => $2) FROM {table} \
             WHERE session_id = $1 AND {live}"
        ),
        renew: format!(
            "UPDATE {table} SET expiry = {NOW} + make_interval(secs => $2) WHERE session_id = $1"
        ),
        delete_if_expired: format!("DELETE FROM {table} WHERE session_id = $1 AND {expired}"),
        update: format!(
            "UPDATE {table} SET data = $2, expiry = {expiry}, sessionkit_user = $4 \
             WHERE session_id = $1 AND data = $5 AND {live}"
        ),
        insert: format!("{upsert} WHERE {table}.expiry IS NULL OR {table}.expiry <= {NOW}"),
        upsert,
        delete: format!("DELETE FROM {table} WHERE session_id = $1"),
        delete_user: format!("DELETE FROM {table} WHERE sessionkit_user = $1"),
        delete_expired: format!("DELETE FROM {table} WHERE {expired}"),
        migrate: vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {table} (id SERIAL PRIMARY KEY, \
                 session_id VARCHAR(255) UNIQUE, data BYTEA, \
                 expiry TIMESTAMP WITHOUT TIME ZONE)"
            ),
            format!("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS sessionkit_user TEXT"),
            format!("CREATE INDEX IF NOT EXISTS {index} ON {table} (sessionkit_user)"),
        ],
    }
}

/// Session records in PostgreSQL, in Flask-Session's table (with hashed
/// ids by default, or Flask-Session's own keys with
/// [`SqlConfig::flask_session_layout`]).
///
/// Connects lazily: building it never waits for the database, so an app
/// starts while it is down. Run [`PostgresStore::migrate`] once (it is
/// idempotent) before serving, and [`PostgresStore::delete_expired`] now
/// and then (expired rows are also deleted when a request reads one).
/// Cloning shares the pool.
///
/// # Examples
///
/// ```no_run
/// use sessionkit::SessionConfig;
/// use sessionkit::store::{PostgresStore, ServerSideSessionInterface, SqlConfig};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::new(SqlConfig::new("postgres://127.0.0.1/app"))?;
/// store.migrate().await?;
/// // Expired rows, every ten minutes:
/// let sweeper = store.clone();
/// tokio::spawn(async move {
///     let mut every = tokio::time::interval(Duration::from_secs(600));
///     loop {
///         every.tick().await;
///         let _ = sweeper.delete_expired().await;
///     }
/// });
/// let interface = ServerSideSessionInterface::new(SessionConfig::default(), store)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    config: std::sync::Arc<SqlConfig>,
    sql: std::sync::Arc<Statements>,
}

impl PostgresStore {
    /// A store for `config`; call it inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Store`] for a URL sqlx cannot read or a table name
    /// that is not `[schema.]identifier`.
    pub fn new(config: SqlConfig) -> Result<Self, ConfigError> {
        let (table, index) = config.checked_table()?;
        let options: PgConnectOptions = config
            .url
            .parse()
            .map_err(|e| ConfigError::Store(format!("the PostgreSQL URL: {e}")))?;
        let statement_timeout = config.timeout.as_millis().to_string();
        let options = options.options([("statement_timeout", statement_timeout.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.timeout)
            .connect_lazy_with(options);
        Ok(PostgresStore {
            pool,
            sql: std::sync::Arc::new(statements(&table, &index)),
            config: std::sync::Arc::new(config),
        })
    }
}

sql_store_common!(PostgresStore, PgPool);
