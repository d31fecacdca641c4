//! Watching several mailboxes at once ([`ImapClient::watch_many`]) on connections of the
//! watcher's own, under a cap, for clients that run for weeks.
//!
//! # The contract
//!
//! - **Changes are computed by [`sync`](ImapClient::sync)**, never taken from push events
//!   alone: a push (IDLE) or a poll only says *when* to look. So a report is complete — new
//!   UIDs, flag changes and vanished UIDs since the last report — whatever was missed while
//!   a connection was down.
//! - **Connections**: with NOTIFY (RFC 5465, and UNSELECT) one connection watches every
//!   mailbox: it idles with none selected and the server names each mailbox that changed.
//!   Without it, one IDLE connection per mailbox for the first `max_connections - 1`
//!   mailboxes (all of them when they fit under the cap); the rest share one connection that
//!   polls them every `poll_interval`. The watcher never opens more than `max_connections`
//!   (default 10: Gmail allows 15 per account, and the app needs some for itself).
//! - **Reconnects**: a connection lost (network, server restart, timeout) is reopened after
//!   a back-off that doubles from `backoff_min` up to `backoff_max`, with jitter (a random
//!   half to whole of the delay), forever; after it is back, a
//!   [`WatchEvent::Reconnected`] is reported and the mailbox is caught up by sync.
//! - **The watch ends** at an error a retry cannot mend (credentials refused, a mailbox that
//!   does not exist): [`MultiWatcher::next`] returns it once, then `Closed`. And on
//!   [`MultiWatcher::cancel`] (also when the watcher is dropped).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::client::ImapClient;
use super::types::{SyncResult, SyncState};
use super::watch::{CancelHandle, Ended};
use crate::error::{Error, ErrorKind, Result};

/// How [`ImapClient::watch_many`] watches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchOptions {
    /// The most connections the watcher opens (at least 1). Default 10.
    pub max_connections: usize,
    /// How often mailboxes without a connection of their own are looked at. Default 60 s.
    pub poll_interval: Duration,
    /// The first delay before reconnecting. Default 1 s.
    pub backoff_min: Duration,
    /// The longest delay before reconnecting. Default 5 minutes.
    pub backoff_max: Duration,
    /// How long one IDLE round lasts before it is renewed. Default
    /// [`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT).
    pub idle_round: Duration,
    /// Use NOTIFY when the server offers it (with UNSELECT): one connection for every
    /// mailbox. Default true; false forces the managed IDLE connections.
    pub use_notify: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            max_connections: 10,
            poll_interval: Duration::from_secs(60),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            idle_round: crate::DEFAULT_IDLE_TIMEOUT,
            use_notify: true,
        }
    }
}

/// What a [`MultiWatcher`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum WatchEvent {
    /// `mailbox` changed since the last report (or since the watch began): what
    /// [`sync`](ImapClient::sync) found. Its `state` is where the watch now stands.
    Changed {
        /// The mailbox.
        mailbox: String,
        /// New, changed and vanished UIDs.
        changes: SyncResult,
    },
    /// The connection watching `mailbox` was lost and is back, after `attempts` tries;
    /// what changed meanwhile follows as `Changed`.
    Reconnected {
        /// The mailbox (one event per mailbox of that connection).
        mailbox: String,
        /// Connection attempts it took (1 or more).
        attempts: u32,
    },
}

/// A running watch of several mailboxes (see the [module docs](self)).
#[derive(Debug)]
pub struct MultiWatcher {
    rx: tokio::sync::Mutex<mpsc::Receiver<Result<WatchEvent>>>,
    cancel: CancelHandle,
    ended: Ended,
    /// The error that ended the watch when the call that met it handed over earlier
    /// reports: the next call returns it.
    failed: Mutex<Option<Error>>,
    open: Arc<AtomicUsize>,
}

/// Queued reports at most; past this the watch's connections wait for the consumer (sync
/// then catches up: nothing is lost).
const QUEUE: usize = 1024;

