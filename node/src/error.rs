//! Carries a [`mailwire::Error`] across the boundary. napi-rs async functions cannot give a
//! rejected promise a custom `code`, so the error travels as `MAILWIRE_ERROR` followed by a
//! JSON object (kind, message, server text and codes); the facade (`lib/errors.ts`) turns it
//! into a `MailError` with `.code` (`EAUTH`, `ETIMEDOUT`, …).
//!
//! [`guard`] and [`guard_async`] are the last line of defence: every export runs through
//! one, so a panic (a bug) becomes an `EPROTOCOL` error carrying its text. Unguarded, a
//! panic in a sync export would abort the Node process, and one in an async export would
//! reject with a bare message and no code.

use std::fmt::Write as _;

use mailwire::ErrorKind;

/// The prefix of an encoded error message.
pub(crate) const MARKER: &str = "MAILWIRE_ERROR";

/// A result whose error is a napi error carrying an encoded mailwire error.
pub(crate) type Result<T> = napi::Result<T>;

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn field(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = write!(out, ",\"{name}\":");
        json_str(out, v);
    }
}

/// Encodes `e` as a napi error the facade decodes: the core's [`mailwire::ErrorFields`],
/// camelCased, nothing added.
pub(crate) fn to_napi(e: mailwire::Error) -> napi::Error {
    let f = e.fields();
    let mut out = String::from(MARKER);
    out.push_str("{\"kind\":");
    json_str(&mut out, f.kind.as_str());
    out.push_str(",\"message\":");
    json_str(&mut out, &f.message);
    field(&mut out, "description", Some(&f.description));
    field(&mut out, "serverText", f.server_text.as_deref());
    field(&mut out, "responseCode", f.response_code.as_deref());
    if let Some(code) = f.smtp_code {
        let _ = write!(out, ",\"smtpCode\":{code}");
    }
    field(&mut out, "enhancedCode", f.enhanced_code.as_deref());
    let _ = write!(
        out,
        ",\"transient\":{},\"permanent\":{}",
        f.transient, f.permanent
    );
    field(&mut out, "cause", f.cause.as_deref());
    out.push('}');
    napi::Error::from_reason(out)
}

/// Runs a sync export; a panic inside it becomes an `EPROTOCOL` error with its text.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    mailwire::panic::catch(f).unwrap_or_else(|e| Err(to_napi(e)))
}

/// Runs the body of an async export; a panic in any of its polls rejects the promise with
/// an `EPROTOCOL` error with its text.
pub(crate) async fn guard_async<T>(fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    mailwire::panic::catch_future(fut)
        .await
        .unwrap_or_else(|e| Err(to_napi(e)))
}

/// An `InvalidInput` error for a bad argument caught in the glue.
pub(crate) fn invalid(message: impl Into<String>) -> napi::Error {
    to_napi(mailwire::Error::new(ErrorKind::InvalidInput, message))
}

/// Converts core results.
pub(crate) trait IntoNapi<T> {
    /// The core error, encoded for the facade.
    fn napi(self) -> Result<T>;
}

impl<T> IntoNapi<T> for mailwire::Result<T> {
    fn napi(self) -> Result<T> {
        self.map_err(to_napi)
    }
}
