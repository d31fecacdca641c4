//! Messages: fetching (`fetch`: summaries and whole sources as streams; `content`: one
//! message, one part, one byte range), and changing them (flags, copy, move, delete,
//! expunge, append).

pub(crate) mod content;
pub(crate) mod fetch;

use chrono::{DateTime, FixedOffset};
use mailwire::imap as core;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use super::client::NativeImapClient;
use super::types::{flags_in, uid_set, Uids};
use crate::error::{IntoNapi, Result};

/// Where copied or moved messages landed.
#[napi(object)]
pub struct UidMap {
    /// The destination's UID validity, when the server reported it.
    pub uid_validity: Option<u32>,
    /// `[sourceUid, destinationUid]` pairs.
    pub pairs: Vec<Vec<u32>>,
}

impl From<core::UidMap> for UidMap {
    fn from(m: core::UidMap) -> Self {
        UidMap {
            uid_validity: m.uid_validity,
            pairs: m.pairs.into_iter().map(|(a, b)| vec![a, b]).collect(),
        }
    }
}

#[napi]
impl NativeImapClient {
    /// Adds flags or keywords.
    #[napi]
    pub async fn add_flags(&self, mailbox: String, uids: Uids, flags: Vec<String>) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .add_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Removes flags or keywords.
    #[napi]
    pub async fn remove_flags(
        &self,
        mailbox: String,
        uids: Uids,
        flags: Vec<String>,
    ) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .remove_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Adds Gmail labels (`\Important`, `\Starred`, user labels such as `Work/2026`).
    /// Rejects with `EINVAL` when the server is not Gmail (no `X-GM-EXT-1`).
    #[napi]
    pub async fn add_labels(&self, mailbox: String, uids: Uids, labels: Vec<String>) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner.add_labels(&mailbox, set, &labels).await.napi()
        })
        .await
    }

    /// Removes Gmail labels (see `addLabels`).
    #[napi]
    pub async fn remove_labels(
        &self,
        mailbox: String,
        uids: Uids,
        labels: Vec<String>,
    ) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .remove_labels(&mailbox, set, &labels)
                .await
                .napi()
        })
        .await
    }

    /// Replaces the flags and keywords.
    #[napi]
    pub async fn set_flags(&self, mailbox: String, uids: Uids, flags: Vec<String>) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .set_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Copies messages to `dest`; returns where they landed (UIDPLUS).
    #[napi]
    pub async fn copy_messages(&self, mailbox: String, uids: Uids, dest: String) -> Result<UidMap> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            Ok(self
                .inner
                .copy_messages(&mailbox, set, &dest)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Moves messages to `dest` (MOVE, or copy + delete without it).
    #[napi]
    pub async fn move_messages(&self, mailbox: String, uids: Uids, dest: String) -> Result<UidMap> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            Ok(self
                .inner
                .move_messages(&mailbox, set, &dest)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Flags the messages `\Deleted` and expunges exactly them.
    #[napi]
    pub async fn delete_messages(&self, mailbox: String, uids: Uids) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner.delete_messages(&mailbox, set).await.napi()
        })
        .await
    }

    /// Removes every message flagged `\Deleted`.
    #[napi]
    pub async fn expunge(&self, mailbox: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.expunge(&mailbox).await.napi() }).await
    }

    /// Uploads a message; returns its UID when the server reports it.
    #[napi]
    pub async fn append(
        &self,
        mailbox: String,
        raw: Buffer,
        flags: Option<Vec<String>>,
        date: Option<DateTime<FixedOffset>>,
    ) -> Result<Option<u32>> {
        crate::error::guard_async(async {
            let flags = flags_in(flags.unwrap_or_default());
            self.inner.append(&mailbox, &raw, &flags, date).await.napi()
        })
        .await
    }
}
