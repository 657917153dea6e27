//! Creating tokens (password and client_credentials grants) and refreshing them (§3.4, §3.5).

use serde_json::{Map, Value};

use crate::authentication::{Client, ClientInput, RealmInput, RealmRef, Subject};
use crate::codec::{decode_salt, encode_salt, name_digest, random_bytes, RawToken, TokenPair, SALT_LEN};
use crate::errors::{illegal_argument, oauth2_error, store_unavailable, Reply};
use crate::json_fields::Fields;
use crate::json_value::{object_depth, MAX_DEPTH};
use crate::recent_invalidations;
use crate::schema::{keys, AccessHalf, RefreshHalf, StoredOwner, TokenHalf, TokenRecord};
use crate::settings::REFRESH_REPLAY_WINDOW_MS;
use crate::store::KvStore;
use crate::superseding::{Derivation, TokenSecret};
use crate::token_documents;

/// The JSON the host sends to `createToken`: an already authenticated user.
#[derive(Debug)]
struct CreateRequestInput {
    grant_type: String,
    username: String,
    realm: RealmInput,
    realm_type: Option<String>,
    lookup_realm: Option<RealmRef>,
    roles: Vec<String>,
    full_name: Option<String>,
    email: Option<String>,
    metadata: Option<Map<String, Value>>,
    enabled: Option<bool>,
    client: Option<ClientInput>,
    scope: Option<String>,
    authentication_type: Option<String>,
}

/// A request for a new token, after the host authenticated the user and the caller.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub with_refresh: bool,
    pub owner: Subject,
    pub client: Client,
    pub scope: Option<String>,
    /// How the owner authenticated, echoed in the response (`realm`, or `token`).
    pub authentication_type: String,
}

const CREATE_FIELDS: [&str; 13] = [
    "grant_type",
    "username",
    "realm",
    "realm_type",
    "lookup_realm",
    "roles",
    "full_name",
    "email",
    "metadata",
    "enabled",
    "client",
    "scope",
    "authentication_type",
];

fn read_create_request(json: &str) -> Result<CreateRequestInput, String> {
    let mut f = Fields::parse(json, "struct CreateRequestInput")?;
    f.only(&CREATE_FIELDS)?;
    Ok(CreateRequestInput {
        grant_type: f.required_string("grant_type")?,
        username: f.required_string("username")?,
        realm: realm_input(f.required("realm")?)?,
        realm_type: f.string("realm_type")?,
        lookup_realm: f.take("lookup_realm").map(realm_ref).transpose()?,
        roles: f.strings("roles")?,
        full_name: f.string("full_name")?,
        email: f.string("email")?,
        metadata: f.object("metadata")?,
        enabled: f.boolean("enabled")?,
        client: f.take("client").map(client_input).transpose()?,
        scope: f.string("scope")?,
        authentication_type: f.string("authentication_type")?,
    })
}

/// A realm by name alone, or as `{name, type}` (serde's untagged enum, its message too).
fn realm_input(value: Value) -> Result<RealmInput, String> {
    let as_ref = |value: Value| {
        let mut f = Fields::of(value, "")?;
        Ok::<_, String>(RealmInput::Ref { name: f.required_string("name")?, kind: f.string("type")? })
    };
    match value {
        Value::String(name) => Some(RealmInput::Name(name)),
        value @ Value::Object(_) => as_ref(value).ok(),
        _ => None,
    }
    .ok_or_else(|| "data did not match any variant of untagged enum RealmInput".to_string())
}

fn realm_ref(value: Value) -> Result<RealmRef, String> {
    let mut f = Fields::of(value, "struct RealmRef")?;
    Ok(RealmRef { name: f.required_string("name")?, kind: f.required_string("type")? })
}

fn client_input(value: Value) -> Result<ClientInput, String> {
    let mut f = Fields::of(value, "struct ClientInput")?;
    Ok(ClientInput { username: f.required_string("username")?, realm: realm_input(f.required("realm")?)? })
}

