//! The native realm (`default_native`): users kept in the same KV as the tokens, one key per
//! user, the reserved `elastic` user, and the names ES keeps for itself.
//!
//! Key: `user:` + base64url(SHA-256(username)). ES usernames may be 1024 characters, KV keys
//! only 512 bytes; the `user:` prefix shares nothing with the engine's `t:`, `r:`, `u:`, `w:`
//! keys. Value: JSON `{username, password_hash, roles, full_name, email, metadata, enabled}`,
//! no TTL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::authentication::RealmRef;
use crate::errors::{illegal_argument, Reply};
pub use crate::user_record::UserRecord;

/// The reserved superuser: the only reserved user that can log in here, with the password the
/// host is configured with.
pub const ELASTIC: &str = "elastic";

/// ES's reserved users (ClientReservedRealm): none of them may be created or deleted through
/// the API.
const RESERVED_USERNAMES: [&str; 7] =
    ["elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user"];
/// ES's internal users, which the API refuses to touch.
const INTERNAL_USERNAMES: [&str; 7] =
    ["_system", "_xpack", "_xpack_security", "_async_search", "_security_profile", "_cross_cluster_access", "_storage"];

const USER_KEY_PREFIX: &str = "user:";
const LOGIN_KEY_PREFIX: &str = "login:";

pub fn is_reserved(username: &str) -> bool {
    RESERVED_USERNAMES.contains(&username)
}

pub fn is_internal(username: &str) -> bool {
    INTERNAL_USERNAMES.contains(&username)
}

pub fn native_realm() -> RealmRef {
    RealmRef { name: "default_native".into(), kind: "native".into() }
}

pub fn reserved_realm() -> RealmRef {
    RealmRef { name: "reserved".into(), kind: "reserved".into() }
}

/// ES's rule for user and role names (`Validation.Users`/`Roles`): 1 to 1024 printable ASCII
/// characters, no leading or trailing space.
pub fn is_valid_name(name: &str) -> bool {
    let printable = name.bytes().all(|b| (0x20..=0x7e).contains(&b));
    printable && (1..=1024).contains(&name.len()) && !name.starts_with(' ') && !name.ends_with(' ')
}

/// ES's message for a name that breaks [`is_valid_name`]; `kind` is `User` or `Role`.
pub fn invalid_name_message(kind: &str) -> String {
    name_rule(kind, 1024)
}

/// ES's longest username in the native realm (`NativeRealmValidationUtil.MAX_NAME_LENGTH`: its
/// document ids, `user-` and the name, may be 512 bytes), which put-user applies.
pub const MAX_NATIVE_USERNAME: usize = 507;

/// Whether put-user takes the username: [`is_valid_name`] within [`MAX_NATIVE_USERNAME`].
pub fn is_valid_native_username(name: &str) -> bool {
    is_valid_name(name) && name.len() <= MAX_NATIVE_USERNAME
}

/// ES's message for a username that breaks [`is_valid_native_username`].
pub fn invalid_native_username_message() -> String {
    name_rule("User", MAX_NATIVE_USERNAME)
}

/// ES's `Validation` name rule for `kind` names of at most `max` characters.
fn name_rule(kind: &str, max: usize) -> String {
    format!(
        "{kind} names must be at least 1 and no more than {max} characters. They can contain alphanumeric characters \
         (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or \
         trailing whitespace is not allowed."
    )
}

/// The KV key of a user's record.
pub fn user_key(username: &str) -> String {
    format!("{USER_KEY_PREFIX}{}", full_digest(username))
}

/// The prefix every user record's key starts with, for listing them all.
pub fn user_key_prefix() -> &'static str {
    USER_KEY_PREFIX
}

/// The KV key of a username's failed-login state (the host's login throttle).
pub fn login_key(username: &str) -> String {
    format!("{LOGIN_KEY_PREFIX}{}", full_digest(username))
}

