//! Mailboxes: listing (with special-use roles), STATUS counters, create, rename, delete,
//! subscribe.

use napi_derive::napi;

use super::client::NativeImapClient;
use super::types::modseq;
use crate::error::{IntoNapi, Result};

/// A mailbox as listed by the server.
#[napi(object)]
pub struct Mailbox {
    /// The full name in UTF-8, levels joined by `delimiter`.
    pub name: String,
    /// The hierarchy delimiter, if the server has one.
    pub delimiter: Option<String>,
    /// The raw name attributes (`\HasNoChildren`, `\Sent`, …).
    pub attributes: Vec<String>,
    /// The special-use role, if any.
    #[napi(
        ts_type = "'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive' | 'all' | 'flagged'"
    )]
    pub role: Option<String>,
    /// Whether the user is subscribed to it.
    pub subscribed: bool,
}

/// Counters of a mailbox, from STATUS.
#[napi(object)]
pub struct MailboxStatus {
    /// Number of messages.
    pub messages: u32,
    /// Number of messages without `\Seen`.
    pub unseen: u32,
    /// Number of messages with `\Recent`.
    pub recent: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
    /// The UID validity.
    pub uid_validity: u32,
    /// The highest modification sequence (CONDSTORE).
    pub highest_modseq: Option<i64>,
}

#[napi]
impl NativeImapClient {
    /// Every mailbox, with special-use roles and subscription.
    #[napi]
    pub async fn list_mailboxes(&self) -> Result<Vec<Mailbox>> {
        crate::error::guard_async(async {
            let list = self.inner.list_mailboxes().await.napi()?;
            Ok(list
                .into_iter()
                .map(|m| Mailbox {
                    name: m.name,
                    delimiter: m.delimiter,
                    attributes: m.attributes,
                    role: m.role.map(|r| r.as_str().to_string()),
                    subscribed: m.subscribed,
                })
                .collect())
        })
        .await
    }

    /// Counters of a mailbox without selecting it.
    #[napi]
    pub async fn mailbox_status(&self, name: String) -> Result<MailboxStatus> {
        crate::error::guard_async(async {
            let s = self.inner.mailbox_status(&name).await.napi()?;
            Ok(MailboxStatus {
                messages: s.messages,
                unseen: s.unseen,
                recent: s.recent,
                uid_next: s.uid_next,
                uid_validity: s.uid_validity,
                highest_modseq: s.highest_modseq.map(modseq),
            })
        })
        .await
    }

    /// Creates a mailbox (`EEXISTS` when it exists).
    #[napi]
    pub async fn create_mailbox(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.create_mailbox(&name).await.napi() }).await
    }

    /// Renames a mailbox and its children.
    #[napi]
    pub async fn rename_mailbox(&self, from: String, to: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.rename_mailbox(&from, &to).await.napi() })
            .await
    }

    /// Deletes a mailbox (`ENONEXISTENT` when it does not exist).
    #[napi]
    pub async fn delete_mailbox(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.delete_mailbox(&name).await.napi() }).await
    }

    /// Subscribes to a mailbox.
    #[napi]
    pub async fn subscribe(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.subscribe(&name).await.napi() }).await
    }

    /// Unsubscribes from a mailbox.
    #[napi]
    pub async fn unsubscribe(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.unsubscribe(&name).await.napi() }).await
    }
}
