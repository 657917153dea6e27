//! `GET /` (ES's main action, `cluster:monitor/main`): what this server is. Clients read
//! `version.number`, `build_flavor` and `tagline` in their product checks, so the version is the
//! Elasticsearch version whose REST API this service speaks (9.0.0); the build fields ES fills
//! from its own build say "unknown". Kept as text: the body never varies, and building it as a
//! `Value` would cost the wasm code for every field.

/// GET /'s body, JSON text.
pub const INFO: &str = r#"{"name":"edge-token","cluster_name":"edge-token","cluster_uuid":"_na_","version":{"number":"9.0.0","build_flavor":"default","build_type":"edge-token","build_hash":"unknown","build_date":"unknown","build_snapshot":false,"lucene_version":"unknown","minimum_wire_compatibility_version":"unknown","minimum_index_compatibility_version":"unknown"},"tagline":"You Know, for Search"}"#;

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn the_fields_clients_check_are_es_9s() {
        let body: Value = serde_json::from_str(INFO).unwrap();
        assert_eq!(body.pointer("/version/number"), Some(&json!("9.0.0")));
        assert_eq!(body.pointer("/version/build_flavor"), Some(&json!("default")));
        assert_eq!(body.pointer("/version/build_snapshot"), Some(&json!(false)));
        assert_eq!(body.pointer("/tagline"), Some(&json!("You Know, for Search")));
        assert_eq!(body.pointer("/cluster_name"), Some(&json!("edge-token")));
    }
}
