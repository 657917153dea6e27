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
        let q = pieces.find_map(|p| p.trim().strip_prefix("q=").map(|v| q_value(v.trim()))).unwrap_or(1.0);
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

/// A q-value as `str::parse::<f32>` reads it, 0 when it does not (Netty's `Float.parseFloat`
/// falls back to 0 too): `[+-]digits[.digits][e[+-]digits]`, `inf`, `infinity` or `nan`. Read
/// by hand because core's float parser costs the wasm more than this whole module; a decimal
/// of up to 19 digits is exact before the one rounding to f32, which is all a q-value has.
fn q_value(text: &str) -> f32 {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or_default()),
        Some(b'+') => (false, text.get(1..).unwrap_or_default()),
        _ => (false, text),
    };
    let magnitude = match unsigned.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => decimal(unsigned).unwrap_or(0.0),
    };
    (if negative { -magnitude } else { magnitude }) as f32
}

fn decimal(text: &str) -> Option<f64> {
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(at) => (text.get(..at)?, text.get(at + 1..)?.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = || whole.bytes().chain(fraction.bytes());
    if whole.len() + fraction.len() == 0 || !digits().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (mut mantissa, mut scale) = (0u64, exponent.saturating_sub(i32::try_from(fraction.len()).ok()?));
    for digit in digits() {
        match mantissa.checked_mul(10).and_then(|m| m.checked_add(u64::from(digit - b'0'))) {
            Some(next) => mantissa = next,
            // Digits past u64's range only scale the value.
            None => scale = scale.saturating_add(1),
        }
    }
    // Powers of ten up to 10^22 are exact, so a short decimal is one correctly rounded division.
    let power = 10f64.powi(scale.unsigned_abs().min(400) as i32);
    Some(if scale < 0 { mantissa as f64 / power } else { mantissa as f64 * power })
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
    fn q_values_read_as_str_parse_reads_them() {
        let cases = [
            "1",
            "0",
            "0.5",
            ".5",
            "5.",
            "0.001",
            "0.333",
            "1.0",
            "+0.7",
            "-0.2",
            "1e-3",
            "5E-1",
            "1e+0",
            "00.100",
            "0.1234567891",
            "123456789012345678901234",
            "1e40",
            "1e-50",
            "inf",
            "-Infinity",
            "NaN",
            "",
            ".",
            "e5",
            "1e",
            "x",
            "0x1",
            "1_0",
            "1.2.3",
            " 1",
            "--1",
            "+",
            "0.30000001192092896",
        ];
        for case in cases {
            let expected = case.parse::<f32>().unwrap_or(0.0);
            let got = q_value(case);
            assert!(got == expected || (got.is_nan() && expected.is_nan()), "{case:?}: {got} != {expected}");
        }
    }

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
            (Some("gzip;q=.5, deflate;q=5e-1"), Some("gzip")),
            (Some("gzip;q=0.001, deflate;q=1e-2"), Some("deflate")),
            (Some("gzip;q=-1, deflate;q=+0.1"), Some("deflate")),
            (Some("gzip;q=NaN, deflate;q=inf"), Some("deflate")),
            (Some("gzip;q=1e, deflate;q=."), None),
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
