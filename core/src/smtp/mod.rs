//! SMTP submission: a pooled client that judges every recipient on its own.
//!
//! [`SmtpClient`] keeps up to [`SmtpConfig::pool_size`] authenticated connections, checks an
//! idle one with `NOOP` before reusing it (except one used within the last two seconds; a
//! send on such a connection that dies before the server answered is retried once on
//! another), and pipelines `MAIL FROM`, every `RCPT TO` and
//! `DATA` in one write when the server offers PIPELINING. A refused recipient is reported in
//! [`SendResult::rejected`] while the others still get the message; only when every recipient
//! is refused does the send fail with [`ErrorKind::Rejected`].
//!
//! Commands and replies are traced with `tracing` at `debug` level, target `mailwire::smtp`;
//! AUTH payloads appear as `<redacted>`.

mod connection;
mod pool;
mod reply;

use std::sync::Arc;

use crate::config::SmtpConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::message::headers::without_blind_fields;
use crate::message::{OutgoingMessage, RawEnvelope};
use pool::Pool;

pub(crate) use connection::DotStuffer;
pub(crate) use reply::read_reply;

pub use crate::progress::Progress;

/// The outcome of a send that reached at least one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// The `Message-ID` of the message, without angle brackets, when it has one.
    pub message_id: Option<String>,
    /// Recipients the server accepted, as given.
    pub accepted: Vec<String>,
    /// Recipients the server refused, with its reply.
    pub rejected: Vec<RecipientError>,
    /// The server's final reply to the message, code first (`250 2.0.0 Ok: queued as
    /// 4Z1…`): what nodemailer calls `response`, and the queue id to quote to its admin.
    pub response: String,
}

/// One recipient the server refused at `RCPT TO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientError {
    /// The recipient address, as given.
    pub address: String,
    /// The SMTP reply code (`550`, `452`, …).
    pub code: u16,
    /// The enhanced status code (`5.1.1`), when the server sent one.
    pub enhanced_code: Option<String>,
    /// The server's text, without the codes.
    pub message: String,
}

impl RecipientError {
    /// True for a 5xx reply: sending to this address again will fail the same way.
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// True for a 4xx reply: the server may accept this address later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }
}

impl std::fmt::Display for RecipientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}> refused ({}", self.address, self.code)?;
        if let Some(enh) = &self.enhanced_code {
            write!(f, " {enh}")?;
        }
        write!(f, "): {}", self.message)
    }
}

/// Pooled SMTP submission client. Cheap to clone (an `Arc` inside), `Send + Sync`; clones
/// share the pool.
#[derive(Clone)]
pub struct SmtpClient {
    pool: Arc<Pool>,
}

impl std::fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.pool.config();
        f.debug_struct("SmtpClient")
            .field("host", &c.host)
            .field("port", &c.port)
            .field("security", &c.security)
            .field("username", &c.auth.username())
            .field("pool_size", &c.pool_size)
            .field("closed", &self.pool.is_closed())
            .finish()
    }
}

impl SmtpClient {
    /// Opens and authenticates one connection now, so an unreachable server, a TLS problem or
    /// refused credentials fail here rather than at the first send. That connection becomes
    /// the first one of the pool.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Connect`], [`ErrorKind::Tls`] (also when STARTTLS is asked for and not
    /// offered), [`ErrorKind::Auth`], [`ErrorKind::Timeout`], or [`ErrorKind::InvalidInput`]
    /// before connecting for a `pool_size` of 0, an empty host, credentials with
    /// [`Security::Plain`](crate::Security::Plain) without `allow_plaintext_auth`, or
    /// credentials no
    /// protocol can carry (CR, LF or NUL in a password; a control character or space in a
    /// token).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the half-open connection; nothing is left behind.
    pub async fn connect(config: SmtpConfig) -> Result<SmtpClient> {
        if config.pool_size == 0 {
            return Err(Error::invalid_input("pool_size must be at least 1"));
        }
        if config.host.is_empty() {
            return Err(Error::invalid_input("the SMTP host is empty"));
        }
        let pool = Arc::new(Pool::new(Arc::new(config)));
        let conn = pool.open().await?;
        pool.add_idle(conn);
        Ok(SmtpClient { pool })
    }

