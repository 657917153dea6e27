//! The service's settings, read from the host's env (a Worker's `env`, `.dev.vars`, a Node
//! process's variables) and checked once, when the service is made, so that a misconfiguration
//! shows at start-up and not on the first request that reads it. The host keeps what only it can
//! hold (the KV or Durable Object binding, `ROLES` as a parsed table, the audit queue) and sends
//! every other entry here as `NAME: [type, text]`: the JavaScript `typeof` of the value and its
//! `String()`, without the text for an object or a function (a binding). Wrangler's `[vars]` may
//! give a string, a number or a boolean. A message never repeats a value that could be a secret.

use serde_json::{json, Map, Value};

use crate::audit::AuditSettings;
use crate::bulk_invalidation::{segment_ops_setting, MIN_SEGMENT_OPS, SEGMENT_OPS};
use crate::cors::{Cors, CorsSettings};
use crate::errors::Reply;
use crate::realm_cache::CacheSettings;
use crate::settings::{token_secret, token_timeout_ms};

/// The `HTTP_CORS_*` settings: ES's `http.cors.*` (the rest of the name, in lower case).
const CORS_PREFIX: &str = "HTTP_CORS_";

/// The one TokenStore object's name when `TOKEN_DO_NAME` is unset.
const OBJECT_NAME: &str = "edge-token";

const SECRET_NOT_SET: &str = "TOKEN_SECRET is not set: the service derives refreshed token pairs with this secret (at \
least 32 random characters). Create it with `npx wrangler secret put TOKEN_SECRET` (locally: a TOKEN_SECRET line in \
.dev.vars)";

/// What a setting is, for the JavaScript types it may come as: `[vars]` gives TOML's numbers and
/// booleans as JavaScript ones, so besides a string a numeric setting takes a number and a
/// boolean setting a boolean (its text, `"true"` or `"false"`, is what the operator wrote).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Boolean,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Number => "a string or a number",
            Kind::Boolean => "a string or a boolean",
        }
    }
}

/// The env's entries as the host describes them.
struct Env(Map<String, Value>);

impl Env {
    /// `(type, text)` of an entry; `None` when the host sent none (unset, null or undefined).
    fn entry(&self, name: &str) -> Option<(&str, Option<&str>)> {
        let described = self.0.get(name)?.as_array()?;
        let kind = described.first()?.as_str()?;
        Some((kind, described.get(1).and_then(Value::as_str)))
    }

    /// A setting's text, `None` when unset or empty; a type its kind does not take is an error.
    fn text(&self, name: &str, kind: Kind) -> Result<Option<String>, String> {
        match self.entry(name) {
            None | Some(("string", Some(""))) => Ok(None),
            Some(("string", Some(text))) => Ok(Some(text.to_string())),
            Some(("number", Some(text))) if kind == Kind::Number => Ok(Some(text.to_string())),
            Some(("boolean", Some(text))) if kind == Kind::Boolean => Ok(Some(text.to_string())),
            Some(_) => Err(format!("env.{name} must be {}", kind.expected())),
        }
    }

    /// A boolean setting: `"true"` or `"false"`, as a string or a boolean; `default` when unset.
    fn boolean(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.text(name, Kind::Boolean)?.as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(format!("env.{name} must be \"true\" or \"false\"")),
        }
    }
}

/// The reason of one of the core's error replies, the operator's message.
fn reason(reply: &Reply) -> String {
    reply.body.pointer("/error/reason").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Inserts `value` under `key` when there is one: an unset setting is absent, not null.
fn insert(out: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        out.insert(key.into(), value.into());
    }
}

/// The `HTTP_CORS_*` entries as the JSON text [`CorsSettings::from_json`] reads, checked.
fn cors(env: &Env) -> Result<String, String> {
    let mut settings = Map::new();
    for (name, setting) in env.0.keys().filter_map(|name| Some((name, name.strip_prefix(CORS_PREFIX)?))) {
        let setting = setting.to_ascii_lowercase();
        // Their values are CorsSettings' to check (ES's messages); here only their types.
        let kind = match setting.as_str() {
            "enabled" | "allow_credentials" => Kind::Boolean,
            "max_age" => Kind::Number,
            _ => Kind::Text,
        };
        if let Some(text) = env.text(name, kind)? {
            settings.insert(setting, text.into());
        }
    }
    let text = Value::Object(settings).to_string();
    let parsed = CorsSettings::from_json(&text).map_err(|e| format!("HTTP_CORS_*: {e}"))?;
    Cors::from_settings(&parsed)?;
    Ok(text)
}

