//! The Invalidate Token API (§2): by access token, refresh token, realm, user, or both.
//!
//! Single tokens get an invalidation key of their own. Realms and users are invalidated with one
//! watermark write (see `docs/storage-schema.md`), counted exactly from the index pages, in
//! segments that fit a Worker invocation (`bulk_invalidation`).

use serde_json::{Map, Value};

use crate::bulk_invalidation::{self, BulkJob, Scope, Segment};
use crate::clock::Clock;
use crate::codec::{PresentedToken, RawToken};
use crate::errors::{store_unavailable, Cause, Reply};
use crate::requests::{parse_invalidate_request, InvalidateTarget};
use crate::schema::{TokenHalf, TokenRecord};
use crate::store::{KvStore, StoreError};
use crate::token_documents::{self, Status};

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

/// One token's invalidation is synchronous steps around its store calls, as the check's are
/// (`src/check.rs`): a host can run the calls itself (the wasm fast path, no future crossing
/// the boundary) and [`invalidate_one`] runs them on a [`KvStore`]. Each step answers what to do
/// next.
#[derive(Debug)]
pub enum OneStep {
    /// The answer.
    Done(Reply),
    /// Read these keys (one get for one key, else one bulk get), then [`one_after_read`].
    Read(Vec<String>),
    /// The token is well formed but has no document: whether any token is stored decides the
    /// answer ([`missing_document_reply`], §2.6): one list of the documents' prefix, limit 1.
    AnyToken,
    /// Write `value` at `key` for `ttl` seconds; `reply` is the answer once it is written.
    Put { key: String, value: &'static str, ttl: u64, reply: Reply },
}

/// What step 1 found: the token as presented and the keys of its first read, or the step that
/// follows without a read.
#[derive(Debug)]
pub enum FirstRead {
    Read { presented: RawToken, keys: Vec<String> },
    Without(OneStep),
}

/// Step 1: the token as presented for `half`, and the keys of its first read (its document
/// and, for a token with its owner's tag, that half's status: one bulk get); or the step that
/// answers without them.
pub fn one_first_read(token: &str, half: TokenHalf) -> FirstRead {
    let read = match half {
        TokenHalf::Access => PresentedToken::access(token),
        TokenHalf::Refresh => PresentedToken::refresh(token),
    };
    match read {
        PresentedToken::Current(presented) => {
            let keys = token_documents::first_read_keys(&presented, &presented.doc_id(), half);
            FirstRead::Read { presented, keys }
        }
        // ES looks its document up, which no store here holds (§4.2).
        PresentedToken::Legacy => FirstRead::Without(OneStep::AnyToken),
        PresentedToken::Unknown => FirstRead::Without(OneStep::Done(not_found())),
    }
}

/// Step 2: the first read's document and its other values (in the order of its keys), and the
/// second read's values once step 2 asked for them (a token without a tag, or whose tag does
/// not name its document's owner).
pub fn one_after_read(
    presented: &RawToken,
    half: TokenHalf,
    document: Option<&str>,
    status: &[Option<String>],
    second: Option<&[Option<String>]>,
    now: u64,
) -> OneStep {
    let found = token_documents::from_first_read::<TokenRecord>(presented, document, status, now, half);
    let Some((record, read)) = found else {
        return OneStep::AnyToken;
    };
    let stored_hash = match half {
        TokenHalf::Access => Some(&record.access.hash),
        TokenHalf::Refresh => record.refresh.as_ref().map(|r| &r.hash),
    };
    if !stored_hash.is_some_and(|hash| presented.matches_hash(hash)) {
        return OneStep::Done(not_found());
    }
    let doc_id = presented.doc_id();
    let status = match (read, second) {
        (Some(status), _) => status,
        (None, Some(values)) => Status::from_values(values, half),
        (None, None) => return OneStep::Read(token_documents::status_keys(&doc_id, &record, half)),
    };
    // Expiry is not checked: an expired token whose document exists still counts (§2.7).
    if status.is_invalidated(&record, half) {
        return OneStep::Done(Counts { previously_invalidated: 1, ..Counts::default() }.reply(200));
    }
    let (key, ttl) = token_documents::invalidation_write(&doc_id, &record, half, now);
    let reply = Counts { invalidated: 1, ..Counts::default() }.reply(200);
    OneStep::Put { key, value: token_documents::INVALIDATED, ttl, reply }
}

/// A well-formed token with no document: 404, or 400 while no token was ever stored (§2.6).
pub fn missing_document_reply(any_token_exists: bool) -> Reply {
    if any_token_exists {
        not_found()
    } else {
        Cause::new("security_exception", "failed to invalidate token").into_reply(400)
    }
}

/// The steps run on `store`; a failed store call is a 503 (fail closed).
async fn invalidate_one<S: KvStore>(store: &S, token: &str, half: TokenHalf, now: u64) -> Reply {
    match run_one(store, token, half, now).await {
        Ok(reply) => reply,
        Err(error) => store_unavailable(&error.0),
    }
}

async fn run_one<S: KvStore>(store: &S, token: &str, half: TokenHalf, now: u64) -> Result<Reply, StoreError> {
    let mut step = match one_first_read(token, half) {
        FirstRead::Without(step) => step,
        FirstRead::Read { presented, keys } => {
            let first = token_documents::read(store, &keys).await?;
            let (document, status) = token_documents::split_first_read(&first);
            match one_after_read(&presented, half, document, status, None, now) {
                OneStep::Read(keys) => {
                    let second = token_documents::read(store, &keys).await?;
                    one_after_read(&presented, half, document, status, Some(&second), now)
                }
                step => step,
            }
        }
    };
    if let OneStep::AnyToken = step {
        step = OneStep::Done(missing_document_reply(token_documents::any_token_exists(store).await?));
    }
    match step {
        OneStep::Done(reply) => Ok(reply),
        OneStep::Put { key, value, ttl, reply } => store.put(&key, value, ttl, None).await.map(|()| reply),
        // Step 2 asks for one read at most, and AnyToken was answered above.
        OneStep::Read(_) | OneStep::AnyToken => Err(StoreError("the invalidation's steps did not end".into())),
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
