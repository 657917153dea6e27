//! Sequences of host-API calls (create, check, refresh, invalidate, clock advances) against a
//! `MemoryStore`, with a small model of which tokens must no longer authenticate.
//!
//! Invariants, after every call:
//! - no panic; statuses only 200/400/401/404/413 (503 is impossible: `MemoryStore` never fails,
//!   so a 503 here means the engine itself broke a store rule, e.g. a TTL below KV's floor);
//! - error bodies are Elasticsearch-shaped (envelope, OAuth2 pair, or invalidate's counts);
//! - `check` answers 200 only for an access token this run issued, whose access half was not
//!   invalidated (by token, or by a realm/user invalidation after its creation) and not expired;
//! - `refresh` answers 200 only for a refresh token this run issued, not invalidated, within 24 h
//!   of its creation, presented by the client that created it; a replay (within ±30 s of the first
//!   refresh) answers the very same pair.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use edge_token::codec::RawToken;
use edge_token::errors::Reply;
use edge_token::grants::parse_create_request;
use edge_token::engine;
use edge_token::memory::MemoryStore;
use edge_token::requests::{parse_invalidate_request, InvalidateTarget};
use edge_token::settings::{
    token_timeout_ms, DEFAULT_TIMEOUT_MS, PURGE_GRACE_MS, REFRESH_LIFETIME_MS, REFRESH_REPLAY_WINDOW_MS,
};
use libfuzzer_sys::fuzz_target;
use pollster::block_on;
use serde_json::{json, Value};

/// The token secret every well-formed call passes (the service's TOKEN_SECRET).
const SECRET: &str = "fuzz-token-secret-of-at-least-32-characters";

const USERS: [&str; 3] = ["alice", "bob", "carol"];
const REALMS: [&str; 2] = ["native1", "saml1"];
const T0: u64 = 1_800_000_000_000;
const MAX_OPS: usize = 48;

fn user(i: u8) -> &'static str {
    USERS[usize::from(i) % USERS.len()]
}

fn realm(i: u8) -> &'static str {
    REALMS[usize::from(i) % REALMS.len()]
}

#[derive(Arbitrary, Debug)]
enum Timeout {
    Default,
    Seconds(u8),
    Minutes(u8),
    Raw(String),
}

impl Timeout {
    fn text(&self) -> Option<String> {
        match self {
            Timeout::Default => None,
            Timeout::Seconds(s) => Some(format!("{s}s")),
            Timeout::Minutes(m) => Some(format!("{m}m")),
            Timeout::Raw(raw) => Some(raw.clone()),
        }
    }
}

