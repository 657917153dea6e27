//! The wasm exports in headless Chromium and Firefox (`wasm-pack test --headless --chrome/--firefox`).
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod wasm_common;
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

all_wasm_scenarios!();
