//! The security audit trail (§15): ES's audit events, one JSON object per line with ES's field
//! names, for what a request did. The host hands over one [`Request`] per answered request (what
//! it saw: credentials kind, caller, endpoint, status, bodies) and writes out the lines this
//! module makes; which events exist, which are kept (`include`/`exclude`), their fields, and what
//! of a body may appear are decided here. No event carries a password, a token, a hash or a body.

use serde_json::{json, Map, Value};

pub use crate::audit_request::Request;
use crate::privileges::Action;

/// The event types ES logs by default (`xpack.security.audit.logfile.events.include`).
const DEFAULT_INCLUDE: [&str; 6] = [
    "access_denied",
    "access_granted",
    "anonymous_access_denied",
    "authentication_failed",
    "tampered_request",
    "security_config_change",
];
const ALL_EVENTS: [&str; 7] = [
    "access_denied",
    "access_granted",
    "anonymous_access_denied",
    "authentication_failed",
    "authentication_success",
    "tampered_request",
    "security_config_change",
];

/// Which event types are written: ES's include list minus its exclude list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    events: Vec<&'static str>,
}

impl AuditSettings {
    /// From the env's comma lists (`_all` for every type; unset include is ES's default); an
    /// unknown type is an error naming it, as ES refuses it at start-up.
    pub fn parse(include: Option<&str>, exclude: Option<&str>) -> Result<AuditSettings, String> {
        let include = match include.map(str::trim).filter(|s| !s.is_empty()) {
            None => DEFAULT_INCLUDE.to_vec(),
            Some(list) => event_names(list)?,
        };
        let exclude = exclude.map(event_names).transpose()?.unwrap_or_default();
        Ok(AuditSettings { events: include.into_iter().filter(|e| !exclude.contains(e)).collect() })
    }

    fn keeps(&self, event: &str) -> bool {
        self.events.contains(&event)
    }
}

fn event_names(list: &str) -> Result<Vec<&'static str>, String> {
    let mut names = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item == "_all" {
            return Ok(ALL_EVENTS.to_vec());
        }
        let known = ALL_EVENTS.iter().find(|name| **name == item);
        names.push(
            *known
                .ok_or_else(|| format!("invalid event type specified [{item}], allowed values are {ALL_EVENTS:?}"))?,
        );
    }
    Ok(names)
}

/// The lines to write for `request` under `settings`, in order.
pub fn events(settings: &AuditSettings, request: &Request) -> Vec<String> {
    let mut out = Vec::new();
    let mut emit = |action: &str, event_type: &str, extra: Map<String, Value>| {
        if settings.keeps(if event_type == "security_config_change" { event_type } else { action }) {
            out.push(line(request, event_type, action, extra).to_string());
        }
    };
    let Some(principal) = request.principal.as_ref() else {
        let action = match request.credentials.as_str() {
            "none" => "anonymous_access_denied",
            "malformed" => "tampered_request",
            _ => "authentication_failed",
        };
        if request.status == 401 {
            let mut extra = Map::new();
            if let Some(name) = &request.username {
                extra.insert("user.name".into(), json!(name));
            }
            emit(action, "rest", extra);
        }
        return out;
    };
    emit("authentication_success", "rest", user_fields(principal, false));
    // The body, read once for what the events may show of it (never copied whole).
    let body: Value = request.body.as_deref().and_then(|text| serde_json::from_str(text).ok()).unwrap_or(Value::Null);
    let Some(action) = action_of(request, &body) else {
        return out;
    };
    let mut granted = user_fields(principal, true);
    granted.insert("action".into(), json!(action.name()));
    granted.insert("request.name".into(), json!(request_name(action)));
    // A 400 is taken as ES's REST layer refusing the request before its action ran [U].
    match request.status {
        403 => emit("access_denied", "transport", granted),
        400 => {}
        _ => emit("access_granted", "transport", granted),
    }
    if (200..300).contains(&request.status) {
        if let Some((change, detail)) = config_change(request, action, &body) {
            let mut extra = user_fields(principal, false);
            extra.insert(change.0.into(), detail);
            emit(change.1, "security_config_change", extra);
        }
    }
    out
}

/// The action the endpoint ran (a refresh is the token service's refresh action); none for
/// `_authenticate`, which every caller may run.
fn action_of(request: &Request, body: &Value) -> Option<Action> {
    let refresh = at(body, &["grant_type"]) == "refresh_token";
    Action::for_endpoint(match request.endpoint.as_deref()? {
        "getToken" if refresh => "refreshToken",
        "getToken" => "createToken",
        "enableUser" | "disableUser" => "setEnabled",
        "info" => "main",
        other => other,
    })
}

/// The Java request class ES names in `request.name`.
fn request_name(action: Action) -> String {
    let words = action.endpoint();
    let mut name = words.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    name + "Request"
}

/// The value at `path` inside `value`, JSON null when absent.
fn at(value: &Value, path: &[&str]) -> Value {
    path.iter().try_fold(value, |v, key| v.get(key)).cloned().unwrap_or(Value::Null)
}

fn user_fields(principal: &Value, with_roles: bool) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("user.name".into(), at(principal, &["username"]));
    fields.insert("user.realm".into(), at(principal, &["authentication_realm", "name"]));
    if with_roles {
        fields.insert("user.roles".into(), at(principal, &["roles"]));
        let kind = if at(principal, &["authentication_type"]) == "token" { "TOKEN" } else { "REALM" };
        fields.insert("authentication.type".into(), json!(kind));
    }
    fields
}

