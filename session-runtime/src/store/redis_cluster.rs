//! [`RedisClusterStore`]: session records in a Redis Cluster, on
//! redis-rs's asynchronous cluster connection (it follows `MOVED`/`ASK`
//! redirections, refreshes the slot map after a failover or a resharding,
//! and retries; no hand-written RESP).
//!
//! How every operation stays in one hash slot, and why that is correct,
//! is documented on [`RedisClusterStore`].

use std::fmt;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Script, Value};

use super::redis::{CAS, cas_args, cas_outcome, load_command, millis, within};
use super::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};
use crate::error::{ConfigError, StoreError};

/// Adds a sid to a user's index and renews the index's time to live; with
/// the prune flag, answers up to four random members to check. KEYS: the
/// index. ARGV: sid, time to live in ms, `1` to prune.
const INDEX_ADD: &str = r"
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] == '1' then
  return redis.call('SRANDMEMBER', KEYS[1], 4)
end
return {}
";

/// How to reach a Redis Cluster.
///
/// # Examples
///
/// ```
/// use sessionkit::store::RedisClusterConfig;
/// use std::time::Duration;
///
/// let c = RedisClusterConfig::from_url("redis-cluster://10.0.0.1:7000,10.0.0.2:7000")?
///     .with_timeout(Duration::from_millis(500));
/// assert_eq!(c.nodes, ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]);
/// assert_eq!(c.timeout, Duration::from_millis(500));
/// # Ok::<(), sessionkit::error::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisClusterConfig {
    /// Some of the cluster's nodes, each a `redis://[user:password@]host:port`
    /// URL; the client learns the others from them.
    pub nodes: Vec<String>,
    /// The longest any one operation may take, redirections and retries
    /// included; then it fails with [`StoreError::Timeout`] (a 503).
    pub timeout: Duration,
}

impl fmt::Debug for RedisClusterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Node URLs may hold a password: print the hosts only.
        let hosts: Vec<&str> = self
            .nodes
            .iter()
            .map(|n| n.rsplit_once('@').map_or(n.as_str(), |(_, host)| host))
            .collect();
        f.debug_struct("RedisClusterConfig")
            .field("nodes", &hosts)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisClusterConfig {
    /// `nodes` (`redis://host:port` URLs) with a 1-second operation timeout.
    pub fn new<N: Into<String>>(nodes: impl IntoIterator<Item = N>) -> Self {
        RedisClusterConfig {
            nodes: nodes.into_iter().map(Into::into).collect(),
            timeout: Duration::from_secs(1),
        }
    }

    /// Reads `redis-cluster://[user:password@]h1:p1,h2:p2,…` (the demo's
    /// `SESSION_STORE`): one URL per node, the credentials on each.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Store`] when the scheme is not `redis-cluster://` or
    /// no node is named.
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let rest = url.strip_prefix("redis-cluster://").ok_or_else(|| {
            ConfigError::Store("a Redis Cluster URL starts with redis-cluster://".into())
        })?;
        let (credentials, hosts) = match rest.rsplit_once('@') {
            Some((c, h)) => (format!("{c}@"), h),
            None => (String::new(), rest),
        };
        let nodes: Vec<String> = hosts
            .trim_end_matches('/')
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| format!("redis://{credentials}{h}"))
            .collect();
        if nodes.is_empty() {
            return Err(ConfigError::Store(
                "a Redis Cluster URL names at least one node: redis-cluster://host:port,…".into(),
            ));
        }
        Ok(Self::new(nodes))
    }

    /// Sets [`RedisClusterConfig::timeout`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Session records in a Redis Cluster: the guarantees of
