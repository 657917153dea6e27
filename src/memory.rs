//! An in-memory [`KvStore`] with an injectable clock, for native use and tests. It keeps the
//! contract of Workers KV that matters to the engine: TTL floor, metadata, sorted prefix pages.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::Value;

use crate::store::{KvStore, ListPage, ListedKey, StoreError, LIST_PAGE_LIMIT, MIN_TTL_SECONDS};

#[derive(Debug, Clone)]
struct Entry {
    value: String,
    metadata: Option<Value>,
    expires_at_ms: u64,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: RefCell<BTreeMap<String, Entry>>,
    now_ms: Cell<u64>,
    operations: Cell<u64>,
}

impl MemoryStore {
    pub fn new(now_ms: u64) -> Self {
        MemoryStore { now_ms: Cell::new(now_ms), ..Default::default() }
    }

    pub fn now(&self) -> u64 {
        self.now_ms.get()
    }

    pub fn set_now(&self, now_ms: u64) {
        self.now_ms.set(now_ms);
    }

    pub fn advance(&self, ms: u64) {
        self.now_ms.set(self.now_ms.get().saturating_add(ms));
    }

    /// KV operations served so far (a bulk get counts once, as on Workers).
    pub fn operations(&self) -> u64 {
        self.operations.get()
    }

    /// Live keys, their values and metadata, for tests that inspect the schema.
    pub fn dump(&self) -> Vec<(String, String, Option<Value>)> {
        let now = self.now();
        self.entries
            .borrow()
            .iter()
            .filter(|(_, e)| e.expires_at_ms > now)
            .map(|(k, e)| (k.clone(), e.value.clone(), e.metadata.clone()))
            .collect()
    }

    fn count(&self) {
        self.operations.set(self.operations.get().saturating_add(1));
    }

    fn live(&self, key: &str) -> Option<Entry> {
        let now = self.now();
        self.entries.borrow().get(key).filter(|e| e.expires_at_ms > now).cloned()
    }
}

impl KvStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.count();
        Ok(self.live(key).map(|e| e.value))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        self.count();
        Ok(keys.iter().map(|k| self.live(k).map(|e| e.value)).collect())
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: u64, metadata: Option<&Value>) -> Result<(), StoreError> {
        self.count();
        if ttl_seconds < MIN_TTL_SECONDS {
            return Err(StoreError(format!(
                "Invalid expiration_ttl of {ttl_seconds}. Expiration TTL must be at least 60."
            )));
        }
        let entry = Entry {
            value: value.to_string(),
            metadata: metadata.cloned(),
            expires_at_ms: self.now().saturating_add(ttl_seconds.saturating_mul(1000)),
        };
        self.entries.borrow_mut().insert(key.to_string(), entry);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.count();
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    fn clock(&self) -> Option<u64> {
        Some(self.now())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        self.count();
        let now = self.now();
        let limit = limit.clamp(1, LIST_PAGE_LIMIT) as usize;
        let start = cursor.unwrap_or(prefix).to_string();
        let entries = self.entries.borrow();
        let mut matching = entries
            .range(start..)
            .filter(|(k, _)| Some(k.as_str()) != cursor)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(_, e)| e.expires_at_ms > now);
        let keys: Vec<ListedKey> = matching
            .by_ref()
            .take(limit)
            .map(|(k, e)| ListedKey { name: k.clone(), metadata: e.metadata.clone() })
            .collect();
        let more = matching.next().is_some();
        let cursor = if more { keys.last().map(|k| k.name.clone()) } else { None };
        Ok(ListPage { keys, cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::list_all;
    use pollster::block_on;

    #[test]
    fn pages_cover_every_key_once_in_order() {
        let store = MemoryStore::new(0);
        for i in 0..2_500 {
            block_on(store.put(&format!("p:{i:05}"), "", 60, None)).unwrap();
        }
        block_on(store.put("q:1", "", 60, None)).unwrap();
        let all = block_on(list_all(&store, "p:")).unwrap();
        assert_eq!(all.len(), 2_500);
        assert!(all.windows(2).all(|w| w[0].name < w[1].name));
        let page = block_on(store.list("p:", None, 1000)).unwrap();
        assert_eq!(page.keys.len(), 1000);
        assert!(page.cursor.is_some());
    }

    #[test]
    fn entries_expire_and_ttl_floor_is_enforced() {
        let store = MemoryStore::new(1_000);
        block_on(store.put("k", "v", 60, None)).unwrap();
        assert!(block_on(store.put("k2", "v", 59, None)).is_err());
        store.advance(59_999);
        assert_eq!(block_on(store.get("k")).unwrap().as_deref(), Some("v"));
        store.advance(1);
        assert_eq!(block_on(store.get("k")).unwrap(), None);
        assert!(store.dump().is_empty());
    }
}
