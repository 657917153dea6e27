//! The next segment of a bulk invalidation that answered a continuation
//! (`crate::bulk_invalidation`): on Workers, each runs in an invocation of its own.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::calls::run_with_store;
use crate::engine;

#[wasm_bindgen(js_name = continueInvalidation, unchecked_return_type = "Promise<string>")]
pub fn continue_invalidation(kv: JsValue, continuation: String, options_json: String) -> Promise {
    run_with_store(kv, |store| {
        Box::pin(async move { engine::continue_invalidation(&store, &continuation, &options_json).await })
    })
}
