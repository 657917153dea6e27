//! Checking an access token: valid, or why not (§5.1, §5.2).

use crate::authentication::Subject;
use crate::codec::RawToken;
use crate::errors::{expired_bearer_token, invalid_bearer_token, store_unavailable, Reply};
use crate::schema::TokenHalf;
use crate::store::{KvStore, StoreError};
use crate::token_store;

#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    Valid(Box<Subject>),
    /// Not a token, no such document, or a hash that does not match.
    Unknown,
    Expired,
    Invalidated,
}

impl CheckOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            CheckOutcome::Valid(_) => "valid",
            CheckOutcome::Unknown => "unknown",
            CheckOutcome::Expired => "expired",
            CheckOutcome::Invalidated => "invalidated",
        }
    }
}

/// At most two store operations: the document, then one bulk read of its invalidation keys
/// and watermarks.
pub async fn check<S: KvStore>(store: &S, token: &str, now: u64) -> Result<CheckOutcome, StoreError> {
    let Some(presented) = RawToken::decode(token) else {
        return Ok(CheckOutcome::Unknown);
    };
    let Some(record) = token_store::load(store, &presented.doc_id(), now).await? else {
        return Ok(CheckOutcome::Unknown);
    };
    if !presented.matches_hash(&record.access.hash) {
        return Ok(CheckOutcome::Unknown);
    }
    // Expiry first: it needs no second read.
    if now > record.access.expiration_time {
        return Ok(CheckOutcome::Expired);
    }
    if token_store::status(store, &presented.doc_id(), &record).await?.is_invalidated(&record, TokenHalf::Access) {
        return Ok(CheckOutcome::Invalidated);
    }
    Ok(CheckOutcome::Valid(Box::new(record.owner)))
}

/// The reply ES would send to `GET /_security/_authenticate` with this bearer token.
/// A store that cannot be read fails closed with 503, never "valid".
pub async fn check_reply<S: KvStore>(store: &S, token: &str, now: u64) -> Reply {
    let (mut reply, label) = match check(store, token, now).await {
        Ok(CheckOutcome::Valid(owner)) => (Reply::ok(owner.to_authenticate_body("token")), "valid"),
        Ok(outcome @ (CheckOutcome::Expired | CheckOutcome::Invalidated)) => (expired_bearer_token(), outcome.label()),
        Ok(CheckOutcome::Unknown) => (invalid_bearer_token(), "unknown"),
        Err(error) => (store_unavailable(&error.0), "unavailable"),
    };
    reply.detail = Some(label);
    reply
}
