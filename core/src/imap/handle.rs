//! [`FetchHandle`]: a fetch stream shared between the calls that pull it and the one that
//! stops it, with the stop contract every binding hands on.

use tokio::sync::Mutex;

use super::fetch::FetchStream;
use super::watch::CancelHandle;
use crate::error::Result;

/// A [`FetchStream`] that several calls may use at once: one pulls batches while another
/// stops it. What every binding's fetch stream is made of.
///
/// # The stop contract
///
/// - [`cancel`](Self::cancel) stops the stream at once: a [`next_batch`](Self::next_batch) in
///   flight fails with [`Closed`](crate::ErrorKind::Closed), later calls find the stream ended
///   (an empty batch). Cancelling twice is harmless.
/// - The connection goes back to the client as soon as the stream is exhausted, fails or is
///   cancelled; the rest of the server's answer is read and discarded before the client's
///   next command.
pub struct FetchHandle<T> {
    inner: Mutex<Option<FetchStream<T>>>,
    cancel: CancelHandle,
}

impl<T: Send + 'static> FetchHandle<T> {
    /// Shares `stream`.
    pub fn new(stream: FetchStream<T>) -> Self {
        FetchHandle {
            inner: Mutex::new(Some(stream)),
            cancel: CancelHandle::new(),
        }
    }

    /// Up to `max` items: whatever has arrived, waiting only when nothing has. Empty at the
    /// end, and after [`cancel`](Self::cancel).
    pub async fn next_batch(&self, max: usize) -> Result<Vec<T>> {
        if self.cancel.is_cancelled() {
            return Ok(Vec::new());
        }
        let result = self
            .cancel
            .run(async {
                let mut guard = self.inner.lock().await;
                let Some(stream) = guard.as_mut() else {
                    return Ok(Vec::new());
                };
                let batch = stream.next_batch(max).await;
                if !matches!(&batch, Ok(b) if !b.is_empty()) {
                    // Exhausted or failed: the connection goes back to the client.
                    *guard = None;
                }
                batch
            })
            .await;
        if result.is_err() {
            self.release();
        }
        result
    }

    /// Stops the stream (see the contract above).
    pub fn cancel(&self) {
        self.cancel.cancel();
        self.release();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Drops the core stream unless a call holds it; that call lets go when it sees the
    /// cancel.
    fn release(&self) {
        if let Ok(mut guard) = self.inner.try_lock() {
            *guard = None;
        }
    }
}

impl<T> std::fmt::Debug for FetchHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchHandle")
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}
