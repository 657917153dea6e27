//! The rules every request body meets before any endpoint reads it: a size limit, and UTF-8.
//!
//! A UTF-8 byte order mark at the start is skipped, as ES's JSON parser skips it (Jackson's
//! `ByteSourceJsonBootstrapper`, before the UTF-8 parser starts; `docs/elasticsearch-semantics.md`
//! §1). The host passes the bytes as the client sent them, the mark included.
//!
//! Bytes that are not UTF-8 are refused with a 400, in the words of ES's JSON parser (Jackson),
//! rather than replaced by U+FFFD: a silently replaced byte would turn a broken password,
//! username or token into a different, valid-looking one.

use crate::errors::{Cause, Reply};

/// Bodies larger than this are refused with a 413 (ES's `http.max_content_length` is larger;
/// an edge service has no use for bodies this big).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The 413 for a body over [`MAX_BODY_BYTES`]. ES's HTTP layer answers with an empty 413; an
/// ES-shaped body gives a client a readable reason.
pub fn too_large() -> Reply {
    Cause::new("parse_exception", format!("request body is larger than the limit of [{MAX_BODY_BYTES}] bytes"))
        .into_reply(413)
}

/// `Ok(text)` for a body within the limit that is UTF-8 (less a leading byte order mark), else
/// the 413 or the 400 to send.
pub fn body_text(bytes: &[u8]) -> Result<&str, Reply> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    std::str::from_utf8(bytes).map(without_bom).map_err(|_| invalid_utf8(bytes))
}

/// A body's text less one leading byte order mark (U+FEFF), which Jackson skips: one only, a
/// second is a character where a value should be. Every reader of a body's JSON reads it so.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn invalid_utf8(bytes: &[u8]) -> Reply {
    let (offset, message) = first_problem(bytes).unwrap_or((0, "Invalid UTF-8".to_string()));
    Cause::new("x_content_parse_exception", format!("{} {message}", location(bytes, offset))).into_reply(400)
}

/// Length of the sequence a lead byte starts, and the range its second byte must be in
/// (no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF).
fn sequence_of(lead: u8) -> Option<(usize, u8, u8)> {
    match lead {
        0xc2..=0xdf => Some((2, 0x80, 0xbf)),
        0xe0 => Some((3, 0xa0, 0xbf)),
        0xed => Some((3, 0x80, 0x9f)),
        0xe1..=0xef => Some((3, 0x80, 0xbf)),
        0xf0 => Some((4, 0x90, 0xbf)),
        0xf1..=0xf3 => Some((4, 0x80, 0xbf)),
        0xf4 => Some((4, 0x80, 0x8f)),
        _ => None,
    }
}

/// The offset of the first byte that breaks UTF-8, and Jackson's message for it.
fn first_problem(bytes: &[u8]) -> Option<(usize, String)> {
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        if lead < 0x80 {
            i += 1;
            continue;
        }
        let Some((length, low, high)) = sequence_of(lead) else {
            return Some((i, format!("Invalid UTF-8 start byte 0x{lead:02x}")));
        };
        for k in 1..length {
            let Some(&next) = bytes.get(i + k) else {
                return Some((i + k, "Unexpected end-of-input in the middle of a UTF-8 character".into()));
            };
            let (min, max) = if k == 1 { (low, high) } else { (0x80, 0xbf) };
            if next < min || next > max {
                return Some((i + k, format!("Invalid UTF-8 middle byte 0x{next:02x}")));
            }
        }
        i += length;
    }
    None
}

/// `[line:column]` of a byte offset, the column counted in characters as ES counts it.
fn location(bytes: &[u8], offset: usize) -> String {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default()).chars().count() + 1;
    format!("[{line}:{column}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(bytes: &[u8]) -> String {
        let reply = body_text(bytes).unwrap_err();
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body["error"]["type"], "x_content_parse_exception");
        reply.body["error"]["reason"].as_str().unwrap().to_string()
    }

    #[test]
    fn jackson_messages_with_character_columns() {
        let rows: [(&[u8], &str); 7] = [
            (b"\x8b", "[1:1] Invalid UTF-8 start byte 0x8b"),
            (b"{\"a\":\"\xff\"}", "[1:7] Invalid UTF-8 start byte 0xff"),
            (b"{\n\"\xc3\xa9\xe0\x80\"}", "[2:4] Invalid UTF-8 middle byte 0x80"),
            (b"\xe2\x82", "[1:2] Unexpected end-of-input in the middle of a UTF-8 character"),
            (b"\xed\xa0\x80", "[1:2] Invalid UTF-8 middle byte 0xa0"),
            (b"\xf4\x90\x80\x80", "[1:2] Invalid UTF-8 middle byte 0x90"),
            (b"\xc0\xaf", "[1:1] Invalid UTF-8 start byte 0xc0"),
        ];
        for (bytes, expected) in rows {
            assert_eq!(reason(bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn one_leading_byte_order_mark_is_skipped() {
        assert_eq!(body_text(b"\xef\xbb\xbf{}"), Ok("{}"));
        assert_eq!(body_text(b"\xef\xbb\xbf\xef\xbb\xbf{}"), Ok("\u{feff}{}"));
        assert_eq!(body_text(b"{\"a\":\"\xef\xbb\xbf\"}"), Ok("{\"a\":\"\u{feff}\"}"), "not inside");
        assert_eq!(body_text(b" \xef\xbb\xbf{}"), Ok(" \u{feff}{}"), "not after whitespace");
    }

    #[test]
    fn utf8_and_size_limit() {
        assert_eq!(body_text("{\"a\":\"é😀\"}".as_bytes()), Ok("{\"a\":\"é😀\"}"));
        assert_eq!(body_text(&vec![b' '; MAX_BODY_BYTES]).map(str::len), Ok(MAX_BODY_BYTES));
        let reply = body_text(&vec![b' '; MAX_BODY_BYTES + 1]).unwrap_err();
        assert_eq!(reply.status, 413);
        assert_eq!(reply.body["error"]["reason"], "request body is larger than the limit of [1048576] bytes");
    }
}
