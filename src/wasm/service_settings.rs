//! What the service reads once and answers without a request's data (wasm only): its settings
//! from the env (src/service_settings.rs checks every one) and GET /'s body (src/server_info.rs).

use serde_json::json;
use wasm_bindgen::prelude::*;

use crate::{server_info, service_settings};

/// `{"settings": {...}}`, the checked settings of the described env, or `{"problem": message}`.
#[wasm_bindgen(js_name = serviceSettings)]
pub fn read_service_settings(env_json: &str) -> String {
    match service_settings::read(env_json) {
        Ok(settings) => json!({ "settings": settings }),
        Err(problem) => json!({ "problem": problem }),
    }
    .to_string()
}

/// GET /'s body, JSON text.
#[wasm_bindgen(js_name = serverInfo)]
pub fn server_info() -> String {
    server_info::INFO.to_string()
}
