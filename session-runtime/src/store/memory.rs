//! [`MemoryStore`]: session records in this process's memory.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};
use crate::error::StoreError;

/// How many operations pass between two sweeps of expired records.
const SWEEP_EVERY: u64 = 1024;

/// Session records in memory: for one process and for tests, with the same
/// atomic compare-and-set and user index as the Redis store.
///
/// Bounded: at most [`MemoryStore::with_capacity`] records (100 000 by
/// default). Expired records are swept every 1 024 operations and whenever
/// the store is full; when it is still full, the record closest to expiry is
/// dropped (that session is logged out). Cloning shares the records.
///
/// # Examples
///
/// ```
/// use sessionkit::store::{MemoryStore, SessionStore};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::with_capacity(10_000);
/// assert_eq!(store.load("session:nope", None).await?, None);
/// assert_eq!(store.len(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, (Vec<u8>, Instant)>,
    indexes: HashMap<String, (HashSet<String>, Instant)>,
    ops: u64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store holding up to 100 000 records.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty store holding up to `capacity` records (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            inner: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    /// How many records are held (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks, counts the operation and sweeps when it is time.
    fn begin(&self, now: Instant) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        inner.ops += 1;
        if inner.ops.is_multiple_of(SWEEP_EVERY) {
            inner.sweep(now);
        }
        inner
    }
}

impl Inner {
    fn sweep(&mut self, now: Instant) {
        self.records.retain(|_, (_, until)| *until > now);
        self.indexes.retain(|_, (_, until)| *until > now);
    }

    /// The live record at `key` (an expired one is removed).
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut (Vec<u8>, Instant)> {
        if self
            .records
            .get(key)
            .is_some_and(|(_, until)| *until <= now)
        {
            self.records.remove(key);
        }
        self.records.get_mut(key)
    }

    /// Makes room for one more record.
    fn make_room(&mut self, capacity: usize, now: Instant) {
        if self.records.len() < capacity {
            return;
        }
        self.sweep(now);
        while self.records.len() >= capacity {
            let Some(oldest) = self
                .records
                .iter()
                .min_by_key(|(_, (_, until))| *until)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            self.records.remove(&oldest);
        }
    }

    fn index_add(&mut self, index_key: &str, sid: &str, ttl: Duration, now: Instant) {
        let entry = self
            .indexes
            .entry(index_key.to_owned())
            .or_insert_with(|| (HashSet::new(), now));
        if entry.1 <= now {
            entry.0.clear();
        }
        entry.0.insert(sid.to_owned());
        entry.1 = now + ttl;
    }

    fn index_remove(&mut self, index_key: &str, sid: &str) {
        if let Some((sids, _)) = self.indexes.get_mut(index_key) {
            sids.remove(sid);
            if sids.is_empty() {
                self.indexes.remove(index_key);
            }
        }
    }

    /// Drops from an index the sids whose records are gone, as the Redis
    /// store does on every write (there, a few at a time).
    fn prune_index(&mut self, index_key: &str, key_prefix: &str, now: Instant) {
        let Some((sids, _)) = self.indexes.get(index_key) else {
            return;
        };
        let dead: Vec<String> = sids
            .iter()
            .filter(|sid| {
                self.records
                    .get(&format!("{key_prefix}{sid}"))
                    .is_none_or(|(_, until)| *until <= now)
            })
            .cloned()
            .collect();
        for sid in dead {
            self.index_remove(index_key, &sid);
        }
    }
}

/// The key prefix of a session key whose sid is `sid`.
fn prefix_of<'k>(key: &'k str, sid: &str) -> &'k str {
    key.strip_suffix(sid).unwrap_or("")
}

impl SessionStore for MemoryStore {
    async fn load(
        &self,
        key: &str,
        refresh: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let now = Instant::now();
        let mut inner = self.begin(now);
        Ok(inner.live(key, now).map(|(value, until)| {
            if let Some(ttl) = refresh {
                *until = now + ttl;
            }
            value.clone()
        }))
    }

    async fn compare_and_set(&self, write: StoreWrite<'_>) -> Result<CasOutcome, StoreError> {
        let now = Instant::now();
        let mut inner = self.begin(now);
        let current = inner.live(write.key, now).map(|(v, _)| v.clone());
        let matches = match (write.expected, &current) {
            (Expected::Any, _) | (Expected::Absent, None) => true,
            (Expected::Value(want), Some(have)) => want == have.as_slice(),
            _ => false,
        };
        if !matches {
            return Ok(CasOutcome::Conflict(current));
        }
        if current.is_none() {
            inner.make_room(self.capacity, now);
        }
        inner.records.insert(
            write.key.to_owned(),
            (write.value.to_vec(), now + write.ttl),
        );
        if let Some(index) = write.index {
            if let Some(old) = index.remove_from {
                inner.index_remove(old, index.sid);
            }
            if let Some(new) = index.add_to {
                inner.index_add(new, index.sid, index.ttl, now);
                inner.prune_index(new, prefix_of(write.key, index.sid), now);
            }
        }
        Ok(CasOutcome::Written)
    }

