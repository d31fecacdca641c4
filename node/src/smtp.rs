//! The pooled SMTP client and its per-recipient result.

use mailwire::smtp as core;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::config::{smtp_config, ConnectOptions};
use crate::error::{IntoNapi, Result};
use crate::message::{outgoing, MailOptions};
use crate::progress::{progress, ProgressFn};

/// A recipient the server refused.
#[napi(object)]
pub struct RecipientError {
    /// The refused address.
    pub address: String,
    /// The SMTP reply code (`550`).
    pub code: u32,
    /// The enhanced status code (`5.1.1`), when sent.
    pub enhanced_code: Option<String>,
    /// The server's text.
    pub message: String,
    /// A 5xx reply: retrying will not help.
    pub permanent: bool,
}

/// What happened to a sent message.
#[napi(object)]
pub struct SendResult {
    /// The Message-ID (without angle brackets).
    pub message_id: Option<String>,
    /// Recipients the server accepted.
    pub accepted: Vec<String>,
    /// Recipients the server refused, with its reasons.
    pub rejected: Vec<RecipientError>,
}

impl From<core::SendResult> for SendResult {
    fn from(r: core::SendResult) -> Self {
        SendResult {
            message_id: r.message_id,
            accepted: r.accepted,
            rejected: r
                .rejected
                .into_iter()
                .map(|e| RecipientError {
                    permanent: e.is_permanent(),
                    address: e.address,
                    code: u32::from(e.code),
                    enhanced_code: e.enhanced_code,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// The native SMTP client (wrapped by the facade's `SmtpClient`): a pool of submission
/// connections.
#[napi]
pub struct NativeSmtpClient {
    inner: mailwire::SmtpClient,
}

#[napi]
impl NativeSmtpClient {
    /// Opens and authenticates the first connection. Rejects with `ECONNECTION`, `ETLS`,
    /// `EAUTH` or `ETIMEDOUT`.
    #[napi(factory)]
    pub async fn connect(options: ConnectOptions) -> Result<NativeSmtpClient> {
        crate::error::guard_async(async {
            let config = smtp_config(&options)?;
            let inner = mailwire::SmtpClient::connect(config).await.napi()?;
            Ok(NativeSmtpClient { inner })
        })
        .await
    }

    /// Sends `message` to its To, Cc and Bcc; refused recipients are listed in `rejected`,
    /// and only when all are refused does it reject (`EREJECTED`).
    #[napi(
        ts_args_type = "message: MailOptions, progress?: (done: number, total: number | null) => void"
    )]
    pub async fn send(
        &self,
        message: MailOptions,
        progress: Option<ProgressFn>,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            let m = outgoing(message)?;
            let r = match progress {
                Some(p) => self.inner.send_with_progress(&m, self::progress(p)).await,
                None => self.inner.send(&m).await,
            };
            Ok(r.napi()?.into())
        })
        .await
    }

    /// Sends a complete message with an explicit envelope (`from` may be empty).
    #[napi]
    pub async fn send_raw(
        &self,
        from: String,
        recipients: Vec<String>,
        raw: Buffer,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            Ok(self
                .inner
                .send_raw(&from, &recipients, &raw)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Sends a complete message; the envelope comes from its headers, Bcc is stripped.
    #[napi]
    pub async fn send_mime(&self, raw: Buffer) -> Result<SendResult> {
        crate::error::guard_async(async { Ok(self.inner.send_mime(&raw).await.napi()?.into()) })
            .await
    }

    /// Quits every pooled connection; later sends reject with `ECLOSED`.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.close().await.napi() }).await
    }
}
