//! The engine calls that use the store, and the synchronous request parsers. Each answers with
//! a reply envelope string (see [`Reply::to_envelope`]), parsed once by the host.

use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::kv::JsKv;
use crate::engine;
use crate::errors::Reply;

/// Runs one engine call as a promise of its envelope. Every export shares this one boxed
/// future type, so the promise machinery is instantiated once (wasm size is cold-start time).
pub(super) fn run_with_store<F>(binding: JsValue, run: F) -> Promise
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
        Box::pin(async move { engine::create_token(&store, &request_json, &options_json).await })
    })
}

#[wasm_bindgen(js_name = refreshToken, unchecked_return_type = "Promise<string>")]
pub fn refresh_token(kv: JsValue, token: String, client_json: String, options_json: String) -> Promise {
    run_with_store(kv, |store| {
        Box::pin(async move { engine::refresh_token(&store, &token, &client_json, &options_json).await })
    })
}

#[wasm_bindgen(js_name = invalidateToken, unchecked_return_type = "Promise<string>")]
pub fn invalidate_token(kv: JsValue, body: String, options_json: String) -> Promise {
    run_with_store(kv, |store| Box::pin(async move { engine::invalidate_token(&store, &body, &options_json).await }))
}

#[wasm_bindgen(js_name = parseInvalidateRequest)]
pub fn parse_invalidate_request(body: String) -> String {
    engine::invalidate_request(&body).to_envelope()
}

#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(options_json: String) -> String {
    engine::settings(&options_json).to_envelope()
}

#[wasm_bindgen(js_name = parseTokenRequest)]
pub fn parse_token_request(body: String) -> String {
    engine::token_request(&body).to_envelope()
}
