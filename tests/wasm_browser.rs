//! The wasm exports in headless Chromium and Firefox (`wasm-pack test --headless --chrome/--firefox`).
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(target_arch = "wasm32")]

mod wasm_common;
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn create_check_invalidate_check() {
    wasm_common::create_check_invalidate_check().await
}
#[wasm_bindgen_test]
async fn refresh_through_the_binding() {
    wasm_common::refresh_through_the_binding().await
}
#[wasm_bindgen_test]
async fn realm_invalidation_pages_through_list() {
    wasm_common::realm_invalidation_pages_through_list().await
}
#[wasm_bindgen_test]
async fn bindings_without_bulk_get_still_work() {
    wasm_common::bindings_without_bulk_get_still_work().await
}
#[wasm_bindgen_test]
async fn store_failures_are_503s_never_traps() {
    wasm_common::store_failures_are_503s_never_traps().await
}
#[wasm_bindgen_test]
async fn token_request_parser_export() {
    wasm_common::token_request_parser_export().await
}
#[wasm_bindgen_test]
async fn invalidate_parser_and_settings_exports() {
    wasm_common::invalidate_parser_and_settings_exports().await
}