/// The client a host names for `refreshToken`.
pub fn parse_client(json: &str) -> Result<Client, String> {
    let value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    client_input(value).map(Client::from)
}

pub fn parse_create_request(json: &str) -> Result<NewToken, Reply> {
    let input = read_create_request(json).map_err(|e| illegal_argument(format!("invalid createToken request: {e}")))?;
    let with_refresh = match input.grant_type.as_str() {
        "password" => true,
        "client_credentials" => false,
        "refresh_token" => return Err(illegal_argument("use refreshToken for grant_type [refresh_token]")),
        _ => {
            return Err(oauth2_error(
                "unsupported_grant_type",
                "Validation Failed: 1: grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials];",
            ))
        }
    };
    if input.username.is_empty() {
        return Err(illegal_argument("invalid createToken request: username must not be empty"));
    }
    // serde_json reads at most 128 levels and a stored document wraps the metadata in three
    // more: deeper metadata could be written but never read back (the token would be unusable).
    if input.metadata.as_ref().is_some_and(|m| object_depth(m) > MAX_DEPTH) {
        return Err(illegal_argument("invalid createToken request: metadata is nested too deeply"));
    }
    let realm = input.realm.into_ref(input.realm_type);
    if realm.name.is_empty() {
        return Err(illegal_argument("invalid createToken request: realm name must not be empty"));
    }
    let client = match input.client {
        Some(client) => client.into(),
        None => Client { username: input.username.clone(), realm: realm.name.clone() },
    };
    let owner = Subject {
        username: input.username,
        roles: input.roles,
        full_name: input.full_name,
        email: input.email,
        metadata: input.metadata.unwrap_or_default(),
        enabled: input.enabled.unwrap_or(true),
        lookup_realm: input.lookup_realm.unwrap_or_else(|| realm.clone()),
        authentication_realm: realm,
    };
    Ok(NewToken {
        with_refresh,
        owner,
        client,
        scope: input.scope,
        authentication_type: input.authentication_type.unwrap_or_else(|| "realm".into()),
    })
}

/// The get-token success body, keys in ES's order (§3.4).
fn token_response(pair: &TokenPair, timeout_ms: u64, scope: Option<&str>, authentication: Value) -> Value {
    let mut body = Map::new();
    body.insert("access_token".into(), pair.access.encode().into());
    body.insert("type".into(), "Bearer".into());
    body.insert("expires_in".into(), (timeout_ms / 1000).into());
    if let Some(refresh) = &pair.refresh {
        body.insert("refresh_token".into(), refresh.encode().into());
    }
    if scope.is_some() {
        // ES answers "full" whatever scope was asked for.
        body.insert("scope".into(), "full".into());
    }
    body.insert("authentication".into(), authentication);
    Value::Object(body)
}

fn new_record(
    pair: &TokenPair,
    owner: StoredOwner,
    client: Client,
    salt: &[u8],
    now: u64,
    timeout_ms: u64,
) -> TokenRecord {
    TokenRecord {
        creation_time: now,
        access: AccessHalf { hash: pair.access.hash(), expiration_time: now.saturating_add(timeout_ms) },
        refresh: pair.refresh.as_ref().map(|refresh| RefreshHalf {
            hash: refresh.hash(),
            refresh_time: None,
            derivation: None,
            salt: encode_salt(salt),
            client,
        }),
        owner,
    }
}

