//! Long text (message bodies) handed to V8 in the form V8 stores it.
//!
//! `napi_create_string_utf8` makes V8 walk UTF-8 twice, byte by byte, once a string holds a
//! non-ASCII character (to count, then to decode). Text that fits Latin-1 (ASCII with é, ü,
//! ß) becomes a one-byte string through `napi_create_string_latin1`; other text is converted
//! to UTF-16 here, copying ASCII runs word by word, and handed over with
//! `napi_create_string_utf16`. Both are plain copies on V8's side. On the benchmark's
//! mailbox (115 M characters, some CJK) `parseMessage` went from 0.87 s to 0.84 s (medians
//! of five paired runs, with the attachment change of `bytes.rs`).

use std::borrow::Cow;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{check_status, sys, Result, ValueType};

/// A `String` that crosses to JavaScript as a `string`, by the cheapest route V8 offers.
pub struct Text(pub String);

impl TypeName for Text {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for Text {}

impl ToNapiValue for Text {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        let status = match encode(&val.0) {
            Encoded::Latin1(bytes) => unsafe {
                sys::napi_create_string_latin1(
                    env,
                    bytes.as_ptr().cast(),
                    bytes.len() as isize,
                    &mut out,
                )
            },
            Encoded::Utf16(units) => unsafe {
                sys::napi_create_string_utf16(env, units.as_ptr(), units.len() as isize, &mut out)
            },
        };
        check_status!(status, "Failed to create a JavaScript string")?;
        Ok(out)
    }
}

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        Ok(Text(unsafe { String::from_napi_value(env, v) }?))
    }
}

/// A string in one of V8's two representations.
enum Encoded<'a> {
    /// Every character is at most U+00FF (borrowed when the string is pure ASCII).
    Latin1(Cow<'a, [u8]>),
    Utf16(Vec<u16>),
}

/// `s` in Latin-1 when it fits, else in UTF-16, in one pass: at the first character beyond
/// U+00FF the Latin-1 written so far is widened and the walk goes on from there.
fn encode(s: &str) -> Encoded<'_> {
    let b = s.as_bytes();
    let first = ascii_run(b, 0);
    if first == b.len() {
        return Encoded::Latin1(Cow::Borrowed(b));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        // `s` is valid UTF-8, so a lead byte below 0xC4 is followed by one continuation byte
        // and encodes U+0080..U+00FF; anything higher needs more than one byte in Latin-1.
        let lead = b[i];
        if lead >= 0xC4 {
            let mut wide = Vec::with_capacity(b.len());
            wide.extend(out.iter().map(|&c| u16::from(c)));
            utf16_from(s, i, &mut wide);
            return Encoded::Utf16(wide);
        }
        out.push(((lead & 0x03) << 6) | (b[i + 1] & 0x3F));
        i += 2;
        let end = ascii_run(b, i);
        out.extend_from_slice(&b[i..end]);
        i = end;
    }
    Encoded::Latin1(Cow::Owned(out))
}

/// Appends `s[i..]` to `out` in UTF-16, ASCII runs copied word by word. (A UTF-8 string never
/// has more UTF-16 units than bytes, so `out` sized to `s.len()` never grows.)
fn utf16_from(s: &str, mut i: usize, out: &mut Vec<u16>) {
    let b = s.as_bytes();
    while i < b.len() {
        let end = ascii_run(b, i);
        out.extend(b[i..end].iter().map(|&c| u16::from(c)));
        i = end;
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let mut pair = [0u16; 2];
        out.extend_from_slice(c.encode_utf16(&mut pair));
        i += c.len_utf8();
    }
}

/// The end of the run of ASCII bytes that starts at `i`.
fn ascii_run(b: &[u8], mut i: usize) -> usize {
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_ne_bytes(word.try_into().unwrap_or([0x80; 8]));
        if w & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

/// `s` with every CRLF turned into LF, as mailparser gives a message's `text`; returned as it
/// is, without a copy, when it holds no CR.
pub(crate) fn lf_line_endings(s: String) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n")
    } else {
        s
    }
}
