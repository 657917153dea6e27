//! What the HTTP service asks the core: whether a body may be read, how a request presents its
//! credentials, and the REST layer's error replies. The host does the plumbing; the rules and
//! their words are here.

use wasm_bindgen::prelude::*;

use crate::body_text::{self, MAX_BODY_BYTES};
use crate::credentials::{read_authorization, Credentials};
use crate::errors::store_unavailable;
use crate::rest_errors::{self, AuthenticationFailure};

/// The largest body the service reads; the host stops streaming past it.
#[wasm_bindgen(js_name = maxBodyBytes)]
pub fn max_body_bytes() -> u32 {
    MAX_BODY_BYTES as u32
}

/// `undefined` for a body that may be read as text, else the 413 or 400 reply envelope.
#[wasm_bindgen(js_name = checkBody)]
pub fn check_body(bytes: &[u8]) -> Option<String> {
    body_text::body_text(bytes).err().map(|reply| reply.to_envelope())
}

/// The REST layer's errors, by kind; `args` in the order each kind lists.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestError {
    /// `[uri, method]`
    NoHandler,
    /// `[uri, method, ...allowed methods]`
    MethodNotAllowed,
    /// `[]`, or `[content type]` when one was sent
    ContentTypeNotSupported,
    /// `[method, path]`
    BodyNotSupported,
    /// `[]`
    BodyTooLarge,
    /// `[]`
    Internal,
    /// `[message]`
    Settings,
    /// `[what failed]`
    StoreUnavailable,
    /// `[uri]`
    MissingCredentials,
    /// `[username, uri]`
    UnableToAuthenticate,
    /// `[username, action]`
    UnableToAuthenticateForAction,
}

/// The reply envelope of a REST-layer error.
#[wasm_bindgen(js_name = restError)]
pub fn rest_error(kind: RestError, args: Vec<String>) -> String {
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    let reply = match kind {
        RestError::NoHandler => rest_errors::no_handler(arg(0), arg(1)),
        RestError::MethodNotAllowed => {
            rest_errors::method_not_allowed(arg(0), arg(1), args.get(2..).unwrap_or_default())
        }
        RestError::ContentTypeNotSupported => rest_errors::content_type_not_supported(args.first().map(String::as_str)),
        RestError::BodyNotSupported => rest_errors::body_not_supported(arg(0), arg(1)),
        RestError::BodyTooLarge => body_text::too_large(),
        RestError::Internal => rest_errors::internal_error(),
        RestError::Settings => rest_errors::settings_error(arg(0)),
        RestError::StoreUnavailable => store_unavailable(arg(0)),
        RestError::MissingCredentials => failure(&AuthenticationFailure::MissingCredentials { uri: arg(0) }),
        RestError::UnableToAuthenticate => failure(&AuthenticationFailure::User { username: arg(0), uri: arg(1) }),
        RestError::UnableToAuthenticateForAction => {
            failure(&AuthenticationFailure::UserForAction { username: arg(0), action: arg(1) })
        }
    };
    reply.to_envelope()
}

fn failure(failure: &AuthenticationFailure<'_>) -> crate::errors::Reply {
    rest_errors::authentication_failure(failure)
}

/// The credentials of a request's `Authorization` header, read as ES's realms read it.
/// Exactly one of `failure` (a 401 envelope), `token`, or `username`+`password` is set; none
/// when the request presents no credentials a realm here reads.
#[wasm_bindgen]
pub struct Authorization {
    credentials: Credentials,
    failure: Option<String>,
}

#[wasm_bindgen]
impl Authorization {
    #[wasm_bindgen(getter)]
    pub fn failure(&self) -> Option<String> {
        self.failure.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn token(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Bearer(token) => Some(token.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn username(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Basic { username, .. } => Some(username.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn password(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Basic { password, .. } => Some(password.clone()),
            _ => None,
        }
    }
}

#[wasm_bindgen(js_name = readAuthorization)]
pub fn read_authorization_header(header: &str) -> Authorization {
    match read_authorization(header) {
        Ok(credentials) => Authorization { credentials, failure: None },
        Err(problem) => Authorization {
            credentials: Credentials::None,
            failure: Some(rest_errors::authentication_failure(&problem).to_envelope()),
        },
    }
}
