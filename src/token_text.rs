//! A token document's text, read and written by hand.
//!
//! The reader is the check's (`AccessRecord`, the hot path): it accepts the documents serde's
//! derived reader accepted and reads the same values from them, without linking serde_json's
//! `invalid_type`, whose message formatting brings f64 printing (docs/wasm-size.md). The owner's
//! `_authenticate` fields stay the text they are stored as: a check splices them into its
//! answer, never building or printing their value tree. What it skips (the refresh half, unknown
//! fields) and the owner's fields are checked as serde_json checks them for the derived reader
//! (`json_skip`, which leaves all but common text to serde_json itself), and strings with
//! escapes are unescaped by serde_json.
//!
//! The writer puts that text back verbatim and leaves the rest to serde_json.

use serde::de::IgnoredAny;
use serde_json::Value;
use std::borrow::Cow;

use crate::json_skip;
use crate::schema::{AccessHalf, StoredOwner, TokenRecord};

/// `creation_time`, `access` and `owner` of the document `text` holds; `None` when the derived
/// reader would have refused it.
pub fn access_record(text: &str) -> Option<(u64, AccessHalf, StoredOwner)> {
    let mut scan = Scan { text, at: 0 };
    let (mut creation_time, mut access, mut owner) = (None, None, None);
    scan.record(["creation_time", "access", "owner"], |scan, field| {
        match field {
            0 => creation_time = Some(scan.u64()?),
            1 => access = Some(scan.access()?),
            _ => owner = Some(scan.owner()?),
        }
        Some(())
    })?;
    scan.space();
    (scan.at == text.len()).then_some(())?;
    Some((creation_time?, access?, owner?))
}

/// The document's text: serde_json's for all but the owner, whose fields it cannot write
/// verbatim (that needs `RawValue`, whose reader links `invalid_type` into every `Value`
/// parse).
pub fn document_text(record: &TokenRecord) -> Result<String, serde_json::Error> {
    let owner = &record.owner;
    // The record without its owner (skipped by its `Serialize`): an object, so `}` ends it.
    let mut text = serde_json::to_string(record)?;
    text.pop();
    text.push_str(",\"owner\":{\"username\":");
    text.push_str(&serde_json::to_string(&owner.username)?);
    text.push_str(",\"realm\":");
    text.push_str(&serde_json::to_string(&owner.realm)?);
    text.push_str(",\"user\":");
    text.push_str(owner.user_json());
    if let Some(tag) = &owner.tag {
        text.push_str(",\"tag\":");
        text.push_str(&serde_json::to_string(tag)?);
    }
    text.push_str("}}");
    Ok(text)
}

/// A position in a document's text.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

