//! The one error type of mailwire, with a kind every language maps 1:1.

use std::fmt;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, independent of the protocol; every binding maps these 1:1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// DNS failure, connection refused or reset, connection closed by the peer.
    Connect,
    /// TLS handshake or certificate failure, or STARTTLS not offered by the server.
    Tls,
    /// The server refused the credentials.
    Auth,
    /// A deadline (connect, greeting, command, IDLE) passed.
    Timeout,
    /// The mailbox or message does not exist.
    NotFound,
    /// The mailbox already exists.
    AlreadyExists,
    /// The server answered NO/BAD (IMAP) or a 4xx/5xx reply (SMTP).
    Rejected,
    /// The server sent something unparsable or out of order.
    Protocol,
    /// The caller passed something unusable (a bad address, CR/LF in a name, …).
    InvalidInput,
    /// The client was logged out or shut down.
    Closed,
}

impl ErrorKind {
    /// A stable, lower-case name for the kind (`"not_found"`, `"timeout"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Auth => "auth",
            ErrorKind::Timeout => "timeout",
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Protocol => "protocol",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Closed => "closed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from mailwire: a [kind](ErrorKind), a description, and what the server said.
///
/// `Display` prints the description and the server's text; the underlying cause (an I/O or
/// TLS error) is available through [`std::error::Error::source`]. No error ever contains a
/// password or token.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    server_text: Option<String>,
    response_code: Option<String>,
    smtp_code: Option<u16>,
    enhanced_code: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// Creates an error of `kind` with a description.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                server_text: None,
                response_code: None,
                smtp_code: None,
                enhanced_code: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_server_text(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !text.is_empty() {
            self.inner.server_text = Some(text);
        }
        self
    }

    pub(crate) fn with_response_code(mut self, code: impl Into<String>) -> Self {
        self.inner.response_code = Some(code.into());
        self
    }

    pub(crate) fn with_smtp_code(mut self, code: u16, enhanced: Option<String>) -> Self {
        self.inner.smtp_code = Some(code);
        self.inner.enhanced_code = enhanced;
        self
    }

    /// Withholds the description or the server text when it contains any of `secrets`
    /// (a server may echo what it was sent, and a malformed reply is quoted in the error).
    pub(crate) fn withhold(mut self, secrets: &[String]) -> Self {
        for secret in secrets {
            let s = Some(secret.as_str());
            if crate::net::scrub(&self.inner.message, s) != self.inner.message {
                self.inner.message = format!(
                    "{} error whose text is withheld: it contained the credentials",
                    self.inner.kind
                );
            }
            if let Some(text) = &self.inner.server_text {
                self.inner.server_text = Some(crate::net::scrub(text, s));
            }
        }
        self
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn timeout(what: &str, after: std::time::Duration) -> Self {
        Error::new(
            ErrorKind::Timeout,
            format!("{what} timed out after {:.1} s", after.as_secs_f64()),
        )
    }

    pub(crate) fn closed() -> Self {
        Error::new(ErrorKind::Closed, "the client is closed")
    }

    /// Maps an I/O error on an established connection.
    pub(crate) fn io(context: &str, err: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let kind = match err.kind() {
            K::TimedOut => ErrorKind::Timeout,
            K::InvalidData => {
                // rustls reports certificate and handshake failures as InvalidData.
                if err
                    .get_ref()
                    .is_some_and(|e| e.downcast_ref::<tokio_rustls::rustls::Error>().is_some())
                {
                    ErrorKind::Tls
                } else {
                    ErrorKind::Protocol
                }
            }
            _ => ErrorKind::Connect,
        };
        Error::new(kind, context.to_string()).with_source(err)
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The description of what failed, without the server text or the cause.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The human-readable text of the server's reply, when the server answered.
    pub fn server_text(&self) -> Option<&str> {
        self.inner.server_text.as_deref()
    }

    /// The IMAP response code (`NONEXISTENT`, `ALREADYEXISTS`, `AUTHENTICATIONFAILED`, …).
    pub fn response_code(&self) -> Option<&str> {
        self.inner.response_code.as_deref()
    }

    /// The SMTP reply code (`550`, `421`, …).
    pub fn smtp_code(&self) -> Option<u16> {
        self.inner.smtp_code
    }

    /// The SMTP enhanced status code (`5.1.1`, …), when the server sent one.
    pub fn enhanced_code(&self) -> Option<&str> {
        self.inner.enhanced_code.as_deref()
    }

    /// True when retrying later may succeed: an SMTP 4xx reply, a timeout or a lost connection.
    pub fn is_transient(&self) -> bool {
        match self.inner.smtp_code {
            Some(code) => (400..500).contains(&code),
            None => matches!(self.kind(), ErrorKind::Timeout | ErrorKind::Connect),
        }
    }

    /// True when the server refused for good (an SMTP 5xx reply).
    pub fn is_permanent(&self) -> bool {
        matches!(self.inner.smtp_code, Some(code) if code >= 500)
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// True for [`ErrorKind::Connect`].
    pub fn is_connect(&self) -> bool {
        self.kind() == ErrorKind::Connect
    }

    /// True when the connection this error came from cannot be used any more.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Protocol | ErrorKind::Tls
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        if let Some(code) = self.inner.smtp_code {
            write!(f, " ({code}")?;
            if let Some(enh) = &self.inner.enhanced_code {
                write!(f, " {enh}")?;
            }
            f.write_str(")")?;
        }
        if let Some(text) = &self.inner.server_text {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(t) = &self.inner.server_text {
            d.field("server_text", t);
        }
        if let Some(c) = &self.inner.response_code {
            d.field("response_code", c);
        }
        if let Some(c) = &self.inner.smtp_code {
            d.field("smtp_code", c);
        }
        if let Some(c) = &self.inner.enhanced_code {
            d.field("enhanced_code", c);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_codes_and_server_text() {
        let e = Error::new(ErrorKind::Rejected, "recipient refused")
            .with_smtp_code(550, Some("5.1.1".into()))
            .with_server_text("User unknown");
        assert_eq!(e.to_string(), "recipient refused (550 5.1.1): User unknown");
        assert!(e.is_permanent());
        assert!(!e.is_transient());
    }

    #[test]
    fn withhold_replaces_texts_that_contain_a_secret() {
        let e = Error::protocol("malformed SMTP reply line \"5x hunter2\"")
            .with_server_text("echo hunter2")
            .withhold(&["other".into(), "hunter2".into()]);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e
            .message()
            .starts_with("protocol error whose text is withheld"));
        let e = Error::protocol("fine").withhold(&["hunter2".into()]);
        assert_eq!(e.message(), "fine");
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
