//! The headers Elasticsearch's REST layer puts on a reply (§1.3): `X-elastic-product` on every
//! response but SecurityRestFilter's rejections (401, 403), which strip it; none on the HTTP
//! layer's own answers (CORS's preflight and refusals), which never reach the REST layer. The
//! core's error envelopes and the envelopes the host sends as they are carry them
//! ([`crate::errors::Reply::to_rest_envelope`]); for the success bodies the engine's calls
//! answer, the host copies them from [`headers_by_status`]. It knows no status and no header
//! name of its own.

use serde_json::{json, Value};

const PRODUCT: (&str, &str) = ("X-elastic-product", "Elasticsearch");

/// The statuses of SecurityRestFilter's rejections, whose replies lose the product header.
const STRIPPED: [u16; 2] = [401, 403];

/// The headers the REST layer adds to a reply of `status`.
pub fn rest_headers(status: u16) -> &'static [(&'static str, &'static str)] {
    if STRIPPED.contains(&status) {
        &[]
    } else {
        &[PRODUCT]
    }
}

/// [`rest_headers`] as one JSON object the host reads once: `{"401": {}, "403": {}, "default":
/// {"X-elastic-product": "Elasticsearch"}}`, a status not listed taking `default` (the statuses
/// are [`STRIPPED`]'s, as a test holds them).
pub fn headers_by_status() -> Value {
    let (name, value) = PRODUCT;
    json!({"401": {}, "403": {}, "default": { name: value }})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cors::{Cors, CorsRequest, CorsSettings};
    use crate::errors::Reply;

    /// What the host does with the table: the entry for the status, else `default`.
    fn from_table(table: &Value, status: u16) -> Value {
        table.get(status.to_string()).or_else(|| table.get("default")).cloned().unwrap_or_default()
    }

    fn headers_of(envelope: &str) -> Value {
        serde_json::from_str::<Value>(envelope).unwrap_or_default()["headers"].clone()
    }

    #[test]
    fn every_status_but_the_security_rejections_carries_the_product() {
        let table = headers_by_status();
        for status in 100..600u16 {
            let product = json!({"X-elastic-product": "Elasticsearch"});
            let expected = if status == 401 || status == 403 { json!({}) } else { product };
            assert_eq!(from_table(&table, status), expected, "status {status}");
            let reply = Reply::new(status, Value::Null);
            assert_eq!(headers_of(&reply.to_rest_envelope()), expected, "status {status}");
            // An engine call's envelope: an error's as ES sends it, a success's unwrapped to its body.
            let answered = if status >= 400 { expected } else { json!({}) };
            assert_eq!(headers_of(&reply.to_envelope()), answered, "status {status}");
        }
    }

    #[test]
    fn the_table_lists_the_stripped_statuses() {
        let table = headers_by_status();
        let listed: Vec<&String> = table.as_object().map(|t| t.keys().collect()).unwrap_or_default();
        let mut expected: Vec<String> = STRIPPED.iter().map(u16::to_string).collect();
        expected.push("default".into());
        assert_eq!(listed, expected.iter().collect::<Vec<_>>());
    }

    #[test]
    fn a_reply_keeps_its_own_headers() {
        let mut reply = Reply::new(405, Value::Null);
        reply.headers.push(("Allow".into(), vec!["GET,HEAD".into()]));
        let both = json!({"Allow": "GET,HEAD", "X-elastic-product": "Elasticsearch"});
        assert_eq!(headers_of(&reply.to_envelope()), both);
        reply.status = 200;
        assert_eq!(headers_of(&reply.to_rest_envelope()), both);
        assert_eq!(headers_of(&reply.to_envelope()), json!({"Allow": "GET,HEAD"}));
    }

    #[test]
    fn cors_answers_never_carry_the_product() {
        let settings = CorsSettings::from_json(r#"{"enabled":"true","allow_origin":"https://a.example"}"#);
        let cors = settings.ok().and_then(|s| Cors::from_settings(&s).ok().flatten());
        let decide = |method, origin, has_request_method| {
            let request = CorsRequest { method, origin: Some(origin), has_request_method, host: Some("h") };
            cors.as_ref().map(|c| c.decide(&request)).unwrap_or_default()
        };
        let answers = [
            decide("OPTIONS", "https://a.example", true).early,
            decide("OPTIONS", "https://b.example", true).early,
            decide("GET", "https://b.example", false).forbidden,
        ];
        let statuses: Vec<Option<u16>> = answers.iter().map(|a| a.as_ref().map(|r| r.status)).collect();
        assert_eq!(statuses, [Some(200), Some(403), Some(403)]);
        for answer in answers.iter().flatten() {
            assert_eq!(headers_of(&answer.to_envelope()).get("X-elastic-product"), None, "{answer:?}");
        }
    }
}
