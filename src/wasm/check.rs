//! The token check as synchronous, stateless steps, the host doing the reads between them: no
//! future, no promise and no binding lookup crosses the boundary, which is most of a check's
//! cost.
//!
//! 1. [`check_token_keys`]: the call's options checked (when it has any), as every call's are
//!    (`engine::parse_options`); the keys of the first read, or `undefined` for a string that is
//!    not a token. For a token with its owner's tag: the document, its invalidation keys and its
//!    watermarks (one bulk get); for an older token, the document alone.
//! 2. [`check_token_read`] with the first read's values: the answer (a valid token's body, or a
//!    failure's envelope after a mark, [`crate::check::outcome_answer`]), or the keys of a second
//!    read (one a line) when the token had no tag, or one that does not name the document's
//!    owner.
//! 3. [`check_token_read`] again with the second read's values too: the answer.
//!
//! Nothing a check needs is kept in wasm memory between the steps, so a trap that replaces the
//! instance while the host reads costs nothing but the re-instantiation (and the last token
//! decoded, kept only to save step 2 decoding it again).

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::check::{self, CheckOutcome, DocumentStep};
use crate::codec::RawToken;
use crate::token_documents;

thread_local! {
    /// The token step 1 decoded, for its step 2 (taken there): a check does not decode twice
    /// unless another check's step 1 ran during its read. Not a check's state: a step 2 that
    /// finds another token here decodes its own.
    static LAST_DECODED: std::cell::Cell<Option<(String, RawToken)>> = const { std::cell::Cell::new(None) };
}

/// `token` decoded, by step 1 if it was the last one step 1 decoded.
fn decoded(token: &str) -> Option<RawToken> {
    match LAST_DECODED.take() {
        Some((text, presented)) if text == token => Some(presented),
        _ => RawToken::decode(token),
    }
}

/// The keys, one a line (one string crosses the boundary, not one per key; no key holds a
/// line break), or [`check::FAILED`] and the 400 of bad `options` (the call's options as JSON;
/// none when it has none, which saves a check the parse).
#[wasm_bindgen(js_name = checkTokenKeys)]
pub fn check_token_keys(token: &str, options: Option<String>) -> Option<String> {
    if let Some(Err(reply)) = options.as_deref().map(crate::engine::parse_options) {
        return Some(check::reply_answer(&reply));
    }
    let (presented, _, keys) = check::first_read(token)?;
    LAST_DECODED.set(Some((token.to_string(), presented)));
    Some(keys.join("\n"))
}

/// A read's values from JavaScript (a string, or `null`/`undefined` for a missing key); the
/// one-token invalidation's steps read theirs with it too.
pub(super) fn strings(values: &Array) -> Vec<Option<String>> {
    values.iter().map(|v| v.as_string()).collect()
}

/// Steps 2 and 3: `document` is the first read's first value as UTF-8 (bytes cross the
/// boundary in one copy; a string would be copied a character at a time); `status` that read's
/// other values, or `undefined` when none of them was found (the common case: nothing is
/// invalidated, and no value crosses one at a time); `second` the second read's values. A value
/// is a string, or `null`/`undefined` for a missing key. `fixed` is the call's `now` option (step
/// 1 checked it), `store` a reading of the store's clock: whose clock counts is
/// [`crate::clock::now_of`]'s rule. The answer is [`check::outcome_answer`]'s, or the keys of the
/// second read (one a line, each starting with a letter).
#[wasm_bindgen(js_name = checkTokenRead)]
pub fn check_token_read(
    token: &str,
    document: Option<Vec<u8>>,
    status: Option<Array>,
    second: Option<Array>,
    fixed: Option<f64>,
    store: Option<f64>,
) -> String {
    let Some(presented) = decoded(token) else {
        return check::outcome_answer(CheckOutcome::Unknown);
    };
    let document = document.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok());
    let status = match status {
        Some(values) => strings(&values),
        None => vec![None; token_documents::first_read_status_count(&presented)],
    };
    let outcome = match check::check_first_read(&presented, document, &status, crate::clock::now_of(fixed, store)) {
        DocumentStep::Done(outcome) => outcome,
        DocumentStep::NeedStatus { record, keys } => match second {
            Some(second) => check::check_status(*record, &strings(&second)),
            None => return keys.join("\n"),
        },
    };
    check::outcome_answer(outcome)
}

/// The 503 of a check whose read failed (fail closed).
#[wasm_bindgen(js_name = checkTokenUnavailable)]
pub fn check_token_unavailable(detail: &str) -> String {
    crate::errors::store_unavailable(detail).to_envelope()
}