/// The clock a call runs with: the store's (the model follows), or any options text.
#[derive(Arbitrary, Debug)]
enum Options {
    Store,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum TokenRef {
    Access(u8),
    Refresh(u8),
    Unpadded { index: u8, refresh: bool },
    Flipped { index: u8, refresh: bool, position: u8, by: u8 },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Caller {
    Creator,
    Other(u8, u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum InvalidateBody {
    Token(TokenRef),
    RefreshToken(TokenRef),
    Realm(u8),
    User(u8),
    UserInRealm(u8, u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Create {
        password_grant: bool,
        user: u8,
        realm: u8,
        client: Option<(u8, u8)>,
        scope: bool,
        timeout: Timeout,
    },
    CreateRaw {
        request: String,
        options: Options,
    },
    Check {
        token: TokenRef,
        options: Options,
    },
    Refresh {
        token: TokenRef,
        caller: Caller,
        options: Options,
    },
    /// Refreshes, moves the clock to `delta` ms around the end of the 30 s replay window, and
    /// presents the same refresh token again.
    RefreshReplay {
        token: TokenRef,
        caller: Caller,
        delta: i8,
    },
    Invalidate {
        body: InvalidateBody,
        options: Options,
    },
    AdvanceMs(u16),
    AdvanceMinutes(u8),
    AdvanceHours(u8),
    /// Moves the clock (forward only) to `delta` ms around a deadline of one issued token.
    AdvanceTo {
        index: u8,
        mark: Mark,
        delta: i8,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Mark {
    AccessExpiry,
    RefreshDeadline,
    ReplayWindowEnd,
    Purge,
}

/// A token pair this run was given, and what the model knows about it.
struct Issued {
    access: RawToken,
    access_text: String,
    refresh: Option<RawToken>,
    refresh_text: Option<String>,
    owner_user: String,
    owner_realm: String,
    client: (String, String),
    created: u64,
    expires: u64,
    /// Created with the store's clock: time-based invariants apply.
    timed: bool,
    access_dead: bool,
    refresh_dead: bool,
    /// The first successful refresh: when (with the store's clock) and the pair it answered.
    refreshed_at: Option<u64>,
    successor: Option<RawToken>,
}

struct World {
    store: MemoryStore,
    issued: Vec<Issued>,
}

impl World {
    fn options(&self, options: &Options) -> (String, bool) {
        match options {
            Options::Store => (json!({"now": self.store.now(), "secret": SECRET}).to_string(), true),
            Options::Raw(raw) => (raw.clone(), false),
        }
    }

    fn token_text(&self, token: &TokenRef) -> String {
        let pick = |index: u8, refresh: bool| -> String {
            if self.issued.is_empty() {
                return String::new();
            }
            let issued = &self.issued[usize::from(index) % self.issued.len()];
            if refresh {
                issued.refresh_text.clone().unwrap_or_default()
            } else {
                issued.access_text.clone()
            }
        };
        match token {
            TokenRef::Access(i) => pick(*i, false),
            TokenRef::Refresh(i) => pick(*i, true),
            TokenRef::Unpadded { index, refresh } => pick(*index, *refresh).trim_end_matches('=').to_string(),
            TokenRef::Flipped { index, refresh, position, by } => {
                const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
                let mut bytes = pick(*index, *refresh).into_bytes();
                if !bytes.is_empty() {
                    let at = usize::from(*position) % bytes.len();
                    let current = ALPHABET.iter().position(|c| *c == bytes[at]).unwrap_or(0);
                    let step = 1 + usize::from(*by) % (ALPHABET.len() - 1);
                    bytes[at] = ALPHABET[(current + step) % ALPHABET.len()];
                }
                String::from_utf8(bytes).unwrap_or_default()
            }
            TokenRef::Raw(raw) => raw.clone(),
        }
    }

    fn find_access(&self, text: &str) -> Option<usize> {
        let token = RawToken::decode(text)?;
        self.issued.iter().position(|i| i.access == token)
    }

    fn find_refresh(&self, text: &str) -> Option<usize> {
        let token = RawToken::decode(text)?;
        self.issued.iter().position(|i| i.refresh.as_ref() == Some(&token))
    }

    /// Records a pair from a 200 reply (create or refresh) unless it is already known (a
    /// refresh replayed within 30 s answers the same pair).
    fn record_pair(
        &mut self,
        body: &Value,
        owner: (String, String),
        client: (String, String),
        timed: bool,
        timeout_ms: u64,
    ) {
        let access_text = body["access_token"].as_str().expect("200 without access_token").to_string();
        let access = RawToken::decode(&access_text).expect("issued access token does not decode");
        let refresh_text = body["refresh_token"].as_str().map(str::to_string);
        let refresh =
            refresh_text.as_deref().map(|t| RawToken::decode(t).expect("issued refresh token does not decode"));
        assert_eq!(body["type"], "Bearer");
        if let Some(refresh) = &refresh {
            assert_eq!(access.doc_id(), refresh.doc_id(), "a pair must share its document");
        }
        if self.issued.iter().any(|i| i.access == access) {
            return;
        }
        let now = self.store.now();
        self.issued.push(Issued {
            access,
            access_text,
            refresh,
            refresh_text,
            owner_user: owner.0,
            owner_realm: owner.1,
            client,
            created: now,
            expires: now.saturating_add(timeout_ms),
            timed,
            access_dead: false,
            refresh_dead: false,
            refreshed_at: None,
            successor: None,
        });
    }

    fn create(&mut self, request: &str, options: &str, timed: bool, timeout_ms: u64) {
        let reply = block_on(engine::create_token(&self.store, request, options));
        check_status(&reply, &[200, 400], "create");
        if reply.status != 200 {
            return;
        }
        let parsed = parse_create_request(request).expect("createToken succeeded on a request it rejects");
        let owner = (parsed.owner.username.clone(), parsed.owner.realm_name().to_string());
        let client = (parsed.client.username.clone(), parsed.client.realm.clone());
        assert_eq!(reply.body["refresh_token"].is_string(), parsed.with_refresh);
        self.record_pair(&reply.body, owner, client, timed, timeout_ms);
    }

    fn check(&mut self, token: &str, options: &str, timed: bool) {
        let reply = block_on(engine::check_token(&self.store, token, options));
        check_status(&reply, &[200, 400, 401], "check");
        if reply.status != 200 {
            return;
        }
        let Some(index) = self.find_access(token) else {
            panic!("check answered 200 for a token that was never issued as an access token");
        };
        let issued = &self.issued[index];
        assert_eq!(
            reply.body["username"].as_str(),
            Some(issued.owner_user.as_str()),
            "check authenticated the wrong user"
        );
        assert!(!issued.access_dead, "check answered 200 for an invalidated access token");
        if timed && issued.timed {
            let now = self.store.now();
            assert!(now <= issued.expires, "check answered 200 {} ms after expiry", now - issued.expires);
        }
    }

    fn refresh(&mut self, token: &str, caller: &Caller, options: &str, timed: bool) {
        let known = self.find_refresh(token);
        let (client_json, caller_pair) = match caller {
            Caller::Creator => {
                let pair =
                    known.map(|i| self.issued[i].client.clone()).unwrap_or_else(|| (user(0).into(), realm(0).into()));
                (json!({"username": pair.0, "realm": pair.1}).to_string(), Some(pair))
            }
            Caller::Other(u, r) => (
                json!({"username": user(*u), "realm": {"name": realm(*r), "type": "native"}}).to_string(),
                Some((user(*u).to_string(), realm(*r).to_string())),
            ),
            Caller::Raw(raw) => (raw.clone(), None),
        };
        let reply = block_on(engine::refresh_token(&self.store, token, &client_json, options));
        check_status(&reply, &[200, 400], "refresh");
        if reply.status != 200 {
            return;
        }
        let Some(index) = known else {
            panic!("refresh answered 200 for a token that was never issued as a refresh token");
        };
        let parent = &self.issued[index];
        assert!(!parent.refresh_dead, "refresh answered 200 for an invalidated refresh token");
        if let Some(caller) = caller_pair {
            assert_eq!(caller, parent.client, "refresh answered 200 to a client that did not create the token");
        }
        if timed && parent.timed {
            let now = self.store.now();
            assert!(now <= parent.created + REFRESH_LIFETIME_MS, "refresh answered 200 after the 24 h refresh window");
        }
        let answered = reply.body["access_token"].as_str().and_then(RawToken::decode);
        // A token is refreshed once; within ±30 s a replay answers the very same pair (§3.5 rule 5).
        if let Some(successor) = &parent.successor {
            assert_eq!(answered.as_ref(), Some(successor), "a replayed refresh answered a different pair");
        }
        if let (true, Some(at)) = (timed, parent.refreshed_at) {
            let now = self.store.now();
            assert!(
                now <= at + REFRESH_REPLAY_WINDOW_MS,
                "a replay answered 200 {} ms after the first refresh (window: 30 s)",
                now - at
            );
        }
        let owner = (parent.owner_user.clone(), parent.owner_realm.clone());
        let client = parent.client.clone();
        assert!(reply.body["refresh_token"].is_string(), "a refresh must answer a new refresh token");
        if parent.successor.is_none() {
            let now = self.store.now();
            let parent = &mut self.issued[index];
            parent.successor = answered;
            parent.refreshed_at = if timed { Some(now) } else { None };
        }
        self.record_pair(&reply.body, owner, client, timed, DEFAULT_TIMEOUT_MS);
    }

    fn invalidate(&mut self, body: &str, options: &str, timed: bool) {
        let reply = block_on(engine::invalidate_token(&self.store, body, options));
        check_status(&reply, &[200, 400, 404, 413], "invalidate");
        if reply.status == 200 || reply.status == 404 {
            let counts = &reply.body;
            assert!(counts["invalidated_tokens"].is_u64() && counts["previously_invalidated_tokens"].is_u64());
            assert_eq!(counts["error_count"], 0, "MemoryStore never fails, yet: {counts}");
        }
        if reply.status != 200 {
            return;
        }
        let target = parse_invalidate_request(body.as_bytes()).expect("invalidate succeeded on a body it rejects");
        let now = self.store.now();
        match target {
            InvalidateTarget::AccessToken(token) => {
                let done = reply.body["invalidated_tokens"].as_u64().unwrap_or(0)
                    + reply.body["previously_invalidated_tokens"].as_u64().unwrap_or(0);
                assert_eq!(done, 1, "invalidating one token counted {done}");
                let Some(index) = self.find_access(&token) else {
                    panic!("invalidate by token answered 200 for a token never issued");
                };
                self.issued[index].access_dead = true;
            }
            InvalidateTarget::RefreshToken(token) => {
                let Some(index) = self.find_refresh(&token) else {
                    panic!("invalidate by refresh_token answered 200 for a token never issued");
                };
                self.issued[index].refresh_dead = true;
            }
            InvalidateTarget::Owner { realm_name, username } => {
                // The watermark is written at max(existing, now): with the store's clock, every
                // token created so far is covered. With another clock, only those before it.
                let at = if timed { Some(now) } else { None };
                for issued in &mut self.issued {
                    let matches = realm_name.as_deref().is_none_or(|r| r == issued.owner_realm)
                        && username.as_deref().is_none_or(|u| u == issued.owner_user);
                    if matches && at.is_some_and(|at| issued.timed && issued.created <= at) {
                        issued.access_dead = true;
                        issued.refresh_dead = true;
                    }
                }
            }
        }
    }
}

fn check_status(reply: &Reply, allowed: &[u16], op: &str) {
    assert_ne!(reply.status, 503, "{op}: 503 from a store that never fails: {}", reply.body);
    assert!(allowed.contains(&reply.status), "{op}: unexpected status {}: {}", reply.status, reply.body);
    match reply.status {
        200 | 404 => common::assert_envelope_is_json(reply),
        401 => {
            common::assert_es_envelope(reply);
            assert!(reply.headers.iter().any(|(name, _)| name == "WWW-Authenticate"), "401 without WWW-Authenticate");
        }
        _ => common::assert_client_error(reply, op),
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut world = World { store: MemoryStore::new(T0), issued: Vec::new() };
    for op in ops.iter().take(MAX_OPS) {
        match op {
            Op::Create { password_grant, user: u, realm: r, client, scope, timeout } => {
                let mut request = json!({
                    "grant_type": if *password_grant { "password" } else { "client_credentials" },
                    "username": user(*u),
                    "realm": realm(*r),
                    "roles": ["superuser"],
                });
                if let Some((cu, cr)) = client {
                    request["client"] = json!({"username": user(*cu), "realm": realm(*cr)});
                }
                if *scope {
                    request["scope"] = json!("full");
                }
                let timeout_text = timeout.text();
                let mut options = json!({"now": world.store.now()});
                if let Some(text) = &timeout_text {
                    options["timeout"] = json!(text);
                }
                let timeout_ms = token_timeout_ms(timeout_text.as_deref()).unwrap_or(DEFAULT_TIMEOUT_MS);
                world.create(&request.to_string(), &options.to_string(), true, timeout_ms);
            }
            Op::CreateRaw { request, options } => {
                let (options, timed) = world.options(options);
                world.create(request, &options, timed, DEFAULT_TIMEOUT_MS);
            }
            Op::Check { token, options } => {
                let token = world.token_text(token);
                let (options, timed) = world.options(options);
                world.check(&token, &options, timed);
            }
            Op::Refresh { token, caller, options } => {
                let token = world.token_text(token);
                let (options, timed) = world.options(options);
                world.refresh(&token, caller, &options, timed);
            }
            Op::RefreshReplay { token, caller, delta } => {
                let token = world.token_text(token);
                let (options, timed) = world.options(&Options::Store);
                world.refresh(&token, caller, &options, timed);
                if let Some(at) = world.find_refresh(&token).and_then(|i| world.issued[i].refreshed_at) {
                    let target = (at + REFRESH_REPLAY_WINDOW_MS).saturating_add_signed(i64::from(*delta));
                    if target > world.store.now() {
                        world.store.set_now(target);
                    }
                }
                let (options, timed) = world.options(&Options::Store);
                world.refresh(&token, caller, &options, timed);
            }
            Op::Invalidate { body, options } => {
                let body = match body {
                    InvalidateBody::Token(token) => json!({"token": world.token_text(token)}).to_string(),
                    InvalidateBody::RefreshToken(token) => {
                        json!({"refresh_token": world.token_text(token)}).to_string()
                    }
                    InvalidateBody::Realm(r) => json!({"realm_name": realm(*r)}).to_string(),
                    InvalidateBody::User(u) => json!({"username": user(*u)}).to_string(),
                    InvalidateBody::UserInRealm(u, r) => {
                        json!({"username": user(*u), "realm_name": realm(*r)}).to_string()
                    }
                    InvalidateBody::Raw(raw) => raw.clone(),
                };
                let (options, timed) = world.options(options);
                world.invalidate(&body, &options, timed);
            }
            Op::AdvanceMs(ms) => world.store.advance(u64::from(*ms)),
            Op::AdvanceMinutes(m) => world.store.advance(u64::from(*m) * 60_000),
            Op::AdvanceHours(h) => world.store.advance(u64::from(*h) * 3_600_000),
            Op::AdvanceTo { index, mark, delta } => {
                if world.issued.is_empty() {
                    continue;
                }
                let issued = &world.issued[usize::from(*index) % world.issued.len()];
                let deadline = match mark {
                    Mark::AccessExpiry => issued.expires,
                    Mark::RefreshDeadline => issued.created + REFRESH_LIFETIME_MS,
                    Mark::ReplayWindowEnd => issued.refreshed_at.unwrap_or(issued.created) + REFRESH_REPLAY_WINDOW_MS,
                    Mark::Purge => issued.created + REFRESH_LIFETIME_MS + PURGE_GRACE_MS,
                };
                let target = deadline.saturating_add_signed(i64::from(*delta));
                if target > world.store.now() {
                    world.store.set_now(target);
                }
            }
        }
    }
});
