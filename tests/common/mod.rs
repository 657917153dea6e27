//! A small world for table-driven engine tests: a MemoryStore with a clock and helpers that
//! go through the host API (JSON in, reply out), as the wasm exports do.
#![allow(dead_code)]

use std::cell::Cell;

use edge_token::engine;
use edge_token::errors::Reply;
use edge_token::memory::MemoryStore;
use edge_token::store::{KvStore, ListPage, StoreError};
use pollster::block_on;
use serde_json::{json, Value};

pub const T0: u64 = 1_800_000_000_000;
pub const MINUTE: u64 = 60_000;
pub const HOUR: u64 = 60 * MINUTE;
/// The token secret every call of these tests passes (the service's TOKEN_SECRET).
pub const SECRET: &str = "test-token-secret-of-at-least-32-characters";

pub struct World {
    pub store: MemoryStore,
}

pub struct Issued {
    pub access: String,
    pub refresh: Option<String>,
    pub body: Value,
}

impl World {
    pub fn new() -> Self {
        World { store: MemoryStore::new(T0) }
    }

    pub fn options(&self) -> String {
        json!({"now": self.store.now(), "secret": SECRET}).to_string()
    }

    pub fn create_as(&self, grant: &str, user: &str, realm: &str, client: Option<(&str, &str)>) -> Issued {
        let mut request = json!({"grant_type": grant, "username": user, "realm": realm, "roles": ["superuser"], "full_name": "Token User"});
        if let Some((client_user, client_realm)) = client {
            request["client"] = json!({"username": client_user, "realm": client_realm});
        }
        let reply = block_on(engine::create_token(&self.store, &request.to_string(), &self.options()));
        assert_eq!(reply.status, 200, "{}", reply.body);
        Issued {
            access: reply.body["access_token"].as_str().unwrap().to_string(),
            refresh: reply.body["refresh_token"].as_str().map(str::to_string),
            body: reply.body,
        }
    }

    pub fn password_token(&self, user: &str, realm: &str) -> Issued {
        self.create_as("password", user, realm, None)
    }

    pub fn check(&self, token: &str) -> Reply {
        block_on(engine::check_token(&self.store, token, &self.options()))
    }

    /// Why a check answers as it does (valid, unknown, expired, invalidated): ES's 401 bodies
    /// do not tell expired from invalidated.
    pub fn outcome(&self, token: &str) -> &'static str {
        match block_on(edge_token::check::check(&self.store, token, self.store.now())) {
            Ok(edge_token::check::CheckOutcome::Valid(_)) => "valid",
            Ok(edge_token::check::CheckOutcome::Unknown) => "unknown",
            Ok(edge_token::check::CheckOutcome::Expired) => "expired",
            Ok(edge_token::check::CheckOutcome::Invalidated) => "invalidated",
            Err(_) => "unavailable",
        }
    }

    pub fn is_valid(&self, token: &str) -> bool {
        self.check(token).status == 200
    }

    pub fn invalidate(&self, body: Value) -> (u16, Value) {
        let reply = block_on(engine::invalidate_token(&self.store, &body.to_string(), &self.options()));
        (reply.status, reply.body)
    }

    pub fn refresh(&self, token: &str, client: (&str, &str)) -> Reply {
        let client = json!({"username": client.0, "realm": client.1}).to_string();
        block_on(engine::refresh_token(&self.store, token, &client, &self.options()))
    }

    pub fn advance(&self, ms: u64) {
        self.store.advance(ms);
    }
}

pub fn counts(invalidated: u64, previously: u64) -> Value {
    json!({"invalidated_tokens": invalidated, "previously_invalidated_tokens": previously, "error_count": 0})
}

/// A binding that fails every operation whose name is listed, like a KV outage or a 429.
pub struct FaultyStore<'a> {
    pub inner: &'a MemoryStore,
    pub fail_get: Cell<bool>,
    pub fail_put: Cell<bool>,
    pub fail_list: Cell<bool>,
}

impl<'a> FaultyStore<'a> {
    pub fn new(inner: &'a MemoryStore) -> Self {
        FaultyStore { inner, fail_get: Cell::new(false), fail_put: Cell::new(false), fail_list: Cell::new(false) }
    }
}

fn fault(on: &Cell<bool>, what: &str) -> Result<(), StoreError> {
    if on.get() {
        Err(StoreError(format!("KV {what} failed: 503 Service Unavailable")))
    } else {
        Ok(())
    }
}

impl KvStore for FaultyStore<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        fault(&self.fail_get, "GET")?;
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, ttl: u64, metadata: Option<&Value>) -> Result<(), StoreError> {
        fault(&self.fail_put, "PUT")?;
        self.inner.put(key, value, ttl, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        fault(&self.fail_list, "LIST")?;
        self.inner.list(prefix, cursor, limit).await
    }
}

/// Yields once before every operation, so futures joined together interleave their reads and
/// writes the way concurrent requests do on a real binding.
pub struct InterleavingStore<'a>(pub &'a MemoryStore);

struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

impl KvStore for InterleavingStore<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        YieldOnce(false).await;
        self.0.get(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        YieldOnce(false).await;
        self.0.get_many(keys).await
    }
    async fn put(&self, key: &str, value: &str, ttl: u64, metadata: Option<&Value>) -> Result<(), StoreError> {
        YieldOnce(false).await;
        self.0.put(key, value, ttl, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        YieldOnce(false).await;
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        YieldOnce(false).await;
        self.0.list(prefix, cursor, limit).await
    }
}