pub async fn create_token<S: KvStore>(store: &S, request: NewToken, now: u64, timeout_ms: u64) -> Reply {
    let generated = TokenPair::generate(request.with_refresh).and_then(|pair| Ok((pair, random_bytes::<SALT_LEN>()?)));
    let (pair, salt) = match generated {
        Ok(generated) => generated,
        Err(detail) => return store_unavailable(&detail),
    };
    let authentication = request.owner.to_authenticate_body(&request.authentication_type);
    let Some(owner) = StoredOwner::new(&request.owner) else {
        return illegal_argument("invalid createToken request: the user cannot be stored");
    };
    let record = new_record(&pair, owner, request.client, &salt, now, timeout_ms);
    if let Err(error) = token_documents::save_with_index(store, &pair.access.doc_id(), &record, now).await {
        return store_unavailable(&error.0);
    }
    Reply::ok(token_response(&pair.tagged(record.owner_tag()), timeout_ms, request.scope.as_deref(), authentication))
}

/// The watermarks that can cover this record's tokens.
fn covering_keys(record: &TokenRecord) -> [String; 3] {
    keys::covering_watermarks(&name_digest(record.owner.realm_name()), &name_digest(&record.owner.username))
}

fn invalid_grant(description: &str) -> Reply {
    oauth2_error("invalid_grant", description)
}

