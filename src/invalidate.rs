//! The Invalidate Token API (§2): by access token, refresh token, realm, user, or both.
//!
//! Single tokens get an invalidation key of their own. Realms and users are invalidated with one
//! watermark write (see `docs/storage-schema.md`), counted exactly from the index pages, in
//! segments that fit a Worker invocation (`bulk_invalidation`).

use serde_json::{Map, Value};

use crate::bulk_invalidation::{self, BulkJob, Scope, Segment};
use crate::clock::Clock;
use crate::codec::PresentedToken;
use crate::errors::{store_unavailable, Cause, Reply};
use crate::requests::{parse_invalidate_request, InvalidateTarget};
use crate::schema::TokenHalf;
use crate::store::KvStore;
use crate::token_documents;

/// The counts of §2.5. ES reports per-document failures in `error_count`/`error_details`; here
/// a store failure fails the whole call (a 503), so `error_count` is always 0.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub invalidated: u64,
    pub previously_invalidated: u64,
}

impl Counts {
    pub(crate) fn reply(self, status: u16) -> Reply {
        let mut body = Map::new();
        body.insert("invalidated_tokens".into(), self.invalidated.into());
        body.insert("previously_invalidated_tokens".into(), self.previously_invalidated.into());
        body.insert("error_count".into(), 0.into());
        Reply::new(status, Value::Object(body))
    }

    pub(crate) fn count(&mut self, already_invalidated: bool) {
        if already_invalidated {
            self.previously_invalidated += 1;
        } else {
            self.invalidated += 1;
        }
    }
}

/// A bulk invalidation reads `clock` again when it writes its watermark (see [`Clock`]). With
/// `segment_ops` it runs one segment of at most that many KV operations and may answer a
/// continuation (`bulk_invalidation`); without, it runs to the end in this call.
pub async fn invalidate<S: KvStore>(store: &S, body: &[u8], clock: Clock, segment_ops: Option<u32>) -> Reply {
    let now = clock.read(store);
    match parse_invalidate_request(body) {
        Err(reply) => reply,
        Ok(InvalidateTarget::AccessToken(token)) => invalidate_one(store, &token, TokenHalf::Access, now).await,
        Ok(InvalidateTarget::RefreshToken(token)) => invalidate_one(store, &token, TokenHalf::Refresh, now).await,
        Ok(InvalidateTarget::Owner { realm_name, username }) => {
            let scope = match (realm_name, username) {
                (Some(realm), Some(user)) => Scope::UserInRealm(realm, user),
                (Some(realm), None) => Scope::Realm(realm),
                (None, Some(user)) => Scope::User(user),
                (None, None) => return Counts::default().reply(200),
            };
            match segment_ops {
                None => bulk_invalidation::invalidate_scope(store, scope, now, clock).await,
                Some(ops) => {
                    segment_reply(bulk_invalidation::run_segment(store, BulkJob::new(scope, now), ops, clock).await)
                }
            }
        }
    }
}

fn not_found() -> Reply {
    Counts::default().reply(404)
}

async fn invalidate_one<S: KvStore>(store: &S, token: &str, half: TokenHalf, now: u64) -> Reply {
    let read = match half {
        TokenHalf::Access => PresentedToken::access(token),
        TokenHalf::Refresh => PresentedToken::refresh(token),
    };
    let presented = match read {
        PresentedToken::Current(presented) => presented,
        // ES looks its document up, which no store here holds (§4.2).
        PresentedToken::Legacy => return missing_document(store).await,
        PresentedToken::Unknown => return not_found(),
    };
    let doc_id = presented.doc_id();
    // One bulk get when the token's tag names its owner's keys (docs/storage-schema.md).
    let (record, read) = match token_documents::load_first(store, &presented, &doc_id, now, half).await {
        Ok(Some(found)) => found,
        Ok(None) => return missing_document(store).await,
        Err(error) => return store_unavailable(&error.0),
    };
    let stored_hash = match half {
        TokenHalf::Access => Some(&record.access.hash),
        TokenHalf::Refresh => record.refresh.as_ref().map(|r| &r.hash),
    };
    if !stored_hash.is_some_and(|hash| presented.matches_hash(hash)) {
        return not_found();
    }
    let status = match token_documents::status_after(store, &doc_id, &record, half, read).await {
        Ok(status) => status,
        Err(error) => return store_unavailable(&error.0),
    };
    // Expiry is not checked: an expired token whose document exists still counts (§2.7).
    if status.is_invalidated(&record, half) {
        return Counts { previously_invalidated: 1, ..Counts::default() }.reply(200);
    }
    match token_documents::mark_invalidated(store, &doc_id, &record, half, now).await {
        Ok(()) => Counts { invalidated: 1, ..Counts::default() }.reply(200),
        Err(error) => store_unavailable(&error.0),
    }
}

/// A well-formed token with no document: 404, or 400 while no token was ever stored (§2.6).
async fn missing_document<S: KvStore>(store: &S) -> Reply {
    match token_documents::any_token_exists(store).await {
        Ok(true) => not_found(),
        Ok(false) => Cause::new("security_exception", "failed to invalidate token").into_reply(400),
        Err(error) => store_unavailable(&error.0),
    }
}

/// The next segment of a bulk invalidation that answered a continuation.
pub async fn continue_invalidation<S: KvStore>(store: &S, continuation: &str, clock: Clock, segment_ops: u32) -> Reply {
    match crate::bulk_continuation::read(continuation) {
        Ok(job) => segment_reply(bulk_invalidation::run_segment(store, job, segment_ops, clock).await),
        Err(reply) => reply,
    }
}

fn segment_reply(segment: Segment) -> Reply {
    match segment {
        Segment::Done(reply) => reply,
        Segment::More(job) => bulk_invalidation::continuation_reply(&job),
    }
}