/// ES's config-change member (`put`, `delete`, `change`, `create`, `invalidate`) and event
/// action for a successful change, with what of the request it may show.
fn config_change(request: &Request, action: Action, body: &Value) -> Option<((&'static str, &'static str), Value)> {
    let name = json!(request.name);
    Some(match (action, request.endpoint.as_deref()) {
        (Action::PutUser, _) => {
            let pick = |field: &str| body.get(field).cloned().unwrap_or(Value::Null);
            let has_password = body.get("password").is_some() || body.get("password_hash").is_some();
            let user = json!({"name": name, "enabled": body.get("enabled").cloned().unwrap_or(json!(true)),
                "roles": pick("roles"), "full_name": pick("full_name"), "email": pick("email"),
                "has_password": has_password, "metadata": body.get("metadata").cloned().unwrap_or(json!({}))});
            (("put", "put_user"), json!({ "user": user }))
        }
        (Action::DeleteUser, _) => (("delete", "delete_user"), json!({"user": {"name": name}})),
        (Action::ChangePassword, _) => {
            // `/_security/user/_password` changes the caller's own.
            let user =
                if name.is_null() { request.principal.as_ref().map(|p| at(p, &["username"])) } else { Some(name) };
            (("change", "change_password"), json!({"password": {"user": {"name": user}}}))
        }
        (Action::SetEnabled, Some("enableUser")) => {
            (("change", "change_enable_user"), json!({"enable": {"user": {"name": name}}}))
        }
        (Action::SetEnabled, _) => (("change", "change_disable_user"), json!({"disable": {"user": {"name": name}}})),
        (Action::PutRole, _) => (("put", "put_role"), json!({"role": {"name": name, "role_descriptor": body.clone()}})),
        (Action::DeleteRole, _) => (("delete", "delete_role"), json!({"role": {"name": name}})),
        (Action::CreateToken, _) => {
            let grant = body.get("grant_type").cloned().unwrap_or(Value::Null);
            let owner = request.response.as_ref().map(|r| at(r, &["authentication", "username"]));
            (("create", "create_token"), json!({"token": {"grant_type": grant, "user": {"name": owner}}}))
        }
        (Action::InvalidateToken, _) => (("invalidate", "invalidate_tokens"), invalidation(body, request)),
        _ => return None,
    })
}

/// The scope of an invalidation (which of ES's five modes, with the user and realm it named, never
/// the token) and ES's counts from the response.
fn invalidation(body: &Value, request: &Request) -> Value {
    let scope = if body.get("token").is_some() {
        "token"
    } else if body.get("refresh_token").is_some() {
        "refresh_token"
    } else {
        "user_or_realm"
    };
    let counts = request.response.clone().unwrap_or(Value::Null);
    json!({"tokens": {"scope": scope, "username": body.get("username"), "realm_name": body.get("realm_name"),
        "invalidated": at(&counts, &["invalidated_tokens"]),
        "previously_invalidated": at(&counts, &["previously_invalidated_tokens"]),
        "errors": at(&counts, &["error_count"])}})
}

/// One event: ES's common fields in ES's order, then the event's own.
fn line(request: &Request, event_type: &str, action: &str, extra: Map<String, Value>) -> Value {
    let mut fields = Map::new();
    fields.insert("type".into(), json!("audit"));
    fields.insert("timestamp".into(), json!(timestamp(request.at_ms)));
    fields.insert("event.type".into(), json!(event_type));
    fields.insert("event.action".into(), json!(action));
    fields.extend(extra);
    fields.insert("origin.type".into(), json!("rest"));
    fields.insert("origin.address".into(), json!(request.origin_address));
    if event_type == "rest" {
        fields.insert("url.path".into(), json!(request.path));
        if !request.query.is_empty() {
            fields.insert("url.query".into(), json!(request.query));
        }
        fields.insert("request.method".into(), json!(request.method));
    }
    fields.insert("request.id".into(), json!(request.request_id));
    if let Some(opaque_id) = &request.opaque_id {
        fields.insert("opaque_id".into(), json!(opaque_id));
    }
    Value::Object(fields)
}

/// ES's audit timestamp, `2026-11-28T20:15:30,123+0000` (UTC).
pub fn timestamp(at_ms: f64) -> String {
    let ms = at_ms.max(0.0) as u64;
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days as i64);
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02},{milli:03}+0000")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_es_audit_format_in_utc() {
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00,000+0000");
        assert_eq!(timestamp(1_795_896_930_123.0), "2026-11-28T20:15:30,123+0000");
        assert_eq!(timestamp(951_782_400_000.0), "2000-02-29T00:00:00,000+0000");
    }

    #[test]
    fn include_defaults_to_es_list_and_exclude_removes() {
        let default = AuditSettings::parse(None, None);
        assert_eq!(default.as_ref().map(|s| s.keeps("authentication_success")), Ok(false));
        assert_eq!(default.map(|s| s.keeps("access_denied")), Ok(true));
        let all = AuditSettings::parse(Some("_all"), Some("access_granted"));
        assert_eq!(
            all.as_ref().map(|s| (s.keeps("authentication_success"), s.keeps("access_granted"))),
            Ok((true, false))
        );
        let bad = AuditSettings::parse(Some("access_granted, nope"), None);
        assert!(bad.is_err_and(|m| m.starts_with("invalid event type specified [nope]")));
    }

    #[test]
    fn request_names_are_es_class_names() {
        assert_eq!(request_name(Action::PutUser), "PutUserRequest");
        assert_eq!(request_name(Action::InvalidateToken), "InvalidateTokenRequest");
    }
}
