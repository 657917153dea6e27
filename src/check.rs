//! Checking an access token: valid, or why not (§5.1, §5.2).

use crate::codec::RawToken;
use crate::errors::{expired_bearer_token, invalid_bearer_token, store_unavailable, Reply};
use crate::schema::{StoredOwner, TokenHalf};
use crate::store::{KvStore, StoreError};
use crate::token_documents::{self, AccessRecord, Status};

#[derive(Debug, Clone)]
pub enum CheckOutcome {
    Valid(Box<StoredOwner>),
    /// Not a token, no such document, or a hash that does not match.
    Unknown,
    Expired,
    Invalidated,
}

/// A check is synchronous steps around its reads, so that a host can run the reads itself (the
/// fast path of the wasm exports) and `check` below can run them on a [`KvStore`].
/// Step 1: the keys of the first read, or `None` when the string is not a token. For a token
/// that carries its owner's tag they are the document and its status keys, one bulk get.
pub fn first_read(token: &str) -> Option<(RawToken, String, Vec<String>)> {
    let presented = RawToken::decode(token)?;
    let doc_id = presented.doc_id();
    let keys = token_documents::first_read_keys(&presented, &doc_id, TokenHalf::Access);
    Some((presented, doc_id, keys))
}

/// What step 2 decided: an answer, or the keys of a second read (a token without a tag, or
/// whose tag does not name its document's owner).
#[derive(Debug)]
pub enum DocumentStep {
    Done(CheckOutcome),
    NeedStatus { record: Box<AccessRecord>, keys: Vec<String> },
}

/// Step 2: the first read's document, and its other values in the order of its keys.
pub fn check_first_read(
    presented: &RawToken,
    document: Option<&str>,
    status: &[Option<String>],
    now: u64,
) -> DocumentStep {
    let found = token_documents::from_first_read::<AccessRecord>(presented, document, status, now, TokenHalf::Access);
    let Some((record, status)) = found else {
        return DocumentStep::Done(CheckOutcome::Unknown);
    };
    if !presented.matches_hash(&record.access.hash) {
        return DocumentStep::Done(CheckOutcome::Unknown);
    }
    // Expiry first: it needs no status.
    if now > record.access.expiration_time {
        return DocumentStep::Done(CheckOutcome::Expired);
    }
    match status {
        Some(status) => DocumentStep::Done(outcome(record, status)),
        None => {
            let keys = token_documents::status_keys(&presented.doc_id(), &record, TokenHalf::Access);
            DocumentStep::NeedStatus { record: Box::new(record), keys }
        }
    }
}

/// Step 3: the values of the second read, in the order of its keys.
pub fn check_status(record: AccessRecord, values: &[Option<String>]) -> CheckOutcome {
    outcome(record, Status::from_values(values, TokenHalf::Access))
}

fn outcome(record: AccessRecord, status: Status) -> CheckOutcome {
    if status.is_invalidated(&record, TokenHalf::Access) {
        return CheckOutcome::Invalidated;
    }
    CheckOutcome::Valid(Box::new(record.owner))
}

/// One store operation for a token with its owner's tag (a bulk get of the document, its
/// invalidation keys and watermarks); two for one without (the document, then the rest).
pub async fn check<S: KvStore>(store: &S, token: &str, now: u64) -> Result<CheckOutcome, StoreError> {
    let Some((presented, _, keys)) = first_read(token) else {
        return Ok(CheckOutcome::Unknown);
    };
    let values = token_documents::read(store, &keys).await?;
    let (document, status) = token_documents::split_first_read(&values);
    match check_first_read(&presented, document, status, now) {
        DocumentStep::Done(outcome) => Ok(outcome),
        DocumentStep::NeedStatus { record, keys } => Ok(check_status(*record, &store.get_many(&keys).await?)),
    }
}

/// What marks a check's answer that is not a valid token's body (see [`outcome_answer`]).
pub const FAILED: char = '!';

/// A check's outcome as one string for the host: a valid token's `_authenticate` body (its
/// status is 200, so the host parses the body alone, no envelope around it), written directly
/// with the stored owner text spliced in, not parsed and printed again (the hot path); any other
/// outcome as [`FAILED`] and the reply envelope (see [`Reply::to_envelope`]).
pub fn outcome_answer(outcome: CheckOutcome) -> String {
    match outcome {
        CheckOutcome::Valid(owner) => {
            let mut out = String::with_capacity(owner.user_json().len() + 32);
            owner.push_authenticate_json(&mut out, "token");
            out
        }
        other => reply_answer(&outcome_reply(other)),
    }
}

/// A reply as a step's answer: a plain 200's body as it is, else [`FAILED`] and the envelope.
/// A one-token invalidation's steps answer alike (`src/wasm/invalidate.rs`).
pub fn reply_answer(reply: &Reply) -> String {
    if reply.status == 200 && reply.headers.is_empty() {
        return reply.body.to_string();
    }
    let mut out = String::from(FAILED);
    out.push_str(&reply.to_envelope());
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owner_tag::OwnerTag;

    /// The wasm step 2 stands in for a first read that found nothing after the document with
    /// this many missing values: it must be how many keys step 1 asked for after it.
    #[test]
    fn the_status_count_is_the_first_reads_keys_after_the_document() {
        let plain = RawToken::from_parts(&[7; 16], &[9; 8]);
        for token in [plain.clone(), plain.tagged(OwnerTag::of("realm", "user"))] {
            let (presented, _, keys) = first_read(&token.encode()).unwrap();
            assert_eq!(keys.len(), 1 + token_documents::first_read_status_count(&presented));
        }
    }
}
