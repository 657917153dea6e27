//! edge-token: Elasticsearch's token service (get token, authenticate with a bearer token,
//! refresh, invalidate) over a Workers-KV-shaped store, compiled to WebAssembly.
//!
//! Everything here is plain Rust and is tested natively; `js_binding` (wasm only) adapts a
//! JavaScript KV binding to [`store::KvStore`] and exports the host API; `wasm_users` (wasm
//! only) exports the native realm's rules.

pub mod authentication;
pub mod body_parser;
pub mod check;
pub mod codec;
pub mod errors;
pub mod grants;
pub mod host_api;
pub mod invalidate;
pub mod json_value;
pub mod memory;
pub mod password_hash;
pub mod put_user;
pub mod requests;
pub mod schema;
pub mod settings;
pub mod store;
pub mod token_store;
pub mod user_lookup;
pub mod users;

#[cfg(target_arch = "wasm32")]
pub mod js_binding;
#[cfg(target_arch = "wasm32")]
pub mod wasm_users;