    /// Sends `raw` (a complete RFC 5322 message) from `from` to `recipients` — the envelope;
    /// the message's headers do not change it, so Bcc recipients are simply listed here.
    /// `Bcc` and `Resent-Bcc` fields in `raw` are removed before transmission (the header
    /// section is then rebuilt with CRLF line breaks, by the reader of
    /// [`send_mime`](SmtpClient::send_mime)); a message without them is sent as it is.
    ///
    /// `from` may be empty for the null sender (`MAIL FROM:<>`). The message is dot-stuffed
    /// and bare line feeds become CRLF on the way out. The result's `message_id` is read from
    /// the `Message-ID` header of `raw`.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidInput`] before anything is sent: no recipients, an address
    ///   with CR, LF, NUL, another control character, `<` or `>`, or a header section that
    ///   mail programs could read in different ways and that, in some reading, has a `Bcc`
    ///   field (a bare CR or a control character in a field name, say).
    /// - [`ErrorKind::Rejected`] when the sender, every recipient, `DATA` or the message is
    ///   refused; the error carries the reply code (the first refusal's when all recipients
    ///   were refused), enhanced code and text, and `is_transient()` tells 4xx from 5xx.
    /// - [`ErrorKind::Connect`], [`ErrorKind::Timeout`], [`ErrorKind::Auth`],
    ///   [`ErrorKind::Tls`] when a new connection was needed and failed, or a connection broke.
    /// - [`ErrorKind::Closed`] after [`close`](SmtpClient::close).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never returns the connection it used to the pool mid-transaction:
    /// that connection is closed, and whether the server took the message is unknown.
    pub async fn send_raw<I, S>(&self, from: &str, recipients: I, raw: &[u8]) -> Result<SendResult>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let recipients = collect_recipients(recipients);
        let raw = without_blind_fields(raw)?;
        self.send_inner(from, recipients, &raw, None).await
    }

    /// [`send_raw`](SmtpClient::send_raw) with a [`Progress`] callback that receives the
    /// number of message bytes written and the message size.
    ///
    /// # Cancel safety
    ///
    /// As for [`send_raw`](SmtpClient::send_raw).
    pub async fn send_raw_with_progress<I, S>(
        &self,
        from: &str,
        recipients: I,
        raw: &[u8],
        progress: Progress,
    ) -> Result<SendResult>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let recipients = collect_recipients(recipients);
        let raw = without_blind_fields(raw)?;
        self.send_inner(from, recipients, &raw, Some(progress))
            .await
    }

    /// Sends a message built with [`OutgoingMessage`] to its To, Cc and Bcc recipients (Bcc
    /// never appears in the transmitted headers). Each recipient is judged on its own: the
    /// refused ones are listed in [`SendResult::rejected`], the others still get the message;
    /// only when every recipient is refused does it fail with
    /// [`ErrorKind::Rejected`].
    ///
    /// # Cancel safety
    ///
    /// As for [`send_raw`](SmtpClient::send_raw).
    pub async fn send(&self, message: &OutgoingMessage) -> Result<SendResult> {
        self.send_message(message, None).await
    }

    /// [`send`](SmtpClient::send) with a [`Progress`] callback (bytes written, message size).
    ///
    /// # Cancel safety
    ///
    /// As for [`send_raw`](SmtpClient::send_raw).
    pub async fn send_with_progress(
        &self,
        message: &OutgoingMessage,
        progress: Progress,
    ) -> Result<SendResult> {
        self.send_message(message, Some(progress)).await
    }

    /// Sends a complete RFC 5322 message (built by other code, e.g. Python's `email`
    /// package): the envelope comes from its `Sender`/`From`, `To`, `Cc` and `Bcc` headers
    /// ([`RawEnvelope`]), and the `Bcc` (and `Resent-Bcc`) fields are removed before
    /// transmission. One reading of the header section decides both, and the bytes sent are
    /// rebuilt from it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before anything is sent when the message has no sender or
    /// no recipient, or when its header section could be read in more than one way: a CR
    /// that does not end a line, NUL or another control character, a line that is neither a
    /// `Name: value` field (printable ASCII name) nor a continuation line. Otherwise as for
    /// [`send_raw`](SmtpClient::send_raw).
    ///
    /// # Cancel safety
    ///
    /// As for [`send_raw`](SmtpClient::send_raw).
    pub async fn send_mime(&self, raw: &[u8]) -> Result<SendResult> {
        self.send_mime_inner(raw, None).await
    }

    /// [`send_mime`](SmtpClient::send_mime) with a [`Progress`] callback (bytes written,
    /// message size).
    ///
    /// # Cancel safety
    ///
    /// As for [`send_raw`](SmtpClient::send_raw).
    pub async fn send_mime_with_progress(
        &self,
        raw: &[u8],
        progress: Progress,
    ) -> Result<SendResult> {
        self.send_mime_inner(raw, Some(progress)).await
    }

    async fn send_mime_inner(&self, raw: &[u8], progress: Option<Progress>) -> Result<SendResult> {
        let env = RawEnvelope::from_message(raw)?;
        let recipients = env.recipients.into_iter().map(|a| a.address).collect();
        self.send_inner(&env.from.address, recipients, &env.data, progress)
            .await
    }

    async fn send_message(
        &self,
        message: &OutgoingMessage,
        progress: Option<Progress>,
    ) -> Result<SendResult> {
        let (from, recipients) = message.envelope()?;
        let raw = message.to_bytes()?;
        let recipients = recipients.into_iter().map(|a| a.address).collect();
        self.send_inner(&from.address, recipients, &raw, progress)
            .await
    }

    async fn send_inner(
        &self,
        from: &str,
        recipients: Vec<String>,
        raw: &[u8],
        progress: Option<Progress>,
    ) -> Result<SendResult> {
        if !from.is_empty() {
            check_address(from, "sender")?;
        }
        if recipients.is_empty() {
            return Err(Error::invalid_input("no recipients"));
        }
        for r in &recipients {
            check_address(r, "recipient")?;
        }
        let mut lease = self.pool.acquire().await?;
        let before = lease.conn()?.replies_read();
        let mut outcome = lease
            .conn()?
            .send(from, &recipients, raw, progress.as_ref())
            .await;
        // A pooled connection reused without a NOOP may have been closed by the server
        // meanwhile: when it broke before the server answered anything of this transaction,
        // nothing can have been accepted, so the send is safely retried once.
        let retry = !lease.checked
            && matches!(&outcome, Err(e) if e.breaks_connection())
            && lease.conn()?.replies_read() == before;
        lease.release().await;
        if retry {
            tracing::debug!(target: "mailwire::smtp", "a reused connection had died; retrying on another");
            let mut lease = self.pool.acquire().await?;
            outcome = lease
                .conn()?
                .send(from, &recipients, raw, progress.as_ref())
                .await;
            lease.release().await;
        }
        let (accepted, rejected, response) = outcome?;
        Ok(SendResult {
            message_id: message_id(raw),
            accepted,
            rejected,
            response,
        })
    }

    /// Sends `QUIT` on every idle connection and shuts the pool: later calls fail with
    /// [`ErrorKind::Closed`]. Sends already running finish, and their connections are then
    /// closed. Calling it twice is harmless.
    ///
    /// # Cancel safety
    ///
    /// The pool is marked closed at once; dropping the future merely skips the remaining
    /// `QUIT`s (those connections are closed without one).
    pub async fn close(&self) -> Result<()> {
        self.pool.close().await;
        Ok(())
    }

    /// The extensions the server announced in its EHLO reply (of the connection opened
    /// last), one per line as sent, keyword upper case: `["PIPELINING", "SIZE 10240000",
    /// "AUTH PLAIN LOGIN", …]`. No round trip.
    pub fn extensions(&self) -> Vec<String> {
        self.pool.capabilities().extensions
    }

    /// The SASL mechanisms the server offers (`["PLAIN", "LOGIN"]`), upper case; empty
    /// when it offers none (before TLS, many servers offer none).
    pub fn auth_mechanisms(&self) -> Vec<String> {
        self.pool.capabilities().auth
    }

    /// How many SMTP connections this client has opened so far (for tests of the pool).
    #[doc(hidden)]
    pub fn connections_opened(&self) -> u64 {
        self.pool.connections_opened()
    }
}

