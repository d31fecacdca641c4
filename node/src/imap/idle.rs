//! IDLE: the events the server pushes, the watcher that waits for them, and the events
//! that arrived during other calls.

use std::sync::Arc;

use mailwire::imap as core;
use napi_derive::napi;

use super::client::NativeImapClient;
use super::types::{flags_out, modseq, ranges_out};
use crate::config::millis;
use crate::error::{IntoNapi, Result};

/// Something that changed in the selected mailbox, pushed by the server.
#[napi(object)]
pub struct MailboxEvent {
    /// `exists`: the mailbox now holds `count` messages; `expunge`: messages were removed
    /// (`uids` with QRESYNC, else `seq`); `flags`: the flags of a message changed;
    /// `overflow`: more events arrived than the client keeps between two calls (10,000),
    /// the oldest `dropped` were discarded (resynchronise with `sync`).
    #[napi(ts_type = "'exists' | 'expunge' | 'flags' | 'overflow'")]
    pub r#type: String,
    /// The new message count (`exists`).
    pub count: Option<u32>,
    /// The count just before (`exists`, imapflow's name): when it grew, the messages with
    /// sequence numbers `prevCount + 1 ..= count` are new.
    pub prev_count: Option<u32>,
    /// The removed UIDs as inclusive `[first, last]` ranges, ascending (`expunge`, when the
    /// server told them).
    #[napi(ts_type = "Array<[number, number]>")]
    pub uids: Option<Vec<Vec<u32>>>,
    /// The sequence number (`expunge` without QRESYNC, `flags`).
    pub seq: Option<u32>,
    /// The UID (`flags`, when the server sent it).
    pub uid: Option<u32>,
    /// The flags now (`flags`).
    pub flags: Option<Vec<String>>,
    /// The new modseq (`flags`, CONDSTORE).
    pub modseq: Option<i64>,
    /// How many events were discarded (`overflow`).
    pub dropped: Option<i64>,
}

fn event(e: core::MailboxEvent) -> MailboxEvent {
    let mut out = MailboxEvent {
        r#type: String::new(),
        count: None,
        prev_count: None,
        uids: None,
        seq: None,
        uid: None,
        flags: None,
        modseq: None,
        dropped: None,
    };
    match e {
        core::MailboxEvent::Exists { count, prev_count } => {
            out.r#type = "exists".into();
            out.count = Some(count);
            out.prev_count = Some(prev_count);
        }
        core::MailboxEvent::Expunge { uids, seq } => {
            out.r#type = "expunge".into();
            out.uids = Some(ranges_out(&uids));
            out.seq = seq;
        }
        core::MailboxEvent::Flags {
            uid,
            seq,
            flags,
            modseq: m,
        } => {
            out.r#type = "flags".into();
            out.uid = uid;
            out.seq = Some(seq);
            out.flags = Some(flags_out(flags));
            out.modseq = m.map(modseq);
        }
        core::MailboxEvent::Overflow { dropped } => {
            out.r#type = "overflow".into();
            out.dropped = Some(i64::try_from(dropped).unwrap_or(i64::MAX));
        }
    }
    out
}

#[napi]
impl NativeImapClient {
    /// Takes the events of `mailbox` that arrived during other calls and were not reported
    /// yet, oldest first; no round trip. Otherwise the next `idle` (or watch round) of
    /// `mailbox` returns them first. Led by an `overflow` event when more than 10,000 were
    /// waiting.
    #[napi]
    pub async fn pending_events(&self, mailbox: String) -> Result<Vec<MailboxEvent>> {
        crate::error::guard_async(async {
            let events = self.inner.pending_events(&mailbox).await.napi()?;
            Ok(events.into_iter().map(event).collect())
        })
        .await
    }

    /// An IDLE watcher on `mailbox` (the core's `Watcher`): `next(timeout)` waits for
    /// changes, `cancel()` ends it, and it ends at its first error.
    #[napi(catch_unwind)]
    pub fn watch(&self, mailbox: String) -> Result<IdleWatcher> {
        crate::error::guard(|| {
            Ok(IdleWatcher {
                inner: Arc::new(self.inner.watcher(mailbox)),
            })
        })
    }
}

/// Waits for pushed changes of one mailbox (IDLE): the core's `Watcher`, whose contract
/// (cancel, the end at the first error) every face shares.
#[napi]
pub struct IdleWatcher {
    inner: Arc<core::Watcher>,
}

#[napi]
impl IdleWatcher {
    /// Waits up to `timeout` milliseconds (default: the core's 29 minutes) for changes;
    /// empty when none came. Rejects with `ECLOSED` once cancelled, and after the error that
    /// ended the watch.
    #[napi]
    pub async fn next(&self, timeout: Option<f64>) -> Result<Vec<MailboxEvent>> {
        crate::error::guard_async(async {
            let timeout = timeout.map(|t| millis("timeout", t)).transpose()?;
            let events = self.inner.next(timeout).await.napi()?;
            Ok(events.into_iter().map(event).collect())
        })
        .await
    }

    /// Whether `cancel` was called.
    #[napi(getter, catch_unwind)]
    pub fn cancelled(&self) -> Result<bool> {
        crate::error::guard(|| Ok(self.inner.is_cancelled()))
    }

    /// Ends the watch (a pending `next` rejects with `ECLOSED`); harmless twice.
    #[napi(catch_unwind)]
    pub fn cancel(&self) -> Result<()> {
        crate::error::guard(|| {
            self.inner.cancel();
            Ok(())
        })
    }
}
