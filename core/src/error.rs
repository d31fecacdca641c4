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

/// What every language binding shows of an [`Error`]: [`Error::fields`]. A binding maps
/// these one to one (renamed to its case convention) and adds nothing of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorFields {
    /// The kind; bindings pick their exception class or error code from it.
    pub kind: ErrorKind,
    /// The whole readable text ([`Display`](fmt::Display)): description, SMTP codes and
    /// the server's text. The exception message in every language.
    pub message: String,
    /// What failed, without the server's text or codes.
    pub description: String,
    /// The server's own text, when it answered.
    pub server_text: Option<String>,
    /// The IMAP response code (`NONEXISTENT`, `AUTHENTICATIONFAILED`, …).
    pub response_code: Option<String>,
    /// The SMTP reply code (`550`, `421`, …).
    pub smtp_code: Option<u16>,
    /// The SMTP enhanced status code (`5.1.1`, …).
    pub enhanced_code: Option<String>,
    /// [`Error::is_permanent`].
    pub permanent: bool,
    /// [`Error::is_transient`].
    pub transient: bool,
    /// The underlying causes (an I/O or TLS error), outermost first, joined with `": "`.
    pub cause: Option<String>,
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

    /// True when retrying later may succeed: an SMTP 4xx reply, a timeout, a lost
    /// connection, or an IMAP answer with `[UNAVAILABLE]`, `[INUSE]` or `[LIMIT]`.
    pub fn is_transient(&self) -> bool {
        match self.inner.smtp_code {
            Some(code) => (400..500).contains(&code),
            None => {
                matches!(self.kind(), ErrorKind::Timeout | ErrorKind::Connect)
                    || matches!(
                        self.response_code(),
                        Some("UNAVAILABLE" | "INUSE" | "LIMIT")
                    )
            }
        }
    }

    /// True when retrying the same request cannot succeed: an SMTP 5xx reply, or, from
    /// IMAP, refused credentials (unless `[UNAVAILABLE]`), a mailbox or message that does not
    /// exist, a mailbox that already does. A refused login is permanent in IMAP and SMTP
    /// alike.
    pub fn is_permanent(&self) -> bool {
        match self.inner.smtp_code {
            Some(code) => code >= 500,
            None => match self.kind() {
                ErrorKind::Auth => !self.is_transient(),
                ErrorKind::NotFound | ErrorKind::AlreadyExists => true,
                _ => false,
            },
        }
    }

    /// Every field a language binding shows for this error, computed once here so that the
    /// five faces cannot drift (DESIGN §4).
    pub fn fields(&self) -> ErrorFields {
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            causes.push(c.to_string());
            cause = c.source();
        }
        ErrorFields {
            kind: self.kind(),
            message: self.to_string(),
            description: self.inner.message.clone(),
            server_text: self.inner.server_text.clone(),
            response_code: self.inner.response_code.clone(),
            smtp_code: self.inner.smtp_code,
            enhanced_code: self.inner.enhanced_code.clone(),
            permanent: self.is_permanent(),
            transient: self.is_transient(),
            cause: (!causes.is_empty()).then(|| causes.join(": ")),
        }
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

    // conformance: errors.fields
    #[test]
    fn display_carries_codes_and_server_text() {
        let e = Error::new(ErrorKind::Rejected, "recipient refused")
            .with_smtp_code(550, Some("5.1.1".into()))
            .with_server_text("User unknown");
        assert_eq!(e.to_string(), "recipient refused (550 5.1.1): User unknown");
        assert!(e.is_permanent());
        assert!(!e.is_transient());
    }

    // conformance: errors.no-secrets
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

    // conformance: errors.fields
    #[test]
    fn fields_are_the_same_for_every_face() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = Error::io("reading the reply", io);
        let f = e.fields();
        assert_eq!(f.kind, ErrorKind::Connect);
        assert_eq!(f.message, "reading the reply");
        assert_eq!(f.cause.as_deref(), Some("reset by peer"));
        assert!(f.transient && !f.permanent);

        let f = Error::new(ErrorKind::Rejected, "recipient refused")
            .with_smtp_code(450, Some("4.2.0".into()))
            .with_server_text("try later")
            .fields();
        assert_eq!(f.message, "recipient refused (450 4.2.0): try later");
        assert_eq!(f.description, "recipient refused");
        assert_eq!(f.server_text.as_deref(), Some("try later"));
        assert_eq!(
            (f.smtp_code, f.enhanced_code.as_deref()),
            (Some(450), Some("4.2.0"))
        );
        assert!(f.transient && !f.permanent);
        assert_eq!(f.cause, None);
    }

    // conformance: auth.refused, errors.fields
    #[test]
    fn a_refused_login_is_permanent_in_imap_as_in_smtp() {
        let imap = Error::new(ErrorKind::Auth, "login refused")
            .with_response_code("AUTHENTICATIONFAILED")
            .with_server_text("Authentication failed.");
        let smtp =
            Error::new(ErrorKind::Auth, "login refused").with_smtp_code(535, Some("5.7.8".into()));
        assert!(imap.is_permanent() && smtp.is_permanent());
        assert!(!imap.is_transient() && !smtp.is_transient());
        // "Try again later" is transient, not permanent.
        let busy = Error::new(ErrorKind::Auth, "login refused").with_response_code("UNAVAILABLE");
        assert!(busy.is_transient() && !busy.is_permanent());
        let smtp_busy = Error::new(ErrorKind::Auth, "login refused").with_smtp_code(454, None);
        assert!(smtp_busy.is_transient() && !smtp_busy.is_permanent());
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
