//! Server-side sessions: the cookie carries only a session id, the data
//! lives in a [`SessionStore`] — Flask-Session's model, with its layout, so
//! a Flask app running Flask-Session and this library share sessions.
//!
//! - [`ServerSideSessionInterface`] is Flask-Session's
//!   `ServerSideSessionInterface`: the same `#[session]` structs, `Session<T>`
//!   extractor, lifecycle and CSRF layer work on it unchanged.
//! - [`MemoryStore`] (one process, tests) and, with the cargo feature
//!   `redis`, `RedisStore` (one Redis node) and `RedisClusterStore` (a Redis
//!   Cluster; its documentation says how every operation stays in one
//!   hash slot) hold the records, and with the features `postgres` / `sqlite`,
//!   `PostgresStore` and `SqliteStore` (Flask-Session's SQLAlchemy table;
//!   `SqlConfig` says how compare-and-set works on it).
//!
//! # The layout (Flask-Session 0.8)
//!
//! Key `session:` + sid (the prefix is configurable); value: the session
//! dict as msgspec's MessagePack ([`crate::codec::msgpack`]), `_permanent`
//! included; time to live: the permanent lifetime, for every session; sid:
//! 32 random bytes, URL-safe base64 (43 characters); cookie: the sid, or the
//! sid signed by itsdangerous' `Signer` (salt `flask-session`, HMAC key
//! derivation) with [`StoreConfig::use_signer`]. An unknown or badly signed
//! sid gets a new sid (a client-chosen id is never adopted); an empty
//! session (nothing but `_permanent`) is never stored, and an emptied one is
//! deleted with its cookie.
//!
//! # No lost updates
//!
//! Every save is a compare-and-set on the record's bytes: it writes only if
//! the record is still exactly what this request loaded (a new session: only
//! if its key is free; a taken key means an id collision, and a new id is
//! drawn). Comparing bytes rather than a version number needs no extra field,
//! so it works on records Flask-Session wrote.
//!
//! When the record changed in between (another request of the same browser
//! saved first), the save merges, key by key, three dicts: the record as
//! this request loaded it (`base`), as this request leaves it (`mine`) and as
//! it is now (`theirs`). A key this request changed (`mine` differs from
//! `base`: set, changed or removed) takes this request's value; every other
//! key keeps `theirs`. So two requests setting different keys both land. When
//! both changed the same key, the later save wins for that key (logged at
//! debug). The merge is then compare-and-set again, up to
//! [`StoreConfig::max_merge_attempts`] times. Change tracking is by value,
//! so it works the same for `#[session]` structs, [`DynamicSession`] and
//! sessions Flask-Session wrote.
//!
//! A record that disappeared while the request ran (a logout elsewhere, a
//! revoke, expiry) is never resurrected: the save is dropped and the
//! response deletes the cookie.
//!
//! # Revoking a user's sessions
//!
//! When a session holds [`StoreConfig::user_key`] (Flask-Login's `_user_id`
//! by default), its sid is kept in a per-user index (`session:` + `user:` +
//! the user id), updated by the same atomic write as the session (on a
//! Redis Cluster: just before it, see `RedisClusterStore`);
//! [`ServerSideSessionInterface::revoke_user`] deletes every session of that
//! user ("log out everywhere"). Sids of sessions that expired are pruned
//! from the index as it is written.
//!
//! [`DynamicSession`]: crate::DynamicSession

mod interface;
mod memory;
mod merge;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_cluster;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::future::Future;
use std::time::Duration;

pub use interface::{ServerSideSessionInterface, StoreConfig, StoreFormat};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisConfig, RedisStore};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_cluster::{RedisClusterConfig, RedisClusterStore};
#[cfg(any(feature = "postgres", feature = "sqlite"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite"))))]
pub use sql::{SqlConfig, SqlLayout};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;

use crate::error::StoreError;

/// Where session records live. Every method is one atomic operation of the
/// store (one round trip for a network store).
///
/// Implement it for another engine; [`MemoryStore`] is the reference.
///
/// # Examples
///
/// ```
/// use sessionkit::store::{CasOutcome, Expected, MemoryStore, SessionStore, StoreWrite};
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new();
/// let write = |expected, value: &'static [u8]| StoreWrite {
///     key: "session:abc",
///     expected,
///     value,
///     ttl: Duration::from_secs(60),
///     index: None,
/// };
/// assert_eq!(store.compare_and_set(write(Expected::Absent, b"v1")).await?, CasOutcome::Written);
/// // The record is no longer absent: a second create conflicts.
/// assert_eq!(
///     store.compare_and_set(write(Expected::Absent, b"v2")).await?,
///     CasOutcome::Conflict(Some(b"v1".to_vec()))
/// );
/// assert_eq!(store.compare_and_set(write(Expected::Value(b"v1"), b"v2")).await?, CasOutcome::Written);
/// assert_eq!(store.load("session:abc", None).await?, Some(b"v2".to_vec()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// The record at `key`, if there is one; with `refresh`, its time to
    /// live is reset to that (Redis `GETEX … EX`), in the same operation.
    fn load(
        &self,
        key: &str,
        refresh: Option<Duration>,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Writes `write.value` if the record is still `write.expected`, and
    /// updates the user index with it; otherwise reports the current record.
    fn compare_and_set(
        &self,
        write: StoreWrite<'_>,
    ) -> impl Future<Output = Result<CasOutcome, StoreError>> + Send;

    /// Deletes the record at `key` (and its sid from `index`, if given).
    fn delete(
        &self,
        key: &str,
        index: Option<IndexEntry<'_>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes every record whose sid the index at `index_key` lists (their
    /// keys are `key_prefix` + sid) and the index itself; returns how many
    /// records were deleted.
    fn delete_indexed(
        &self,
        index_key: &str,
        key_prefix: &str,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}

/// One compare-and-set write.
#[derive(Debug, Clone, Copy)]
pub struct StoreWrite<'a> {
    /// The record's key.
    pub key: &'a str,
    /// What the record must be for the write to happen.
    pub expected: Expected<'a>,
    /// The new record.
    pub value: &'a [u8],
    /// Its time to live.
    pub ttl: Duration,
    /// The user index to keep in step, if the session belongs to a user.
    pub index: Option<IndexUpdate<'a>>,
}

/// The condition of a [`StoreWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected<'a> {
    /// No record at the key (a new session).
    Absent,
    /// Exactly these bytes (the record as the request loaded it).
    Value(&'a [u8]),
    /// Anything: a plain overwrite, without protection against lost
    /// updates (for comparisons and for stores shared with writers that do
    /// not use compare-and-set).
    Any,
}

/// How a write changes the user index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexUpdate<'a> {
    /// The sid the index lists.
    pub sid: &'a str,
    /// The index the session now belongs to (its user's), if any.
    pub add_to: Option<&'a str>,
    /// An index the session left (its user changed), if any.
    pub remove_from: Option<&'a str>,
    /// The time to live of the index (renewed on every write).
    pub ttl: Duration,
}

/// A sid in an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry<'a> {
    /// The index key.
    pub index_key: &'a str,
    /// The sid.
    pub sid: &'a str,
}

/// What a compare-and-set did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CasOutcome {
    /// The record was written.
    Written,
    /// The record was not what was expected; here is what it is now
    /// (`None`: there is none).
    Conflict(Option<Vec<u8>>),
}
