//! The token check as synchronous, stateless steps, the host doing the reads between them: no
//! future, no promise and no binding lookup crosses the boundary, which is most of a check's
//! cost.
//!
//! 1. [`check_token_keys`]: the keys of the first read, or `undefined` for a string that is not
//!    a token. For a token with its owner's tag: the document, its watermarks and its
//!    invalidation keys (one bulk get); for an older token, the document alone. A watermark a
//!    check of the same store read lately comes as its value instead (`=` and the value, `=`
//!    alone for none; src/recent_invalidations.rs): the host does not read it.
//! 2. [`check_token_read`] with the first read's values (the known ones in their places) and
//!    step 1's lines: the reply envelope (a JSON object's text), or the keys of a second read
//!    (one a line) when the token had no tag, or one that does not name the document's owner.
//! 3. [`check_token_read`] again with the second read's values too: the reply envelope.
//!
//! Nothing a check needs is kept in wasm memory between the steps, so a trap that replaces the
//! instance while the host reads costs nothing but the re-instantiation (and what is kept only
//! to save work: the last token decoded, and the watermarks kept for later checks, which the
//! next checks read again).

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::check::{self, CheckOutcome, DocumentStep};
use crate::codec::RawToken;
use crate::recent_invalidations::{cached_watermark, remember_watermark};

/// The first read's watermarks: its keys 1 to 3 (after the document, before the invalidation
/// keys) when it has all six.
const WATERMARKS: std::ops::Range<usize> = 1..4;
const FIRST_READ_KEYS: usize = 6;
/// A line of step 1 that is a watermark's known value, not a key (keys start with a letter).
const KNOWN: char = '=';

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

fn clock(now: f64) -> u64 {
    now.max(0.0) as u64
}

/// The keys, one a line (one string crosses the boundary, not one per key; no key holds a
/// line break), a known watermark as its value. `store` names the host's store for the
/// watermarks kept (0: keep none, read all).
#[wasm_bindgen(js_name = checkTokenKeys)]
pub fn check_token_keys(token: &str, store: u32, now: f64) -> Option<String> {
    let (presented, _, keys) = check::first_read(token)?;
    LAST_DECODED.set(Some((token.to_string(), presented)));
    let mut out = String::with_capacity(keys.iter().map(|k| k.len() + 1).sum());
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let known = (keys.len() == FIRST_READ_KEYS && WATERMARKS.contains(&i))
            .then(|| cached_watermark(store, key, clock(now)))
            .flatten();
        match known {
            Some(value) => {
                out.push(KNOWN);
                out.push_str(value.as_deref().unwrap_or(""));
            }
            None => out.push_str(key),
        }
    }
    Some(out)
}

fn strings(values: &Array) -> Vec<Option<String>> {
    values.iter().map(|v| v.as_string()).collect()
}

/// Keeps the watermarks the first read got from the store (its lines that are keys; a known
/// value kept again would only grow older).
fn remember(store: u32, lines: &str, status: &[Option<String>], now: u64) {
    for (i, line) in lines.split('\n').enumerate() {
        if !WATERMARKS.contains(&i) || line.starts_with(KNOWN) {
            continue;
        }
        // A value is a time in ms; anything else is not kept (it could not cross as a line).
        if let Some(value) = i.checked_sub(1).and_then(|at| status.get(at)) {
            if value.as_deref().is_none_or(|v| !v.contains('\n')) {
                remember_watermark(store, line, value.clone(), now);
            }
        }
    }
}

/// Steps 2 and 3: `document` is the first read's first value as UTF-8 (bytes cross the
/// boundary in one copy; a string would be copied a character at a time), `first` all of
/// that read's values, step 1's known watermarks in their places (the document's is not read
/// again), `second` the second read's; a value is a string, or `null`/`undefined` for a
/// missing key. `store` and `lines` are step 1's.
#[wasm_bindgen(js_name = checkTokenRead)]
pub fn check_token_read(
    token: &str,
    document: Option<Vec<u8>>,
    first: Array,
    second: Option<Array>,
    now: f64,
    store: u32,
    lines: Option<String>,
) -> String {
    let Some(presented) = decoded(token) else {
        return check::outcome_envelope(CheckOutcome::Unknown);
    };
    let document = document.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok());
    let status: Vec<Option<String>> = first.iter().skip(1).map(|v| v.as_string()).collect();
    let outcome = match check::check_first_read(&presented, document, &status, clock(now)) {
        DocumentStep::Done(outcome) => {
            // Only values this token's own status used (its tag named its owner) are kept, so
            // that tokens with made-up tags cannot crowd the others out.
            if second.is_none() && matches!(outcome, CheckOutcome::Valid(_) | CheckOutcome::Invalidated) {
                if let Some(lines) = lines.as_deref() {
                    remember(store, lines, &status, clock(now));
                }
            }
            outcome
        }
        DocumentStep::NeedStatus { record, keys } => match second {
            Some(second) => check::check_status(*record, &strings(&second)),
            None => return keys.join("\n"),
        },
    };
    check::outcome_envelope(outcome)
}

/// The 503 of a check whose read failed (fail closed).
#[wasm_bindgen(js_name = checkTokenUnavailable)]
pub fn check_token_unavailable(detail: &str) -> String {
    crate::errors::store_unavailable(detail).to_envelope()
}
