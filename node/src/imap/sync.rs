//! Sync: what changed in a mailbox since a saved state (CONDSTORE / QRESYNC).

use napi_derive::napi;

use super::client::NativeImapClient;
use super::types::{flags_out, modseq, ranges_out};
use crate::error::{IntoNapi, Result};

/// A message whose flags changed, found by `sync`.
#[napi(object)]
pub struct FlagChange {
    /// The UID.
    pub uid: u32,
    /// Its flags now.
    pub flags: Vec<String>,
    /// Its modseq.
    pub modseq: Option<i64>,
}

/// What changed in a mailbox since a saved state.
#[napi(object)]
pub struct SyncResult {
    /// Store this string for the next `sync`.
    pub state: String,
    /// UIDs that arrived (every UID on a full resync), ascending.
    pub new: Vec<u32>,
    /// Messages whose flags changed.
    pub changed: Vec<FlagChange>,
    /// UIDs that are gone, as inclusive `[first, last]` ranges, ascending (the server
    /// reports ranges, which may include UIDs this client never saw).
    #[napi(ts_type = "Array<[number, number]>")]
    pub vanished: Vec<Vec<u32>>,
    /// True when the saved state was void: drop the cache and take `new` as everything.
    pub full_resync: bool,
}

#[napi]
impl NativeImapClient {
    /// What changed in `mailbox` since `state` (a string from an earlier result).
    #[napi]
    pub async fn sync(&self, mailbox: String, state: Option<String>) -> Result<SyncResult> {
        crate::error::guard_async(async {
            let state = state.map(|s| s.parse()).transpose().napi()?;
            let r = self.inner.sync(&mailbox, state).await.napi()?;
            Ok(sync_result(r))
        })
        .await
    }
}

/// The core's result as JavaScript sees it (also in `watchMany`'s `change` reports).
pub(crate) fn sync_result(r: mailwire::imap::SyncResult) -> SyncResult {
    SyncResult {
        state: r.state.to_string(),
        new: r.new,
        changed: r
            .changed
            .into_iter()
            .map(|c| FlagChange {
                uid: c.uid,
                flags: flags_out(c.flags),
                modseq: c.modseq.map(modseq),
            })
            .collect(),
        vanished: ranges_out(&r.vanished),
        full_resync: r.full_resync,
    }
}
