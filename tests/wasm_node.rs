//! The wasm exports in Node (`wasm-pack test --node`).
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod wasm_common;

wasm_scenarios!(
    create_check_invalidate_check,
    refresh_through_the_binding,
    realm_invalidation_pages_through_list,
    unguarded_bindings_without_bulk_get_fail_closed,
    service_exports,
    store_failures_are_503s_never_traps,
    token_request_parser_export,
    invalidate_parser_and_settings_exports,
);