    async fn delete(&self, key: &str, index: Option<IndexEntry<'_>>) -> Result<(), StoreError> {
        let mut inner = self.begin(Instant::now());
        inner.records.remove(key);
        if let Some(entry) = index {
            inner.index_remove(entry.index_key, entry.sid);
        }
        Ok(())
    }

    async fn delete_indexed(&self, index_key: &str, key_prefix: &str) -> Result<usize, StoreError> {
        let now = Instant::now();
        let mut inner = self.begin(now);
        let Some((sids, _)) = inner.indexes.remove(index_key) else {
            return Ok(0);
        };
        let mut deleted = 0;
        for sid in sids {
            let key = format!("{key_prefix}{sid}");
            if inner.live(&key, now).is_some() {
                inner.records.remove(&key);
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IndexUpdate;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        // The store's futures never wait: poll once.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("MemoryStore futures are ready at once"),
        }
    }

    fn write<'a>(
        key: &'a str,
        expected: Expected<'a>,
        value: &'a [u8],
        ttl: Duration,
    ) -> StoreWrite<'a> {
        StoreWrite {
            key,
            expected,
            value,
            ttl,
            index: None,
        }
    }

    #[test]
    fn records_expire() {
        let s = MemoryStore::new();
        let short = Duration::from_millis(30);
        assert_eq!(
            run(s.compare_and_set(write("k", Expected::Absent, b"v", short))).unwrap(),
            CasOutcome::Written
        );
        assert_eq!(run(s.load("k", None)).unwrap(), Some(b"v".to_vec()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(run(s.load("k", None)).unwrap(), None);
        // An expired record is absent for a create, too.
        assert_eq!(
            run(s.compare_and_set(write("k", Expected::Absent, b"w", short))).unwrap(),
            CasOutcome::Written
        );
    }

    #[test]
    fn a_refreshing_load_extends_the_life() {
        let s = MemoryStore::new();
        run(s.compare_and_set(write(
            "k",
            Expected::Absent,
            b"v",
            Duration::from_millis(40),
        )))
        .unwrap();
        std::thread::sleep(Duration::from_millis(25));
        run(s.load("k", Some(Duration::from_millis(200)))).unwrap();
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(run(s.load("k", None)).unwrap(), Some(b"v".to_vec()));
    }

    #[test]
    fn the_store_is_bounded() {
        let s = MemoryStore::with_capacity(3);
        let ttl = Duration::from_secs(60);
        for i in 0..10 {
            let key = format!("k{i}");
            run(s.compare_and_set(write(&key, Expected::Absent, b"v", ttl))).unwrap();
        }
        assert_eq!(s.len(), 3);
        // The newest records stay (the oldest expire first).
        assert!(run(s.load("k9", None)).unwrap().is_some());
        assert!(run(s.load("k0", None)).unwrap().is_none());
    }

    #[test]
    fn the_index_follows_the_sessions() {
        let s = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        for sid in ["a", "b", "c"] {
            let key = format!("session:{sid}");
            let mut w = write(&key, Expected::Absent, b"v", ttl);
            w.index = Some(IndexUpdate {
                sid,
                add_to: Some("session:user:42"),
                remove_from: None,
                ttl,
            });
            run(s.compare_and_set(w)).unwrap();
        }
        // `c` changes user: it leaves 42's index.
        let mut w = write("session:c", Expected::Any, b"w", ttl);
        w.index = Some(IndexUpdate {
            sid: "c",
            add_to: Some("session:user:7"),
            remove_from: Some("session:user:42"),
            ttl,
        });
        run(s.compare_and_set(w)).unwrap();
        // `a` is logged out.
        run(s.delete(
            "session:a",
            Some(IndexEntry {
                index_key: "session:user:42",
                sid: "a",
            }),
        ))
        .unwrap();
        assert_eq!(
            run(s.delete_indexed("session:user:42", "session:")).unwrap(),
            1
        );
        assert!(run(s.load("session:b", None)).unwrap().is_none());
        assert!(run(s.load("session:c", None)).unwrap().is_some());
        assert_eq!(
            run(s.delete_indexed("session:user:42", "session:")).unwrap(),
            0
        );
    }
}