/// [`RedisStore`](super::RedisStore) (compare-and-set, the user index,
/// bounded timeouts) with every operation inside one hash slot.
///
/// # Keys and slots
///
/// The keys are Flask-Session's, unchanged: `session:<sid>` for a session
/// and `session:user:<user id>` for a user's index. They carry no hash tag,
/// so sessions spread over every master, and a Flask app with Flask-Session
/// on a cluster client reads the same keys.
///
/// Redis Cluster refuses a script or a transaction whose keys live in more
/// than one slot, and a session and its user's index live in different
/// slots (they could share one only if the sid named the user, which a
/// session has no user when it is created). So every script or command here
/// touches **one key**, and the order of the single-key steps makes the
/// result correct:
///
/// - **The compare-and-set of a session** is the same Lua script as on a
///   single node ([`RedisStore`](super::RedisStore)), on the session key
///   alone: compare the stored bytes, `SET … PX`. It is atomic in the
///   session's slot, so two concurrent saves never both win, and a session
///   deleted by a logout or a revoke is never written back (the merge sees
///   it gone).
/// - **Joining a user's index** (`SADD` + `PEXPIRE`, one script on the index
///   key) happens *before* the compare-and-set. A session is therefore never
///   stored under a user without being listed in that user's index: "log
///   out everywhere" cannot miss it. If the compare-and-set then fails or
///   loses, the index lists a sid that does not exist, which is harmless
///   (deleting it is a no-op) and is pruned later.
/// - **Leaving an index** (the user changed, or the session was deleted)
///   happens *after* the write or the delete, for the same reason: a failure
///   in between leaves a stale entry, never a missing one.
/// - **Revoking a user** reads the index (`SMEMBERS`), deletes those
///   sessions (one `DEL` that redis-rs splits by slot), then removes exactly
///   those members (`SREM`), not the whole index: a session that joined the
///   index meanwhile (a login racing the revoke) stays listed, so the next
///   revoke finds it. A login that races a revoke may survive it — it
///   happened after the revoke read the index — which is the same outcome
///   as if it had come a moment later.
/// - **Pruning** the index of sessions that expired runs when a session is
///   created under a user (a login): up to four random members are checked
///   with `EXISTS`, one key each, and the missing ones removed.
///
/// # Cost
///
/// A read is one command (`GET`, or `GETEX` refreshing the time to live). A
/// save is one script; a save of a session with a user is two (the index,
/// then the compare-and-set), plus the pruning at a login. A single node
/// does it all in one script.
///
/// # Replicas
///
/// Every command goes to the master that owns the key's slot. Reading from
/// replicas is not offered: a replica a few milliseconds behind would serve
/// a session that was just revoked, or a login that did not reach it yet.
/// The compare-and-set itself would stay correct (it runs on the master, and
/// a conflict answers with the master's bytes), but a read-only request
/// would not. Replicas serve as failover targets: when a master dies, the
/// cluster promotes its replica, and redis-rs finds it after refreshing the
/// slot map. Writes acknowledged by the old master but not yet replicated
/// are lost at a failover — Redis replication is asynchronous, and this
/// store does not wait for replicas (`WAIT`) on every save.
///
/// Connects lazily: building it never waits for the cluster, so an app
/// starts while it is down. Cloning shares the connection.
///
/// # Examples
///
/// ```no_run
/// use sessionkit::SessionConfig;
/// use sessionkit::store::{RedisClusterConfig, RedisClusterStore, ServerSideSessionInterface};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = RedisClusterConfig::from_url("redis-cluster://127.0.0.1:7000,127.0.0.1:7001")?;
/// let store = RedisClusterStore::new(config)?;
/// let interface = ServerSideSessionInterface::new(SessionConfig::default(), store)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisClusterStore {
    connection: ClusterConnection,
    timeout: Duration,
    cas: Script,
    index_add: Script,
}

