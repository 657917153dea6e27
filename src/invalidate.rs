//! The Invalidate Token API (§2): by access token, refresh token, realm, user, or both.
//!
//! Single tokens get an invalidation key of their own. Realms and users are invalidated with one
//! watermark write (see `docs/storage-schema.md`), counted exactly from the index pages.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::codec::{name_digest, PresentedToken};
use crate::errors::{store_unavailable, Cause, Reply};
use crate::recent_invalidations;
use crate::requests::{parse_invalidate_request, InvalidateTarget};
use crate::schema::{self, keys, IndexEntry, TokenHalf};
use crate::store::{list_all, KvStore, StoreError};
use crate::token_documents;

/// Workers KV's bulk get takes at most 100 keys.
const BULK_GET_LIMIT: usize = 100;

/// The counts of §2.5. ES reports per-document failures in `error_count`/`error_details`; here
/// a store failure fails the whole call (a 503), so `error_count` is always 0.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub invalidated: u64,
    pub previously_invalidated: u64,
}

impl Counts {
    fn reply(self, status: u16) -> Reply {
        let mut body = Map::new();
        body.insert("invalidated_tokens".into(), self.invalidated.into());
        body.insert("previously_invalidated_tokens".into(), self.previously_invalidated.into());
        body.insert("error_count".into(), 0.into());
        Reply::new(status, Value::Object(body))
    }

    fn count(&mut self, already_invalidated: bool) {
        if already_invalidated {
            self.previously_invalidated += 1;
        } else {
            self.invalidated += 1;
        }
    }
}

/// A bulk invalidation reads `clock` again when it writes its watermark (see [`Clock`]).
pub async fn invalidate<S: KvStore>(store: &S, body: &[u8], clock: Clock) -> Reply {
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
            invalidate_scope(store, &scope, now, clock).await
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

/// Whose tokens a bulk invalidation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Realm(String),
    User(String),
    UserInRealm(String, String),
}

/// One token found in an index listing.
struct Listed {
    realm_digest: String,
    user_digest: String,
    doc_id: String,
    entry: IndexEntry,
}

async fn invalidate_scope<S: KvStore>(store: &S, scope: &Scope, now: u64, clock: Clock) -> Reply {
    match count_and_mark(store, scope, now, clock).await {
        Ok(counts) => counts.reply(200),
        Err(error) => store_unavailable(&error.0),
    }
}

/// Counts what the scope's watermark newly covers, then writes that watermark. A failed write
/// fails the whole call: nothing is reported invalidated unless it is.
async fn count_and_mark<S: KvStore>(store: &S, scope: &Scope, now: u64, clock: Clock) -> Result<Counts, StoreError> {
    // Refreshes of this instance see this invalidation from now on (recent_invalidations).
    let ticket = recent_invalidations::begin(&scope_watermark_key(scope), now);
    let listed = list_scope(store, scope).await?;
    let marks = load_watermarks(store, scope, &listed).await?;
    let singles = list_single_invalidations(store, scope, &listed).await?;
    let mut counts = Counts::default();
    for token in &listed {
        let covering = keys::covering_watermarks(&token.realm_digest, &token.user_digest)
            .iter()
            .filter_map(|key| marks.get(key).copied())
            .max();
        let single =
            |half| singles.contains(&keys::invalidation(&token.realm_digest, &token.user_digest, &token.doc_id, half));
        let mut entry = token.entry;
        // The index flags are what earlier versions wrote; the `i:` keys what this one writes.
        entry.access_invalidated |= single(TokenHalf::Access);
        entry.refresh_invalidated |= single(TokenHalf::Refresh);
        count_token(&mut counts, &entry, covering, now);
    }
    let key = scope_watermark_key(scope);
    // Stamped when written, not when the call began: a refresh in this location that read the
    // store before this write made its successor no later than this, so the watermark covers it.
    let at = marks.get(&key).copied().unwrap_or(0).max(now).max(clock.read(store));
    let (value, metadata) = schema::watermark_value(at);
    store.put(&key, &value, schema::watermark_ttl_seconds(now, at), Some(&metadata)).await?;
    ticket.written(at, clock.read(store));
    Ok(counts)
}

