//! The two request bodies of the token API, parsed and validated exactly as Elasticsearch does:
//! `invalidate_token` (§2.2, §2.3) and `token_request` (§3.1, §3.2).

use crate::body_parser::{parse_string_fields, StringFields};
use crate::errors::{oauth2_error, validation_error, validation_reason, Cause, Reply};

const INVALIDATE_FIELDS: &[&str] = &["token", "refresh_token", "realm_name", "username"];
const TOKEN_REQUEST_FIELDS: &[&str] =
    &["grant_type", "username", "password", "kerberos_ticket", "scope", "refresh_token"];

/// What an invalidate request asks for, after §2.4's dispatch rules.
#[derive(Debug, Clone, PartialEq)]
pub enum InvalidateTarget {
    AccessToken(String),
    RefreshToken(String),
    /// At least one of the two is set (non-blank).
    Owner {
        realm_name: Option<String>,
        username: Option<String>,
    },
}

fn has_text(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_string)
}

fn has_length(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

pub fn parse_invalidate_request(body: &[u8]) -> Result<InvalidateTarget, Reply> {
    let fields = parse_string_fields("invalidate_token", INVALIDATE_FIELDS, body)?;
    let token = has_length(fields.get("token"));
    let refresh_token = has_length(fields.get("refresh_token"));
    if token.is_some() && refresh_token.is_some() {
        return Err(only_one_token_kind(&fields));
    }
    let realm_name = has_text(fields.get("realm_name"));
    let username = has_text(fields.get("username"));
    if realm_name.is_some() || username.is_some() {
        if token.is_some() || refresh_token.is_some() {
            return Err(validation_error(&[
                "token string must not be provided when realm name or username is specified".into(),
                "token type must not be provided when realm name or username is specified".into(),
            ]));
        }
        return Ok(InvalidateTarget::Owner { realm_name, username });
    }
    match (token, refresh_token) {
        (Some(token), _) => Ok(InvalidateTarget::AccessToken(token)),
        (None, Some(refresh)) => Ok(InvalidateTarget::RefreshToken(refresh)),
        (None, None) => Err(validation_error(&[
            "token string must be provided when not specifying a realm name or a username".into(),
        ])),
    }
}

/// §2.3 row 4: the constructor fails once its arguments are in. With all four fields present
/// ConstructingObjectParser builds on the fourth and names it **[U]**.
fn only_one_token_kind(fields: &StringFields) -> Reply {
    let outer = if fields.names().count() == INVALIDATE_FIELDS.len() {
        let last = fields.names().last().unwrap_or("token");
        format!("[invalidate_token] failed to parse field [{last}]")
    } else {
        "Failed to build [invalidate_token] after last required field arrived".to_string()
    };
    Cause::new("x_content_parse_exception", outer)
        .caused_by(Cause::new(
            "illegal_argument_exception",
            "only one of [token, refresh_token] may be sent per request",
        ))
        .into_reply(400)
}

/// The grants of `POST /_security/oauth2/token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    Password,
    Kerberos,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub fn parse(value: &str) -> Option<GrantType> {
        match value {
            "password" => Some(GrantType::Password),
            "_kerberos" => Some(GrantType::Kerberos),
            "refresh_token" => Some(GrantType::RefreshToken),
            "client_credentials" => Some(GrantType::ClientCredentials),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::Password => "password",
            GrantType::Kerberos => "_kerberos",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    /// The endpoint whose action ES authorizes for the grant (§3.4, §3.5): `refreshToken` for
    /// refresh_token, `createToken` for the others.
    pub fn endpoint(self) -> &'static str {
        match self {
            GrantType::RefreshToken => "refreshToken",
            _ => "createToken",
        }
    }

    /// Whether the grant authenticates the user its body names (the password grant's
    /// `username` and `password`, after the caller's privilege is checked).
    pub fn logs_in(self) -> bool {
        self == GrantType::Password
    }

    /// Table of §3.2: fields rejected when present, then fields required.
    fn rules(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            GrantType::Password => (&["kerberos_ticket", "refresh_token"], &["username", "password"]),
            GrantType::Kerberos => (&["username", "password", "refresh_token"], &["kerberos_ticket"]),
            GrantType::RefreshToken => (&["username", "password", "kerberos_ticket"], &["refresh_token"]),
            GrantType::ClientCredentials => (&["username", "password", "kerberos_ticket", "refresh_token"], &[]),
        }
    }
}

