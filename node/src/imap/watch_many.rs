//! Watching several mailboxes at once on connections of the watcher's own: the core's
//! `MultiWatcher` behind the facade's `watchMany`.

use std::sync::Arc;

use mailwire::imap as core;
use napi_derive::napi;

use super::client::NativeImapClient;
use super::sync::{sync_result, SyncResult};
use crate::config::millis;
use crate::error::{IntoNapi, Result};

/// How `watchMany` watches (the core's `WatchOptions`; absent: its default).
#[napi(object)]
pub struct WatchManyOptions {
    /// The most connections the watcher opens (at least 1): without NOTIFY, one IDLE
    /// connection per mailbox while they fit, the rest polled on one. Default 10.
    pub max_connections: Option<u32>,
    /// How often the mailboxes without a connection of their own are looked at, in
    /// milliseconds. Default 60000.
    pub poll_interval: Option<f64>,
    /// The first delay before reconnecting, in milliseconds; it doubles per attempt.
    /// Default 1000.
    pub backoff_min: Option<f64>,
    /// The longest delay before reconnecting, in milliseconds. Default 300000.
    pub backoff_max: Option<f64>,
    /// Use NOTIFY (RFC 5465) when the server offers it: one connection for every mailbox.
    /// Default true; false forces the managed IDLE connections.
    pub use_notify: Option<bool>,
}

/// A report of `watchMany`.
#[napi(object)]
pub struct WatchEvent {
    /// `change`: `mailbox` changed since the last report (`changes`: what sync found);
    /// `reconnected`: the connection watching `mailbox` was lost and is back after
    /// `attempts` tries (what changed meanwhile follows as `change`).
    #[napi(ts_type = "'change' | 'reconnected'")]
    pub r#type: String,
    /// The mailbox.
    pub mailbox: String,
    /// New, changed and vanished UIDs (`change`).
    pub changes: Option<SyncResult>,
    /// Connection attempts it took, 1 or more (`reconnected`).
    pub attempts: Option<u32>,
}

fn event(e: core::WatchEvent) -> WatchEvent {
    match e {
        core::WatchEvent::Changed { mailbox, changes } => WatchEvent {
            r#type: "change".into(),
            mailbox,
            changes: Some(sync_result(changes)),
            attempts: None,
        },
        core::WatchEvent::Reconnected { mailbox, attempts } => WatchEvent {
            r#type: "reconnected".into(),
            mailbox,
            changes: None,
            attempts: Some(attempts),
        },
    }
}

fn watch_options(o: Option<WatchManyOptions>) -> Result<core::WatchOptions> {
    let mut out = core::WatchOptions::default();
    let Some(o) = o else { return Ok(out) };
    if let Some(n) = o.max_connections {
        out.max_connections = n as usize;
    }
    if let Some(ms) = o.poll_interval {
        out.poll_interval = millis("pollInterval", ms)?;
    }
    if let Some(ms) = o.backoff_min {
        out.backoff_min = millis("backoffMin", ms)?;
    }
    if let Some(ms) = o.backoff_max {
        out.backoff_max = millis("backoffMax", ms)?;
    }
    if let Some(b) = o.use_notify {
        out.use_notify = b;
    }
    Ok(out)
}

#[napi]
impl NativeImapClient {
    /// Starts watching `mailboxes` on connections of the watcher's own (this client's
    /// settings; its own connection stays free). Rejects with `EINVAL` for an empty list, a
    /// mailbox listed twice or `maxConnections` 0.
    #[napi]
    pub async fn watch_many(
        &self,
        mailboxes: Vec<String>,
        options: Option<WatchManyOptions>,
    ) -> Result<MultiWatcher> {
        crate::error::guard_async(async {
            let w = self
                .inner
                .watch_many(&mailboxes, watch_options(options)?)
                .napi()?;
            Ok(MultiWatcher { inner: Arc::new(w) })
        })
        .await
    }
}

/// A running watch of several mailboxes: the core's `MultiWatcher`, whose contract
/// (changes computed by sync, reconnects with back-off, the end at an error a retry cannot
/// mend) every face shares.
#[napi]
pub struct MultiWatcher {
    inner: Arc<core::MultiWatcher>,
}

#[napi]
impl MultiWatcher {
    /// The next reports, waiting until there is one: everything queued by then, oldest
    /// first. An error a retry cannot mend (credentials refused, a mailbox that does not
    /// exist) rejects once and ends the watch; after it, and after `cancel()`, `ECLOSED`.
    #[napi]
    pub async fn next(&self) -> Result<Vec<WatchEvent>> {
        crate::error::guard_async(async {
            let events = self.inner.next().await.napi()?;
            Ok(events.into_iter().map(event).collect())
        })
        .await
    }

    /// Stops watching: the connections close, a pending `next` rejects with `ECLOSED`.
    /// Harmless twice.
    #[napi(catch_unwind)]
    pub fn cancel(&self) -> Result<()> {
        crate::error::guard(|| {
            self.inner.cancel();
            Ok(())
        })
    }

    /// Whether `cancel` was called or the watch ended at an error.
    #[napi(getter, catch_unwind)]
    pub fn cancelled(&self) -> Result<bool> {
        crate::error::guard(|| Ok(self.inner.is_cancelled()))
    }

    /// How many connections are watching now: connected, with their mailboxes synced, so
    /// that any later change will be reported (at most `maxConnections`).
    #[napi(getter, catch_unwind)]
    pub fn connections(&self) -> Result<u32> {
        crate::error::guard(|| Ok(self.inner.connections() as u32))
    }
}