impl fmt::Debug for RedisClusterStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisClusterStore")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisClusterStore {
    /// A store for `config`; call it inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Store`] for node URLs redis-rs cannot read.
    pub fn new(config: RedisClusterConfig) -> Result<Self, ConfigError> {
        let client = ClusterClient::builder(config.nodes.iter().map(String::as_str))
            // Redirections and retries stay well inside the timeout.
            .retries(8)
            .min_retry_wait(10)
            .max_retry_wait(100)
            .build()
            .map_err(|e| ConfigError::Store(format!("the Redis Cluster nodes: {e}")))?;
        let connection = client.get_pending_async_connection_with_config(
            ClusterConfig::new()
                .set_connection_timeout(config.timeout)
                .set_response_timeout(config.timeout),
        );
        Ok(RedisClusterStore {
            connection,
            timeout: config.timeout,
            cas: Script::new(CAS),
            index_add: Script::new(INDEX_ADD),
        })
    }

    /// Runs `op` on the connection, within the timeout.
    async fn run<T, F>(&self, op: impl FnOnce(ClusterConnection) -> F) -> Result<T, StoreError>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        within(self.timeout, op(self.connection.clone())).await
    }

    /// `SREM index members…`.
    async fn leave(&self, index: &str, members: &[&str]) -> Result<(), StoreError> {
        if members.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("SREM");
        cmd.arg(index).arg(members);
        self.run(|mut con| async move { cmd.query_async::<()>(&mut con).await })
            .await
    }

    /// Removes from `index` the members of `candidates` whose session is
    /// gone (other than `sid`, which is being written).
    async fn prune(
        &self,
        index: &str,
        prefix: &str,
        sid: &str,
        candidates: Vec<String>,
    ) -> Result<(), StoreError> {
        let mut gone = Vec::new();
        for candidate in candidates.iter().filter(|c| *c != sid) {
            let key = format!("{prefix}{candidate}");
            let exists: bool =
                self.run(|mut con| async move {
                    redis::cmd("EXISTS").arg(&key).query_async(&mut con).await
                })
                .await?;
            if !exists {
                gone.push(candidate.as_str());
            }
        }
        self.leave(index, &gone).await
    }
}

impl SessionStore for RedisClusterStore {
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
        let index = write.index;
        let sid = index.map_or("", |i| i.sid);
        let prefix = write.key.strip_suffix(sid).unwrap_or("");
        // 1. Join the user's index first: a stored session is always listed.
        let mut candidates = Vec::new();
        if let Some((add, ttl)) = index.and_then(|i| i.add_to.map(|a| (a, i.ttl))) {
            let mut invocation = self.index_add.key(add);
            let prune = write.expected == Expected::Absent;
            invocation
                .arg(sid)
                .arg(millis(ttl))
                .arg(if prune { "1" } else { "0" });
            candidates = self
                .run(|mut con| async move { invocation.invoke_async(&mut con).await })
                .await?;
        }
        // 2. The compare-and-set, on the session key alone.
        let mut invocation = self.cas.key(write.key);
        cas_args(&mut invocation, &write, sid, "");
        let reply: Value = self
            .run(|mut con| async move { invocation.invoke_async(&mut con).await })
            .await?;
        let outcome = cas_outcome(reply)?;
        if outcome == CasOutcome::Written
            && let Some(index) = index
        {
            // 3. Leave the old user's index, after the write.
            if let Some(old) = index.remove_from {
                self.leave(old, &[sid]).await?;
            }
            if let Some(add) = index.add_to {
                self.prune(add, prefix, sid, candidates).await?;
            }
        }
        Ok(outcome)
    }

    async fn delete(&self, key: &str, index: Option<IndexEntry<'_>>) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(key);
        self.run(|mut con| async move { cmd.query_async::<()>(&mut con).await })
            .await?;
        if let Some(entry) = index {
            self.leave(entry.index_key, &[entry.sid]).await?;
        }
        Ok(())
    }

    async fn delete_indexed(&self, index_key: &str, key_prefix: &str) -> Result<usize, StoreError> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(index_key);
        let members: Vec<String> = self
            .run(|mut con| async move { cmd.query_async(&mut con).await })
            .await?;
        if members.is_empty() {
            return Ok(0);
        }
        // One DEL: redis-rs splits it by slot and adds up the counts.
        let mut cmd = redis::cmd("DEL");
        for sid in &members {
            cmd.arg(format!("{key_prefix}{sid}"));
        }
        let deleted: usize = self
            .run(|mut con| async move { cmd.query_async(&mut con).await })
            .await?;
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        self.leave(index_key, &members).await?;
        Ok(deleted)
    }
}
