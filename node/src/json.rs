//! A small JSON writer for records that cross the boundary as one string: `JSON.parse` in
//! the facade builds the objects far faster than napi can set their properties one by one.
//! Absent optional fields are left out (as napi-rs leaves out `None`), dates are epoch
//! milliseconds (the facade turns them into `Date`s).

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use mailwire::message::Address;

/// A JSON object or array under construction.
pub(crate) struct Json {
    pub(crate) out: String,
    /// Whether the next member is the first of its object or array (no comma).
    first: bool,
}

impl Json {
    /// An empty writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Json {
            out: String::with_capacity(capacity),
            first: true,
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.sep();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    /// Opens an object (as an array element).
    pub(crate) fn begin_object(&mut self) {
        self.sep();
        self.out.push('{');
        self.first = true;
    }

    /// Opens an object as the value of `key`.
    pub(crate) fn begin_object_at(&mut self, key: &str) {
        self.key(key);
        self.out.push('{');
        self.first = true;
    }

    /// Closes an object.
    pub(crate) fn end_object(&mut self) {
        self.out.push('}');
        self.first = false;
    }

    /// Opens an array (top level or as an array element).
    pub(crate) fn begin_array(&mut self) {
        self.sep();
        self.out.push('[');
        self.first = true;
    }

    /// Opens an array as the value of `key`.
    pub(crate) fn begin_array_at(&mut self, key: &str) {
        self.key(key);
        self.out.push('[');
        self.first = true;
    }

    /// Closes an array.
    pub(crate) fn end_array(&mut self) {
        self.out.push(']');
        self.first = false;
    }

    /// A string array element.
    pub(crate) fn item_str(&mut self, s: &str) {
        self.sep();
        escape(&mut self.out, s);
    }

    /// `"key": "s"`.
    pub(crate) fn str(&mut self, key: &str, s: &str) {
        self.key(key);
        escape(&mut self.out, s);
    }

    /// `"key": "s"` when `s` is present.
    pub(crate) fn opt_str(&mut self, key: &str, s: Option<&str>) {
        if let Some(s) = s {
            self.str(key, s);
        }
    }

    /// `"key": n`.
    pub(crate) fn num(&mut self, key: &str, n: impl std::fmt::Display) {
        self.key(key);
        let _ = write!(self.out, "{n}");
    }

    /// `"key": "n"`: a number as a string, for integers JavaScript cannot hold exactly
    /// (above 2**53). Digits only: nothing to escape.
    pub(crate) fn num_str(&mut self, key: &str, n: u64) {
        self.key(key);
        let _ = write!(self.out, "\"{n}\"");
    }

    /// `"key": true|false`.
    pub(crate) fn bool(&mut self, key: &str, b: bool) {
        self.key(key);
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// `"key": epoch milliseconds` when `d` is present.
    pub(crate) fn opt_date(&mut self, key: &str, d: Option<&DateTime<FixedOffset>>) {
        if let Some(d) = d {
            self.num(key, d.timestamp_millis());
        }
    }

    /// `"key": [{name?, address}, …]`.
    pub(crate) fn addrs(&mut self, key: &str, list: &[Address]) {
        self.begin_array_at(key);
        for a in list {
            self.addr(a);
        }
        self.end_array();
    }

    /// `{name?, address}` as an array element.
    pub(crate) fn addr(&mut self, a: &Address) {
        self.begin_object();
        self.opt_str("name", a.name.as_deref());
        self.str("address", &a.address);
        self.end_object();
    }
}

/// Appends `s` as a JSON string literal in pure ASCII (other characters as `\\uXXXX`), so
/// that V8 keeps the whole document a one-byte string and parses it on its fast path.
fn escape(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (0x20..0x80).contains(&b) && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        // `i` starts a character, so both slices are on char boundaries.
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0..=0x1f => {
                let _ = write!(out, "\\u{b:04x}");
            }
            _ => {
                let c = s[i..].chars().next().unwrap_or('\u{fffd}');
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
                i += c.len_utf8();
                start = i;
                continue;
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_separates() {
        let mut j = Json::with_capacity(64);
        j.begin_array();
        j.begin_object();
        j.str("a", "q\"\\\n\u{1}é📈");
        j.opt_str("b", None);
        j.num("c", 5);
        j.bool("d", true);
        j.num_str("e", u64::MAX);
        j.end_object();
        j.item_str("x");
        j.end_array();
        assert_eq!(
            j.out,
            r#"[{"a":"q\"\\\n\u0001\u00e9\ud83d\udcc8","c":5,"d":true,"e":"18446744073709551615"},"x"]"#
        );
    }
}
