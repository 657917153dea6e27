//! A Workers-KV-shaped JavaScript object (`get`, `put`, `delete`, `list`) seen as a
//! [`KvStore`]. The host always passes the binding through its guard (`www/kv-guard.js`):
//! deadlines, 429 retries, and one bulk-get rule, so a `get` of an array always answers a Map
//! (the guard falls back to one read per key for bindings without bulk get).

use js_sys::{Array, Function, Map as JsMap, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::errors::{illegal_argument, Reply};
use crate::store::{KvStore, ListPage, ListedKey, StoreError};

pub struct JsKv {
    binding: JsValue,
    get: Function,
    put: Function,
    delete: Function,
    list: Function,
    /// The binding's own clock, when it has one (MemoryKV's `now()`).
    now: Option<Function>,
}

fn method(binding: &JsValue, name: &str) -> Result<Function, Reply> {
    Reflect::get(binding, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| illegal_argument(format!("the KV binding has no [{name}] function")))
}

impl JsKv {
    pub fn new(binding: JsValue) -> Result<JsKv, Reply> {
        Ok(JsKv {
            get: method(&binding, "get")?,
            put: method(&binding, "put")?,
            delete: method(&binding, "delete")?,
            list: method(&binding, "list")?,
            now: method(&binding, "now").ok(),
            binding,
        })
    }

    async fn call(&self, function: &Function, args: &[JsValue]) -> Result<JsValue, StoreError> {
        let args: Array = args.iter().collect();
        let returned = function.apply(&self.binding, &args).map_err(store_error)?;
        JsFuture::from(Promise::resolve(&returned)).await.map_err(store_error)
    }
}

/// The binding's own message (`KV PUT failed: 429 ...`), for `caused_by`.
pub(super) fn store_error(error: JsValue) -> StoreError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the KV binding failed".to_string());
    StoreError(message)
}

/// `object[name]`, undefined when `object` has no such field (or is not an object).
pub(super) fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), StoreError> {
    Reflect::set(object, &JsValue::from_str(name), value).map(|_| ()).map_err(store_error)
}

impl KvStore for JsKv {
    fn clock(&self) -> Option<u64> {
        crate::clock::valid_reading(self.now.as_ref()?.call0(&self.binding).ok()?.as_f64()?)
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.call(&self.get, &[JsValue::from_str(key)]).await?.as_string())
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let array: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let found = self.call(&self.get, &[array.into()]).await?;
        let map =
            found.dyn_ref::<JsMap>().ok_or_else(|| StoreError("the KV binding's bulk get returned no Map".into()))?;
        Ok(keys.iter().map(|k| map.get(&JsValue::from_str(k)).as_string()).collect())
    }

    async fn put(
        &self,
        key: &str,
        value: &str,
        ttl_seconds: u64,
        metadata: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let options = Object::new();
        set(&options, "expirationTtl", &JsValue::from_f64(ttl_seconds as f64))?;
        if let Some(metadata) = metadata {
            let parsed = JSON::parse(&metadata.to_string()).map_err(store_error)?;
            set(&options, "metadata", &parsed)?;
        }
        self.call(&self.put, &[JsValue::from_str(key), JsValue::from_str(value), options.into()]).await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call(&self.delete, &[JsValue::from_str(key)]).await.map(|_| ())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        let options = Object::new();
        set(&options, "prefix", &JsValue::from_str(prefix))?;
        set(&options, "limit", &JsValue::from_f64(f64::from(limit)))?;
        if let Some(cursor) = cursor {
            set(&options, "cursor", &JsValue::from_str(cursor))?;
        }
        list_page(&self.call(&self.list, &[options.into()]).await?)
    }
}

/// The time the core would read for a binding whose clock gave `store` (none: the binding has
/// none), for the service's own clock (the login throttle, the realms' cache): the one rule of
/// which reading counts ([`crate::clock::now_of`]).
#[wasm_bindgen(js_name = clockNow)]
pub fn clock_now(store: Option<f64>) -> f64 {
    crate::clock::now_of(None, store) as f64
}

/// The store limits the core's budgets count on (`store::limits`), as JSON: the guard's
/// deadline, put retries and backoff, and the keys of one bulk get.
#[wasm_bindgen(js_name = storeLimits)]
pub fn store_limits() -> String {
    crate::store::limits().to_string()
}

/// What a binding's `list()` resolved with, read as one page.
pub(super) fn list_page(result: &JsValue) -> Result<ListPage, StoreError> {
    let keys = field(result, "keys")
        .dyn_into::<Array>()
        .map_err(|_| StoreError("the KV binding's list() returned no keys array".into()))?;
    // One crossing per page, not several per key: a bulk invalidation lists 1,000,000 keys.
    let text = JSON::stringify(&keys).map_err(store_error)?.as_string().unwrap_or_default();
    let keys = match serde_json::from_str(&text) {
        Ok(serde_json::Value::Array(entries)) => entries.into_iter().filter_map(listed_key).collect(),
        _ => return Err(StoreError("the KV binding's list() returned keys that are not JSON".into())),
    };
    let complete = field(result, "list_complete").as_bool().unwrap_or(true);
    let cursor = if complete { None } else { field(result, "cursor").as_string().filter(|c| !c.is_empty()) };
    Ok(ListPage { keys, cursor })
}

fn listed_key(entry: serde_json::Value) -> Option<ListedKey> {
    let serde_json::Value::Object(mut entry) = entry else { return None };
    let serde_json::Value::String(name) = entry.remove("name")? else { return None };
    let metadata = entry.remove("metadata").filter(|value| !value.is_null());
    Some(ListedKey { name, metadata })
}
