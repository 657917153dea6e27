//! The engine as a host sees it: JSON text in, a [`Reply`] out. The wasm exports are one-line
//! wrappers around these; native tests call them directly.

use serde_json::{Map, Value};

use crate::authentication::Client;
use crate::bulk_invalidation::{segment_ops, SEGMENT_OPS};
use crate::check::check_reply;
use crate::clock::{valid_reading, Clock};
use crate::errors::{illegal_argument, Reply};
use crate::grants::{self, parse_create_request};
use crate::invalidate::{self, invalidate};
use crate::json_fields::Fields;
use crate::requests::{parse_invalidate_request, parse_token_request, InvalidateTarget};
use crate::settings::{secret_required, token_secret, token_timeout_ms};
use crate::store::KvStore;
use crate::superseding::TokenSecret;

#[derive(Debug, Default)]
struct OptionsInput {
    now: Option<f64>,
    timeout: Option<String>,
    /// Read as any value so that a wrong type is refused without quoting it.
    secret: Option<Value>,
}

fn read_options(json: &str) -> Result<OptionsInput, String> {
    let mut f = Fields::parse(json, "struct OptionsInput")?;
    Ok(OptionsInput { now: read_now(&mut f)?, timeout: f.string("timeout")?, secret: f.take("secret") })
}

/// `now` as a number. JSON has no NaN or infinities: a JavaScript host sends those numbers by
/// their names (`"NaN"`, `"Infinity"`, `"-Infinity"`), so that they are refused as the number
/// they are rather than read as an absent clock.
fn read_now(f: &mut Fields) -> Result<Option<f64>, String> {
    let named = |name: &str| match name {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    };
    match f.take("now") {
        Some(Value::String(name)) if named(&name).is_some() => Ok(named(&name)),
        // Any other value is read (or refused) as serde reads an `Option<f64>`.
        Some(value) => Fields::of(Value::Object(Map::from_iter([("now".to_string(), value)])), "")?.number("now"),
        None => Ok(None),
    }
}

/// Per-call options: the clock (injectable for tests), the token timeout setting, and the
/// token secret that refreshes derive the new pair with (redacted in Debug output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub clock: Clock,
    pub timeout_ms: u64,
    pub secret: Option<TokenSecret>,
}

fn read_secret(value: Option<Value>) -> Result<Option<TokenSecret>, Reply> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => token_secret(Some(&text)),
        Some(_) => Err(illegal_argument("invalid options: [secret] must be a string")),
    }
}

pub fn parse_options(json: &str) -> Result<Options, Reply> {
    let input: OptionsInput = if json.trim().is_empty() {
        OptionsInput::default()
    } else {
        read_options(json).map_err(|e| illegal_argument(format!("invalid options: {e}")))?
    };
    let clock = match input.now.map(valid_reading) {
        Some(Some(now)) => Clock::Fixed(now),
        Some(None) => return Err(illegal_argument("invalid options: [now] must be a non-negative epoch time in ms")),
        None => Clock::Store,
    };
    let timeout_ms = token_timeout_ms(input.timeout.as_deref())?;
    Ok(Options { clock, timeout_ms, secret: read_secret(input.secret)? })
}

pub async fn create_token<S: KvStore>(store: &S, request_json: &str, options_json: &str) -> Reply {
    let (request, options) = match (parse_create_request(request_json), parse_options(options_json)) {
        (Ok(request), Ok(options)) => (request, options),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    grants::create_token(store, request, options.clock.read(store), options.timeout_ms).await
}

pub async fn check_token<S: KvStore>(store: &S, token: &str, options_json: &str) -> Reply {
    match parse_options(options_json) {
        Ok(options) => check_reply(store, token, options.clock.read(store)).await,
        Err(reply) => reply,
    }
}

pub async fn refresh_token<S: KvStore>(store: &S, token: &str, client_json: &str, options_json: &str) -> Reply {
    let client: Client = match grants::parse_client(client_json) {
        Ok(client) => client,
        Err(e) => return illegal_argument(format!("invalid refreshToken client: {e}")),
    };
    let options = match parse_options(options_json) {
        Ok(options) => options,
        Err(reply) => return reply,
    };
    let Some(secret) = options.secret.as_ref() else {
        return secret_required();
    };
    grants::refresh_token(store, token, &client, secret, options.clock.read(store), options.timeout_ms).await
}

/// `options_json` may ask for one segment of a bulk invalidation (`"segmented"`, see
/// `bulk_invalidation::segment_ops`); the reply is then the counts or a continuation.
pub async fn invalidate_token<S: KvStore>(store: &S, body: &str, options_json: &str) -> Reply {
    match (parse_options(options_json), segment_ops(options_json)) {
        (Ok(options), Ok(segments)) => invalidate(store, body.as_bytes(), options.clock, segments).await,
        (Err(reply), _) | (_, Err(reply)) => reply,
    }
}

/// The next segment of a bulk invalidation (`"segmented"` as for `invalidate_token`).
pub async fn continue_invalidation<S: KvStore>(store: &S, continuation: &str, options_json: &str) -> Reply {
    match (parse_options(options_json), segment_ops(options_json)) {
        (Ok(options), Ok(ops)) => {
            invalidate::continue_invalidation(store, continuation, options.clock, ops.unwrap_or(SEGMENT_OPS)).await
        }
        (Err(reply), _) | (_, Err(reply)) => reply,
    }
}

/// Validates an invalidate body without touching a store, so a host can answer ES's 400s
/// before it authorizes the caller. The reply body names the mode: `{"mode": "token" |
/// "refresh_token" | "realm_name" | "username" | "realm_name_and_username"}`.
pub fn invalidate_request(body: &str) -> Reply {
    let mode = match parse_invalidate_request(body.as_bytes()) {
        Err(reply) => return reply,
        Ok(InvalidateTarget::AccessToken(_)) => "token",
        Ok(InvalidateTarget::RefreshToken(_)) => "refresh_token",
        Ok(InvalidateTarget::Owner { realm_name: Some(_), username: Some(_) }) => "realm_name_and_username",
        Ok(InvalidateTarget::Owner { realm_name: Some(_), username: None }) => "realm_name",
        Ok(InvalidateTarget::Owner { .. }) => "username",
    };
    let mut out = Map::new();
    out.insert("mode".into(), mode.into());
    Reply::ok(Value::Object(out))
}

/// Validates the options (the token timeout setting and the secret) once, at host start-up.
/// The reply never shows the secret.
pub fn settings(options_json: &str) -> Reply {
    match parse_options(options_json) {
        Ok(options) => {
            let mut out = Map::new();
            out.insert("timeout_ms".into(), options.timeout_ms.into());
            Reply::ok(Value::Object(out))
        }
        Err(reply) => reply,
    }
}

/// Validates a get-token body; the reply body is the request with only the fields given.
pub fn token_request(body: &str) -> Reply {
    match parse_token_request(body.as_bytes()) {
        Ok(request) => {
            let mut out = Map::new();
            out.insert("grant_type".into(), request.grant_type.as_str().into());
            let optional = [
                ("username", request.username),
                ("password", request.password),
                ("refresh_token", request.refresh_token),
                ("scope", request.scope),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    out.insert(name.into(), value.into());
                }
            }
            Reply::ok(Value::Object(out))
        }
        Err(reply) => reply,
    }
}
