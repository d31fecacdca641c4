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

/// Encodes `e` as a napi error the facade decodes.
pub(crate) fn to_napi(e: mailwire::Error) -> napi::Error {
    let mut out = String::from(MARKER);
    out.push_str("{\"kind\":");
    json_str(&mut out, e.kind().as_str());
    out.push_str(",\"message\":");
    json_str(&mut out, &e.to_string());
    field(&mut out, "description", Some(e.message()));
    field(&mut out, "serverText", e.server_text());
    field(&mut out, "responseCode", e.response_code());
    if let Some(code) = e.smtp_code() {
        let _ = write!(out, ",\"smtpCode\":{code}");
    }
    field(&mut out, "enhancedCode", e.enhanced_code());
    let (transient, permanent) = retry_fields(&e);
    let _ = write!(out, ",\"transient\":{transient},\"permanent\":{permanent}");
    let mut cause = std::error::Error::source(&e);
    let mut causes = Vec::new();
    while let Some(c) = cause {
        causes.push(c.to_string());
        cause = c.source();
    }
    if !causes.is_empty() {
        field(&mut out, "cause", Some(&causes.join(": ")));
    }
    out.push('}');
    napi::Error::from_reason(out)
}

/// `transient` and `permanent` of `e`, the same for IMAP and SMTP: the core derives them
/// from SMTP reply codes only, so a login the IMAP server refused would be neither, while
/// SMTP's 535 is permanent. A refused login is permanent in both, unless the server said
/// it is temporary (an SMTP 4xx, IMAP's `[UNAVAILABLE]`), which is transient in both.
/// (A candidate for the core's `Error::fields()`.)
fn retry_fields(e: &mailwire::Error) -> (bool, bool) {
    if e.kind() != ErrorKind::Auth || e.smtp_code().is_some() {
        return (e.is_transient(), e.is_permanent());
    }
    let unavailable = e.response_code() == Some("UNAVAILABLE");
    (unavailable, !unavailable)
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