/// `TOKEN_STORE` and `TOKEN_DO_NAME`: where tokens and users live, `{"mode": "kv"}` (the default,
/// the TOKENS namespace) or `{"mode": "durable_object", "name"}` (strong consistency mode: the
/// one TokenStore object of that name). The host checks that the mode's binding is there.
fn store(env: &Env) -> Result<Value, String> {
    match env.text("TOKEN_STORE", Kind::Text)?.as_deref() {
        None | Some("kv") => Ok(json!({"mode": "kv"})),
        Some("durable_object") => {
            let name = env.text("TOKEN_DO_NAME", Kind::Text)?;
            Ok(json!({"mode": "durable_object", "name": name.as_deref().unwrap_or(OBJECT_NAME)}))
        }
        Some(other) => Err(format!("TOKEN_STORE must be \"kv\" or \"durable_object\", got [{other}]")),
    }
}

/// The checked settings of the env described in `env_json`, as the host's config takes them:
/// `store` (above), `elasticPassword`, `tokenTimeout` and `tokenSecret` (absent when unset),
/// `console`, `cors` (JSON text for the CORS calls), `realmCache` (`ttl`, `maxUsers`, `hashAlgo`
/// as written), `audit` (`include` and `exclude`, or null when the trail is off) and
/// `bulkSegmentOps` (the KV operations per segment of a bulk invalidation on Workers). Else the
/// first problem, in the order the settings are listed here, as the operator's message.
pub fn read(env_json: &str) -> Result<Value, String> {
    let env = match serde_json::from_str(env_json) {
        Ok(Value::Object(map)) => Env(map),
        _ => return Err("env must be an object".into()),
    };
    let mut out = Map::new();
    out.insert("store".into(), store(&env)?);
    // Empty or unset: the `elastic` user cannot log in (there is no password to check).
    insert(&mut out, "elasticPassword", env.text("ELASTIC_PASSWORD", Kind::Text)?);
    let timeout = env.text("TOKEN_TIMEOUT", Kind::Text)?;
    // Required: refreshed pairs are derived with it.
    let secret = env.text("TOKEN_SECRET", Kind::Text)?.ok_or(SECRET_NOT_SET)?;
    out.insert("console".into(), env.boolean("CONSOLE", true)?.into());
    // ES's cache.ttl, cache.max_users, cache.hash_algo (§17).
    let [ttl, max_users] = ["REALM_CACHE_TTL", "REALM_CACHE_MAX_USERS"].map(|name| env.text(name, Kind::Number));
    let (ttl, max_users, hash_algo) = (ttl?, max_users?, env.text("REALM_CACHE_HASH_ALGO", Kind::Text)?);
    let audit = if env.boolean("AUDIT_ENABLED", false)? {
        let include = env.text("AUDIT_EVENTS_INCLUDE", Kind::Text)?;
        let exclude = env.text("AUDIT_EVENTS_EXCLUDE", Kind::Text)?;
        AuditSettings::parse(include.as_deref(), exclude.as_deref())
            .map_err(|e| format!("AUDIT_EVENTS_INCLUDE/EXCLUDE: {e}"))?;
        let mut lists = Map::new();
        insert(&mut lists, "include", include);
        insert(&mut lists, "exclude", exclude);
        Value::Object(lists)
    } else {
        Value::Null
    };
    out.insert("audit".into(), audit);
    out.insert("cors".into(), cors(&env)?.into());
    token_timeout_ms(timeout.as_deref()).map_err(|reply| format!("TOKEN_TIMEOUT: {}", reason(&reply)))?;
    insert(&mut out, "tokenTimeout", timeout);
    token_secret(Some(&secret)).map_err(|reply| format!("TOKEN_SECRET: {}", reason(&reply)))?;
    out.insert("tokenSecret".into(), secret.into());
    CacheSettings::parse(ttl.as_deref(), max_users.as_deref(), hash_algo.as_deref())
        .map_err(|e| format!("REALM_CACHE_TTL, REALM_CACHE_MAX_USERS, REALM_CACHE_HASH_ALGO: {e}"))?;
    let mut cache = Map::new();
    insert(&mut cache, "ttl", ttl);
    insert(&mut cache, "maxUsers", max_users);
    insert(&mut cache, "hashAlgo", hash_algo);
    out.insert("realmCache".into(), Value::Object(cache));
    let ops = match env.text("BULK_SEGMENT_OPS", Kind::Number)? {
        None => SEGMENT_OPS,
        Some(text) => segment_ops_setting(&text).ok_or_else(|| {
            format!("BULK_SEGMENT_OPS must be a whole number of KV operations from {MIN_SEGMENT_OPS} to {SEGMENT_OPS}, got [{text}]")
        })?,
    };
    out.insert("bulkSegmentOps".into(), ops.into());
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-very-secret-token-key-32-chars-long";

    /// The env as the host describes it: each value `[typeof, String()]`.
    fn env(entries: &[(&str, Value)]) -> String {
        let mut map = Map::new();
        map.insert("TOKEN_SECRET".into(), json!(["string", SECRET]));
        for (name, value) in entries {
            map.insert((*name).into(), value.clone());
        }
        Value::Object(map).to_string()
    }

    fn problem(entries: &[(&str, Value)]) -> String {
        match read(&env(entries)) {
            Err(message) => message,
            Ok(settings) => panic!("accepted: {settings}"),
        }
    }

    #[test]
    fn a_minimal_env_reads_as_the_defaults() {
        let settings = read(&env(&[("TOKENS", json!(["object"]))])).unwrap();
        assert_eq!(
            settings,
            json!({
                "store": {"mode": "kv"}, "tokenSecret": SECRET, "console": true, "cors": "{}", "audit": null,
                "realmCache": {}, "bulkSegmentOps": 900,
            })
        );
    }

    #[test]
    fn settings_are_kept_as_written() {
        let settings = read(&env(&[
            ("ELASTIC_PASSWORD", json!(["string", "pw"])),
            ("TOKEN_TIMEOUT", json!(["string", "20m"])),
            ("CONSOLE", json!(["string", "false"])),
            ("HTTP_CORS_ENABLED", json!(["boolean", "true"])),
            ("HTTP_CORS_ALLOW_ORIGIN", json!(["string", "*"])),
            ("REALM_CACHE_TTL", json!(["string", "30s"])),
            ("REALM_CACHE_MAX_USERS", json!(["number", "10"])),
            ("AUDIT_ENABLED", json!(["string", "true"])),
            ("AUDIT_EVENTS_EXCLUDE", json!(["string", "anonymous_access_denied"])),
            ("AUDIT_QUEUE", json!(["object"])),
            ("BULK_SEGMENT_OPS", json!(["number", "2"])),
            ("TOKEN_STORE", json!(["string", "durable_object"])),
            ("TOKEN_DO_NAME", json!(["string", "tenant-a"])),
        ]))
        .unwrap();
        assert_eq!(
            settings,
            json!({
                "store": {"mode": "durable_object", "name": "tenant-a"},
                "elasticPassword": "pw", "tokenTimeout": "20m", "tokenSecret": SECRET, "console": false,
                "cors": r#"{"enabled":"true","allow_origin":"*"}"#,
                "realmCache": {"ttl": "30s", "maxUsers": "10"},
                "audit": {"exclude": "anonymous_access_denied"},
                "bulkSegmentOps": 2,
            })
        );
    }

    #[test]
    fn empty_is_unset_and_booleans_may_be_booleans() {
        let settings = read(&env(&[
            ("ELASTIC_PASSWORD", json!(["string", ""])),
            ("AUDIT_ENABLED", json!(["boolean", "true"])),
            ("CONSOLE", json!(["boolean", "false"])),
            ("HTTP_CORS_ENABLED", json!(["boolean", "true"])),
            ("HTTP_CORS_ALLOW_CREDENTIALS", json!(["boolean", "false"])),
            ("HTTP_CORS_MAX_AGE", json!(["number", "60"])),
        ]))
        .unwrap();
        assert_eq!(settings.get("elasticPassword"), None);
        // `AUDIT_ENABLED = true` in wrangler.toml's [vars] is a JavaScript boolean: once silently
        // off.
        assert_eq!(settings.get("audit"), Some(&json!({})));
        assert_eq!(settings.get("console"), Some(&json!(false)));
        assert_eq!(settings["cors"], r#"{"enabled":"true","allow_credentials":"false","max_age":"60"}"#);
        let off = read(&env(&[("AUDIT_ENABLED", json!(["boolean", "false"])), ("CONSOLE", json!(["string", ""]))]));
        assert_eq!(off.map(|s| (s["audit"].clone(), s["console"].clone())), Ok((Value::Null, json!(true))));
    }

    #[test]
    fn each_problem_is_named_without_the_value() {
        let rows: [(&[(&str, Value)], &str); 18] = [
            (&[("ELASTIC_PASSWORD", json!(["number", "12"]))], "env.ELASTIC_PASSWORD must be a string"),
            (&[("TOKEN_TIMEOUT", json!(["number", "1200"]))], "env.TOKEN_TIMEOUT must be a string"),
            (&[("TOKEN_SECRET", json!(["bigint", "1234"]))], "env.TOKEN_SECRET must be a string"),
            (&[("TOKEN_SECRET", json!(["string", ""]))], SECRET_NOT_SET),
            (&[("TOKEN_SECRET", json!(["string", "short"]))], "TOKEN_SECRET: the token secret must be at least 32 characters long"),
            (&[("CONSOLE", json!(["string", "yes"]))], "env.CONSOLE must be \"true\" or \"false\""),
            (&[("CONSOLE", json!(["number", "1"]))], "env.CONSOLE must be a string or a boolean"),
            (&[("AUDIT_ENABLED", json!(["string", "yes"]))], "env.AUDIT_ENABLED must be \"true\" or \"false\""),
            (&[("AUDIT_ENABLED", json!(["number", "1"]))], "env.AUDIT_ENABLED must be a string or a boolean"),
            (&[("HTTP_CORS_ALLOW_ORIGIN", json!(["boolean", "true"]))], "env.HTTP_CORS_ALLOW_ORIGIN must be a string"),
            (&[("HTTP_CORS_MAX_AGE", json!(["boolean", "true"]))], "env.HTTP_CORS_MAX_AGE must be a string or a number"),
            (&[("REALM_CACHE_TTL", json!(["object"]))], "env.REALM_CACHE_TTL must be a string or a number"),
            (&[("REALM_CACHE_HASH_ALGO", json!(["number", "256"]))], "env.REALM_CACHE_HASH_ALGO must be a string"),
            (
                &[("TOKEN_TIMEOUT", json!(["string", "2h"]))],
                "TOKEN_TIMEOUT: failed to parse value [2h] for setting [xpack.security.authc.token.timeout], must be <= [1h]",
            ),
            (&[("HTTP_CORS_NOPE", json!(["string", "x"]))], "HTTP_CORS_*: unknown field `nope`"),
            (&[("HTTP_CORS_ENABLED", json!(["object"]))], "env.HTTP_CORS_ENABLED must be a string or a boolean"),
            (
                &[("REALM_CACHE_MAX_USERS", json!(["string", "-3"]))],
                "REALM_CACHE_TTL, REALM_CACHE_MAX_USERS, REALM_CACHE_HASH_ALGO: failed to parse value [-3] for setting \
                 [cache.max_users], must be an integer >= [0]",
            ),
            (
                &[("AUDIT_ENABLED", json!(["string", "true"])), ("AUDIT_EVENTS_INCLUDE", json!(["string", "nope"]))],
                "AUDIT_EVENTS_INCLUDE/EXCLUDE: ",
            ),
        ];
        for (entries, expected) in rows {
            let message = problem(entries);
            assert!(message.starts_with(expected), "{entries:?}: {message}");
            assert!(!message.contains(SECRET), "{message}");
        }
        assert_eq!(read("[]"), Err("env must be an object".into()));
    }

    #[test]
    fn the_store_mode_and_the_objects_name() {
        let store = |entries: &[(&str, Value)]| read(&env(entries)).map(|s| s["store"].clone());
        assert_eq!(store(&[("TOKEN_STORE", json!(["string", "kv"]))]), Ok(json!({"mode": "kv"})));
        assert_eq!(
            store(&[("TOKEN_STORE", json!(["string", "durable_object"])), ("TOKEN_DO_NAME", json!(["string", ""]))]),
            Ok(json!({"mode": "durable_object", "name": "edge-token"}))
        );
        // The object's name is read in Durable Object mode only.
        assert_eq!(store(&[("TOKEN_DO_NAME", json!(["number", "5"]))]), Ok(json!({"mode": "kv"})));
        let rows = [
            (json!(["string", "d1"]), "TOKEN_STORE must be \"kv\" or \"durable_object\", got [d1]"),
            (json!(["boolean", "true"]), "env.TOKEN_STORE must be a string"),
        ];
        for (value, message) in rows {
            assert_eq!(store(&[("TOKEN_STORE", value)]), Err(message.into()));
        }
        let named = [("TOKEN_STORE", json!(["string", "durable_object"])), ("TOKEN_DO_NAME", json!(["number", "5"]))];
        assert_eq!(store(&named), Err("env.TOKEN_DO_NAME must be a string".into()));
    }

    #[test]
    fn bulk_segment_ops_is_checked_at_start_up() {
        let ops = |value: Value| read(&env(&[("BULK_SEGMENT_OPS", value)])).map(|s| s["bulkSegmentOps"].clone());
        assert_eq!(ops(json!(["string", "900"])), Ok(json!(900)));
        assert_eq!(ops(json!(["string", " 12 "])), Ok(json!(12)));
        assert_eq!(ops(json!(["number", "2"])), Ok(json!(2)));
        assert_eq!(ops(json!(["string", ""])), Ok(json!(900)));
        for text in ["abc", "1", "0", "901", "-5", "2.5", "1e3"] {
            let message =
                format!("BULK_SEGMENT_OPS must be a whole number of KV operations from 2 to 900, got [{text}]");
            assert_eq!(ops(json!(["string", text])), Err(message));
        }
        assert_eq!(ops(json!(["boolean", "true"])), Err("env.BULK_SEGMENT_OPS must be a string or a number".into()));
    }
}
