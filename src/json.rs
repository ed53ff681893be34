//! A light JSON tree for input lines (facts, conversations): strings borrow
//! from the line when they can, objects are lists of entries. Reading a
//! line this way costs far less than a `serde_json::Value`, whose objects
//! are hashed, insertion-ordered maps of owned strings: `simulate` and
//! `decide` read millions of lines and look at a few keys of each.
//!
//! The grammar, the error messages and the limits (numbers, nesting depth)
//! are serde_json's own, since serde_json does the parsing. As with
//! `serde_json::Value`, a key given twice in one object keeps its last
//! value.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Why a line is not JSON we can read, and its `id` when the line is
/// otherwise sound: a number beyond the range of a 64-bit float (`1e400`)
/// is valid JSON that serde_json refuses, and the error record should
/// still say which input it was.
pub fn unreadable(text: &str, e: &serde_json::Error) -> (serde_json::Value, String) {
    if let Some((start, end)) = huge_number(text, e) {
        let number = text.get(start..end).unwrap_or("");
        let mut patched = String::with_capacity(text.len());
        patched.push_str(text.get(..start).unwrap_or(""));
        patched.push('0');
        patched.push_str(text.get(end..).unwrap_or(""));
        let id = match serde_json::from_str::<serde_json::Value>(&patched) {
            // an envelope (`facts` or `turns` beside the id), not facts
            Ok(serde_json::Value::Object(o))
                if o.contains_key("facts") || o.contains_key("turns") =>
            {
                o.get("id").cloned().unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        };
        return (
            id,
            format!(
                "the number `{number}` (column {}) is beyond the range of numbers this tool reads (about ±1.8e308); write a smaller number",
                start + 1
            ),
        );
    }
    (serde_json::Value::Null, format!("not valid JSON: {e}"))
}

/// The bytes of the number an "out of range" error points at.
fn huge_number(text: &str, e: &serde_json::Error) -> Option<(usize, usize)> {
    if e.line() != 1 || !e.to_string().starts_with("number out of range") {
        return None;
    }
    let bytes = text.as_bytes();
    let is_num = |b: u8| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-' | b'.');
    let at = e.column().min(bytes.len());
    let mut start = at;
    while start > 0 && bytes.get(start - 1).copied().is_some_and(is_num) {
        start -= 1;
    }
    let mut end = at;
    while bytes.get(end).copied().is_some_and(is_num) {
        end += 1;
    }
    let number = text.get(start..end)?;
    number
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_infinite())
        .map(|_| (start, end))
}

