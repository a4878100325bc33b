//! [`RedisStore`]: session records in Redis, on redis-rs's multiplexed
//! tokio connection manager (no hand-written RESP).
//!
//! Each operation is one round trip: a load is `GET` (or `GETEX … PX` when
//! it refreshes the time to live), a save is one Lua script (compare the
//! stored bytes, `SET … PX`, keep the user index) run with `EVALSHA`, a
//! delete is one `MULTI`/`EXEC`. Every operation is bounded by
//! [`RedisConfig::timeout`]; a store that is down or hung answers
//! [`StoreError::Unavailable`] / [`StoreError::Timeout`] within it, and the
//! connection manager reconnects in the background (the first request after
//! Redis returns is served again).

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script, Value};

use super::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};
use crate::error::{ConfigError, StoreError};

/// The compare-and-set save. KEYS: the session, then (by the flags in
/// ARGV[7]: `a` add, `r` remove) the index to add the sid to and the one to
/// remove it from. ARGV: mode (`absent`, `value`, `any`), expected bytes,
/// new bytes, time to live in ms, sid, key prefix, flags.
pub(super) const CAS: &str = r"
local cur = redis.call('GET', KEYS[1])
local mode = ARGV[1]
if mode == 'absent' then
  if cur then return {0, cur} end
elseif mode == 'value' then
  if cur ~= ARGV[2] then
    if cur then return {0, cur} end
    return {0}
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
local n = 2
if string.find(ARGV[7], 'a', 1, true) then
  local idx = KEYS[n]
  n = n + 1
  redis.call('SADD', idx, ARGV[5])
  redis.call('PEXPIRE', idx, ARGV[4])
  for _, sid in ipairs(redis.call('SRANDMEMBER', idx, 4)) do
    if redis.call('EXISTS', ARGV[6] .. sid) == 0 then
      redis.call('SREM', idx, sid)
    end
  end
end
if string.find(ARGV[7], 'r', 1, true) then
  redis.call('SREM', KEYS[n], ARGV[5])
end
return {1}
";

/// Deletes every session an index lists. KEYS: the index. ARGV: the key
/// prefix.
const DELETE_INDEXED: &str = r"
local n = 0
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. sid)
end
redis.call('DEL', KEYS[1])
return n
";

/// How to reach Redis.
///
/// # Examples
///
/// ```
/// use sessionkit::store::RedisConfig;
/// use std::time::Duration;
///
/// let c = RedisConfig::new("redis://127.0.0.1:6379/0").with_timeout(Duration::from_millis(250));
/// assert_eq!(c.timeout, Duration::from_millis(250));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisConfig {
    /// `redis://[user:password@]host:port/db` (or `rediss://`).
    pub url: String,
    /// The longest any one operation may take, connecting included; then
    /// it fails with [`StoreError::Timeout`] (a 503).
    pub timeout: Duration,
}

impl RedisConfig {
    /// `url` with a 1-second operation timeout.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            timeout: Duration::from_secs(1),
        }
    }

    /// Sets [`RedisConfig::timeout`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Session records in Redis (a single node; Flask-Session's layout is the
