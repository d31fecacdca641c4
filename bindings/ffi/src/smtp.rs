//! The pooled SMTP client and its per-recipient result.

use std::sync::Arc;

use mailwire::OutgoingMessage;

use crate::config::SmtpConfig;
use crate::error::Result;
use crate::progress::{to_core, ProgressListener};

/// One recipient the server refused.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RecipientError {
    /// The address, as given.
    pub address: String,
    /// The SMTP reply code (`550`).
    pub code: u16,
    /// The enhanced status code (`5.1.1`), when sent.
    pub enhanced_code: Option<String>,
    /// The server's text, without the codes.
    pub message: String,
    /// A 5xx reply: retrying will fail the same way.
    pub permanent: bool,
}

/// The outcome of a send that reached at least one recipient.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SendResult {
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// Recipients the server accepted.
    pub accepted: Vec<String>,
    /// Recipients the server refused, with its reply.
    pub rejected: Vec<RecipientError>,
}

impl From<mailwire::smtp::SendResult> for SendResult {
    fn from(r: mailwire::smtp::SendResult) -> Self {
        SendResult {
            message_id: r.message_id,
            accepted: r.accepted,
            rejected: r
                .rejected
                .into_iter()
                .map(|e| RecipientError {
                    permanent: e.is_permanent(),
                    address: e.address,
                    code: e.code,
                    enhanced_code: e.enhanced_code,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// A pooled SMTP submission client. Each recipient is judged on its own: refused ones are
/// listed in `SendResult.rejected`, the others still get the message; only when all are
/// refused does a send fail (`Rejected`).
#[derive(uniffi::Object)]
pub struct SmtpClient {
    inner: mailwire::SmtpClient,
}

#[uniffi::export(async_runtime = "tokio")]
impl SmtpClient {
    /// Connects and authenticates (the connection goes into the pool).
    #[uniffi::constructor]
    pub async fn connect(config: SmtpConfig) -> Result<Arc<Self>> {
        crate::error::guard_async(async {
            let inner = mailwire::SmtpClient::connect(config.try_into()?).await?;
            Ok(Arc::new(SmtpClient { inner }))
        })
        .await
    }

    /// Sends to the To, Cc and Bcc recipients of `message`.
    #[uniffi::method(default(progress = None))]
    pub async fn send(
        &self,
        message: OutgoingMessage,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            let r = match to_core(progress) {
                Some(p) => self.inner.send_with_progress(&message, p).await?,
                None => self.inner.send(&message).await?,
            };
            Ok(r.into())
        })
        .await
    }

    /// Sends raw RFC 5322 bytes with an explicit envelope (`Bcc` fields are removed).
    #[uniffi::method(default(progress = None))]
    pub async fn send_raw(
        &self,
        from: String,
        recipients: Vec<String>,
        data: Vec<u8>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            let r = match to_core(progress) {
                Some(p) => {
                    self.inner
                        .send_raw_with_progress(&from, recipients, &data, p)
                        .await?
                }
                None => self.inner.send_raw(&from, recipients, &data).await?,
            };
            Ok(r.into())
        })
        .await
    }

    /// Sends a complete message; the envelope comes from its headers, `Bcc` is removed.
    #[uniffi::method(default(progress = None))]
    pub async fn send_mime(
        &self,
        data: Vec<u8>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            let r = match to_core(progress) {
                Some(p) => self.inner.send_mime_with_progress(&data, p).await?,
                None => self.inner.send_mime(&data).await?,
            };
            Ok(r.into())
        })
        .await
    }

    /// The extensions the server announced in its EHLO reply (of the connection opened
    /// last), one per line as sent, keyword upper case: `["PIPELINING", "SIZE 10240000",
    /// "AUTH PLAIN LOGIN", …]`. No round trip.
    pub fn extensions(&self) -> Vec<String> {
        self.inner.extensions()
    }

    /// The SASL mechanisms the server offers (`["PLAIN", "LOGIN"]`), upper case; empty when
    /// it offers none.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        self.inner.auth_mechanisms()
    }

    /// Sends QUIT on idle connections and shuts the pool; later sends fail with `Closed`.
    /// (Kotlin: the native object is freed by `destroy()` or the garbage collector; this class
    /// is not `AutoCloseable`, whose `close()` could not send QUIT.)
    pub async fn close(&self) -> Result<()> {
        crate::error::call(self.inner.close()).await
    }
}