fn collect_recipients<I, S>(recipients: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    recipients
        .into_iter()
        .map(|r| r.as_ref().to_string())
        .collect()
}

/// Refuses what cannot be put between `<` and `>` on a command line.
fn check_address(addr: &str, role: &str) -> Result<()> {
    if addr.is_empty() {
        return Err(Error::invalid_input(format!("empty {role} address")));
    }
    if let Some(c) = addr
        .chars()
        .find(|&c| c.is_control() || c == '<' || c == '>')
    {
        return Err(Error::invalid_input(format!(
            "the {role} address {:?} contains {c:?}, which SMTP cannot carry",
            addr
        )));
    }
    Ok(())
}

/// The `Message-ID` header of `raw`, unfolded, without angle brackets; read by the same
/// header reader as the envelope of [`SmtpClient::send_mime`] (none when it refuses the
/// header section).
fn message_id(raw: &[u8]) -> Option<String> {
    let section = crate::message::headers::read_header_section(raw).ok()?;
    let field = section.fields.iter().find(|f| f.is("Message-ID"))?;
    let value: Vec<u8> = field
        .value
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let value = String::from_utf8_lossy(&value).trim().to_string();
    let id = value
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    (!id.is_empty()).then_some(id)
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<SmtpClient>();
    check::<SendResult>();
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let _ = |c: SmtpClient| future_is_send(async move { c.send_raw("a@b", ["c@d"], b"x").await });
    let _ = |c: SmtpClient| future_is_send(async move { c.close().await });
    let _ = ErrorKind::Closed;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_read_unfolded_without_brackets() {
        assert_eq!(
            message_id(b"Subject: x\r\nMessage-ID: <abc@host>\r\n\r\nMessage-ID: <no>\r\n")
                .as_deref(),
            Some("abc@host")
        );
        assert_eq!(
            message_id(b"message-id:\r\n <folded@host>\r\nX: y\r\n\r\n").as_deref(),
            Some("folded@host")
        );
        assert_eq!(
            message_id(b"Subject: x\r\n\r\nMessage-ID: <body@host>\r\n"),
            None
        );
        assert_eq!(message_id(b"Message-ID: <>\r\n\r\n"), None);
    }

    #[test]
    fn addresses_with_line_breaks_or_brackets_are_refused() {
        for bad in ["a@b\r\nRCPT TO:<c@d>", "a\0@b", "<a@b>", "a@b>", ""] {
            assert_eq!(
                check_address(bad, "recipient").unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
        check_address("\"john doe\"@example.com", "recipient").unwrap();
        check_address("jörg@exämple.de", "recipient").unwrap();
    }

    #[test]
    fn recipient_error_classes() {
        let r = RecipientError {
            address: "a@b".into(),
            code: 452,
            enhanced_code: Some("4.5.3".into()),
            message: "too many".into(),
        };
        assert!(r.is_transient() && !r.is_permanent());
        assert_eq!(r.to_string(), "<a@b> refused (452 4.5.3): too many");
    }
}
