//! The only module that knows about JavaScript: a Workers-KV-shaped JS object seen as a
//! [`KvStore`], and the thin exports. Each export answers with a reply envelope string
//! (`{"status","headers","body"}`), parsed once by the JS wrapper.

use js_sys::{Array, Function, Map as JsMap, Object, Promise, Reflect, JSON};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::check::{self, DocumentStep};
use crate::errors::{illegal_argument, Reply};
use crate::host_api;
use crate::schema::keys;
use crate::store::{KvStore, ListPage, ListedKey, StoreError};

#[wasm_bindgen(
    inline_js = "export function panicked() { const l = globalThis[Symbol.for('edge-token.panic')]; if (l) for (const f of l) try { f(); } catch {} }"
)]
extern "C" {
    /// Tells the JS wrappers of this realm that the instance is about to trap, so they fail
    /// the calls in flight with a 500 instead of leaving them pending forever.
    fn panicked();
}

/// A panic aborts (traps) the instance. Should one ever happen despite the lints, the hook
/// reports it and schedules a fresh instance for the next call: one failed request, not a
/// poisoned isolate.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|_| {
        panicked();
        wasm_bindgen::handler::schedule_reinit();
    }));
}

/// Test builds only: a trap on demand, before or after the call's first await.
#[cfg(feature = "trap-test")]
#[wasm_bindgen(js_name = forceTrap)]
pub async fn force_trap(after_await: bool) -> String {
    if after_await {
        let _ = JsFuture::from(Promise::resolve(&JsValue::NULL)).await;
    }
    #[allow(clippy::panic)]
    {
        panic!("forced trap for tests"); // allow-panic
    }
}

/// A host KV binding: `get`, `put`, `delete` and `list`, each returning a promise (or value).
struct JsKv {
    binding: JsValue,
    get: Function,
    put: Function,
    delete: Function,
    list: Function,
}

fn method(binding: &JsValue, name: &str) -> Result<Function, Reply> {
    Reflect::get(binding, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| illegal_argument(format!("the KV binding has no [{name}] function")))
}

impl JsKv {
    fn new(binding: JsValue) -> Result<JsKv, Reply> {
        Ok(JsKv {
            get: method(&binding, "get")?,
            put: method(&binding, "put")?,
            delete: method(&binding, "delete")?,
            list: method(&binding, "list")?,
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
fn store_error(error: JsValue) -> StoreError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the KV binding failed".to_string());
    StoreError(message)
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), StoreError> {
    Reflect::set(object, &JsValue::from_str(name), value).map(|_| ()).map_err(store_error)
}

impl KvStore for JsKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.call(&self.get, &[JsValue::from_str(key)]).await?.as_string())
    }

    /// Workers KV answers an array of keys with a Map; other bindings get one call per key.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let array: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        if let Ok(found) = self.call(&self.get, &[array.into()]).await {
            if let Some(map) = found.dyn_ref::<JsMap>() {
                return Ok(keys.iter().map(|k| map.get(&JsValue::from_str(k)).as_string()).collect());
            }
        }
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
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
        let result = self.call(&self.list, &[options.into()]).await?;
        let keys = field(&result, "keys")
            .dyn_into::<Array>()
            .map_err(|_| StoreError("the KV binding's list() returned no keys array".into()))?;
        let keys = keys
            .iter()
            .filter_map(|entry| {
                let name = field(&entry, "name").as_string()?;
                let metadata = field(&entry, "metadata");
                let metadata = JSON::stringify(&metadata)
                    .ok()
                    .and_then(|text| text.as_string())
                    .and_then(|text| serde_json::from_str(&text).ok())
                    .filter(|value: &serde_json::Value| !value.is_null());
                Some(ListedKey { name, metadata })
            })
            .collect();
        let complete = field(&result, "list_complete").as_bool().unwrap_or(true);
        let cursor = if complete { None } else { field(&result, "cursor").as_string().filter(|c| !c.is_empty()) };
        Ok(ListPage { keys, cursor })
    }
}

/// Runs one engine call as a promise of its envelope. Every export shares this one boxed
/// future type, so the promise machinery is instantiated once (wasm size is cold-start time).
fn run_with_store<F>(binding: JsValue, run: F) -> Promise
where
    F: FnOnce(JsKv) -> Pin<Box<dyn Future<Output = Reply>>> + 'static,
{
    let call: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(async move {
        let reply = match JsKv::new(binding) {
            Ok(store) => run(store).await,
            Err(reply) => reply,
        };
        Ok(JsValue::from_str(&reply.to_envelope()))
    });
    future_to_promise(call)
}

#[wasm_bindgen(js_name = createToken, unchecked_return_type = "Promise<string>")]
pub fn create_token(kv: JsValue, request_json: String, options_json: String) -> Promise {
    run_with_store(kv, |store| {
        Box::pin(async move { host_api::create_token(&store, &request_json, &options_json).await })
    })
}

#[wasm_bindgen(js_name = checkToken, unchecked_return_type = "Promise<string>")]
pub fn check_token(kv: JsValue, token: String, options_json: String) -> Promise {
    run_with_store(kv, |store| Box::pin(async move { host_api::check_token(&store, &token, &options_json).await }))
}