/// base64url(SHA-256(name)), all 32 bytes: a fixed-length key part that does not show the
/// name. Not `codec::name_digest` (its first 16 bytes, made for token index keys): deployments
/// already hold users and login state under these full-digest keys, so the format must stay.
fn full_digest(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(name.as_bytes()))
}

/// JavaScript's `String.prototype.trim`, which the service has always trimmed list items with:
/// Unicode White_Space without U+0085, plus U+FEFF.
pub(crate) fn trim_js(text: &str) -> &str {
    text.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

/// Why `username` cannot be deleted (ES's 400), or `None`.
pub fn delete_user_problem(username: &str) -> Option<Reply> {
    if is_reserved(username) {
        return Some(illegal_argument(format!("user [{username}] is reserved and cannot be deleted")));
    }
    if is_internal(username) {
        return Some(illegal_argument(format!("user [{username}] is internal")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_user_takes_usernames_of_at_most_507_characters() {
        assert!(is_valid_native_username(&"u".repeat(507)));
        assert!(!is_valid_native_username(&"u".repeat(508)) && is_valid_name(&"u".repeat(508)));
        assert!(invalid_native_username_message()
            .starts_with("User names must be at least 1 and no more than 507 characters."));
    }

    #[test]
    fn reserved_and_internal_names() {
        let rows = [
            ("elastic", true, false),
            ("kibana", true, false),
            ("remote_monitoring_user", true, false),
            ("_system", false, true),
            ("_storage", false, true),
            ("Elastic", false, false),
            ("joe", false, false),
        ];
        for (name, reserved, internal) in rows {
            assert_eq!((is_reserved(name), is_internal(name)), (reserved, internal), "{name}");
        }
    }

    #[test]
    fn the_name_rule() {
        let long = "u".repeat(1024);
        let too_long = "u".repeat(1025);
        let rows = [
            ("joe", true),
            ("a b", true),
            ("~!@#$%^&*()", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            (" padded", false),
            ("padded ", false),
            ("tab\tin", false),
            ("a\u{0}b", false),
            ("café", false),
        ];
        for (name, valid) in rows {
            assert_eq!(is_valid_name(name), valid, "{name:?}");
        }
        assert_eq!(
            invalid_name_message("Role"),
            "Role names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters \
             (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or \
             trailing whitespace is not allowed."
        );
    }

    #[test]
    fn keys_are_the_full_sha256_in_base64url() {
        // Fixed values (what the service has always written), so a change of format cannot pass.
        let rows = [
            (
                "joe",
                "user:eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM",
                "login:eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM",
            ),
            (
                "",
                "user:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
                "login:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
            ),
        ];
        for (name, user, login) in rows {
            assert_eq!(user_key(name), user, "{name}");
            assert_eq!(login_key(name), login, "{name}");
        }
        assert!(user_key("joe").starts_with(user_key_prefix()));
    }

    #[test]
    fn trim_is_javascripts() {
        let rows = [(" a ", "a"), ("\u{feff}a\u{3000}", "a"), ("\u{85}a", "\u{85}a"), ("\t\n a b \r", "a b")];
        for (text, trimmed) in rows {
            assert_eq!(trim_js(text), trimmed, "{text:?}");
        }
    }

    #[test]
    fn delete_problems() {
        let rows = [
            ("elastic", Some("user [elastic] is reserved and cannot be deleted")),
            ("kibana_system", Some("user [kibana_system] is reserved and cannot be deleted")),
            ("_xpack", Some("user [_xpack] is internal")),
            ("joe", None),
        ];
        for (name, reason) in rows {
            let problem = delete_user_problem(name);
            assert_eq!(problem.as_ref().map(|r| r.status), reason.map(|_| 400), "{name}");
            assert_eq!(problem.as_ref().and_then(|r| r.body["error"]["reason"].as_str()), reason, "{name}");
            assert_eq!(
                problem.as_ref().and_then(|r| r.body["error"]["type"].as_str()),
                reason.map(|_| "illegal_argument_exception")
            );
        }
    }
}
