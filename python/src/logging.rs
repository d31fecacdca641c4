//! Bridges the core's `tracing` events (targets `mailwire::imap`, `mailwire::smtp`, secrets
//! already redacted) to the standard `logging` loggers `mailwire.imap` / `mailwire.smtp`
//! (children of `mailwire`), at DEBUG.
//!
//! The subscriber is installed once, but forwards nothing until `_set_tracing(True)`; the
//! facade calls that when a client is created and the `mailwire` logger is enabled for
//! DEBUG. While off, an event costs one atomic load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

static ENABLED: AtomicBool = AtomicBool::new(false);

const DEBUG: i32 = 10;

struct PythonLogging;

struct Text(String);

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let mut m = String::new();
            let _ = write!(m, "{value:?}");
            self.0.insert_str(0, &m);
        } else {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }
}

impl Subscriber for PythonLogging {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target().starts_with("mailwire") && meta.is_event() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ENABLED.load(Ordering::Relaxed) && meta.target().starts_with("mailwire")
    }

    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut text = Text(String::new());
        event.record(&mut text);
        let name = meta.target().replace("::", ".");
        // Never block interpreter shutdown: skip when Python is not available.
        let _ = crate::runtime::with_python(|py| {
            let result = py
                .import("logging")
                .and_then(|logging| logging.call_method1("getLogger", (name,)))
                .and_then(|logger| logger.call_method1("log", (DEBUG, "%s", text.0)));
            if let Err(e) = result {
                e.write_unraisable(py, None);
            }
        });
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

/// Installs the bridge as the process's tracing subscriber (once; a no-op when another
/// subscriber was installed first).
pub(crate) fn install() {
    let _ = tracing::subscriber::set_global_default(PythonLogging);
}

/// Turns forwarding of protocol traces to `logging` on or off.
#[pyfunction]
pub fn _set_tracing(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
    tracing_core::callsite::rebuild_interest_cache();
}