/// §3.5, every rule in its order.
pub async fn refresh_token<S: KvStore>(
    store: &S,
    token: &str,
    caller: &Client,
    secret: &TokenSecret,
    now: u64,
    timeout_ms: u64,
) -> Reply {
    const LOOKUP_FAILED: &str = "could not refresh the requested token";
    let Some(presented) = RawToken::decode(token) else {
        return invalid_grant(LOOKUP_FAILED);
    };
    let doc_id = presented.doc_id();
    let (record, read) = match token_documents::load_first(store, &presented, &doc_id, now, TokenHalf::Refresh).await {
        Ok(Some(found)) => found,
        Ok(None) => return invalid_grant(LOOKUP_FAILED),
        Err(error) => return store_unavailable(&error.0),
    };
    let Some(refresh) = record.refresh.as_ref().filter(|r| presented.matches_hash(&r.hash)) else {
        return invalid_grant(LOOKUP_FAILED);
    };
    if now > record.refresh_deadline() {
        return invalid_grant("token document has expired");
    }
    let status = match token_documents::status_after(store, &doc_id, &record, TokenHalf::Refresh, read).await {
        Ok(status) => status,
        Err(error) => return store_unavailable(&error.0),
    };
    if status.is_invalidated(&record, TokenHalf::Refresh) {
        return invalid_grant("token has been invalidated");
    }
    if !caller.can_access_resources_of(&refresh.client) {
        return invalid_grant("tokens must be refreshed by the creating client");
    }
    let Some(salt) = decode_salt(&refresh.salt) else {
        return invalid_grant(LOOKUP_FAILED);
    };
    let authentication = record.owner.to_authenticate_body("token");
    if let Some(refreshed_at) = refresh.refresh_time {
        if now > refreshed_at.saturating_add(REFRESH_REPLAY_WINDOW_MS) {
            return invalid_grant("token has already been refreshed more than 30 seconds in the past");
        }
        if now < refreshed_at.saturating_sub(REFRESH_REPLAY_WINDOW_MS) {
            return invalid_grant("token has been refreshed more than 30 seconds in the future, clock skew too great");
        }
        // Within ±30 s: the same pair again, with the full lifetime (§3.5 rule 5), derived the
        // way the first refresh derived it. A derivation this release does not know is not guessed.
        let Some(derivation) = Derivation::from_stored(refresh.derivation) else {
            return invalid_grant(LOOKUP_FAILED);
        };
        let (pair, _) = TokenPair::superseding(&presented, &salt, derivation, secret);
        return Reply::ok(token_response(&pair.tagged(record.owner_tag()), timeout_ms, None, authentication));
    }
    if recent_invalidations::covers(&covering_keys(&record), record.creation_time) {
        // A bulk invalidation of this owner ran in this instance since the status was read.
        return invalid_grant("token has been invalidated");
    }
    // A first refresh derives with the secret, and records that it did.
    let derivation = Derivation::Keyed;
    let (pair, next_salt) = TokenPair::superseding(&presented, &salt, derivation, secret);
    let successor = new_record(&pair, record.owner.clone(), refresh.client.clone(), &next_salt, now, timeout_ms);
    // The successor first: if marking the old document fails, a retry derives the same pair.
    if let Err(error) = token_documents::save_with_index(store, &pair.access.doc_id(), &successor, now).await {
        return store_unavailable(&error.0);
    }
    let mut refreshed = record;
    if let Some(half) = refreshed.refresh.as_mut() {
        half.refresh_time = Some(now);
        half.derivation = derivation.stored();
    }
    if let Err(error) = token_documents::save_record(store, &doc_id, &refreshed, now).await {
        return store_unavailable(&error.0);
    }
    Reply::ok(token_response(&pair.tagged(refreshed.owner_tag()), timeout_ms, None, authentication))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A createToken request whose metadata object is `levels` containers deep, itself counted.
    fn request_with_metadata(levels: usize) -> String {
        let inner = format!("{}1{}", "{\"a\":".repeat(levels - 1), "}".repeat(levels - 1));
        format!(r#"{{"grant_type":"password","username":"u","realm":"default_native","metadata":{{"m":{inner}}}}}"#)
    }

    #[test]
    fn metadata_depth_uses_the_one_repository_limit() {
        for (levels, accepted) in [(1, true), (MAX_DEPTH, true), (MAX_DEPTH + 1, false)] {
            let parsed = parse_create_request(&request_with_metadata(levels));
            assert_eq!(parsed.is_ok(), accepted, "{levels}");
            if let Err(reply) = parsed {
                assert_eq!(reply.body["error"]["reason"], "invalid createToken request: metadata is nested too deeply");
            }
        }
    }

    #[test]
    fn create_requests_and_clients_read_as_the_derive_did() {
        let reason = |json: &str| match parse_create_request(json) {
            Ok(token) => format!("ok {} {:?} {}", token.client.realm, token.owner.roles, token.owner.lookup_realm.kind),
            Err(reply) => reply.body["error"]["reason"].as_str().unwrap_or_default().to_string(),
        };
        let base = r#""grant_type":"password","username":"u""#;
        assert_eq!(reason(&format!(r#"{{{base},"realm":"r","roles":["a"]}}"#)), r#"ok r ["a"] native"#);
        let object =
            format!(r#"{{{base},"realm":{{"name":"r","type":"file"}},"lookup_realm":{{"name":"l","type":"x"}}}}"#);
        assert_eq!(reason(&object), "ok r [] x");
        let client = format!(r#"{{{base},"realm":"r","client":{{"username":"c","realm":{{"name":"cr"}}}}}}"#);
        assert_eq!(reason(&client), "ok cr [] native");
        for (json, message) in [
            (format!("{{{base}}}"), "missing field `realm`"),
            (format!(r#"{{{base},"realm":5}}"#), "data did not match any variant of untagged enum RealmInput"),
            (
                format!(r#"{{{base},"realm":{{"type":"x"}}}}"#),
                "data did not match any variant of untagged enum RealmInput",
            ),
            (
                format!(r#"{{{base},"realm":"r","zz":1}}"#),
                "unknown field `zz`, expected one of `grant_type`, `username`",
            ),
            (format!(r#"{{{base},"realm":"r","roles":null}}"#), "invalid type: null, expected a sequence"),
            (format!(r#"{{{base},"realm":"r","lookup_realm":{{"name":"l"}}}}"#), "missing field `type`"),
            (r#"{"grant_type":"password","realm":"r"}"#.to_string(), "missing field `username`"),
        ] {
            let got = reason(&json);
            assert!(got.starts_with(&format!("invalid createToken request: {message}")), "{json}: {got}");
        }
        assert_eq!(parse_client(r#"{"username":"c","realm":"r"}"#).map(|c| c.realm), Ok("r".into()));
        assert_eq!(parse_client(r#"{"realm":"r"}"#).err(), Some("missing field `username`".into()));
    }
}
