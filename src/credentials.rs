//! The `Authorization` header as ES's realms read it: `Basic base64(user:password)` for the
//! password realms, `Bearer <token>` for the token service (§5). Any other scheme (ApiKey,
//! Negotiate, ...) is read by no realm here, so it counts as no credentials.

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::rest_errors::AuthenticationFailure;

/// Java's basic Base64 decoder: the standard alphabet, padding optional, no whitespace.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// What a request presents. Secrets stay in here; nothing formats them.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic { username: String, password: String },
    Bearer(String),
    None,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username:?}, <redacted>)"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::None => f.write_str("None"),
        }
    }
}

/// The credentials in a header value (`""` when there is no header), or why a Basic header
/// cannot be read. The scheme is matched without regard to case, as ES does.
pub fn read_authorization(header: &str) -> Result<Credentials, AuthenticationFailure<'static>> {
    // The scheme counts only with the space after it (`Basic` alone is no credentials).
    let Some((scheme, rest)) = header.split_once(' ') else {
        return Ok(Credentials::None);
    };
    if scheme.eq_ignore_ascii_case("basic") {
        return read_basic(rest.trim());
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let token = rest.trim();
        if !token.is_empty() {
            return Ok(Credentials::Bearer(token.to_string()));
        }
    }
    Ok(Credentials::None)
}

fn read_basic(encoded: &str) -> Result<Credentials, AuthenticationFailure<'static>> {
    if encoded.is_empty() {
        return Err(AuthenticationFailure::InvalidBasicValue);
    }
    let bytes = BASIC_BASE64.decode(encoded).map_err(|_| AuthenticationFailure::InvalidBasicEncoding)?;
    let text = String::from_utf8_lossy(&bytes);
    let (username, password) = text.split_once(':').ok_or(AuthenticationFailure::InvalidBasicValue)?;
    Ok(Credentials::Basic { username: username.to_string(), password: password.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(username: &str, password: &str) -> Result<Credentials, AuthenticationFailure<'static>> {
        Ok(Credentials::Basic { username: username.into(), password: password.into() })
    }

    #[test]
    fn headers_as_the_realms_read_them() {
        let rows = [
            ("Basic ZWxhc3RpYzpjaGFuZ2VtZQ==", basic("elastic", "changeme")),
            ("basic ZWxhc3RpYzpjaGFuZ2VtZQ", basic("elastic", "changeme")),
            ("BASIC  dTpwOnE= ", basic("u", "p:q")),
            ("Basic Ojo=", basic("", ":")),
            ("Basic ", Err(AuthenticationFailure::InvalidBasicValue)),
            ("Basic dXNlcg==", Err(AuthenticationFailure::InvalidBasicValue)),
            ("Basic !!!", Err(AuthenticationFailure::InvalidBasicEncoding)),
            ("Basic ZW x", Err(AuthenticationFailure::InvalidBasicEncoding)),
            ("Basic Z", Err(AuthenticationFailure::InvalidBasicEncoding)),
            ("Bearer abc", Ok(Credentials::Bearer("abc".into()))),
            ("bearer   abc  ", Ok(Credentials::Bearer("abc".into()))),
            ("Bearer ", Ok(Credentials::None)),
            ("Bearer", Ok(Credentials::None)),
            ("Basic", Ok(Credentials::None)),
            ("ApiKey abc", Ok(Credentials::None)),
            ("", Ok(Credentials::None)),
        ];
        for (header, expected) in rows {
            assert_eq!(read_authorization(header), expected, "{header}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?} {:?}", basic("u", "hunter2").unwrap(), Credentials::Bearer("tok".into()));
        assert!(!shown.contains("hunter2") && !shown.contains("tok\""), "{shown}");
    }
}