impl<'a> Json<'a> {
    /// Parse one JSON text.
    pub fn parse(text: &'a str) -> Result<Json<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The value of `key` in an object (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Obj(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object's entries, each key once with its last value, in the order
    /// the keys first appear (as `serde_json::Map` iterates them). Empty
    /// for anything but an object.
    pub fn entries(&self) -> Vec<(&str, &Json<'a>)> {
        let Json::Obj(entries) = self else {
            return Vec::new();
        };
        if entries.len() <= 16 {
            return entries
                .iter()
                .enumerate()
                .filter(|(i, (k, _))| !entries.iter().take(*i).any(|(other, _)| other == k))
                .map(|(_, (k, _))| (k.as_ref(), self.get(k).unwrap_or(&Json::Null)))
                .collect();
        }
        // a large object: one pass to find each key's last value
        let mut last: std::collections::HashMap<&str, &Json<'a>> =
            std::collections::HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            last.insert(k.as_ref(), v);
        }
        let mut out = Vec::with_capacity(last.len());
        for (k, _) in entries {
            if let Some(v) = last.remove(k.as_ref()) {
                out.push((k.as_ref(), v));
            }
        }
        out
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Obj(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }

    /// "a number", "a list"...: for messages about the wrong kind of value.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "a list",
            Json::Obj(_) => "an object",
        }
    }

    /// Holds something: not null, false, "", [] or {}.
    pub fn non_empty(&self) -> bool {
        match self {
            Json::Null => false,
            Json::Bool(b) => *b,
            Json::Str(s) => !s.is_empty(),
            Json::Arr(a) => !a.is_empty(),
            Json::Obj(o) => !o.is_empty(),
            Json::Num(_) => true,
        }
    }

    /// The same value as a `serde_json::Value` (for the few values that are
    /// written back out, such as a conversation's `id`).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Num(n) => serde_json::Value::Number(n.clone()),
            Json::Str(s) => serde_json::Value::String(s.to_string()),
            Json::Arr(items) => {
                serde_json::Value::Array(items.iter().map(Json::to_value).collect())
            }
            Json::Obj(_) => serde_json::Value::Object(
                self.entries()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Num(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Num(n.into()))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Json<'de>, E> {
        // serde_json never hands over a non-finite number
        Ok(Number::from_f64(x).map_or(Json::Null, Json::Num))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let v = map.next_value()?;
            entries.push((k, v));
        }
        Ok(Json::Obj(entries))
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// A key that borrows from the input when it has no escapes (serde's own
/// `Cow<str>` always copies).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_serde_json_value() {
        let texts = [
            r#"{"a": 1, "b": [true, null, "x\ny"], "c": {"d": -0, "e": 1.5e3}}"#,
            r#"{"k": 1, "k": 2, "j": 3}"#,
            r#"[18446744073709551615, -9223372036854775808, 0.1]"#,
            r#""é\u00e9""#,
        ];
        for t in texts {
            let ours = Json::parse(t).unwrap().to_value();
            let theirs: serde_json::Value = serde_json::from_str(t).unwrap();
            assert_eq!(ours, theirs, "{t}");
        }
    }

    #[test]
    fn later_keys_win_and_keep_their_first_place() {
        let v = Json::parse(r#"{"k": 1, "j": 2, "k": "last"}"#).unwrap();
        assert_eq!(v.get("k").and_then(Json::as_str), Some("last"));
        let keys: Vec<(&str, String)> = v
            .entries()
            .into_iter()
            .map(|(k, v)| (k, format!("{}", v.to_value())))
            .collect();
        assert_eq!(
            keys,
            [("k", "\"last\"".to_string()), ("j", "2".to_string())]
        );
    }

    #[test]
    fn errors_are_serde_jsons() {
        for t in ["{", "{\"a\" 1}", "1e400", "[1,]", &"[".repeat(200)] {
            let ours = Json::parse(t).unwrap_err().to_string();
            let theirs = serde_json::from_str::<serde_json::Value>(t)
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{t}");
        }
    }

    #[test]
    fn plain_strings_borrow() {
        let v = Json::parse(r#"{"key": "plain", "esc": "a\"b"}"#).unwrap();
        let Json::Obj(entries) = &v else { panic!() };
        assert!(matches!(entries[0].0, Cow::Borrowed(_)));
        assert!(matches!(entries[0].1, Json::Str(Cow::Borrowed(_))));
        assert!(matches!(entries[1].1, Json::Str(Cow::Owned(_))));
    }
}

#[cfg(test)]
mod unreadable_tests {
    use super::*;

    fn check(text: &str) -> (serde_json::Value, String) {
        match Json::parse(text) {
            Ok(_) => (serde_json::Value::Null, "parsed".into()),
            Err(e) => unreadable(text, &e),
        }
    }

    #[test]
    fn a_huge_number_keeps_the_id() {
        let (id, msg) = check(r#"{"id":"a","facts":{"score":1e400}}"#);
        assert_eq!(id, "a");
        assert!(msg.contains("`1e400`"), "{msg}");
        let (id, msg) = check(r#"{"id":7,"facts":{"score":-2E+999,"x":1}}"#);
        assert_eq!(id, 7);
        assert!(msg.contains("`-2E+999`"), "{msg}");
        // facts without an envelope have no id
        let (id, _) = check(r#"{"score":1e400}"#);
        assert!(id.is_null());
        // other errors are as serde_json says
        let (id, msg) = check(r#"{"id":"a","facts":{"#);
        assert!(id.is_null());
        assert!(msg.starts_with("not valid JSON: "), "{msg}");
    }
}
