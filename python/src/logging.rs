//! Bridges the core's protocol traces ([`mailwire::trace`]; secrets already redacted) to the
//! standard `logging` loggers `mailwire.imap` / `mailwire.smtp` (children of `mailwire`), at
//! DEBUG.
//!
//! The bridge is installed once, but forwards nothing until `_set_tracing(True)`; the
//! facade calls that when a client is created and the `mailwire` logger is enabled for
//! DEBUG. While off, an event costs one atomic load.

use pyo3::prelude::*;

const DEBUG: i32 = 10;

/// Logs one trace line to `logging.getLogger(target)`.
fn to_logging(target: &str, line: String) {
    // Never block interpreter shutdown: skip when Python is not available.
    let _ = crate::runtime::with_python(|py| {
        let result = py
            .import("logging")
            .and_then(|logging| logging.call_method1("getLogger", (target,)))
            .and_then(|logger| logger.call_method1("log", (DEBUG, "%s", line)));
        if let Err(e) = result {
            e.write_unraisable(py, None);
        }
    });
}

/// Installs the bridge as the process's tracing subscriber (once; a no-op when another
/// subscriber was installed first).
pub(crate) fn install() {
    mailwire::trace::forward_traces(to_logging);
}

/// Turns forwarding of protocol traces to `logging` on or off.
#[pyfunction]
pub fn _set_tracing(enabled: bool) {
    mailwire::trace::set_forwarding(enabled);
}

/// Forwards traces while the `mailwire` logger is enabled for DEBUG (checked when a client
/// connects).
pub(crate) fn sync(py: Python<'_>) -> PyResult<()> {
    let enabled = py
        .import("logging")?
        .call_method1("getLogger", ("mailwire",))?
        .call_method1("isEnabledFor", (DEBUG,))?
        .is_truthy()?;
    mailwire::trace::set_forwarding(enabled);
    Ok(())
}
