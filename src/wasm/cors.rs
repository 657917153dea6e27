//! CORS for the HTTP service: the host passes the `HTTP_CORS_*` env as JSON text; every rule
//! is in [`crate::cors`].

use wasm_bindgen::prelude::*;

use crate::cors::{Cors, CorsRequest, CorsSettings};

fn read(settings: &str) -> Result<Option<Cors>, String> {
    let settings = CorsSettings::from_json(settings).map_err(|e| format!("HTTP_CORS_*: {e}"))?;
    Cors::from_settings(&settings)
}

/// Whether the settings turn CORS on.
#[wasm_bindgen(js_name = corsEnabled)]
pub fn cors_enabled(settings: &str) -> bool {
    matches!(read(settings), Ok(Some(_)))
}

/// What CORS says of one request (crate::cors::Cors::decide).
#[wasm_bindgen]
pub struct CorsAnswer {
    early: Option<String>,
    forbidden: Option<String>,
    headers: String,
}

#[wasm_bindgen]
impl CorsAnswer {
    /// The reply envelope sent before authentication (a preflight's 200 or 403).
    #[wasm_bindgen(getter)]
    pub fn early(&self) -> Option<String> {
        self.early.clone()
    }

    /// The empty 403 sent once the caller is authenticated, for an origin not allowed.
    #[wasm_bindgen(getter)]
    pub fn forbidden(&self) -> Option<String> {
        self.forbidden.clone()
    }

    /// The headers (a JSON object of name to value or values) every other response carries.
    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> String {
        self.headers.clone()
    }
}

#[wasm_bindgen(js_name = corsDecision)]
pub fn cors_decision(
    settings: &str,
    method: &str,
    origin: Option<String>,
    has_request_method: bool,
    host: Option<String>,
) -> CorsAnswer {
    let decision = match read(settings) {
        Ok(Some(cors)) => {
            cors.decide(&CorsRequest { method, origin: origin.as_deref(), has_request_method, host: host.as_deref() })
        }
        _ => Default::default(),
    };
    let mut headers = serde_json::Map::new();
    for (name, values) in decision.headers {
        headers.insert(name, values.join(", ").into());
    }
    CorsAnswer {
        early: decision.early.map(|r| r.to_envelope()),
        forbidden: decision.forbidden.map(|r| r.to_envelope()),
        headers: serde_json::Value::Object(headers).to_string(),
    }
}
