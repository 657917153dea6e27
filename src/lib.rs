//! edge-token: Elasticsearch's token service (get token, authenticate with a bearer token,
//! refresh, invalidate) over a Workers-KV-shaped store, compiled to WebAssembly.
//!
//! Everything here is plain Rust and is tested natively; `wasm` (wasm32 only) adapts a
//! JavaScript KV binding to [`store::KvStore`] and exports the host API. docs/layout.md maps
//! the modules.

pub mod audit;
pub mod audit_request;
pub mod authentication;
pub mod body_parser;
pub mod body_text;
pub mod bounded_map;
pub mod bulk_continuation;
pub mod bulk_invalidation;
pub mod bulk_listing;
pub mod change_password;
pub mod check;
pub mod clock;
pub mod cluster_health;
pub mod codec;
pub mod cors;
pub mod credentials;
pub mod engine;
pub mod errors;
pub mod filter_path;
pub mod grant_request;
pub mod grants;
pub mod invalidate;
pub mod json_fields;
pub mod json_skip;
pub mod json_strings;
pub mod json_value;
pub mod login_throttle;
pub mod lucene_regexp;
pub mod media_type;
pub mod memory;
pub mod native_roles;
pub mod owner_tag;
pub mod password_hash;
pub mod privilege_names;
pub mod privileges;
pub mod privileges_listing;
pub mod put_user;
pub mod query_params;
pub mod realm_cache;
pub mod realm_endpoints;
pub mod recent_invalidations;
pub mod requests;
pub mod reserved_roles;
pub mod response_format;
pub mod rest_errors;
pub mod rest_headers;
pub mod rest_reply;
pub mod rest_request;
pub mod role_descriptor;
pub mod roles;
pub mod routes;
pub mod schema;
pub mod server_info;
pub mod service_settings;
pub mod settings;
pub mod sorting;
pub mod store;
pub mod superseding;
pub mod throttle_clients;
pub mod throttle_leases;
pub mod throttle_state;
pub mod token_documents;
pub mod token_text;
pub mod user_lookup;
pub mod user_privileges;
pub mod user_record;
pub mod user_state;
pub mod users;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
