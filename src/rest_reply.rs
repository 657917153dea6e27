//! The headers Elasticsearch's REST layer puts on a reply (§1.3): `X-elastic-product` on every
//! response but SecurityRestFilter's rejections (401, 403), which strip it; none on the HTTP
//! layer's own answers (CORS's, [`crate::errors::Reply::to_http_layer_envelope`]), which never
//! reach the REST layer. Every envelope of the core carries them, and the host, for the bodies it
//! sends as the core gave them, copies them from [`headers_by_status`]: it knows no status and no
//! header name of its own.

use serde_json::{json, Map, Value};

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
/// {"X-elastic-product": "Elasticsearch"}}`, a status not listed taking `default`.
pub fn headers_by_status() -> Value {
    let object = |headers: &[(&str, &str)]| {
        Value::Object(headers.iter().map(|(name, value)| ((*name).to_string(), json!(value))).collect())
    };
    let mut table: Map<String, Value> = STRIPPED.iter().map(|s| (s.to_string(), object(rest_headers(*s)))).collect();
    table.insert("default".into(), object(&[PRODUCT]));
    Value::Object(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Reply;

    /// What the host does with the table: the entry for the status, else `default`.
    fn from_table(table: &Value, status: u16) -> Value {
        table.get(status.to_string()).or_else(|| table.get("default")).cloned().unwrap_or_default()
    }

    #[test]
    fn every_status_but_the_security_rejections_carries_the_product() {
        let table = headers_by_status();
        for status in 100..600u16 {
            let expected =
                if status == 401 || status == 403 { json!({}) } else { json!({"X-elastic-product": "Elasticsearch"}) };
            assert_eq!(from_table(&table, status), expected, "status {status}");
            let envelope: Value =
                serde_json::from_str(&Reply::new(status, Value::Null).to_envelope()).unwrap_or_default();
            assert_eq!(envelope.get("headers"), Some(&expected), "status {status}");
        }
    }

    #[test]
    fn a_reply_keeps_its_own_headers_and_http_layer_answers_get_none_of_the_rest_layer() {
        let mut reply = Reply::new(405, Value::Null);
        reply.headers.push(("Allow".into(), vec!["GET,HEAD".into()]));
        let envelope: Value = serde_json::from_str(&reply.to_envelope()).unwrap_or_default();
        assert_eq!(envelope["headers"], json!({"Allow": "GET,HEAD", "X-elastic-product": "Elasticsearch"}));
        let bare: Value = serde_json::from_str(&reply.to_http_layer_envelope()).unwrap_or_default();
        assert_eq!(bare, json!({"status": 405, "headers": {"Allow": "GET,HEAD"}, "body": null}));
    }
}