impl ImapClient {
    /// Watches `mailboxes` on connections of its own (this client's settings; this client's
    /// connection stays free) and reports their changes, computed by sync, as they happen.
    /// The current content is the starting point: only later changes are reported.
    ///
    /// Fails with `InvalidInput` for an empty list, a repeated mailbox or
    /// `max_connections` 0; connection problems surface in [`MultiWatcher::next`].
    pub fn watch_many(&self, mailboxes: &[String], options: WatchOptions) -> Result<MultiWatcher> {
        check(mailboxes, &options)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let cancel = CancelHandle::new();
        let open = Arc::new(AtomicUsize::new(0));
        let notify = options.use_notify
            && mailboxes.len() > 1
            && self.had_capability("NOTIFY")
            && self.had_capability("UNSELECT");
        let dedicated = if mailboxes.len() <= options.max_connections {
            mailboxes.len()
        } else {
            options.max_connections - 1
        };
        let mut groups: Vec<Vec<String>> = if notify {
            vec![mailboxes.to_vec()]
        } else {
            mailboxes[..dedicated]
                .iter()
                .map(|m| vec![m.clone()])
                .collect()
        };
        if !notify && dedicated < mailboxes.len() {
            groups.push(mailboxes[dedicated..].to_vec());
        }
        for group in groups {
            let task = Task {
                config: self.shared.config.clone(),
                mailboxes: group,
                options: options.clone(),
                tx: tx.clone(),
                open: open.clone(),
                notify,
            };
            let cancel = cancel.clone();
            tokio::spawn(async move {
                // Cancel ends the task wherever it waits; its connection is then dropped.
                let _ = cancel.until_cancelled(task.run()).await;
            });
        }
        Ok(MultiWatcher {
            rx: tokio::sync::Mutex::new(rx),
            cancel,
            ended: Ended::default(),
            failed: Mutex::new(None),
            open,
        })
    }
}

/// Refuses an empty list, a mailbox listed twice and a cap of 0.
fn check(mailboxes: &[String], options: &WatchOptions) -> Result<()> {
    if mailboxes.is_empty() {
        return Err(Error::invalid_input(
            "watch_many needs at least one mailbox",
        ));
    }
    if options.max_connections == 0 {
        return Err(Error::invalid_input("max_connections must be at least 1"));
    }
    for (i, m) in mailboxes.iter().enumerate() {
        if mailboxes[..i].contains(m) {
            return Err(Error::invalid_input(format!("{m:?} is listed twice")));
        }
    }
    Ok(())
}

impl MultiWatcher {
    /// The next reports, waiting until there is one: everything queued by then, oldest
    /// first. An error a retry cannot mend is returned once and ends the watch; after that,
    /// and after [`cancel`](Self::cancel), every call fails with `Closed`.
    pub async fn next(&self) -> Result<Vec<WatchEvent>> {
        if let Some(e) = self.failed.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(e);
        }
        self.ended.check()?;
        let mut rx = self.cancel.run(async { Ok(self.rx.lock().await) }).await?;
        let first = self
            .cancel
            .run(async { rx.recv().await.ok_or_else(Error::closed) })
            .await?;
        let mut out = Vec::new();
        let mut item = Some(first);
        while let Some(r) = item.take() {
            match r {
                Ok(e) => out.push(e),
                Err(e) => {
                    self.cancel.cancel();
                    self.ended.set(&e);
                    if out.is_empty() {
                        return Err(e);
                    }
                    // Hand over what came before; the next call returns the error.
                    *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                    return Ok(out);
                }
            }
            item = rx.try_recv().ok();
        }
        Ok(out)
    }

    /// Stops watching: the connections close, the call in flight and later ones fail with
    /// `Closed`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Whether [`cancel`](Self::cancel) was called (or the watch ended).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// How many connections are watching now: connected, and their mailboxes synced, so
    /// that any later change will be reported (at most `max_connections`). A change made
    /// before the first of a mailbox's connection counts is its starting content.
    pub fn connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

impl Drop for MultiWatcher {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// One connection's share of the watch: one mailbox kept in IDLE, or several polled.
struct Task {
    config: crate::ImapConfig,
    mailboxes: Vec<String>,
    options: WatchOptions,
    tx: mpsc::Sender<Result<WatchEvent>>,
    open: Arc<AtomicUsize>,
    /// Watch every mailbox of the task through NOTIFY on its one connection.
    notify: bool,
}

/// Counts an open connection while it lives.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether a retry can mend `e` (the connection, not the request, failed).
fn retryable(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Protocol | ErrorKind::Tls
    ) || e.is_transient()
}

impl Task {
    async fn run(self) {
        let mut states: Vec<Option<SyncState>> = vec![None; self.mailboxes.len()];
        let mut attempts: u32 = 0;
        loop {
            match self.session(&mut states, attempts).await {
                Ok(()) => return, // the consumer went away
                Err(e) if retryable(&e) => {
                    attempts += 1;
                    tracing::debug!(target: "mailwire::imap", "watch: {e}; reconnecting (attempt {attempts})");
                    tokio::time::sleep(self.backoff(attempts)).await;
                }
                Err(e) => {
                    let _ = self.tx.send(Err(e)).await;
                    return;
                }
            }
        }
    }

