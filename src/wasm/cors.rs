//! CORS for the HTTP service: the host passes the `HTTP_CORS_*` env as JSON text; every rule
//! is in [`crate::cors`].

use serde_json::{Map, Value};
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

/// What CORS says of one request (crate::cors::Cors::decide), as JSON: `early`, the reply
/// envelope sent before authentication (a preflight's 200 or 403); `forbidden`, the empty 403
/// sent once the caller is authenticated, for an origin not allowed; `headers` (name to value or
/// values), which every other response carries. An envelope not sent is a member absent.
#[wasm_bindgen(js_name = corsDecision)]
pub fn cors_decision(
    settings: &str,
    method: &str,
    origin: Option<String>,
    has_request_method: bool,
    host: Option<String>,
) -> String {
    let decision = match read(settings) {
        Ok(Some(cors)) => {
            cors.decide(&CorsRequest { method, origin: origin.as_deref(), has_request_method, host: host.as_deref() })
        }
        _ => Default::default(),
    };
    let mut headers = Map::new();
    for (name, values) in decision.headers {
        headers.insert(name, values.join(", ").into());
    }
    let mut answer = Map::new();
    answer.insert("headers".into(), Value::Object(headers));
    for (name, reply) in [("early", decision.early), ("forbidden", decision.forbidden)] {
        if let Some(reply) = reply {
            answer.insert(name.into(), reply.to_envelope().into());
        }
    }
    Value::Object(answer).to_string()
}
