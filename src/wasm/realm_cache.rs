//! The realms' cache (`crate::realm_cache`) as a host holds it: one object per service, made
//! from the env's settings. It lives in the heap of the wasm instance that made it: after a trap
//! replaces the instance, the host makes a new, empty one (a cache may be lost, never wrong).

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::realm_cache::{self, CacheSettings};

#[wasm_bindgen]
pub struct RealmCache {
    cache: realm_cache::RealmCache,
}

#[wasm_bindgen]
impl RealmCache {
    /// A cache for `REALM_CACHE_TTL`, `REALM_CACHE_MAX_USERS`, `REALM_CACHE_HASH_ALGO` (each
    /// optional); the error's message names the setting that is wrong.
    pub fn create(
        ttl: Option<String>,
        max_users: Option<String>,
        hash_algo: Option<String>,
    ) -> Result<RealmCache, JsError> {
        let settings = CacheSettings::parse(ttl.as_deref(), max_users.as_deref(), hash_algo.as_deref());
        Ok(RealmCache { cache: realm_cache::RealmCache::new(settings.map_err(|message| JsError::new(&message))?) })
    }

    /// The cached login's `_authenticate` body (JSON text), or `undefined` (see `lookup`).
    pub fn lookup(&mut self, username: &str, password: &str, now: f64) -> Option<String> {
        self.cache.lookup(username, password, now as u64)
    }

    /// To hand back to [`RealmCache::remember`]: taken before the login reads the store.
    pub fn generation(&self) -> f64 {
        self.cache.generation() as f64
    }

    /// Remembers a successful login; `principal` is its `_authenticate` body.
    pub fn remember(&mut self, username: &str, password: &str, principal: &JsValue, generation: f64, now: f64) {
        let text = js_sys::JSON::stringify(principal).ok().and_then(|text| text.as_string()).unwrap_or_default();
        if let Ok(principal) = serde_json::from_str::<Value>(&text) {
            self.cache.remember(username, password, &principal, generation as u64, now as u64);
        }
    }

    pub fn forget(&mut self, username: &str) {
        self.cache.forget(username);
    }

    /// POST /_security/realm/{realms}/_clear_cache's reply envelope; `uri` is the request's
    /// path and query, whose `usernames` parameter the core's query decoder reads.
    pub fn clear(&mut self, realms: &str, uri: &str) -> String {
        let params = crate::query_params::decode_query(uri).unwrap_or_default();
        self.cache.clear(realms, params.get("usernames")).to_rest_envelope()
    }
}