/// A validated get-token request. Secrets stay in here; nothing formats them.
#[derive(Clone, PartialEq)]
pub struct TokenRequest {
    pub grant_type: GrantType,
    pub username: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
    /// Present when the request carried `scope` at all (§3.4).
    pub scope: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

pub fn parse_token_request(body: &[u8]) -> Result<TokenRequest, Reply> {
    let fields = parse_string_fields("token_request", TOKEN_REQUEST_FIELDS, body)?;
    let grant_type = fields.get("grant_type").and_then(GrantType::parse);
    let Some(grant_type) = grant_type else {
        return Err(rfc6749_validation_error(&[
            "grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials]".into(),
        ]));
    };
    let (rejected, required) = grant_type.rules();
    let mut messages: Vec<String> = rejected
        .iter()
        .filter(|field| fields.get(field).is_some())
        .map(|field| format!("{field} is not supported with the {} grant_type", grant_type.as_str()))
        .collect();
    messages.extend(
        required
            .iter()
            .filter(|field| fields.get(field).is_none_or(str::is_empty))
            .map(|field| format!("{field} is missing")),
    );
    if !messages.is_empty() {
        return Err(rfc6749_validation_error(&messages));
    }
    if grant_type == GrantType::Kerberos {
        // No Kerberos realm can exist at the edge; answered as an unsupported grant **[U]**.
        return Err(oauth2_error(
            "unsupported_grant_type",
            "grant_type [_kerberos] is not supported: no kerberos realm is configured",
        ));
    }
    Ok(TokenRequest {
        grant_type,
        username: fields.get("username").map(str::to_string),
        password: fields.get("password").map(str::to_string),
        refresh_token: fields.get("refresh_token").map(str::to_string),
        scope: fields.get("scope").map(str::to_string),
    })
}

/// §3.2: `unsupported_grant_type` whenever any message mentions `grant_type`.
fn rfc6749_validation_error(messages: &[String]) -> Reply {
    let code =
        if messages.iter().any(|m| m.contains("grant_type")) { "unsupported_grant_type" } else { "invalid_request" };
    oauth2_error(code, validation_reason(messages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn invalidate(body: &str) -> Result<InvalidateTarget, Value> {
        parse_invalidate_request(body.as_bytes()).map_err(|reply| {
            assert_eq!(reply.status, 400, "{body}");
            reply.body
        })
    }

    fn error_reason(body: &Value) -> (&str, &str) {
        (body["error"]["type"].as_str().unwrap(), body["error"]["reason"].as_str().unwrap())
    }

    const MUST_PROVIDE: &str =
        "Validation Failed: 1: token string must be provided when not specifying a realm name or a username;";
    const MUST_NOT: &str = "Validation Failed: 1: token string must not be provided when realm name or username is specified;2: token type must not be provided when realm name or username is specified;";

    /// §2.3 rows 2 and 3.
    #[test]
    fn invalidate_validation_rows() {
        let rows = [
            ("{}", MUST_PROVIDE),
            (r#"{"token":""}"#, MUST_PROVIDE),
            (r#"{"token":"","refresh_token":"","realm_name":"  ","username":"\t"}"#, MUST_PROVIDE),
            (r#"{"token":"t","realm_name":"r"}"#, MUST_NOT),
            (r#"{"refresh_token":"t","username":"u"}"#, MUST_NOT),
            (r#"{"token":"t","realm_name":"r","username":"u"}"#, MUST_NOT),
        ];
        for (body, reason) in rows {
            let err = invalidate(body).unwrap_err();
            assert_eq!(error_reason(&err), ("action_request_validation_exception", reason), "{body}");
            assert_eq!(err["error"]["root_cause"][0]["reason"], reason);
            assert_eq!(err["status"], 400);
        }
    }

    /// §2.3 row 4, checked before row 3.
    #[test]
    fn both_token_kinds_fail_at_build_time() {
        let err = invalidate(r#"{"token":"a","refresh_token":"b","username":"u"}"#).unwrap_err();
        assert_eq!(
            err,
            json!({"error":{"root_cause":[{"type":"x_content_parse_exception","reason":"Failed to build [invalidate_token] after last required field arrived"}],
                "type":"x_content_parse_exception","reason":"Failed to build [invalidate_token] after last required field arrived",
                "caused_by":{"type":"illegal_argument_exception","reason":"only one of [token, refresh_token] may be sent per request"}},"status":400})
        );
        let err = invalidate(r#"{"token":"a","refresh_token":"b","username":"u","realm_name":"r"}"#).unwrap_err();
        assert_eq!(err["error"]["reason"], "[invalidate_token] failed to parse field [realm_name]");
    }

    /// §2.2 and §2.4: emptiness rules and dispatch.
    #[test]
    fn invalidate_dispatch() {
        let rows = [
            (r#"{"token":"abc"}"#, InvalidateTarget::AccessToken("abc".into())),
            (r#"{"token":"  "}"#, InvalidateTarget::AccessToken("  ".into())),
            (r#"{"refresh_token":"r","token":""}"#, InvalidateTarget::RefreshToken("r".into())),
            (r#"{"token":"abc","realm_name":" "}"#, InvalidateTarget::AccessToken("abc".into())),
            (r#"{"realm_name":"saml1"}"#, InvalidateTarget::Owner { realm_name: Some("saml1".into()), username: None }),
            (r#"{"username":"myuser"}"#, InvalidateTarget::Owner { realm_name: None, username: Some("myuser".into()) }),
            (
                r#"{"username":"myuser","realm_name":"saml1","token":""}"#,
                InvalidateTarget::Owner { realm_name: Some("saml1".into()), username: Some("myuser".into()) },
            ),
        ];
        for (body, target) in rows {
            assert_eq!(invalidate(body), Ok(target), "{body}");
        }
    }

    fn token_error(body: &str) -> Value {
        let reply = parse_token_request(body.as_bytes()).unwrap_err();
        assert_eq!(reply.status, 400, "{body}");
        reply.body
    }

    /// §3.2, every grant's rejected and required fields, in table order.
    #[test]
    fn token_request_validation_rows() {
        let rows = [
            (r#"{"grant_type":"password"}"#, "invalid_request", "Validation Failed: 1: username is missing;2: password is missing;"),
            (r#"{"grant_type":"password","username":"","password":"p"}"#, "invalid_request", "Validation Failed: 1: username is missing;"),
            (r#"{"grant_type":"password","username":"u","password":"p","refresh_token":""}"#, "unsupported_grant_type", "Validation Failed: 1: refresh_token is not supported with the password grant_type;"),
            (r#"{"grant_type":"password","kerberos_ticket":"k","refresh_token":"r"}"#, "unsupported_grant_type", "Validation Failed: 1: kerberos_ticket is not supported with the password grant_type;2: refresh_token is not supported with the password grant_type;3: username is missing;4: password is missing;"),
            (r#"{"grant_type":"_kerberos","username":"u"}"#, "unsupported_grant_type", "Validation Failed: 1: username is not supported with the _kerberos grant_type;2: kerberos_ticket is missing;"),
            (r#"{"grant_type":"refresh_token"}"#, "invalid_request", "Validation Failed: 1: refresh_token is missing;"),
            (r#"{"grant_type":"refresh_token","password":"p","refresh_token":"r"}"#, "unsupported_grant_type", "Validation Failed: 1: password is not supported with the refresh_token grant_type;"),
            (r#"{"grant_type":"client_credentials","username":"u","password":"p","kerberos_ticket":"k","refresh_token":"r"}"#, "unsupported_grant_type", "Validation Failed: 1: username is not supported with the client_credentials grant_type;2: password is not supported with the client_credentials grant_type;3: kerberos_ticket is not supported with the client_credentials grant_type;4: refresh_token is not supported with the client_credentials grant_type;"),
            ("{}", "unsupported_grant_type", "Validation Failed: 1: grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials];"),
            (r#"{"grant_type":"authorization_code"}"#, "unsupported_grant_type", "Validation Failed: 1: grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials];"),
        ];
        for (body, code, description) in rows {
            assert_eq!(token_error(body), json!({"error": code, "error_description": description}), "{body}");
        }
    }

    #[test]
    fn token_request_parse_errors_use_the_envelope() {
        let err = token_error(r#"{"grant_type":"password","x":1}"#);
        assert_eq!(err["error"]["reason"], "[1:28] [token_request] unknown field [x]");
        assert_eq!(token_error("")["error"]["type"], "parse_exception");
    }

    #[test]
    fn valid_token_requests_keep_scope_presence() {
        let req =
            parse_token_request(br#"{"grant_type":"password","username":"u","password":"p","scope":""}"#).unwrap();
        assert_eq!(req.grant_type, GrantType::Password);
        assert_eq!(req.scope.as_deref(), Some(""));
        let req = parse_token_request(br#"{"grant_type":"client_credentials"}"#).unwrap();
        assert_eq!(req.scope, None);
        assert!(!format!("{req:?}").contains("password\":"));
        let secret = parse_token_request(br#"{"grant_type":"password","username":"u","password":"hunter2"}"#).unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn kerberos_is_answered_as_unsupported() {
        let err = token_error(r#"{"grant_type":"_kerberos","kerberos_ticket":"YII="}"#);
        assert_eq!(err["error"], "unsupported_grant_type");
    }
}
