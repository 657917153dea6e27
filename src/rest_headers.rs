//! The HTTP headers ES's HTTP layer reads besides credentials and media types (§1.5, §1.6):
//! `Content-Encoding` of a request body, `Accept-Encoding` for the response, `X-Opaque-Id`
//! (echoed) and `traceparent` (its trace id). The host does the decompressing, compressing and
//! echoing; which coding and which header is decided here.

use serde_json::{json, Map, Value};

pub const OPAQUE_ID: &str = "X-Opaque-Id";

/// How a request body is coded, as Netty's `HttpContentDecompressor` (in front of ES's REST
/// layer) reads `Content-Encoding`: `gzip` and `deflate` (and their `x-` names) are
/// decompressed; anything else, `identity` included, is passed on as it came, so a body in a
/// coding ES does not know reaches the parser and is refused there, as in ES.
pub fn body_coding(content_encoding: Option<&str>) -> Option<&'static str> {
    let coding = content_encoding?.trim().to_ascii_lowercase();
    match coding.as_str() {
        "gzip" | "x-gzip" => Some("gzip"),
        "deflate" | "x-deflate" => Some("deflate"),
        _ => None,
    }
}

/// The coding of the response, as Netty's `HttpContentCompressor` chooses it from
/// `Accept-Encoding`: the higher q of `gzip` and `deflate` (gzip on a tie), else what `*`
/// allows for a coding not named; `None` for an identity response.
pub fn response_coding(accept_encoding: Option<&str>) -> Option<&'static str> {
    let (mut star, mut gzip, mut deflate) = (-1.0f32, -1.0f32, -1.0f32);
    for part in accept_encoding?.split(',') {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q=").map(|v| v.trim().parse::<f32>().unwrap_or(0.0)))
            .unwrap_or(1.0);
        match coding.as_str() {
            "*" => star = q,
            "gzip" => gzip = gzip.max(q),
            "deflate" => deflate = deflate.max(q),
            _ => {}
        }
    }
    if gzip > 0.0 || deflate > 0.0 {
        return Some(if gzip >= deflate { "gzip" } else { "deflate" });
    }
    if star > 0.0 {
        if gzip == -1.0 {
            return Some("gzip");
        }
        if deflate == -1.0 {
            return Some("deflate");
        }
    }
    None
}

/// ES's trace id from `traceparent` (`RestUtils.extractTraceId`): characters 3 to 35 of a value
/// of at least 55, never an error. Only a W3C trace id (32 lowercase hex digits) is given back,
/// since the host writes it into log lines, which client text must not reach.
pub fn trace_id(traceparent: Option<&str>) -> Option<String> {
    let units: Vec<u16> = traceparent?.encode_utf16().collect();
    let id = String::from_utf16(units.get(3..35).filter(|_| units.len() >= 55)?).ok()?;
    id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)).then_some(id)
}

/// What the host needs of a request's headers: the body coding, the headers every response to
/// it carries (ES's `DefaultRestChannel` echoes `X-Opaque-Id`, errors included), and the trace
/// id, as one JSON object.
pub fn request_headers(content_encoding: Option<&str>, opaque_id: Option<&str>, traceparent: Option<&str>) -> String {
    let mut echo = Map::new();
    if let Some(opaque_id) = opaque_id {
        echo.insert(OPAQUE_ID.into(), Value::from(opaque_id));
    }
    json!({"bodyCoding": body_coding(content_encoding), "echo": echo, "traceId": trace_id(traceparent)}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_codings_netty_decompresses() {
        let rows = [
            (Some("gzip"), Some("gzip")),
            (Some(" X-GZIP "), Some("gzip")),
            (Some("deflate"), Some("deflate")),
            (Some("x-deflate"), Some("deflate")),
            (Some("identity"), None),
            (Some("br"), None),
            (Some("gzip, deflate"), None),
            (Some(""), None),
            (None, None),
        ];
        for (header, expected) in rows {
            assert_eq!(body_coding(header), expected, "{header:?}");
        }
    }

    #[test]
    fn response_codings_netty_chooses() {
        let rows = [
            (Some("gzip, deflate"), Some("gzip")),
            (Some("deflate"), Some("deflate")),
            (Some("gzip;q=0.5, deflate;q=0.8"), Some("deflate")),
            (Some("gzip;q=0"), None),
            (Some("*"), Some("gzip")),
            (Some("*, gzip;q=0"), Some("deflate")),
            (Some("br, zstd"), None),
            (Some("identity"), None),
            (Some("GZIP ; q=1.0"), Some("gzip")),
            (Some("gzip;q=x"), None),
            (None, None),
        ];
        for (header, expected) in rows {
            assert_eq!(response_coding(header), expected, "{header:?}");
        }
    }

    #[test]
    fn trace_ids_as_es_cuts_them_and_never_an_error() {
        let w3c = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert_eq!(trace_id(Some(w3c)).as_deref(), Some("0af7651916cd43dd8448eb211c80319c"));
        assert_eq!(trace_id(Some(&w3c[..54])), None);
        assert_eq!(trace_id(Some(&w3c.replace("0af7", "ZZZZ"))), None);
        assert_eq!(trace_id(Some(&"é".repeat(80))), None);
        assert_eq!(trace_id(Some("")), None);
        assert_eq!(trace_id(None), None);
    }

    #[test]
    fn the_opaque_id_is_echoed_as_sent() {
        let read: Value = serde_json::from_str(&request_headers(Some("gzip"), Some("caller 1, x"), None)).unwrap();
        assert_eq!(read, json!({"bodyCoding": "gzip", "echo": {"X-Opaque-Id": "caller 1, x"}, "traceId": null}));
        let read: Value = serde_json::from_str(&request_headers(None, None, None)).unwrap();
        assert_eq!(read["echo"], json!({}));
    }
}
