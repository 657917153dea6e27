//! Where a JSON value ends, found as serde_json's `IgnoredAny` finds it but without its
//! deserializer: the check's document reader (`token_text`) skips the refresh half and keeps the
//! owner's fields as text, and serde_json's generic walk over them was about a tenth of a check's
//! CPU. [`value_end`] only answers for text it is sure of; for anything else (an error, an
//! escape it does not know, nesting deeper than [`MAX_DEPTH`]) it answers `None` and the caller
//! asks serde_json, so what a document reader accepts, and where a value ends, never differ.
//! The tests hold the two together on generated text.

/// The deepest nesting read here (a bit per level); deeper values go to serde_json.
pub const MAX_DEPTH: u32 = 64;

/// The length of the JSON value at the start of `text`, as serde_json's stream of `IgnoredAny`
/// reads one (`Deserializer::from_str(text).into_iter::<IgnoredAny>()`, then `byte_offset`),
/// or `None`: not a value, or one this reader leaves to serde_json.
pub fn value_end(text: &[u8]) -> Option<usize> {
    // A literal or a number ends where something that may follow a value starts (serde_json's
    // `peek_end_of_value`); strings, arrays and objects end themselves.
    let self_delineated = matches!(text.get(space(text, 0)), Some(b'"' | b'[' | b'{'));
    // One bit per open array or object, the innermost lowest: set for an object.
    let mut objects: u64 = 0;
    let mut depth: u32 = 0;
    let mut at = 0;
    loop {
        // A value starts at `at` (after whitespace).
        at = space(text, at);
        match *text.get(at)? {
            open @ (b'[' | b'{') => {
                if depth == MAX_DEPTH {
                    return None;
                }
                let object = open == b'{';
                at = space(text, at + 1);
                if text.get(at) == Some(if object { &b'}' } else { &b']' }) {
                    at += 1;
                } else {
                    objects = (objects << 1) | u64::from(object);
                    depth += 1;
                    if object {
                        at = member_value(text, at)?;
                    }
                    continue;
                }
            }
            b'"' => at = string_end(text, at + 1)?,
            b'n' => at = literal_end(text, at, b"null")?,
            b't' => at = literal_end(text, at, b"true")?,
            b'f' => at = literal_end(text, at, b"false")?,
            b'-' | b'0'..=b'9' => at = number_end(text, at)?,
            _ => return None,
        }
        // After a value: close what it ends, until a comma asks for the next one.
        loop {
            if depth == 0 {
                let ends = match text.get(at) {
                    None => true,
                    Some(next) => {
                        matches!(next, b' ' | b'\n' | b'\t' | b'\r' | b'"' | b'[' | b']' | b'{' | b'}' | b',' | b':')
                    }
                };
                return (self_delineated || ends).then_some(at);
            }
            at = space(text, at);
            let object = objects & 1 == 1;
            match *text.get(at)? {
                b',' if object => {
                    at = member_value(text, space(text, at + 1))?;
                    break;
                }
                b',' => {
                    at += 1;
                    break;
                }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            at += 1;
            objects >>= 1;
            depth -= 1;
        }
    }
}

/// JSON's whitespace from `at` on, as serde_json skips it.
fn space(text: &[u8], at: usize) -> usize {
    at + text.get(at..).unwrap_or_default().iter().take_while(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r')).count()
}

/// After a member's key and its colon: where its value starts (`at`: the key's quote).
fn member_value(text: &[u8], at: usize) -> Option<usize> {
    (text.get(at) == Some(&b'"')).then_some(())?;
    let at = space(text, string_end(text, at + 1)?);
    (text.get(at) == Some(&b':')).then_some(at + 1)
}

/// After the closing quote of the string whose text starts at `at`: control characters refused,
/// escapes as serde_json checks them (a `\u` needs four hex digits, whatever they name).
fn string_end(text: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let rest = text.get(at..)?;
        let stop = rest.iter().position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f))?;
        at += stop;
        match *text.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => match *text.get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                b'u' => {
                    let hex = text.get(at + 2..at + 6)?;
                    hex.iter().all(u8::is_ascii_hexdigit).then_some(())?;
                    at += 6;
                }
                _ => return None,
            },
            _ => return None,
        }
    }
}