/// §2.8: which documents are selected, and how each of their halves counts.
fn count_token(counts: &mut Counts, entry: &IndexEntry, covering: Option<u64>, now: u64) {
    if now >= schema::end_of_life(entry.creation_time) {
        return;
    }
    let covered = covering.is_some_and(|t| t >= entry.creation_time);
    let access_invalidated = entry.access_invalidated || covered;
    let refresh_invalidated = entry.refresh_invalidated || covered;
    let refresh_live = schema::refresh_deadline(entry.creation_time) >= now;
    let selected = (!access_invalidated && entry.access_expiration >= now)
        || (entry.has_refresh && !refresh_invalidated && refresh_live);
    if !selected {
        return;
    }
    if entry.has_refresh {
        counts.count(refresh_invalidated);
    }
    counts.count(access_invalidated);
}

fn scope_watermark_key(scope: &Scope) -> String {
    match scope {
        Scope::Realm(realm) => keys::realm_watermark(realm),
        Scope::UserInRealm(realm, user) => keys::user_watermark(realm, user),
        Scope::User(user) => keys::all_realms_watermark_by_digest(&name_digest(user)),
    }
}

async fn list_scope<S: KvStore>(store: &S, scope: &Scope) -> Result<Vec<Listed>, StoreError> {
    let (prefix, by_user) = match scope {
        Scope::Realm(realm) => (keys::realm_index_prefix(realm, None), false),
        Scope::UserInRealm(realm, user) => (keys::realm_index_prefix(realm, Some(user)), false),
        Scope::User(user) => (keys::user_index_prefix(user), true),
    };
    let listed = list_all(store, &prefix).await?;
    Ok(listed
        .into_iter()
        .filter_map(|key| {
            let mut parts = key.name.split(':').skip(1);
            let (first, second, doc_id) = (parts.next()?, parts.next()?, parts.next()?);
            let (realm_digest, user_digest) = if by_user { (second, first) } else { (first, second) };
            Some(Listed {
                realm_digest: realm_digest.to_string(),
                user_digest: user_digest.to_string(),
                doc_id: doc_id.to_string(),
                entry: IndexEntry::from_metadata(key.metadata.as_ref()?)?,
            })
        })
        .collect())
}

/// The single-token invalidation keys (`i:`) of the scope: one listing per 1,000 of them; for
/// a user in every realm, one per realm their listed tokens are in.
async fn list_single_invalidations<S: KvStore>(
    store: &S,
    scope: &Scope,
    listed: &[Listed],
) -> Result<BTreeSet<String>, StoreError> {
    let prefixes: BTreeSet<String> = match scope {
        Scope::Realm(realm) => BTreeSet::from([keys::invalidations_prefix(&name_digest(realm), None)]),
        Scope::UserInRealm(realm, user) => {
            BTreeSet::from([keys::invalidations_prefix(&name_digest(realm), Some(&name_digest(user)))])
        }
        Scope::User(_) => {
            listed.iter().map(|t| keys::invalidations_prefix(&t.realm_digest, Some(&t.user_digest))).collect()
        }
    };
    let mut names = BTreeSet::new();
    for prefix in prefixes {
        names.extend(list_all(store, &prefix).await?.into_iter().map(|key| key.name));
    }
    Ok(names)
}

/// Every watermark that can cover a listed token, plus the scope's own, by key.
async fn load_watermarks<S: KvStore>(
    store: &S,
    scope: &Scope,
    listed: &[Listed],
) -> Result<BTreeMap<String, u64>, StoreError> {
    let mut marks = BTreeMap::new();
    if let Scope::Realm(realm) = scope {
        // A realm can hold many users: list its user watermarks instead of reading one per user.
        let realm_digest = name_digest(realm);
        for prefix in [keys::user_watermarks_prefix(&realm_digest), keys::ALL_REALMS_WATERMARKS_PREFIX.to_string()] {
            for key in list_all(store, &prefix).await? {
                if let Some(at) = schema::watermark_from_metadata(key.metadata.as_ref()) {
                    marks.insert(key.name, at);
                }
            }
        }
        let own = keys::realm_watermark(realm);
        if let Some(at) = schema::parse_watermark(store.get(&own).await?.as_deref()) {
            marks.insert(own, at);
        }
        return Ok(marks);
    }
    let mut wanted = BTreeSet::from([scope_watermark_key(scope)]);
    for token in listed {
        wanted.extend(keys::covering_watermarks(&token.realm_digest, &token.user_digest));
    }
    let wanted: Vec<String> = wanted.into_iter().collect();
    for chunk in wanted.chunks(BULK_GET_LIMIT) {
        let values = store.get_many(chunk).await?;
        for (key, value) in chunk.iter().zip(values) {
            if let Some(at) = schema::parse_watermark(value.as_deref()) {
                marks.insert(key.clone(), at);
            }
        }
    }
    Ok(marks)
}
