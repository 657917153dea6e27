//! The native realm's endpoints (wasm only): the three steps of src/realm_endpoints.rs, each
//! answering with a reply envelope, success or ES's error.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{illegal_argument, Reply};
use crate::json_strings::strings_or_nulls;
use crate::realm_endpoints;

fn envelope(step: Result<Value, Reply>) -> String {
    step.map_or_else(|reply| reply.to_envelope(), |value| Reply::ok(value).to_envelope())
}

fn state(json: &str) -> Result<Value, Reply> {
    serde_json::from_str(json).map_err(|error| illegal_argument(format!("invalid endpoint state: {error}")))
}

/// Step 1, before authorization: `{"action", "target", "state"}`, or ES's 400.
#[wasm_bindgen(js_name = realmRequest)]
pub fn realm_request(endpoint: &str, name: Option<String>, caller: &str, body: &str) -> String {
    envelope(realm_endpoints::request(endpoint, name.as_deref(), caller, body))
}

/// Step 2, once authorized: `{"key"}` or a lookup plan, or ES's 4xx.
#[wasm_bindgen(js_name = realmReads)]
pub fn realm_reads(endpoint: &str, state_json: &str, caller: &str) -> String {
    envelope(state(state_json).and_then(|state| realm_endpoints::reads(endpoint, &state, caller)))
}

/// Step 3: `{"put", "delete", "forget", "status", "body"}` from the values read (a JSON array of
/// strings or nulls) and the host's hash of a new password; or ES's 4xx.
#[wasm_bindgen(js_name = realmAnswer)]
pub fn realm_answer(endpoint: &str, state_json: &str, values_json: &str, hash: Option<String>) -> String {
    let values = strings_or_nulls(values_json).map_err(|error| illegal_argument(format!("invalid values: {error}")));
    envelope(state(state_json).and_then(|state| realm_endpoints::answer(endpoint, &state, &values?, hash)))
}