/// interface's business, this stores bytes).
///
/// Connects lazily: building it never waits for Redis, so an app starts
/// while Redis is down and serves sessions as soon as it is up. Cloning
/// shares the connection.
///
/// # Examples
///
/// ```no_run
/// use sessionkit::SessionConfig;
/// use sessionkit::store::{RedisConfig, RedisStore, ServerSideSessionInterface};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::new(RedisConfig::new("redis://127.0.0.1:6379/0"))?;
/// let interface = ServerSideSessionInterface::new(SessionConfig::default(), store)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    timeout: Duration,
    cas: Script,
    delete_indexed: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `config`; call it inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Store`] for a URL redis-rs cannot read.
    pub fn new(config: RedisConfig) -> Result<Self, ConfigError> {
        let client = Client::open(config.url.as_str())
            .map_err(|e| ConfigError::Store(format!("the Redis URL: {e}")))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|e| ConfigError::Store(format!("the Redis connection: {e}")))?;
        Ok(RedisStore {
            connection,
            timeout: config.timeout,
            cas: Script::new(CAS),
            delete_indexed: Script::new(DELETE_INDEXED),
        })
    }

    /// Runs `op` on the connection, within the timeout.
    async fn run<T, F>(&self, op: impl FnOnce(ConnectionManager) -> F) -> Result<T, StoreError>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        within(self.timeout, op(self.connection.clone())).await
    }
}

/// `op`'s outcome as a store's, or [`StoreError::Timeout`] after `timeout`.
pub(super) async fn within<T>(
    timeout: Duration,
    op: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, op).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(store_error(&e)),
        Err(_) => Err(StoreError::Timeout(timeout)),
    }
}

fn store_error(e: &redis::RedisError) -> StoreError {
    if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() || e.is_timeout() {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Refused(e.to_string())
    }
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `GET key`, or `GETEX key PX ttl` when the read refreshes the time to
/// live.
pub(super) fn load_command(key: &str, refresh: Option<Duration>) -> redis::Cmd {
    match refresh {
        Some(ttl) => {
            let mut c = redis::cmd("GETEX");
            c.arg(key).arg("PX").arg(millis(ttl));
            c
        }
        None => {
            let mut c = redis::cmd("GET");
            c.arg(key);
            c
        }
    }
}

/// The arguments of the [`CAS`] script after its keys, with `sid` and
/// `flags` for the index part.
pub(super) fn cas_args(
    invocation: &mut redis::ScriptInvocation<'_>,
    write: &StoreWrite<'_>,
    sid: &str,
    flags: &str,
) {
    let (mode, expected): (&str, &[u8]) = match write.expected {
        Expected::Absent => ("absent", b""),
        Expected::Value(v) => ("value", v),
        Expected::Any => ("any", b""),
    };
    let prefix = write.key.strip_suffix(sid).unwrap_or("");
    invocation
        .arg(mode)
        .arg(expected)
        .arg(write.value)
        .arg(millis(write.ttl))
        .arg(sid)
        .arg(prefix)
        .arg(flags);
}

/// Reads the [`CAS`] script's reply.
pub(super) fn cas_outcome(reply: Value) -> Result<CasOutcome, StoreError> {
    match reply {
        Value::Array(items) => match items.as_slice() {
            [Value::Int(1)] => Ok(CasOutcome::Written),
            [Value::Int(0)] => Ok(CasOutcome::Conflict(None)),
            [Value::Int(0), Value::BulkString(current)] => {
                Ok(CasOutcome::Conflict(Some(current.clone())))
            }
            _ => Err(StoreError::Refused("unexpected reply to the save".into())),
        },
        _ => Err(StoreError::Refused("unexpected reply to the save".into())),
    }
}

impl SessionStore for RedisStore {
    async fn load(
        &self,
        key: &str,
        refresh: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let cmd = load_command(key, refresh);
        self.run(|mut con| async move { cmd.query_async(&mut con).await })
            .await
    }

    async fn compare_and_set(&self, write: StoreWrite<'_>) -> Result<CasOutcome, StoreError> {
        let mut invocation = self.cas.key(write.key);
        let mut flags = String::new();
        let mut sid = "";
        if let Some(index) = write.index {
            sid = index.sid;
            if let Some(add) = index.add_to {
                invocation.key(add);
                flags.push('a');
            }
            if let Some(remove) = index.remove_from {
                invocation.key(remove);
                flags.push('r');
            }
        }
        cas_args(&mut invocation, &write, sid, &flags);
        let reply: Value = self
            .run(|mut con| async move { invocation.invoke_async(&mut con).await })
            .await?;
        cas_outcome(reply)
    }

    async fn delete(&self, key: &str, index: Option<IndexEntry<'_>>) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("DEL").arg(key).ignore();
        if let Some(entry) = index {
            pipe.cmd("SREM")
                .arg(entry.index_key)
                .arg(entry.sid)
                .ignore();
        }
        self.run(|mut con| async move { pipe.query_async::<()>(&mut con).await })
            .await
    }

    async fn delete_indexed(&self, index_key: &str, key_prefix: &str) -> Result<usize, StoreError> {
        let mut invocation = self.delete_indexed.key(index_key);
        invocation.arg(key_prefix);
        self.run(|mut con| async move { invocation.invoke_async(&mut con).await })
            .await
    }
}
