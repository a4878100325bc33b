//! A store adapter for comparisons: every compare-and-set turned into a
//! plain overwrite, which is what Flask-Session and the other session
//! libraries do. Used by the lost-update tests (to show the loss the
//! compare-and-set prevents) and by the store bench (to price it).

use std::time::Duration;

use sessionkit::error::StoreError;
use sessionkit::store::{CasOutcome, Expected, IndexEntry, SessionStore, StoreWrite};

/// `St`, saving without the compare-and-set.
#[derive(Clone)]
pub struct Overwrite<St>(pub St);

impl<St: SessionStore> SessionStore for Overwrite<St> {
    async fn load(
        &self,
        key: &str,
        refresh: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.load(key, refresh).await
    }

    async fn compare_and_set(&self, mut write: StoreWrite<'_>) -> Result<CasOutcome, StoreError> {
        if write.expected != Expected::Absent {
            write.expected = Expected::Any;
        }
        self.0.compare_and_set(write).await
    }

    async fn delete(&self, key: &str, index: Option<IndexEntry<'_>>) -> Result<(), StoreError> {
        self.0.delete(key, index).await
    }

    async fn delete_indexed(&self, index_key: &str, key_prefix: &str) -> Result<usize, StoreError> {
        self.0.delete_indexed(index_key, key_prefix).await
    }
}
