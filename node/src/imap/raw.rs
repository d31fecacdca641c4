//! The escape hatch for the long tail: one IMAP command written by the caller, its answer
//! handed back as text.

use napi_derive::napi;

use super::client::NativeImapClient;
use crate::error::{IntoNapi, Result};

/// What the server answered to `rawCommand`.
#[napi(object)]
pub struct RawResponse {
    /// The tagged status: `'OK'`, `'NO'` or `'BAD'`.
    pub status: String,
    /// The rest of the tagged line (a `[CODE]` first, when the server sent one).
    pub text: String,
    /// Every untagged response (`* …`) in the order received, without its final CRLF.
    pub untagged: Vec<String>,
    /// Whether `status` is `'OK'`.
    pub is_ok: bool,
}

#[napi]
impl NativeImapClient {
    /// Sends `command` (one line without tag, e.g. `'GETQUOTAROOT INBOX'`) as it is, with
    /// `mailbox` selected first when given, and resolves to the server's answer
    /// uninterpreted: a NO or BAD is in `status`, not a rejection. Quote arguments yourself.
    /// CR, LF, NUL, literals and commands that would take the connection out of the client's
    /// hands (IDLE, AUTHENTICATE, LOGIN, LOGOUT, STARTTLS, COMPRESS, APPEND, NOTIFY) reject
    /// with `EINVAL`. Untagged responses are returned, not emitted as events.
    #[napi]
    pub async fn raw_command(
        &self,
        command: String,
        mailbox: Option<String>,
    ) -> Result<RawResponse> {
        crate::error::guard_async(async {
            let r = self
                .inner
                .raw_command(mailbox.as_deref(), &command)
                .await
                .napi()?;
            Ok(RawResponse {
                is_ok: r.is_ok(),
                status: r.status,
                text: r.text,
                untagged: r.untagged,
            })
        })
        .await
    }
}
