//! The one error enum of DESIGN §4: a case per [`mailwire::ErrorKind`], each carrying the
//! readable text and what the server said; and the last line of defence, [`guard`] and
//! [`guard_async`], through which every export that can fail runs, so that a panic (a bug)
//! is a `Protocol` error with its text. uniffi alone reports a panic as an internal error
//! (Kotlin `InternalException`, Swift `UniffiInternalError.rustPanic`), outside `MailError`.

use mailwire::ErrorKind;

/// A mailwire failure. The case tells what went wrong; every case carries the core's error
/// fields (`mailwire::ErrorFields`): the readable `text` (also the exception message), the
/// `description` without the server's text, the server's own text and codes, `permanent`,
/// `transient` and the underlying `cause`.
///
/// Kotlin: `MailException.Connect`, … (`e.message` is `text`). Swift: `MailError.Connect(…)`
/// (`localizedDescription` is `text`).
#[derive(Debug, uniffi::Error)]
pub enum MailError {
    /// DNS failure, connection refused or reset, connection closed by the peer.
    Connect {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// TLS handshake or certificate failure, or STARTTLS not offered by the server.
    Tls {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The server refused the credentials.
    Auth {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// A deadline (connect, greeting, command, IDLE) passed.
    Timeout {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The mailbox or message does not exist.
    NotFound {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The mailbox already exists.
    AlreadyExists {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The server answered NO/BAD (IMAP) or a 4xx/5xx reply (SMTP); `permanent` for 5xx.
    Rejected {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The server sent something unparsable or out of order.
    Protocol {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The caller passed something unusable (a bad address, CR/LF in a name, …).
    InvalidInput {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
    /// The client was logged out or shut down, or the stream was cancelled.
    Closed {
        text: String,
        server_text: Option<String>,
        response_code: Option<String>,
        smtp_code: Option<u16>,
        enhanced_code: Option<String>,
        description: String,
        permanent: bool,
        transient: bool,
        cause: Option<String>,
    },
}

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (MailError::Connect { text, .. }
        | MailError::Tls { text, .. }
        | MailError::Auth { text, .. }
        | MailError::Timeout { text, .. }
        | MailError::NotFound { text, .. }
        | MailError::AlreadyExists { text, .. }
        | MailError::Rejected { text, .. }
        | MailError::Protocol { text, .. }
        | MailError::InvalidInput { text, .. }
        | MailError::Closed { text, .. }) = self;
        f.write_str(text)
    }
}

impl std::error::Error for MailError {}

impl From<mailwire::Error> for MailError {
    /// The core's [`mailwire::ErrorFields`], one to one.
    fn from(e: mailwire::Error) -> Self {
        let f = e.fields();
        macro_rules! case {
            ($v:ident) => {
                MailError::$v {
                    text: f.message,
                    server_text: f.server_text,
                    response_code: f.response_code,
                    smtp_code: f.smtp_code,
                    enhanced_code: f.enhanced_code,
                    description: f.description,
                    permanent: f.permanent,
                    transient: f.transient,
                    cause: f.cause,
                }
            };
        }
        match f.kind {
            ErrorKind::Connect => case!(Connect),
            ErrorKind::Tls => case!(Tls),
            ErrorKind::Auth => case!(Auth),
            ErrorKind::Timeout => case!(Timeout),
            ErrorKind::NotFound => case!(NotFound),
            ErrorKind::AlreadyExists => case!(AlreadyExists),
            ErrorKind::Rejected => case!(Rejected),
            ErrorKind::Protocol => case!(Protocol),
            ErrorKind::InvalidInput => case!(InvalidInput),
            ErrorKind::Closed => case!(Closed),
            // ErrorKind is non-exhaustive; a kind added later is reported as Protocol until
            // this binding learns it.
            _ => case!(Protocol),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for MailError {
    /// What a Kotlin or Swift callback (`TokenProvider.token`) threw, other than a
    /// `MailError`: its text (Kotlin `toString()`, Swift `String(describing:)`). Only a token
    /// provider can throw, so it is an `Auth` failure.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        mailwire::Error::new(ErrorKind::Auth, e.reason).into()
    }
}

/// Shorthand for the exported functions.
pub(crate) type Result<T> = std::result::Result<T, MailError>;

/// Runs a sync export; a panic inside it becomes `MailError::Protocol` with its text.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    mailwire::panic::catch(f).unwrap_or_else(|e| Err(e.into()))
}

/// Runs the body of an async export; a panic in any of its polls becomes
/// `MailError::Protocol` with its text.
pub(crate) async fn guard_async<T>(fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    mailwire::panic::catch_future(fut)
        .await
        .unwrap_or_else(|e| Err(e.into()))
}

/// Runs one core call for an export: its output converted, its error turned into
/// `MailError`, a panic in any of its polls caught ([`guard_async`]).
///
/// The core's future goes to the heap at once. uniffi polls it on the caller's thread (a
/// JVM thread has 1 MiB of stack), and in a debug build every async layer that holds a
/// large future (IDLE's is about 100 KiB) reserves that much stack again: unboxed, the
/// layers and a deep parse overflowed the stack.
pub(crate) fn call<T, U: From<T>>(
    fut: impl std::future::Future<Output = mailwire::Result<T>>,
) -> impl std::future::Future<Output = Result<U>> {
    let fut = Box::pin(fut);
    guard_async(async move { Ok(fut.await?.into()) })
}

/// Panics inside Rust with `msg`. Test-only: proves that a panic becomes
/// `MailError.Protocol` carrying its text, and that the process lives on.
#[uniffi::export]
pub fn debug_panic(msg: String) -> Result<()> {
    guard(|| mailwire::panic::__debug_panic(&msg))
}

/// Fails after a panic inside the Rust future. Test-only: proves that a panic in an async
/// call becomes `MailError.Protocol` carrying its text.
#[uniffi::export(async_runtime = "tokio")]
pub async fn debug_panic_async(msg: String) -> Result<()> {
    guard_async(async {
        mailwire::panic::__debug_panic_async(msg).await;
        Ok(())
    })
    .await
}
