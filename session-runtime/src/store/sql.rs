//! What the SQL stores share: their configuration, the table layout, how a
//! store key becomes a row's `session_id`, and how a database error becomes
//! a [`StoreError`].
//!
//! The table and the compare-and-set are documented on [`SqlConfig`].

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{ConfigError, StoreError};

/// Which key a row is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlLayout {
    /// `session_id` is `sha256$` + the hex SHA-256 of the store key (the
    /// default): a leaked table or a lookup's timing hands out no live
    /// session id (Rails' session stores do the same since CVE-2019-16782).
    HashedIds,
    /// `session_id` is the store key itself (`session:` + sid), as
    /// Flask-Session's SQLAlchemy backend writes it: a Flask app on the same
    /// database and table shares the sessions.
    FlaskSession,
}

/// Where an SQL store keeps sessions, and how long it may take.
///
/// # The table
///
/// Flask-Session 0.8's SQLAlchemy model, plus one column:
///
/// | column | type | holds |
/// | --- | --- | --- |
/// | `id` | integer primary key | (Flask-Session's surrogate key) |
/// | `session_id` | `varchar(255)` unique | the row's key (see the layouts) |
/// | `data` | binary | the record (msgspec MessagePack by default) |
/// | `expiry` | timestamp, naive UTC | when the row stops being a session |
/// | `sessionkit_user` | text, indexed, nullable | the user index key, for "log out everywhere" |
///
/// SQLAlchemy maps only the columns it declares, so a Flask app reads and
/// writes the same table; rows it writes carry no `sessionkit_user` (Flask
/// keeps no user index), so `revoke_user` does not reach sessions only a
/// Flask app saved.
///
/// # Compare-and-set without a version column
///
/// Flask-Session's schema has no version column, and none is needed: a save
/// is one `UPDATE … WHERE session_id = ? AND data = <the bytes this request
/// loaded> AND expiry > now`, which the database runs atomically on the
/// row (PostgreSQL re-checks the condition on the newest row version after
/// waiting for a concurrent writer; SQLite serialises writers). No row
/// updated is a conflict: the store reads the row as it is now and the
/// interface merges, exactly as on Redis. A new session is an `INSERT … ON
/// CONFLICT DO UPDATE … WHERE <the old row expired>`, so an id collision
/// with a live session is reported, never overwritten.
///
/// # Expiry
///
/// A save sets `expiry` to now + the permanent lifetime, as Flask-Session
/// does. A read renews it too, but only once less than the lifetime minus
/// `min(lifetime / 64, 1 minute)` remains: a session that is only read
/// costs at most one write a minute instead of one per request (Flask-Session
/// writes on every request), and its row may expire up to a minute before
/// its cookie.
///
/// # Examples
///
/// ```
/// use sessionkit::store::{SqlConfig, SqlLayout};
/// use std::time::Duration;
///
/// let ours = SqlConfig::new("postgres://127.0.0.1/app");
/// assert_eq!((ours.table.as_str(), ours.layout), ("sessionkit_sessions", SqlLayout::HashedIds));
///
/// // Flask-Session's table, shared with a Flask app:
/// let shared = SqlConfig::new("postgres://127.0.0.1/app")
///     .flask_session_layout()
///     .with_timeout(Duration::from_millis(500));
/// assert_eq!((shared.table.as_str(), shared.layout), ("sessions", SqlLayout::FlaskSession));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqlConfig {
    /// The database URL (`postgres://…`, `sqlite://path`).
    pub url: String,
    /// The table (`[schema.]name`, letters, digits and `_`).
    pub table: String,
    /// The row keys.
    pub layout: SqlLayout,
    /// The longest one operation may take, waiting for a pooled connection
    /// included; then it fails with [`StoreError::Timeout`] (a 503).
    pub timeout: Duration,
    /// The pool's size.
    pub max_connections: u32,
}

