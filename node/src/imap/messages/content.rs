//! One message at a time: its whole source, parsed, a byte range of it, one MIME part (in
//! memory or streamed to a file).

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::error::{IntoNapi, Result};
use crate::imap::client::NativeImapClient;
use crate::message::Message;
use crate::progress::{progress, ProgressFn};

#[napi]
impl NativeImapClient {
    /// The whole message source, without setting `\Seen`.
    #[napi]
    pub async fn fetch_raw(&self, mailbox: String, uid: u32) -> Result<Buffer> {
        crate::error::guard_async(async {
            Ok(self.inner.fetch_raw(&mailbox, uid).await.napi()?.into())
        })
        .await
    }

    /// The message, downloaded and parsed.
    #[napi]
    pub async fn fetch_message(&self, mailbox: String, uid: u32) -> Result<Message> {
        crate::error::guard_async(async {
            Ok(self.inner.fetch_message(&mailbox, uid).await.napi()?.into())
        })
        .await
    }

    /// Bytes `offset .. offset + length` of the message source, or of one MIME `part`, as
    /// stored (not transfer-decoded), without setting `\Seen`: shorter at the end of the
    /// data, empty past it.
    #[napi]
    pub async fn fetch_range(
        &self,
        mailbox: String,
        uid: u32,
        offset: u32,
        length: u32,
        part: Option<String>,
    ) -> Result<Buffer> {
        crate::error::guard_async(async {
            Ok(self
                .inner
                .fetch_range(&mailbox, uid, part.as_deref(), offset, length)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// One MIME part (`"2"`, `"1.3"`), transfer-decoded.
    #[napi]
    pub async fn download(&self, mailbox: String, uid: u32, part: String) -> Result<Buffer> {
        crate::error::guard_async(async {
            Ok(self
                .inner
                .download(&mailbox, uid, &part)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Streams one part to `path`, transfer-decoded; returns the bytes written. `progress`
    /// gets the encoded bytes fetched and the part's encoded size.
    #[napi(
        ts_args_type = "mailbox: string, uid: number, part: string, path: string, progress?: (done: number, total: number | null) => void"
    )]
    pub async fn save_attachment(
        &self,
        mailbox: String,
        uid: u32,
        part: String,
        path: String,
        progress: Option<ProgressFn>,
    ) -> Result<f64> {
        crate::error::guard_async(async {
            let n = self
                .inner
                .save_attachment(&mailbox, uid, &part, &path, progress.map(self::progress))
                .await
                .napi()?;
            Ok(n as f64)
        })
        .await
    }
}
