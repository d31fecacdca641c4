//! The one cancel and watch contract every language binding hands on: [`CancelHandle`]
//! (stopping a call from elsewhere) and [`Watcher`] (a mailbox kept in IDLE, change after
//! change).
//!
//! # The contract
//!
//! - **Cancel** ends the call in flight and every later one with
//!   [`Closed`](crate::ErrorKind::Closed) ("cancelled"). The connection stays usable: what the
//!   cancelled command still had coming is read and discarded (IDLE is ended with DONE)
//!   before the client's next command. Cancelling twice is harmless.
//! - **A watch ends at its first error.** [`Watcher::next`] returns the error once; every
//!   later call fails with `Closed` and names that error. Nothing retries behind the
//!   caller's back: reconnect (or call [`ImapClient::sync`]) and start a new watch.
//! - A watch round that sees no change returns an empty list after its timeout
//!   ([`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT) unless given).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::client::ImapClient;
use super::types::MailboxEvent;
use crate::error::{Error, ErrorKind, Result};

/// A switch that cancels the calls run through it ([`CancelHandle::run`]). Clones share the
/// switch.
#[derive(Clone, Debug)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

impl Default for CancelHandle {
    fn default() -> Self {
        CancelHandle::new()
    }
}

impl CancelHandle {
    /// A switch not yet pulled.
    pub fn new() -> Self {
        CancelHandle(Arc::new(watch::channel(false).0))
    }

    /// Cancels the call in flight and every later one.
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Runs `fut` unless cancelled before or while it runs; a cancelled call fails with
    /// [`Closed`](ErrorKind::Closed). Dropping `fut` midway is safe for every
    /// [`ImapClient`] call (each one is cancel-safe).
    pub async fn run<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        self.until_cancelled(fut).await?
    }

    /// Runs any future (a binding's own, with its own error type) unless cancelled before
    /// or while it runs: its output, or [`Closed`](ErrorKind::Closed) when cancelled.
    pub async fn until_cancelled<F: Future>(&self, fut: F) -> Result<F::Output> {
        if self.is_cancelled() {
            return Err(cancelled());
        }
        tokio::select! {
            r = fut => Ok(r),
            () = self.cancelled() => Err(cancelled()),
        }
    }

    /// Resolves once [`cancel`](Self::cancel) was called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|c| *c).await;
    }
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Closed, "cancelled")
}

/// A mailbox kept in IDLE, change after change ([`ImapClient::watcher`]). See the module
/// documentation for the contract every binding follows.
#[derive(Debug)]
pub struct Watcher {
    client: ImapClient,
    mailbox: String,
    cancel: CancelHandle,
    /// The error that ended the watch, as text for the `Closed` of later calls.
    ended: Ended,
}

/// Why a watch ended, once it did: every later call fails with `Closed` naming it.
#[derive(Debug, Default)]
pub(crate) struct Ended(Mutex<Option<String>>);

impl Ended {
    /// `Closed` when the watch has ended.
    pub(crate) fn check(&self) -> Result<()> {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(why) => Err(Error::new(
                ErrorKind::Closed,
                format!("the watch ended after an error: {why}"),
            )),
            None => Ok(()),
        }
    }

    /// Records that the watch ended with `e`.
    pub(crate) fn set(&self, e: &Error) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
    }
}

impl ImapClient {
    /// A watch of `mailbox`: each [`Watcher::next`] waits for changes with IDLE. The
    /// client's connection is busy while `next` waits; use a second client for other work.
    pub fn watcher(&self, mailbox: impl Into<String>) -> Watcher {
        Watcher {
            client: self.clone(),
            mailbox: mailbox.into(),
            cancel: CancelHandle::new(),
            ended: Ended::default(),
        }
    }
}

impl Watcher {
    /// Waits up to `timeout` ([`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT) when
    /// `None`) for changes and returns them, empty when none came. The first error ends the
    /// watch; after it, and after [`cancel`](Self::cancel), every call fails with `Closed`.
    pub async fn next(&self, timeout: Option<Duration>) -> Result<Vec<MailboxEvent>> {
        self.ended.check()?;
        let timeout = timeout.unwrap_or(crate::DEFAULT_IDLE_TIMEOUT);
        let result = self
            .cancel
            .run(self.client.idle(&self.mailbox, timeout))
            .await;
        if let Err(e) = &result {
            if !self.cancel.is_cancelled() {
                self.ended.set(e);
            }
        }
        result
    }

    /// The mailbox watched.
    pub fn mailbox(&self) -> &str {
        &self.mailbox
    }

    /// Ends the watch: a `next` in flight and every later one fail with `Closed`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The switch of this watch, to cancel it from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancelled_handle_ends_the_call_in_flight_and_later_ones() {
        let h = CancelHandle::new();
        let h2 = h.clone();
        let pending =
            tokio::spawn(async move { h2.run(std::future::pending::<Result<()>>()).await });
        tokio::task::yield_now().await;
        h.cancel();
        let e = pending.await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed);
        assert!(h.is_cancelled());
        let e = h.run(async { Ok(1) }).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed);
        h.cancel();
        assert!(h.is_cancelled());
    }

    #[tokio::test]
    async fn an_uncancelled_handle_passes_the_result_through() {
        let h = CancelHandle::default();
        assert_eq!(h.run(async { Ok(7) }).await.unwrap(), 7);
        let e = h
            .run(async { Err::<(), _>(Error::invalid_input("bad")) })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(!h.is_cancelled());
    }
}
