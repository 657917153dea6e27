//! Token settings and Elasticsearch time units (`xpack.security.authc.token.timeout`, §3.6),
//! and the token secret that keys superseding pairs (the service's `TOKEN_SECRET`).

use crate::errors::{illegal_argument, Reply};
use crate::superseding::{TokenSecret, MIN_SECRET_CHARS};

pub const TIMEOUT_SETTING: &str = "xpack.security.authc.token.timeout";
pub const DEFAULT_TIMEOUT_MS: u64 = 20 * 60 * 1000;
const MIN_TIMEOUT_MS: u64 = 1000;
const MAX_TIMEOUT_MS: u64 = 60 * 60 * 1000;
/// A refresh token lives 24 h from the creation of its document; fixed in ES.
pub const REFRESH_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;
/// ES deletes expired documents at the next ExpiredTokenRemover run after 24 h (default
/// `delete.interval` 30m); records stay that long so "token document has expired" and
/// "token expired" remain reachable, as in ES.
pub const PURGE_GRACE_MS: u64 = 30 * 60 * 1000;
/// The replay window of §3.5 rule 5.
pub const REFRESH_REPLAY_WINDOW_MS: u64 = 30 * 1000;

/// Parses an ES time value such as `20m`, `1200s` or `500ms` into milliseconds. Like ES's
/// TimeValue, the number is a whole number (ES rejects fractions such as `1.5h`).
pub fn parse_time_value(setting: &str, text: &str) -> Result<u64, Reply> {
    let lower = text.trim().to_ascii_lowercase();
    // Longest suffixes first: "ms" must win over "s". Sub-millisecond units round down.
    const UNITS: [(&str, u64, u64); 7] = [
        ("nanos", 1, 1_000_000),
        ("micros", 1, 1_000),
        ("ms", 1, 1),
        ("s", 1_000, 1),
        ("m", 60_000, 1),
        ("h", 3_600_000, 1),
        ("d", 86_400_000, 1),
    ];
    let parsed = UNITS.iter().find(|(suffix, _, _)| lower.ends_with(suffix)).and_then(|(suffix, mul, div)| {
        let number = lower.strip_suffix(suffix)?.trim();
        let value: u64 = number.parse().ok()?;
        Some(value.checked_mul(*mul)? / div)
    });
    parsed.ok_or_else(|| {
        illegal_argument(format!(
            "failed to parse setting [{setting}] with value [{text}] as a time value: unit is missing or unrecognized"
        ))
    })
}

/// The access-token lifetime, validated against ES's bounds (1 s to 1 h).
pub fn token_timeout_ms(text: Option<&str>) -> Result<u64, Reply> {
    let Some(text) = text else {
        return Ok(DEFAULT_TIMEOUT_MS);
    };
    let ms = parse_time_value(TIMEOUT_SETTING, text)?;
    if ms < MIN_TIMEOUT_MS {
        return Err(illegal_argument(format!(
            "failed to parse value [{text}] for setting [{TIMEOUT_SETTING}], must be >= [1s]"
        )));
    }
    if ms > MAX_TIMEOUT_MS {
        return Err(illegal_argument(format!(
            "failed to parse value [{text}] for setting [{TIMEOUT_SETTING}], must be <= [1h]"
        )));
    }
    Ok(ms)
}

/// The token secret, validated; its errors never repeat it (nor its length).
pub fn token_secret(text: Option<&str>) -> Result<Option<TokenSecret>, Reply> {
    let Some(text) = text else {
        return Ok(None);
    };
    match TokenSecret::new(text) {
        Some(secret) => Ok(Some(secret)),
        None => Err(illegal_argument(format!("the token secret must be at least {MIN_SECRET_CHARS} characters long"))),
    }
}

/// What `refreshToken` answers without a secret: the new pair is derived with it, and a pair
/// derived from the refresh token and the store alone could be computed by anyone holding both.
pub fn secret_required() -> Reply {
    illegal_argument(format!(
        "refreshing a token needs the token secret (options.secret, at least {MIN_SECRET_CHARS} characters; the service's TOKEN_SECRET)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_to_milliseconds() {
        let cases = [("20m", 1_200_000), ("1s", 1_000), ("1h", 3_600_000), ("1500ms", 1_500), ("90S", 90_000)];
        for (text, ms) in cases {
            assert_eq!(token_timeout_ms(Some(text)), Ok(ms), "{text}");
        }
        assert_eq!(token_timeout_ms(None), Ok(DEFAULT_TIMEOUT_MS));
    }

    #[test]
    fn bounds_and_garbage_are_rejected() {
        for text in ["999ms", "2h", "20", "", "m", "-5s", "abc", "1e400s", "NaNs", "1.5h", "99999999999999999999d"] {
            let err = token_timeout_ms(Some(text)).err();
            assert_eq!(err.map(|r| r.status), Some(400), "{text}");
        }
        let reason = token_timeout_ms(Some("2h")).err().map(|r| r.body["error"]["reason"].clone());
        assert_eq!(
            reason,
            Some("failed to parse value [2h] for setting [xpack.security.authc.token.timeout], must be <= [1h]".into())
        );
    }

    #[test]
    fn token_secret_is_optional_here_and_at_least_32_characters() {
        assert_eq!(token_secret(None), Ok(None));
        assert!(matches!(token_secret(Some(&"k".repeat(32))), Ok(Some(_))));
        let short = "too-short-to-be-a-secret";
        let err = token_secret(Some(short)).err();
        assert_eq!(err.as_ref().map(|r| r.status), Some(400));
        let reason = err.map(|r| r.body["error"]["reason"].clone());
        assert_eq!(reason, Some("the token secret must be at least 32 characters long".into()));
        assert!(!token_secret(Some(short)).err().map(|r| r.body.to_string()).unwrap_or_default().contains(short));
    }
}
