//! The only part of the crate that knows about JavaScript (compiled for wasm32 only), after the
//! model of workers-rs: bindings apart from logic. Everything it calls is plain Rust, tested
//! natively.
//!
//! - [`panic`]: the panic hook that turns a trap into one failed request, not a dead isolate.
//! - [`kv`]: a Workers-KV-shaped JavaScript object seen as a [`crate::store::KvStore`].
//! - [`calls`]: the engine calls that use the store (create, refresh, invalidate) and the
//!   synchronous parsers, each answering with a reply envelope (`{"status","headers","body"}`).
//! - [`bulk`]: the next segment of a bulk invalidation, from its continuation.
//! - [`check`]: the token check as synchronous steps around reads that the host makes itself.
//! - [`invalidate`]: invalidating one token the same way, steps around the host's store calls.
//! - [`realm_cache`]: the realms' cache of successful logins, one object per service.
//! - [`throttle`]: the login throttle's counts and decisions, one object per service.
//! - [`service`]: the rules the HTTP service asks the core for (bodies, error replies).
//! - [`service_settings`]: the service's settings from the env, checked at start-up; GET /'s body.
//! - [`privileges`], [`users`]: role tables and authorization; the native realm's users (what
//!   logins and tests read).
//! - [`realm_endpoints`]: the native realm's endpoints as three steps around the host's reads.
//! - [`cors`]: CORS decisions for the HTTP service.

pub mod audit;
pub mod bulk;
pub mod calls;
pub mod check;
pub mod cors;
pub mod invalidate;
mod kv;
mod panic;
pub mod privileges;
pub mod realm_cache;
pub mod realm_endpoints;
pub mod service;
pub mod service_settings;
pub mod throttle;
pub mod users;