// The byte-level steps are the check's hot path: they work on the rest of the text as a slice
// (no call per byte), and the common case (compact text, strings without escapes) comes first.
impl<'a> Scan<'a> {
    #[inline(always)]
    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// JSON's whitespace, as serde_json skips it.
    fn space(&mut self) {
        self.at += self.rest().iter().take_while(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r')).count();
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek() != Some(byte) {
            self.space();
        }
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// A struct as serde's derived reader reads one: an object whose known fields come in any
    /// order and at most once, unknown ones skipped; or an array of the fields in their order
    /// (serde_json reads either for a struct). `field` reads the value of field `i` of `names`;
    /// the caller checks that the fields it needs came.
    fn record<const N: usize>(
        &mut self,
        names: [&str; N],
        mut field: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        self.space();
        if self.eat(b'[').is_some() {
            for i in 0..N {
                self.space();
                if self.peek() == Some(b']') {
                    break;
                }
                if i > 0 {
                    self.eat(b',')?;
                }
                field(self, i)?;
            }
            return self.eat(b']');
        }
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut seen = [false; N];
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            match names.iter().position(|name| *name == key) {
                Some(i) => {
                    let first = seen.get_mut(i).filter(|seen| !**seen)?;
                    *first = true;
                    field(self, i)?;
                }
                None => {
                    self.value()?;
                }
            }
            if self.eat(b',').is_none() {
                return self.eat(b'}');
            }
        }
    }

    fn access(&mut self) -> Option<AccessHalf> {
        let (mut hash, mut expiration_time) = (None, None);
        self.record(["hash", "expiration_time"], |scan, field| {
            match field {
                0 => hash = Some(scan.string()?.into_owned()),
                _ => expiration_time = Some(scan.u64()?),
            }
            Some(())
        })?;
        Some(AccessHalf { hash: hash?, expiration_time: expiration_time? })
    }

    fn owner(&mut self) -> Option<StoredOwner> {
        let (mut username, mut realm, mut user, mut tag) = (None, None, None, None);
        self.record(["username", "realm", "user", "tag"], |scan, field| {
            match field {
                0 => username = Some(scan.string()?.into_owned()),
                1 => realm = Some(scan.string()?.into_owned()),
                2 => user = Some(scan.value()?.to_string()),
                _ => tag = Some(scan.optional_string()?),
            }
            Some(())
        })?;
        Some(StoredOwner { username: username?, realm: realm?, user: user?, tag: tag.flatten() })
    }

    /// A string; borrowed unless it has an escape (or a control character, which JSON does not
    /// allow in one), which serde_json then reads.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.rest();
        let stop = rest.iter().position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f))?;
        if rest.get(stop) == Some(&b'"') {
            self.at += stop + 1;
            return self.text.get(start..start + stop).map(Cow::Borrowed);
        }
        // The closing quote is the first one no backslash escapes.
        let mut at = start + stop;
        loop {
            match *self.text.as_bytes().get(at)? {
                b'"' => break,
                b'\\' => at += 2,
                _ => at += 1,
            }
        }
        self.at = at + 1;
        match serde_json::from_str(self.text.get(start - 1..self.at)?) {
            Ok(Value::String(text)) => Some(Cow::Owned(text)),
            _ => None,
        }
    }

    /// An `Option<String>`: `null` is `None`.
    fn optional_string(&mut self) -> Option<Option<String>> {
        self.space();
        if self.text.get(self.at..).is_some_and(|rest| rest.starts_with("null")) {
            self.at += "null".len();
            return Some(None);
        }
        Some(Some(self.string()?.into_owned()))
    }

    /// A `u64` as serde_json reads one: digits without a sign, a fraction or an exponent (each
    /// makes another type), no leading zero (not JSON), at most `u64::MAX` (more is a float).
    fn u64(&mut self) -> Option<u64> {
        self.space();
        let rest = self.rest();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (text, after) = (rest.get(..digits)?, rest.get(digits));
        let leading_zero = digits > 1 && text.first() == Some(&b'0');
        if digits == 0 || leading_zero || matches!(after, Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let mut value: u64 = 0;
        for digit in text {
            value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
        }
        self.at += digits;
        Some(value)
    }

    /// Any value, checked as serde_json checks it for the derived reader (`IgnoredAny` for a
    /// field it skips, `RawValue` for the owner's fields: both only check): its text. The
    /// common text is read by `json_skip`, which leaves the rest to serde_json itself.
    fn value(&mut self) -> Option<&'a str> {
        self.space();
        let rest = self.text.get(self.at..)?;
        let end = match json_skip::value_end(rest.as_bytes()) {
            Some(end) => end,
            None => {
                let mut values = serde_json::Deserializer::from_str(rest).into_iter::<IgnoredAny>();
                values.next()?.ok()?;
                values.byte_offset()
            }
        };
        let span = rest.get(..end)?;
        self.at += span.len();
        Some(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authentication::Client;
    use crate::schema::RefreshHalf;

    #[test]
    fn the_owners_fields_keep_their_text_and_documents_read_back() {
        let owner = StoredOwner {
            username: "a \"b\"".into(),
            realm: "r\u{1}".into(),
            user: r#"{ "username" : "a", "n": 1.50 }"#.into(),
            tag: Some("t".into()),
        };
        let access = AccessHalf { hash: "h".into(), expiration_time: 9 };
        let client = Client { username: "c".into(), realm: "cr".into() };
        let refresh =
            RefreshHalf { hash: "rh".into(), refresh_time: Some(5), derivation: None, salt: "s".into(), client };
        let record = TokenRecord { creation_time: 1, access, refresh: Some(refresh), owner };
        let text = document_text(&record).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"creation_time":1,"access":{"hash":"h","expiration_time":9},"refresh":{"hash":"rh","refresh_time":5,"salt":"s","client":{"username":"c","realm":"cr"}},"owner":{"username":"a \"b\"","realm":"r\u0001","user":{ "username" : "a", "n": 1.50 },"tag":"t"}}"#
        );
        let (creation, access, owner) = access_record(&text).unwrap();
        assert_eq!((creation, &access), (1, &record.access));
        assert_eq!((owner.username.as_str(), owner.realm.as_str()), ("a \"b\"", "r\u{1}"));
        assert_eq!((owner.user_json(), owner.tag.as_deref()), (record.owner.user_json(), Some("t")));

        let bare = TokenRecord { refresh: None, owner: StoredOwner { tag: None, ..record.owner.clone() }, ..record };
        assert_eq!(
            document_text(&bare).unwrap_or_default(),
            r#"{"creation_time":1,"access":{"hash":"h","expiration_time":9},"owner":{"username":"a \"b\"","realm":"r\u0001","user":{ "username" : "a", "n": 1.50 }}}"#
        );
    }

    #[test]
    fn a_value_is_never_serde_jsons_raw_value_token() {
        // With serde_json's `raw_value` feature, an object whose only key is this token parsed as
        // the value its string holds (and the feature linked f64 printing into the wasm).
        let value: Value = serde_json::from_str(r#"{"$serde_json::private::RawValue":"1"}"#).unwrap_or_default();
        assert!(value.is_object(), "{value}");
    }
}
