//! Scenarios run through the real wasm exports against a JavaScript KV binding: the in-memory
//! `MemoryKV` of the package, and small faulty bindings written inline.
#![allow(dead_code)]

use edge_token::check::FAILED;
use edge_token::wasm::calls::{self as exports, parse_token_request};
use edge_token::wasm::check::{check_token_keys, check_token_read, check_token_unavailable};
use js_sys::Promise;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/www/memory-kv.js")]
extern "C" {
    pub type MemoryKV;
    #[wasm_bindgen(constructor)]
    fn new() -> MemoryKV;
}

#[wasm_bindgen(inline_js = r#"
export function failingKv(message) {
  const fail = () => Promise.reject(new Error(message));
  return { get: fail, put: fail, delete: fail, list: fail };
}
export function throwingKv() {
  const boom = () => { throw new TypeError("binding exploded"); };
  return { get: boom, put: boom, delete: boom, list: boom };
}
export async function readKeys(kv, keys) {
  const found = await kv.get(keys);
  return keys.map((key) => found.get(key) ?? null);
}
export function scalarGetKv(inner) {
  // A binding without bulk get: an array key is just another (missing) key.
  return {
    get: (key) => Array.isArray(key) ? Promise.resolve(null) : inner.get(key),
    put: (...a) => inner.put(...a), delete: (k) => inner.delete(k), list: (o) => inner.list(o),
  };
}
"#)]
extern "C" {
    fn failingKv(message: &str) -> JsValue;
    fn throwingKv() -> JsValue;
    fn scalarGetKv(inner: &JsValue) -> JsValue;
    #[wasm_bindgen(catch)]
    async fn readKeys(kv: &JsValue, keys: Vec<String>) -> Result<JsValue, JsValue>;
}

/// The envelope an async export resolves with.
async fn settle(promise: Promise) -> String {
    JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).expect("exports resolve with a string")
}

async fn create_token(kv: JsValue, request: String, options: String) -> String {
    settle(exports::create_token(kv, request, options)).await
}

