//! The token check as synchronous steps, the host doing the two reads between them: no future,
//! no promise and no binding lookup crosses the boundary, which is most of a check's cost.
//!
//! 1. [`check_token_key`]: the key of the token's document, or `undefined` for a string that is
//!    not a token.
//! 2. [`check_token_document`]: the document as read gives a [`CheckStep`]: either the answer,
//!    or the parsed document held in wasm memory with the keys of the second read.
//! 3. [`CheckStep::finish`]: the values of the second read give the answer.
//!
//! The host owns the `CheckStep` object (wasm-bindgen frees it when `finish` consumes it, or
//! through `free()`), so no table of pending checks is needed.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::check::{self, DocumentStep};
use crate::schema::{keys, TokenRecord};

#[wasm_bindgen(js_name = checkTokenKey)]
pub fn check_token_key(token: &str) -> Option<String> {
    check::document_key(token).map(|(_, doc_id)| keys::record(&doc_id))
}

/// What step 2 decided.
#[wasm_bindgen]
pub struct CheckStep {
    answer: Option<String>,
    record: Option<Box<TokenRecord>>,
    keys: Vec<String>,
}

#[wasm_bindgen]
impl CheckStep {
    /// The final reply envelope, when no second read is needed.
    #[wasm_bindgen(getter)]
    pub fn answer(&self) -> Option<String> {
        self.answer.clone()
    }

    /// The keys of the second read (one bulk get), when there is no answer yet.
    #[wasm_bindgen(getter)]
    pub fn keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// Step 3: `values` are the second read's values in the order of [`CheckStep::keys`]
    /// (a string, or `null`/`undefined` for a missing key). Consumes the step.
    pub fn finish(self, values: Array) -> String {
        match (self.answer, self.record) {
            (Some(answer), _) => answer,
            (None, Some(record)) => {
                let values: Vec<Option<String>> = values.iter().map(|v| v.as_string()).collect();
                check::outcome_envelope(check::check_status(*record, &values))
            }
            (None, None) => check::outcome_envelope(check::CheckOutcome::Unknown),
        }
    }
}

/// Step 2: the document as read (`undefined` when absent).
#[wasm_bindgen(js_name = checkTokenDocument)]
pub fn check_token_document(token: &str, document: Option<String>, now: f64) -> CheckStep {
    let step = match check::document_key(token) {
        Some((presented, doc_id)) => {
            check::check_document(&presented, &doc_id, document.as_deref(), now.max(0.0) as u64)
        }
        None => DocumentStep::Done(check::CheckOutcome::Unknown),
    };
    match step {
        DocumentStep::Done(outcome) => {
            CheckStep { answer: Some(check::outcome_envelope(outcome)), record: None, keys: Vec::new() }
        }
        DocumentStep::NeedStatus { record, keys } => CheckStep { answer: None, record: Some(record), keys },
    }
}

/// The 503 of a check whose read failed (fail closed).
#[wasm_bindgen(js_name = checkTokenUnavailable)]
pub fn check_token_unavailable(detail: &str) -> String {
    crate::errors::store_unavailable(detail).to_envelope()
}
