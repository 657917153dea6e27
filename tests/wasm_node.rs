//! The wasm exports in Node (`wasm-pack test --node`).
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(target_arch = "wasm32")]

#[macro_use]
mod wasm_common;

all_wasm_scenarios!();
