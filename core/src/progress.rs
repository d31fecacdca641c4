//! Progress reporting for long transfers.

use std::sync::Arc;

/// Called during long transfers (sending, saving an attachment) with the bytes done so far
/// and the total when known, at a bounded rate (per chunk of at least 64 KiB), never per
/// byte. It runs on the task doing the transfer: keep it quick.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;