fn literal_end(text: &[u8], at: usize, literal: &[u8]) -> Option<usize> {
    text.get(at..)?.starts_with(literal).then_some(at + literal.len())
}

/// After a number: `-`, then `0` or digits without a leading zero, then an optional fraction
/// and exponent, each with at least one digit.
fn number_end(text: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| text.get(from..).unwrap_or_default().iter().take_while(|b| b.is_ascii_digit()).count();
    let mut at = at + usize::from(text.get(at) == Some(&b'-'));
    match text.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at += digits(at),
        _ => return None,
    }
    if text.get(at).is_some_and(u8::is_ascii_digit) {
        return None; // a leading zero
    }
    if text.get(at) == Some(&b'.') {
        let count = digits(at + 1);
        (count > 0).then_some(())?;
        at += 1 + count;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        at += usize::from(matches!(text.get(at), Some(b'+' | b'-')));
        let count = digits(at);
        (count > 0).then_some(())?;
        at += count;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;

    /// serde_json's answer: the value's length, or None where it refuses the text.
    fn serde_end(text: &str) -> Option<usize> {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
        values.next()?.ok()?;
        Some(values.byte_offset())
    }

    /// Where this reader answers, serde_json answers the same.
    fn agrees(text: &str) -> bool {
        value_end(text.as_bytes()).is_none_or(|end| serde_end(text) == Some(end))
    }

    #[test]
    fn common_values_are_read_here_and_end_where_serde_json_ends_them() {
        let rows = [
            r#"{"username":"u","roles":["a","b"],"full_name":null,"email":null,"metadata":{},"enabled":true}"#,
            r#"{"hash":"h","refresh_time":5,"salt":"s","client":{"username":"c","realm":"cr"}},"owner":1"#,
            r#"{ "a" : [ 1 , -2.5e+3 , 0 , 0.5E-1 , true , false , null ] , "b" : { } }  ,"#,
            r#""a \"quoted\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00 é漢🙂" x"#,
            r#"[[[[]]],{"":{"":[]}}]}"#,
            "123,",
            "-0]",
            "null}",
            "1e5 ",
            "false",
            " \n[1]x",
        ];
        for text in rows {
            let end = value_end(text.as_bytes());
            assert!(end.is_some(), "read here: {text}");
            assert_eq!(end, serde_end(text), "{text}");
        }
    }

    #[test]
    fn refused_and_unusual_text_is_left_to_serde_json() {
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let rows = [
            "",
            " ",
            "01",
            "-",
            "1.",
            "1e",
            "1e+",
            ".5",
            "+1",
            "1x",
            "nul",
            "nullx",
            "tru",
            "[1,]",
            "[1 2]",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{1:1}"#,
            "{",
            "[",
            r#""abc"#,
            "\"a\u{1}\"",
            r#""\x""#,
            r#""\u12G4""#,
            r#""\u12""#,
            "[}",
            "{]",
            &deep,
        ];
        for text in rows {
            assert_eq!(value_end(text.as_bytes()), None, "{text:?}");
        }
        assert!(value_end(format!("{}{}", "[".repeat(64), "]".repeat(64)).as_bytes()).is_some());
    }

    /// Generated text from JSON's pieces, valid or not: wherever this reader answers, it
    /// answers what serde_json does.
    #[test]
    fn generated_text_ends_where_serde_json_ends_it() {
        const PIECES: [&str; 30] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"k\"",
            "\"\"",
            "\"\\n\"",
            "\"\\u00e9\"",
            "\"\\q\"",
            "\"é\"",
            "0",
            "7",
            "-",
            "12",
            "01",
            ".",
            "5",
            "e",
            "E+",
            "null",
            "true",
            "fals",
            "false",
            "x",
            "\"",
            "\u{1}",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut answered, mut total) = (0, 0);
        for _ in 0..200_000 {
            let len = 1 + next() % 12;
            let text: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
            assert!(
                agrees(&text),
                "{text:?}: here {:?}, serde_json {:?}",
                value_end(text.as_bytes()),
                serde_end(&text)
            );
            answered += usize::from(value_end(text.as_bytes()).is_some());
            total += 1;
        }
        // Not only refusals: a share of the texts are values this reader ends itself.
        assert!(answered * 50 > total, "{answered} of {total}");
    }
}
