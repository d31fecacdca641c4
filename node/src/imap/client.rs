//! The native IMAP client: connecting, capabilities and server ID, NOOP and logout. Its other methods
//! live with their concept (`mailboxes`, `search`, `messages`, `idle`, `sync`).

use std::collections::HashMap;

use napi_derive::napi;

use crate::config::{imap_config, ConnectOptions};
use crate::error::{IntoNapi, Result};

/// The native IMAP client (wrapped by the facade's `ImapClient`): one connection; calls
/// are queued, never interleaved.
#[napi]
pub struct NativeImapClient {
    pub(crate) inner: mailwire::ImapClient,
}

#[napi]
impl NativeImapClient {
    /// Connects and logs in. Rejects with `ECONNECTION`, `ETLS`, `EAUTH` or `ETIMEDOUT`.
    #[napi(factory)]
    pub async fn connect(options: ConnectOptions) -> Result<NativeImapClient> {
        crate::error::guard_async(async {
            let config = imap_config(options)?;
            let inner = mailwire::ImapClient::connect(config).await.napi()?;
            Ok(NativeImapClient { inner })
        })
        .await
    }

    /// Whether the server announced `capability` (`"IDLE"`, `"MOVE"`), case-insensitive.
    #[napi]
    pub async fn has_capability(&self, capability: String) -> Result<bool> {
        crate::error::guard_async(async { self.inner.has_capability(&capability).await.napi() })
            .await
    }

    /// Every capability the server announced (after login), upper case and sorted.
    #[napi]
    pub async fn capabilities(&self) -> Result<Vec<String>> {
        crate::error::guard_async(async { self.inner.capabilities().await.napi() }).await
    }

    /// What the server said of itself in answer to the client's ID (RFC 2971): `name`,
    /// `vendor`, `version`, … `null` when it does not offer ID, answered NIL, or the client
    /// sends no ID (`clientId: {}`).
    #[napi]
    pub async fn server_id(&self) -> Result<Option<HashMap<String, String>>> {
        crate::error::guard_async(async { self.inner.server_id().await.napi() }).await
    }

    /// Sends NOOP: keeps the connection alive and collects pending events.
    #[napi]
    pub async fn noop(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.noop().await.napi() }).await
    }

    /// Logs out; later calls reject with `ECLOSED`.
    #[napi]
    pub async fn logout(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.logout().await.napi() }).await
    }
}
