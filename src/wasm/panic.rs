//! What happens if the wasm ever panics despite the no-panic lints: a panic aborts (traps) the
//! instance, and a trapped instance may hold a half-updated heap, so it must not serve again.
//!
//! The protocol with the JavaScript side (`www/engine/bind.js`, `bindGlue`): the hook calls every
//! listener registered under `Symbol.for('edge-token.panic')`, which fail the calls in flight
//! with a 500 instead of leaving them pending forever, and schedules a fresh instance for the
//! next call. The cost of a trap is one failed request.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(
    inline_js = "export function panicked() { const l = globalThis[Symbol.for('edge-token.panic')]; if (l) for (const f of l) try { f(); } catch {} }"
)]
extern "C" {
    fn panicked();
}

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|_| {
        panicked();
        wasm_bindgen::handler::schedule_reinit();
    }));
}

/// Test builds only: a trap on demand, before or after the call's first await.
#[cfg(feature = "trap-test")]
#[wasm_bindgen(js_name = forceTrap)]
pub async fn force_trap(after_await: bool) -> String {
    if after_await {
        let resolved = js_sys::Promise::resolve(&JsValue::NULL);
        let _ = wasm_bindgen_futures::JsFuture::from(resolved).await;
    }
    #[allow(clippy::panic)]
    {
        panic!("forced trap for tests"); // allow-panic
    }
}