#[wasm_bindgen(js_name = refreshToken, unchecked_return_type = "Promise<string>")]
pub fn refresh_token(kv: JsValue, token: String, client_json: String, options_json: String) -> Promise {
    run_with_store(kv, |store| {
        Box::pin(async move { host_api::refresh_token(&store, &token, &client_json, &options_json).await })
    })
}

#[wasm_bindgen(js_name = invalidateToken, unchecked_return_type = "Promise<string>")]
pub fn invalidate_token(kv: JsValue, body: String, options_json: String) -> Promise {
    run_with_store(kv, |store| Box::pin(async move { host_api::invalidate_token(&store, &body, &options_json).await }))
}

// The check as three synchronous steps, the host doing the two reads between them: no future,
// no promise and no binding lookup crosses the boundary, which is most of a check's cost.

/// Step 1: the key of the token's document, or `undefined` when the string is not a token
/// (step 2 without a document then answers).
#[wasm_bindgen(js_name = checkTokenKey)]
pub fn check_token_key(token: &str) -> Option<String> {
    check::document_key(token).map(|(_, doc_id)| keys::record(&doc_id))
}

/// Step 2: the document as read (`undefined` when absent) gives the final envelope (JSON, it
/// starts with `{`), or the keys of the second read (one bulk get), one per line, after a
/// first line naming the pending check for step 3.
#[wasm_bindgen(js_name = checkTokenDocument)]
pub fn check_token_document(token: &str, document: Option<String>, now: f64) -> String {
    match document_step(token, document.as_deref(), now) {
        DocumentStep::Done(outcome) => check::outcome_envelope(outcome),
        DocumentStep::NeedStatus { record, keys } => {
            let handle = pending_checks::park(token, record);
            let mut lines = handle.to_string();
            for key in keys {
                lines.push('\n');
                lines.push_str(&key);
            }
            lines
        }
    }
}

/// Step 3: the values of the second read, in the order of its keys, one per line (an empty
/// line for a missing key: no stored value is empty). The document parsed in step 2 is taken
/// back by its handle when it is still parked for this token; otherwise the answer is
/// `undefined` and the host calls [`check_token_status_again`] with the document.
#[wasm_bindgen(js_name = checkTokenStatus)]
pub fn check_token_status(token: &str, handle: u32, values: &str) -> Option<String> {
    let record = pending_checks::take(handle, token)?;
    Some(check::outcome_envelope(check::check_status(*record, &split_values(values))))
}

/// Step 3 when step 2's document is no longer parked: token and document are checked again,
/// so no call order can make a wrong token valid.
#[wasm_bindgen(js_name = checkTokenStatusAgain)]
pub fn check_token_status_again(token: &str, document: &str, values: &str, now: f64) -> String {
    match document_step(token, Some(document), now) {
        DocumentStep::Done(outcome) => check::outcome_envelope(outcome),
        DocumentStep::NeedStatus { record, .. } => {
            check::outcome_envelope(check::check_status(*record, &split_values(values)))
        }
    }
}

fn split_values(values: &str) -> Vec<Option<String>> {
    values.split('\n').map(|v| (!v.is_empty()).then(|| v.to_string())).collect()
}

/// Documents parsed by step 2, waiting for step 3. Bounded: a check whose step 3 never comes
/// (or comes late, after 64 others) is simply parsed again.
mod pending_checks {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use crate::schema::TokenRecord;

    const CAPACITY: usize = 64;

    struct Parked {
        handle: u32,
        token: String,
        record: Box<TokenRecord>,
    }

    thread_local! {
        static PARKED: RefCell<(u32, VecDeque<Parked>)> = RefCell::new((0, VecDeque::with_capacity(CAPACITY)));
    }

    pub fn park(token: &str, record: Box<TokenRecord>) -> u32 {
        PARKED.with_borrow_mut(|(next, parked)| {
            *next = next.wrapping_add(1);
            if parked.len() == CAPACITY {
                parked.pop_front();
            }
            parked.push_back(Parked { handle: *next, token: token.to_string(), record });
            *next
        })
    }

    /// The parked document of `handle`, if it was parked for this very token.
    pub fn take(handle: u32, token: &str) -> Option<Box<TokenRecord>> {
        PARKED.with_borrow_mut(|(_, parked)| {
            let index = parked.iter().position(|p| p.handle == handle && p.token == token)?;
            parked.remove(index).map(|p| p.record)
        })
    }
}

/// The 503 of a check whose read failed (fail closed).
#[wasm_bindgen(js_name = checkTokenUnavailable)]
pub fn check_token_unavailable(detail: &str) -> String {
    check::unavailable_reply(detail).to_envelope()
}

fn document_step(token: &str, document: Option<&str>, now: f64) -> DocumentStep {
    match check::document_key(token) {
        Some((presented, doc_id)) => check::check_document(&presented, &doc_id, document, now.max(0.0) as u64),
        None => DocumentStep::Done(check::CheckOutcome::Unknown),
    }
}

#[wasm_bindgen(js_name = parseInvalidateRequest)]
pub fn parse_invalidate_request(body: String) -> String {
    host_api::invalidate_request(&body).to_envelope()
}

#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(options_json: String) -> String {
    host_api::settings(&options_json).to_envelope()
}

#[wasm_bindgen(js_name = parseTokenRequest)]
pub fn parse_token_request(body: String) -> String {
    host_api::token_request(&body).to_envelope()
}
