//! Progress callbacks: a JavaScript function called from the transfer's task through a
//! thread-safe function, never blocking it (calls are queued to the event loop).

use std::sync::Arc;

use napi::bindgen_prelude::{FnArgs, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

/// `(done, total) => void`: bytes done so far and the total when known.
pub type ProgressFn = ThreadsafeFunction<
    FnArgs<(f64, Option<f64>)>,
    Unknown<'static>,
    FnArgs<(f64, Option<f64>)>,
    Status,
    false,
    true,
>;

/// The core's progress callback for `f`.
pub(crate) fn progress(f: ProgressFn) -> mailwire::Progress {
    let f = Arc::new(f);
    Arc::new(move |done, total| {
        f.call(
            (done as f64, total.map(|t| t as f64)).into(),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    })
}
