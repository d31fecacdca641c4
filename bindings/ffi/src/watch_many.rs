//! Watching several mailboxes at once (`ImapClient.watchMany`): the core's `MultiWatcher`
//! and its options. The reports are the core's `WatchEvent`.

use std::time::Duration;

use mailwire::imap as core;
use mailwire::imap::WatchEvent;

use crate::error::Result;

/// How `watchMany` watches; each absent field is the core's default.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct WatchOptions {
    /// The most connections the watcher opens (at least 1): one IDLE connection per mailbox
    /// while they fit, the rest polled on one. Default 10.
    #[uniffi(default = None)]
    pub max_connections: Option<u32>,
    /// How often the mailboxes without a connection of their own are looked at. Default 60 s.
    #[uniffi(default = None)]
    pub poll_interval: Option<Duration>,
    /// The first delay before reconnecting; it doubles per attempt. Default 1 s.
    #[uniffi(default = None)]
    pub backoff_min: Option<Duration>,
    /// The longest delay before reconnecting. Default 5 minutes.
    #[uniffi(default = None)]
    pub backoff_max: Option<Duration>,
    /// Use NOTIFY when the server offers it: one connection for every mailbox. Default true;
    /// false forces the IDLE connections.
    #[uniffi(default = None)]
    pub use_notify: Option<bool>,
}

impl From<WatchOptions> for core::WatchOptions {
    fn from(o: WatchOptions) -> Self {
        let mut out = core::WatchOptions::default();
        if let Some(n) = o.max_connections {
            out.max_connections = n as usize;
        }
        out.poll_interval = o.poll_interval.unwrap_or(out.poll_interval);
        out.backoff_min = o.backoff_min.unwrap_or(out.backoff_min);
        out.backoff_max = o.backoff_max.unwrap_or(out.backoff_max);
        out.use_notify = o.use_notify.unwrap_or(out.use_notify);
        out
    }
}

/// A running watch of several mailboxes (from `ImapClient.watchMany`). Read it with `next`
/// or the `Flow` / `AsyncThrowingStream` adapters. An error a retry cannot mend (credentials
/// refused, a mailbox that does not exist) is thrown once and ends the watch; after it, and
/// after `cancel`, every `next` fails with `Closed`. Its connections close when it is
/// cancelled or freed.
#[derive(uniffi::Object)]
pub struct MultiWatcher(pub(crate) core::MultiWatcher);

#[uniffi::export(async_runtime = "tokio")]
impl MultiWatcher {
    /// The next reports, waiting until there is one: everything queued by then, oldest
    /// first.
    pub async fn next(&self) -> Result<Vec<WatchEvent>> {
        crate::error::call(self.0.next()).await
    }

    /// Stops watching: the connections close, the call in flight and later ones fail with
    /// `Closed`. Harmless to call twice.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether `cancel` was called (or the watch ended).
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// How many connections are watching now: connected, and their mailboxes synced, so
    /// that any later change will be reported (at most `maxConnections`).
    pub fn connections(&self) -> u32 {
        self.0.connections() as u32
    }
}
