//! Invalidating one token (`{"token"}` or `{"refresh_token"}`) as synchronous, stateless steps,
//! the host making the store calls between them, as the check does (`src/wasm/check.rs`): no
//! future, no promise and no binding lookup crosses the boundary, which was most of a revoke's
//! own CPU. A realm or user (a bulk invalidation) keeps the async export (`calls.rs`).
//!
//! 1. [`invalidate_one_keys`]: the body (and the call's options) checked; the keys of the first
//!    read, or an answer without one, or `""` for a body that is not one token.
//! 2. [`invalidate_one_read`] with the first read's values (and the second's, once it asked for
//!    them): the next step, see [`step_answer`].
//! 3. After a list of the documents' prefix: [`invalidate_one_missing`]; after a failed store
//!    call: [`invalidate_one_unavailable`] (503, fail closed).
//!
//! Every answer is one string whose first character says what it is ([`step_answer`]); keys
//! start with a letter and hold no line break.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::check::strings;
use crate::check::reply_answer;
use crate::codec::RawToken;
use crate::errors::Reply;
use crate::invalidate::{self, FirstRead, OneStep};
use crate::requests::{parse_invalidate_request, InvalidateTarget};
use crate::schema::{keys, TokenHalf};
use crate::token_documents;

// An answer is the check's (`crate::check::outcome_answer`): a success's body as it is (it starts
// with `{`), or [`crate::check::FAILED`] and the reply envelope.
/// Marks a list of this prefix (limit 1) to make, then [`invalidate_one_missing`].
const LIST: char = '*';
/// Marks a write: `ttl`, `key`, `value` and the answer once written, one a line.
const PUT: char = '+';

thread_local! {
    /// The body step 1 read and its token, for step 2 (taken there): an invalidation does not
    /// parse its body again unless another one's step 1 ran during its read. Not its state: a
    /// step 2 that finds another body here reads its own.
    static LAST_READ: std::cell::Cell<Option<(String, TokenHalf, RawToken)>> = const { std::cell::Cell::new(None) };
}

/// What a body that names one token asks for: its half and step 1's answer; `None` for a realm
/// or user.
type FirstStep = Option<(TokenHalf, FirstRead)>;

fn first_step(body: &str) -> Result<FirstStep, Reply> {
    let (token, half) = match parse_invalidate_request(body.as_bytes())? {
        InvalidateTarget::AccessToken(token) => (token, TokenHalf::Access),
        InvalidateTarget::RefreshToken(token) => (token, TokenHalf::Refresh),
        InvalidateTarget::Owner { .. } => return Ok(None),
    };
    Ok(Some((half, invalidate::one_first_read(&token, half))))
}

/// A step as the host reads it.
fn step_answer(step: OneStep) -> String {
    match step {
        OneStep::Done(reply) => reply_answer(&reply),
        OneStep::Read(keys) => keys.join("\n"),
        OneStep::AnyToken => [LIST.to_string().as_str(), keys::RECORD_PREFIX].concat(),
        OneStep::Put { key, value, ttl, reply } => {
            format!("{PUT}{ttl}\n{key}\n{value}\n{}", reply_answer(&reply))
        }
    }
}

/// The first characters that say what a step's answer is, for the host's copies
/// (`www/engine/check.js` BODY and FAILED, `www/engine/invalidate.js` LIST and PUT; a parity test
/// holds them together): a success's body is a JSON object.
#[wasm_bindgen(js_name = stepMarks)]
pub fn step_marks() -> String {
    serde_json::json!({"body": "{", "failed": crate::check::FAILED, "list": LIST, "put": PUT}).to_string()
}

/// Step 1. `options_json` is the call's options, checked as the async export checks them.
#[wasm_bindgen(js_name = invalidateOneKeys)]
pub fn invalidate_one_keys(body: &str, options_json: &str) -> String {
    if let Err(reply) = crate::engine::parse_options(options_json) {
        return reply_answer(&reply);
    }
    match first_step(body) {
        Err(reply) => reply_answer(&reply),
        Ok(None) => String::new(),
        Ok(Some((_, FirstRead::Without(step)))) => step_answer(step),
        Ok(Some((half, FirstRead::Read { presented, keys }))) => {
            LAST_READ.set(Some((body.to_string(), half, presented)));
            keys.join("\n")
        }
    }
}

/// Step 2: `body` as step 1 had it; `document` the first read's first value as UTF-8; `status`
/// that read's other values, or `undefined` when none was found; `second` the second read's
/// values. A value is a string, or `null`/`undefined` for a missing key. `fixed` and `store` are
/// the call's clocks as the check's steps take them (`check_token_read`).
#[wasm_bindgen(js_name = invalidateOneRead)]
pub fn invalidate_one_read(
    body: &str,
    document: Option<Vec<u8>>,
    status: Option<Array>,
    second: Option<Array>,
    fixed: Option<f64>,
    store: Option<f64>,
) -> String {
    let (half, presented) = match LAST_READ.take() {
        Some((text, half, presented)) if text == body => (half, presented),
        _ => match first_step(body) {
            Ok(Some((half, FirstRead::Read { presented, .. }))) => (half, presented),
            // Step 1 gave this body keys: anything else is the host's mistake.
            _ => return reply_answer(&crate::rest_errors::internal_error()),
        },
    };
    let document = document.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok());
    let status = match status {
        Some(values) => strings(&values),
        None => vec![None; token_documents::first_read_status_count(&presented)],
    };
    let second = second.map(|values| strings(&values));
    step_answer(invalidate::one_after_read(
        &presented,
        half,
        document,
        &status,
        second.as_deref(),
        crate::clock::now_of(fixed, store),
    ))
}

/// Step 3 of a token with no document: `page` is what the list resolved with, read as the
/// async export reads it.
#[wasm_bindgen(js_name = invalidateOneMissing)]
pub fn invalidate_one_missing(page: JsValue) -> String {
    match super::kv::list_page(&page) {
        Ok(page) => reply_answer(&invalidate::missing_document_reply(!page.keys.is_empty())),
        Err(error) => reply_answer(&crate::errors::store_unavailable(&error.0)),
    }
}

/// The 503 of a failed store call, with the binding's message as the async export reads it.
#[wasm_bindgen(js_name = invalidateOneUnavailable)]
pub fn invalidate_one_unavailable(error: JsValue) -> String {
    reply_answer(&crate::errors::store_unavailable(&super::kv::store_error(error).0))
}
