//! The audit trail's exports (wasm only): src/audit.rs decides every event; the host passes the
//! env's include and exclude lists with each call (parsing them costs less than keeping an
//! object alive across a trap).

use wasm_bindgen::prelude::*;

use crate::audit::{self, AuditSettings, Request};

fn settings(include: Option<String>, exclude: Option<String>) -> Result<AuditSettings, JsError> {
    AuditSettings::parse(include.as_deref(), exclude.as_deref()).map_err(|message| JsError::new(&message))
}

/// The JSON lines for one request (a JSON [`Request`]), as a JSON array of strings.
#[wasm_bindgen(js_name = auditEvents)]
pub fn audit_events(include: Option<String>, exclude: Option<String>, request_json: &str) -> Result<String, JsError> {
    let request = Request::from_json(request_json).ok_or_else(|| JsError::new("invalid audit trail"))?;
    let lines = audit::events(&settings(include, exclude)?, &request);
    Ok(serde_json::Value::from(lines).to_string())
}
