//! The pooled SMTP client and its per-recipient result.

use mailwire::message::RawEnvelope;
use mailwire::smtp as core;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::config::{smtp_config, ConnectOptions};
use crate::error::{IntoNapi, Result};
use crate::message::{outgoing, MailOptions};
use crate::progress::{progress, ProgressFn};

/// A recipient the server refused (an entry of `rejectedErrors`).
#[napi(object)]
pub struct RecipientError {
    /// The refused address (nodemailer's name).
    pub recipient: String,
    /// The refused address.
    pub address: String,
    /// The SMTP reply code (`550`).
    pub code: u32,
    /// The SMTP reply code (`550`), under nodemailer's name.
    pub response_code: u32,
    /// The enhanced status code (`5.1.1`), when sent.
    pub enhanced_code: Option<String>,
    /// The whole reply, code first (`550 5.1.1 <x@y>: Recipient address rejected`).
    pub response: String,
    /// The server's text, without the codes.
    pub message: String,
    /// A 5xx reply: retrying will not help.
    pub permanent: bool,
}

/// The SMTP envelope a message was sent with.
#[napi(object)]
pub struct SendEnvelope {
    /// The sender (`MAIL FROM`; empty for the null sender).
    pub from: String,
    /// Every recipient (`RCPT TO`), accepted or not.
    pub to: Vec<String>,
}

/// What happened to a sent message, shaped like nodemailer's `info`.
#[napi(object)]
pub struct SendResult {
    /// The Message-ID in angle brackets (`<…@…>`), as nodemailer gives it.
    pub message_id: Option<String>,
    /// The addresses the server accepted.
    pub accepted: Vec<String>,
    /// The addresses the server refused (why: `rejectedErrors`).
    pub rejected: Vec<String>,
    /// Why each address of `rejected` was refused, in the same order.
    pub rejected_errors: Vec<RecipientError>,
    /// The server's final reply to the message (`250 2.0.0 Ok: queued as …`).
    pub response: String,
    /// The envelope used.
    pub envelope: SendEnvelope,
}

/// The result for `r`, sent with the envelope `from` → `to`.
fn result(r: core::SendResult, from: String, to: Vec<String>) -> SendResult {
    SendResult {
        message_id: r.message_id.map(|id| format!("<{id}>")),
        accepted: r.accepted,
        rejected: r.rejected.iter().map(|e| e.address.clone()).collect(),
        rejected_errors: r
            .rejected
            .into_iter()
            .map(|e| {
                let code = u32::from(e.code);
                let response = match &e.enhanced_code {
                    Some(enhanced) => format!("{code} {enhanced} {}", e.message),
                    None => format!("{code} {}", e.message),
                };
                RecipientError {
                    permanent: e.is_permanent(),
                    recipient: e.address.clone(),
                    address: e.address,
                    code,
                    response_code: code,
                    enhanced_code: e.enhanced_code,
                    response,
                    message: e.message,
                }
            })
            .collect(),
        response: r.response,
        envelope: SendEnvelope { from, to },
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
            let config = smtp_config(options)?;
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
            let (from, to) = m.envelope().napi()?;
            let r = match progress {
                Some(p) => self.inner.send_with_progress(&m, self::progress(p)).await,
                None => self.inner.send(&m).await,
            };
            let to = to.into_iter().map(|a| a.address).collect();
            Ok(result(r.napi()?, from.address, to))
        })
        .await
    }

    /// Sends a complete message with an explicit envelope (`from` may be empty).
    #[napi(
        ts_args_type = "from: string, recipients: Array<string>, raw: Buffer, progress?: (done: number, total: number | null) => void"
    )]
    pub async fn send_raw(
        &self,
        from: String,
        recipients: Vec<String>,
        raw: Buffer,
        progress: Option<ProgressFn>,
    ) -> Result<SendResult> {
        crate::error::guard_async(async {
            let r = self
                .send_envelope(&from, &recipients, &raw, progress)
                .await?;
            Ok(result(r, from, recipients))
        })
        .await
    }

    /// Sends a complete message; the envelope comes from its headers, Bcc is stripped.
    #[napi(ts_args_type = "raw: Buffer, progress?: (done: number, total: number | null) => void")]
    pub async fn send_mime(&self, raw: Buffer, progress: Option<ProgressFn>) -> Result<SendResult> {
        crate::error::guard_async(async {
            // The core's `send_mime`, with progress: the envelope read (and Bcc removed) once.
            let env = RawEnvelope::from_message(&raw).napi()?;
            let to: Vec<String> = env.recipients.into_iter().map(|a| a.address).collect();
            let r = self
                .send_envelope(&env.from.address, &to, &env.data, progress)
                .await?;
            Ok(result(r, env.from.address, to))
        })
        .await
    }

    /// The extensions the server announced in its EHLO reply (of the connection opened
    /// last), one per line as sent, keyword upper case: `['PIPELINING', 'SIZE 10240000',
    /// 'AUTH PLAIN LOGIN', …]`. No round trip.
    #[napi(catch_unwind)]
    pub fn extensions(&self) -> Result<Vec<String>> {
        crate::error::guard(|| Ok(self.inner.extensions()))
    }

    /// The SASL mechanisms the server offers (`['PLAIN', 'LOGIN']`), upper case; empty when
    /// it offers none. No round trip.
    #[napi(catch_unwind)]
    pub fn auth_mechanisms(&self) -> Result<Vec<String>> {
        crate::error::guard(|| Ok(self.inner.auth_mechanisms()))
    }

    /// Quits every pooled connection; later sends reject with `ECLOSED`.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.close().await.napi() }).await
    }
}

impl NativeSmtpClient {
    /// `raw` from `from` to `recipients`, reporting progress when asked.
    async fn send_envelope(
        &self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
        progress: Option<ProgressFn>,
    ) -> Result<core::SendResult> {
        match progress {
            Some(p) => {
                self.inner
                    .send_raw_with_progress(from, recipients, raw, self::progress(p))
                    .await
            }
            None => self.inner.send_raw(from, recipients, raw).await,
        }
        .napi()
    }
}
