//! Checking an access token: valid, or why not (§5.1, §5.2).

use crate::codec::RawToken;
use crate::errors::{expired_bearer_token, invalid_bearer_token, store_unavailable, Reply};
use crate::schema::{keys, StoredOwner, TokenHalf, TokenRecord};
use crate::store::{KvStore, StoreError};
use crate::token_documents::{self, Status};

#[derive(Debug, Clone)]
pub enum CheckOutcome {
    Valid(Box<StoredOwner>),
    /// Not a token, no such document, or a hash that does not match.
    Unknown,
    Expired,
    Invalidated,
}

/// A check is three synchronous steps around two reads, so that a host can run the reads
/// itself (the fast path of the wasm exports) and `check` below can run them on a [`KvStore`].
/// Step 1: the token's document, or `None` when the string is not a token.
pub fn document_key(token: &str) -> Option<(RawToken, String)> {
    let presented = RawToken::decode(token)?;
    let doc_id = presented.doc_id();
    Some((presented, doc_id))
}

/// What step 2 decided: an answer, or the keys of the second read.
#[derive(Debug)]
pub enum DocumentStep {
    Done(CheckOutcome),
    NeedStatus { record: Box<TokenRecord>, keys: Vec<String> },
}

/// Step 2: the document as read (`None` when absent).
pub fn check_document(presented: &RawToken, doc_id: &str, text: Option<&str>, now: u64) -> DocumentStep {
    let Some(record) = text.and_then(|text| token_documents::parse_record(text, now)) else {
        return DocumentStep::Done(CheckOutcome::Unknown);
    };
    if !presented.matches_hash(&record.access.hash) {
        return DocumentStep::Done(CheckOutcome::Unknown);
    }
    // Expiry first: it needs no second read.
    if now > record.access.expiration_time {
        return DocumentStep::Done(CheckOutcome::Expired);
    }
    let keys = token_documents::status_keys(doc_id, &record);
    DocumentStep::NeedStatus { record: Box::new(record), keys }
}

/// Step 3: the values of the second read, in the order of its keys.
pub fn check_status(record: TokenRecord, values: &[Option<String>]) -> CheckOutcome {
    if Status::from_values(values).is_invalidated(&record, TokenHalf::Access) {
        return CheckOutcome::Invalidated;
    }
    CheckOutcome::Valid(Box::new(record.owner))
}

/// At most two store operations: the document, then one bulk read of its invalidation keys
/// and watermarks.
pub async fn check<S: KvStore>(store: &S, token: &str, now: u64) -> Result<CheckOutcome, StoreError> {
    let Some((presented, doc_id)) = document_key(token) else {
        return Ok(CheckOutcome::Unknown);
    };
    let text = store.get(&keys::record(&doc_id)).await?;
    match check_document(&presented, &doc_id, text.as_deref(), now) {
        DocumentStep::Done(outcome) => Ok(outcome),
        DocumentStep::NeedStatus { record, keys } => Ok(check_status(*record, &store.get_many(&keys).await?)),
    }
}

/// The reply envelope of an outcome (see [`Reply::to_envelope`]), written directly for a valid
/// token: the stored owner text is spliced in, not parsed and printed again (the hot path).
pub fn outcome_envelope(outcome: CheckOutcome) -> String {
    match outcome {
        CheckOutcome::Valid(owner) => {
            format!("{{\"status\":200,\"headers\":{{}},\"body\":{}}}", owner.authenticate_json("token"))
        }
        other => outcome_reply(other).to_envelope(),
    }
}

/// The reply for an outcome.
pub fn outcome_reply(outcome: CheckOutcome) -> Reply {
    match outcome {
        CheckOutcome::Valid(owner) => Reply::ok(owner.to_authenticate_body("token")),
        CheckOutcome::Expired | CheckOutcome::Invalidated => expired_bearer_token(),
        CheckOutcome::Unknown => invalid_bearer_token(),
    }
}

/// The reply ES would send to `GET /_security/_authenticate` with this bearer token.
/// A store that cannot be read fails closed with 503, never "valid".
pub async fn check_reply<S: KvStore>(store: &S, token: &str, now: u64) -> Reply {
    match check(store, token, now).await {
        Ok(outcome) => outcome_reply(outcome),
        Err(error) => store_unavailable(&error.0),
    }
}