impl std::fmt::Debug for SqlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: print the rest.
        f.debug_struct("SqlConfig")
            .field("table", &self.table)
            .field("layout", &self.layout)
            .field("timeout", &self.timeout)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl SqlConfig {
    /// `url` with the table `sessionkit_sessions`, hashed ids, a 1-second
    /// timeout and 16 pooled connections.
    pub fn new(url: impl Into<String>) -> Self {
        SqlConfig {
            url: url.into(),
            table: "sessionkit_sessions".into(),
            layout: SqlLayout::HashedIds,
            timeout: Duration::from_secs(1),
            max_connections: 16,
        }
    }

    /// Flask-Session's layout: its default table `sessions`, keyed by the
    /// store key itself.
    #[must_use]
    pub fn flask_session_layout(mut self) -> Self {
        self.layout = SqlLayout::FlaskSession;
        self.table = "sessions".into();
        self
    }

    /// Sets [`SqlConfig::table`] (Flask's `SESSION_SQLALCHEMY_TABLE`).
    #[must_use]
    pub fn with_table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// Sets [`SqlConfig::timeout`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`SqlConfig::max_connections`].
    #[must_use]
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The table name, checked (it is written into SQL), and the name of
    /// its user index.
    pub(super) fn checked_table(&self) -> Result<(String, String), ConfigError> {
        let ident = |s: &str| {
            let mut chars = s.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let parts: Vec<&str> = self.table.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| ident(p)) {
            return Err(ConfigError::Store(format!(
                "the session table {:?}: use [schema.]name of letters, digits and _",
                self.table
            )));
        }
        let name = parts.last().copied().unwrap_or_default();
        Ok((self.table.clone(), format!("{name}_sessionkit_user")))
    }

    /// The `session_id` of the row for store key `key`.
    pub(super) fn row_key(&self, key: &str) -> String {
        match self.layout {
            SqlLayout::FlaskSession => key.to_owned(),
            SqlLayout::HashedIds => {
                let digest = Sha256::digest(key.as_bytes());
                let mut out = String::with_capacity(7 + 64);
                out.push_str("sha256$");
                for b in digest {
                    out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                    out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
                }
                out
            }
        }
    }
}

/// A database error as a store error: the database unreachable, or
/// a statement cancelled by its timeout, is unavailability (503); anything
/// else is a refusal.
pub(super) fn store_error(e: &sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: 08xxx connection exceptions, 57014 statement
            // timeout, 57P0x shutdown; SQLite: 5 BUSY, 6 LOCKED.
            if code.starts_with("08") || code.starts_with("57") || code == "5" || code == "6" {
                StoreError::Unavailable(e.to_string())
            } else {
                StoreError::Refused(e.to_string())
            }
        }
        _ => StoreError::Refused(e.to_string()),
    }
}

/// `op`'s outcome as a store's, or [`StoreError::Timeout`] after `timeout`.
pub(super) async fn within<T>(
    timeout: Duration,
    op: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, op).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(store_error(&e)),
        Err(_) => Err(StoreError::Timeout(timeout)),
    }
}

/// The remaining lifetime under which a read renews a row's expiry, in
/// seconds: the lifetime less `min(lifetime / 64, 1 minute)`. So a session
/// that is only read costs at most one write a minute, not one per request,
/// and its row may expire up to that much before its cookie.
pub(super) fn renew_threshold(ttl: Duration) -> f64 {
    seconds(ttl.saturating_sub((ttl / 64).min(Duration::from_secs(60))))
}

/// The time to live as seconds for SQL (at least a millisecond).
pub(super) fn seconds(ttl: Duration) -> f64 {
    ttl.as_secs_f64().max(0.001)
}

/// One SQL store's statements, with the table's name written in.
#[derive(Debug)]
pub(super) struct Statements {
    /// The live record (no refresh).
    pub(super) load: String,
    /// The live record and whether its expiry is due for renewal (bind:
    /// key, threshold).
    pub(super) load_refresh: String,
    /// Renews the expiry (bind: key, seconds).
    pub(super) renew: String,
    /// Deletes the row if it expired (after a miss; bind: key).
    pub(super) delete_if_expired: String,
    /// Compare-and-set (bind: key, data, seconds, user, expected).
    pub(super) update: String,
    /// Create unless a live row holds the key (bind: key, data, seconds, user).
    pub(super) insert: String,
    /// Overwrite (bind: key, data, seconds, user).
    pub(super) upsert: String,
    /// Deletes one row (bind: key).
    pub(super) delete: String,
    /// Deletes a user's rows (bind: index key).
    pub(super) delete_user: String,
    /// Deletes every expired row.
    pub(super) delete_expired: String,
    /// The idempotent schema statements.
    pub(super) migrate: Vec<String>,
}