/// The check as the host runs it (www/engine/check.js): the steps around one or two reads, its
/// answer as the envelope the scenarios compare.
async fn check_token(kv: JsValue, token: String, _options: String) -> String {
    let first: js_sys::Array = match check_token_keys(&token, None) {
        Some(keys) => match readKeys(&kv, keys.split('\n').map(str::to_string).collect()).await {
            Ok(values) => values.into(),
            Err(_) => return check_token_unavailable("the read failed"),
        },
        None => js_sys::Array::new(),
    };
    let document = first.get(0).as_string().map(String::into_bytes);
    // The values after the document's, only when one was found (as check.js passes them).
    let status = || Some(first.slice(1, first.length())).filter(|rest| rest.iter().any(|v| !v.is_null()));
    let mut answer = check_token_read(&token, document.clone(), status(), None, Some(NOW), None);
    if !answer.starts_with('{') && !answer.starts_with(FAILED) {
        answer = match readKeys(&kv, answer.split('\n').map(str::to_string).collect()).await {
            Ok(values) => check_token_read(&token, document, status(), Some(values.into()), Some(NOW), None),
            Err(_) => return check_token_unavailable("the read failed"),
        };
    }
    match answer.strip_prefix(FAILED) {
        Some(envelope) => envelope.to_string(),
        None => format!(r#"{{"status":200,"headers":{{}},"body":{answer}}}"#),
    }
}

async fn refresh_token(kv: JsValue, token: String, client: String, options: String) -> String {
    settle(exports::refresh_token(kv, token, client, options)).await
}

async fn invalidate_token(kv: JsValue, body: String, options: String) -> String {
    settle(exports::invalidate_token(kv, body, options)).await
}

const NOW: f64 = 1_800_000_000_000.0;

fn options() -> String {
    json!({"now": NOW, "secret": "wasm-test-token-secret-of-32-characters"}).to_string()
}

fn envelope(text: &str) -> (u16, Value) {
    let parsed: Value = serde_json::from_str(text).expect("envelope is JSON");
    (parsed["status"].as_u64().expect("status") as u16, parsed["body"].clone())
}

async fn password_token(kv: &JsValue, user: &str) -> Value {
    let request =
        json!({"grant_type": "password", "username": user, "realm": "default_native", "roles": ["superuser"]});
    let (status, body) = envelope(&create_token(kv.clone(), request.to_string(), options()).await);
    assert_eq!(status, 200, "{body}");
    body
}

fn text(value: &Value) -> String {
    value.as_str().expect("string").to_string()
}

pub async fn create_check_invalidate_check() {
    let kv: JsValue = MemoryKV::new().into();
    let issued = password_token(&kv, "token_user").await;
    let access = text(&issued["access_token"]);
    let (status, body) = envelope(&check_token(kv.clone(), access.clone(), options()).await);
    assert_eq!((status, &body["authentication_type"]), (200, &json!("token")));
    let invalidate = json!({"token": access}).to_string();
    let (status, body) = envelope(&invalidate_token(kv.clone(), invalidate.clone(), options()).await);
    assert_eq!(
        (status, body),
        (200, json!({"invalidated_tokens":1,"previously_invalidated_tokens":0,"error_count":0}))
    );
    let (status, body) = envelope(&check_token(kv.clone(), access, options()).await);
    assert_eq!((status, &body["error"]["reason"]), (401, &json!("token expired")));
    let (status, _) = envelope(&invalidate_token(kv, invalidate, options()).await);
    assert_eq!(status, 200);
}

pub async fn refresh_through_the_binding() {
    let kv: JsValue = MemoryKV::new().into();
    let issued = password_token(&kv, "token_user").await;
    let client = json!({"username": "token_user", "realm": "default_native"}).to_string();
    let refresh = text(&issued["refresh_token"]);
    let (status, first) = envelope(&refresh_token(kv.clone(), refresh.clone(), client.clone(), options()).await);
    assert_eq!(status, 200, "{first}");
    let (_, again) = envelope(&refresh_token(kv.clone(), refresh, client, options()).await);
    assert_eq!(first["access_token"], again["access_token"]);
}

/// More than one list page (1,000 keys) goes through the JS cursor.
pub async fn realm_invalidation_pages_through_list() {
    let kv: JsValue = MemoryKV::new().into();
    for i in 0..1_100 {
        let request = json!({"grant_type": "client_credentials", "username": format!("u{i}"), "realm": "big"});
        let (status, _) = envelope(&create_token(kv.clone(), request.to_string(), options()).await);
        assert_eq!(status, 200);
    }
    let body = json!({"realm_name": "big"}).to_string();
    let (status, counts) = envelope(&invalidate_token(kv.clone(), body, options()).await);
    assert_eq!((status, &counts["invalidated_tokens"]), (200, &json!(1_100)));
}

/// The host's guard turns every binding's bulk get into a Map (www/kv-guard.js); an unguarded
/// binding without one fails closed with a 503, never a trap.
pub async fn unguarded_bindings_without_bulk_get_fail_closed() {
    let memory: JsValue = MemoryKV::new().into();
    let kv = scalarGetKv(&memory);
    let issued = password_token(&kv, "alice").await;
    let body = json!({"username": "alice"}).to_string();
    let (status, body) = envelope(&invalidate_token(kv, body, options()).await);
    assert_eq!((status, &body["error"]["type"]), (503, &json!("security_exception")));
    let (status, _) = envelope(&check_token(memory, text(&issued["access_token"]), options()).await);
    assert_eq!(status, 200);
}

pub async fn service_exports() {
    use edge_token::wasm::service::{
        check_body, read_authorization_header, render_body, rest_error, route_request, RestError,
    };
    assert_eq!(check_body(b"{}"), None);
    let (status, body) = envelope(&check_body(b"{\"a\":\"\xff\"}").expect("a 400"));
    assert_eq!((status, &body["error"]["reason"]), (400, &json!("[1:7] Invalid UTF-8 start byte 0xff")));
    let route = route_request("GET", "/x", "/x?a", None, None);
    let (status, body) = envelope(&route.problem().expect("a 400"));
    assert_eq!((status, body), (400, json!({"error": "no handler found for uri [/x?a] and method [GET]"})));
    let route = route_request("GET", "/", "/?pretty&filter_path=a", None, None);
    let format = route.format().expect("a format");
    assert_eq!(render_body(&format, 200, r#"{"a":1,"b":2}"#), "{\n  \"a\" : 1\n}\n");
    assert_eq!(route_request("GET", "/", "/", None, None).format(), None);
    let route = route_request("PUT", "/_security/user/a%2Cb", "/", None, Some("application/json".into()));
    assert_eq!(
        (route.endpoint(), route.username(), route.body_problem()),
        (Some("putUser".into()), Some("a,b".into()), None)
    );
    let (status, _) = envelope(&rest_error(RestError::MissingCredentials, vec!["/".into()]));
    assert_eq!(status, 401);
    assert_eq!(read_authorization_header("Basic dTpw"), "Bu:p");
    // The username ends at the first colon: the host splits there too.
    assert_eq!(read_authorization_header("Basic dTpwOnE="), "Bu:p:q");
    assert_eq!(read_authorization_header("Bearer abc"), "Tabc");
    assert!(read_authorization_header("").is_empty());
    let failure = read_authorization_header("Basic !");
    let (status, _) = envelope(failure.strip_prefix('F').unwrap_or(""));
    assert_eq!(status, 401);
}

pub async fn store_failures_are_503s_never_traps() {
    for kv in [failingKv("KV PUT failed: 429 Too Many Requests"), throwingKv()] {
        let request = json!({"grant_type": "password", "username": "u", "realm": "r"}).to_string();
        let (status, body) = envelope(&create_token(kv.clone(), request, options()).await);
        assert_eq!((status, &body["error"]["type"]), (503, &json!("security_exception")));
        let token = "w+aGBBgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc=".to_string();
        let (status, _) = envelope(&check_token(kv.clone(), token.clone(), options()).await);
        assert_eq!(status, 503, "a check that cannot read fails closed");
        let (status, _) = envelope(&invalidate_token(kv, json!({"token": token}).to_string(), options()).await);
        assert_eq!(status, 503);
    }
    let request = json!({"grant_type": "password", "username": "u", "realm": "r"}).to_string();
    let (status, body) = envelope(&create_token(JsValue::from_str("not a binding"), request.clone(), options()).await);
    assert_eq!((status, &body["error"]["type"]), (400, &json!("illegal_argument_exception")));
    let (status, _) = envelope(&create_token(JsValue::NULL, request, options()).await);
    assert_eq!(status, 400);
}

pub async fn token_request_parser_export() {
    let (status, body) = envelope(&parse_token_request(r#"{"grant_type":"password"}"#.into()));
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error":"invalid_request","error_description":"Validation Failed: 1: username is missing;2: password is missing;"})
        )
    );
    let (status, body) = envelope(&parse_token_request(r#"{"grant_type":"client_credentials","scope":"x"}"#.into()));
    assert_eq!((status, body), (200, json!({"grant_type":"client_credentials","scope":"x"})));
}

pub async fn invalidate_parser_and_settings_exports() {
    use edge_token::wasm::calls::{parse_invalidate_request, validate_settings};
    let (status, body) = envelope(&parse_invalidate_request(r#"{"username":"u","realm_name":"r"}"#.into()));
    assert_eq!((status, body), (200, json!({"mode": "realm_name_and_username"})));
    let (status, body) = envelope(&parse_invalidate_request("{}".into()));
    assert_eq!((status, &body["error"]["type"]), (400, &json!("action_request_validation_exception")));
    let (status, body) = envelope(&validate_settings(r#"{"timeout":"5m"}"#.into()));
    assert_eq!((status, body), (200, json!({"timeout_ms": 300_000})));
    let (status, _) = envelope(&validate_settings(r#"{"timeout":"2h"}"#.into()));
    assert_eq!(status, 400);
}

/// Every scenario above, declared once for each runner file (Node, browsers).
#[macro_export]
macro_rules! all_wasm_scenarios {
    () => {
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
    };
}

/// Declares each named scenario as a `#[wasm_bindgen_test]`.
#[macro_export]
macro_rules! wasm_scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $name() {
                wasm_common::$name().await
            }
        )*
    };
}