    /// `backoff_min` doubled per attempt up to `backoff_max`, times a random half to whole.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .options
            .backoff_min
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.options.backoff_max);
        base.mul_f64(0.5 + fastrand::f64() / 2.0)
    }

    /// One connection's life: connect, catch up, then watch until it fails. `Ok` only when
    /// the consumer is gone.
    async fn session(&self, states: &mut [Option<SyncState>], attempts: u32) -> Result<()> {
        let client = ImapClient::connect(self.config.clone()).await?;
        if attempts > 0 {
            for m in &self.mailboxes {
                let event = WatchEvent::Reconnected {
                    mailbox: m.clone(),
                    attempts,
                };
                if self.tx.send(Ok(event)).await.is_err() {
                    return Ok(());
                }
            }
        }
        for i in 0..self.mailboxes.len() {
            if !self.catch_up(&client, i, states).await? {
                return Ok(());
            }
        }
        if self.notify {
            client.notify_set(&self.mailboxes).await?;
        }
        self.open.fetch_add(1, Ordering::SeqCst);
        let _watching = Open(self.open.clone());
        loop {
            if self.notify {
                let (named, all) = client.wait_notified(self.options.idle_round).await?;
                for i in 0..self.mailboxes.len() {
                    if (all || named.contains(&self.mailboxes[i]))
                        && !self.catch_up(&client, i, states).await?
                    {
                        return Ok(());
                    }
                }
            } else if let [mailbox] = &self.mailboxes[..] {
                let events = client.idle(mailbox, self.options.idle_round).await?;
                if !events.is_empty() && !self.catch_up(&client, 0, states).await? {
                    return Ok(());
                }
            } else {
                tokio::time::sleep(self.options.poll_interval).await;
                for i in 0..self.mailboxes.len() {
                    if !self.catch_up(&client, i, states).await? {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Syncs mailbox `i` from its state and reports what changed (nothing the first time:
    /// that is the starting point). `false` when the consumer is gone.
    async fn catch_up(
        &self,
        client: &ImapClient,
        i: usize,
        states: &mut [Option<SyncState>],
    ) -> Result<bool> {
        let mailbox = &self.mailboxes[i];
        let first = states[i].is_none();
        let changes = client.sync(mailbox, states[i].as_ref().cloned()).await?;
        states[i] = Some(SyncState::clone(&changes.state));
        let empty = changes.new.is_empty()
            && changes.changed.is_empty()
            && changes.vanished.is_empty()
            && !changes.full_resync;
        if first || empty {
            return Ok(true);
        }
        let event = WatchEvent::Changed {
            mailbox: mailbox.clone(),
            changes,
        };
        Ok(self.tx.send(Ok(event)).await.is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(min: u64, max: u64) -> Task {
        let (tx, _rx) = mpsc::channel(1);
        Task {
            config: crate::ImapConfig::new("h", crate::Auth::None),
            mailboxes: vec!["INBOX".into()],
            options: WatchOptions {
                backoff_min: Duration::from_millis(min),
                backoff_max: Duration::from_millis(max),
                ..WatchOptions::default()
            },
            tx,
            open: Arc::default(),
            notify: false,
        }
    }

    #[test]
    fn the_backoff_doubles_up_to_its_ceiling_with_jitter_below_it() {
        let t = task(100, 1000);
        for (attempt, base) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let d = t.backoff(attempt).as_millis() as u64;
                assert!(d >= base / 2 && d <= base, "attempt {attempt}: {d} ms");
            }
        }
    }

    #[tokio::test]
    async fn an_error_after_reports_is_returned_by_the_next_call_then_closed() {
        let (tx, rx) = mpsc::channel(4);
        let w = MultiWatcher {
            rx: tokio::sync::Mutex::new(rx),
            cancel: CancelHandle::new(),
            ended: Ended::default(),
            failed: Mutex::new(None),
            open: Arc::default(),
        };
        let event = WatchEvent::Reconnected {
            mailbox: "INBOX".into(),
            attempts: 1,
        };
        tx.send(Ok(event.clone())).await.unwrap();
        tx.send(Err(Error::new(ErrorKind::Auth, "refused")))
            .await
            .unwrap();
        assert_eq!(w.next().await.unwrap(), [event]);
        assert_eq!(w.next().await.unwrap_err().kind(), ErrorKind::Auth);
        assert!(w.is_cancelled());
        assert_eq!(w.next().await.unwrap_err().kind(), ErrorKind::Closed);
    }

    #[test]
    fn bad_lists_and_a_zero_cap_are_refused() {
        let check_list = |m: &[&str], cap: usize| {
            let list: Vec<String> = m.iter().map(|s| s.to_string()).collect();
            let options = WatchOptions {
                max_connections: cap,
                ..WatchOptions::default()
            };
            check(&list, &options)
        };
        assert!(check_list(&[], 2).is_err());
        assert!(check_list(&["A", "A"], 2).is_err());
        assert!(check_list(&["A"], 0).is_err());
        assert!(check_list(&["A", "B"], 1).is_ok());
    }
}