/// The parts of [`SessionStore`](super::SessionStore) and of the public
/// API the SQL stores share word for word (their loads differ): `$store`
/// has fields `pool`, `config: Arc<SqlConfig>` and `sql: Arc<Statements>`.
macro_rules! sql_store_common {
    ($store:ident, $pool:ty) => {
        impl std::fmt::Debug for $store {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($store))
                    .field("config", &self.config)
                    .finish_non_exhaustive()
            }
        }

        impl $store {
            /// Creates what the store needs if it is missing: the table,
            /// its `sessionkit_user` column and that column's index
            /// (idempotent; an existing Flask-Session table gains the
            /// column).
            ///
            /// # Errors
            ///
            /// [`StoreError`] when the database refuses or cannot be
            /// reached.
            pub async fn migrate(&self) -> Result<(), StoreError> {
                for statement in &self.sql.migrate {
                    within(
                        self.config.timeout * 10,
                        sqlx::query(statement).execute(&self.pool),
                    )
                    .await?;
                }
                Ok(())
            }

            /// Deletes every expired row; answers how many (Flask-Session's
            /// `flask session_cleanup`). Expired rows are also deleted when
            /// a request reads one.
            ///
            /// # Errors
            ///
            /// [`StoreError`] when the database refuses or cannot be
            /// reached.
            pub async fn delete_expired(&self) -> Result<u64, StoreError> {
                let done = within(
                    self.config.timeout * 10,
                    sqlx::query(&self.sql.delete_expired).execute(&self.pool),
                )
                .await?;
                Ok(done.rows_affected())
            }

            /// The pool, for the application's own queries.
            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            async fn load_row(
                &self,
                key: &str,
                refresh: Option<std::time::Duration>,
            ) -> Result<Option<Vec<u8>>, StoreError> {
                let row = self.config.row_key(key);
                let found: Option<Vec<u8>> = match refresh {
                    None => {
                        let query = sqlx::query_scalar(&self.sql.load).bind(&row);
                        within(self.config.timeout, query.fetch_optional(&self.pool)).await?
                    }
                    Some(ttl) => {
                        let query = sqlx::query_as::<_, (Vec<u8>, bool)>(&self.sql.load_refresh)
                            .bind(&row)
                            .bind(super::sql::renew_threshold(ttl));
                        let found =
                            within(self.config.timeout, query.fetch_optional(&self.pool)).await?;
                        if let Some((_, true)) = &found {
                            let query = sqlx::query(&self.sql.renew)
                                .bind(&row)
                                .bind(super::sql::seconds(ttl));
                            within(self.config.timeout, query.execute(&self.pool)).await?;
                        }
                        found.map(|(data, _)| data)
                    }
                };
                if found.is_none() {
                    // An expired row goes when it is read, as Flask-Session
                    // does (a miss is rare: a stale cookie).
                    let query = sqlx::query(&self.sql.delete_if_expired).bind(&row);
                    within(self.config.timeout, query.execute(&self.pool)).await?;
                }
                Ok(found)
            }

            async fn compare_and_set_row(
                &self,
                write: StoreWrite<'_>,
            ) -> Result<CasOutcome, StoreError> {
                let row = self.config.row_key(write.key);
                let user = write.index.and_then(|i| i.add_to);
                let statement = match write.expected {
                    Expected::Value(_) => &self.sql.update,
                    Expected::Absent => &self.sql.insert,
                    Expected::Any => &self.sql.upsert,
                };
                let mut query = sqlx::query(statement)
                    .bind(&row)
                    .bind(write.value)
                    .bind(super::sql::seconds(write.ttl))
                    .bind(user);
                if let Expected::Value(expected) = write.expected {
                    query = query.bind(expected);
                }
                let done = within(self.config.timeout, query.execute(&self.pool)).await?;
                if done.rows_affected() == 1 {
                    return Ok(CasOutcome::Written);
                }
                // A conflict: the row as it is now, for the merge.
                let now: Option<Vec<u8>> = within(
                    self.config.timeout,
                    sqlx::query_scalar(&self.sql.load)
                        .bind(&row)
                        .fetch_optional(&self.pool),
                )
                .await?;
                Ok(CasOutcome::Conflict(now))
            }

            async fn delete_row(&self, key: &str) -> Result<(), StoreError> {
                // The index entry is a column of the row: it goes with it.
                let row = self.config.row_key(key);
                within(
                    self.config.timeout,
                    sqlx::query(&self.sql.delete).bind(row).execute(&self.pool),
                )
                .await?;
                Ok(())
            }

            async fn delete_user_rows(&self, index_key: &str) -> Result<usize, StoreError> {
                let done = within(
                    self.config.timeout,
                    sqlx::query(&self.sql.delete_user)
                        .bind(index_key)
                        .execute(&self.pool),
                )
                .await?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }
        }

        impl SessionStore for $store {
            async fn load(
                &self,
                key: &str,
                refresh: Option<std::time::Duration>,
            ) -> Result<Option<Vec<u8>>, StoreError> {
                self.load_row(key, refresh).await
            }

            async fn compare_and_set(
                &self,
                write: StoreWrite<'_>,
            ) -> Result<CasOutcome, StoreError> {
                self.compare_and_set_row(write).await
            }

            async fn delete(
                &self,
                key: &str,
                _index: Option<IndexEntry<'_>>,
            ) -> Result<(), StoreError> {
                self.delete_row(key).await
            }

            async fn delete_indexed(
                &self,
                index_key: &str,
                _key_prefix: &str,
            ) -> Result<usize, StoreError> {
                self.delete_user_rows(index_key).await
            }
        }
    };
}
pub(super) use sql_store_common;
