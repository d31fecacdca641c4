//! Progress listeners for long transfers.

use std::sync::Arc;

/// Told how far a long transfer (`send`, `sendRaw`, `sendMime`, `saveAttachment`) got: bytes
/// done and the total when known, at a bounded rate (per chunk of at least 64 KiB), never per
/// byte. Called on a background thread; keep it quick.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    /// `done` bytes of `total` (when known) are through.
    fn on_progress(&self, done: u64, total: Option<u64>);
}

pub(crate) fn to_core(listener: Option<Arc<dyn ProgressListener>>) -> Option<mailwire::Progress> {
    listener
        .map(|l| -> mailwire::Progress { Arc::new(move |done, total| l.on_progress(done, total)) })
}
