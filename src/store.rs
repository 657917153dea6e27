//! The storage contract: a Workers-KV-shaped binding, seen from Rust as a small async trait.
//!
//! The engine only needs what Workers KV offers (get, bulk get, put with TTL and metadata,
//! delete, prefix list with cursor), so the same code runs on KV, Durable Object storage or
//! memory. Implementations live beside their host: `memory` natively, `js_binding` in wasm.

use serde_json::Value;

/// Workers KV's floor for `expirationTtl`.
pub const MIN_TTL_SECONDS: u64 = 60;
/// Workers KV's page size ceiling for `list`.
pub const LIST_PAGE_LIMIT: u32 = 1000;
/// Workers KV's most keys in one bulk get (one operation); the host's guard splits longer
/// reads into gets of this many (`www/kv-guard.js`, with `www/memory-kv.js`'s copy of the limit).
pub const BULK_GET_KEYS: usize = 100;
/// KV operations a Worker invocation may make.
pub const INVOCATION_OPS: u32 = 1000;

/// The limits the host's guard puts on every store call (`www/kv-guard.js`; a parity test holds
/// its defaults to these): a deadline, and retries of a write refused with 429 after a backoff
/// that doubles. The core's budgets count on them: a write may cost `PUT_RETRIES` more operations.
pub const OP_TIMEOUT_MS: u32 = 10_000;
pub const PUT_RETRIES: u32 = 3;
pub const PUT_BACKOFF_MS: u32 = 100;

// A bulk invalidation's segment, its watermark write's retries and the caller's authentication
// (a few operations) fit one invocation; the caller's stored roles are read in bulk gets.
const _: () = assert!(crate::bulk_invalidation::SEGMENT_OPS + PUT_RETRIES + 10 <= INVOCATION_OPS);
const _: () = assert!(crate::native_roles::MAX_STORED_ROLE_READS / BULK_GET_KEYS <= 10);

/// [`BULK_GET_KEYS`] and the guard's limits, for the host (`storeLimits()`).
pub fn limits() -> Value {
    serde_json::json!({
        "timeoutMs": OP_TIMEOUT_MS,
        "putRetries": PUT_RETRIES,
        "backoffMs": PUT_BACKOFF_MS,
        "bulkGetKeys": BULK_GET_KEYS,
    })
}

/// Why the binding failed. The text is the binding's own message, for `caused_by`; it never
/// contains a token (keys and values hold hashes only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListedKey {
    pub name: String,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPage {
    pub keys: Vec<ListedKey>,
    /// `None` when the listing is complete.
    pub cursor: Option<String>,
}

/// The host-supplied key-value binding.
#[allow(async_fn_in_trait)] // Single-threaded hosts (wasm, tests): futures need not be Send.
pub trait KvStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Several keys in one operation where the binding can (Workers KV bulk get, up to
    /// [`BULK_GET_KEYS`]).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }

    /// `ttl_seconds` is at least [`MIN_TTL_SECONDS`]; every key the engine writes expires.
    async fn put(&self, key: &str, value: &str, ttl_seconds: u64, metadata: Option<&Value>) -> Result<(), StoreError>;

    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError>;

    /// The store's own clock (epoch ms), for stores that have one (an emulation with an
    /// injectable clock); `None` means the platform's clock.
    fn clock(&self) -> Option<u64> {
        None
    }
}

/// Every key under `prefix`, page after page.
pub async fn list_all<S: KvStore>(store: &S, prefix: &str) -> Result<Vec<ListedKey>, StoreError> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list(prefix, cursor.as_deref(), LIST_PAGE_LIMIT).await?;
        keys.extend(page.keys);
        match page.cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(keys),
        }
    }
}

/// TTL in whole seconds until `until_ms`, never below the platform floor.
pub fn ttl_until(now_ms: u64, until_ms: u64) -> u64 {
    until_ms.saturating_sub(now_ms).div_ceil(1000).max(MIN_TTL_SECONDS)
}
